/*
 * What SVM and VMX do alike to a vCPU's state (kernel/vmm/vcpu_state.c): both
 * keep the guest's registers in a VMCB image (VMX copies it to and from its
 * VMCS around each entry), so one piece of code serves both back ends.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "kernel/vmm/vm.h"

/* The FXSAVE image of a processor after RESET/INIT. */
void vcpu_fpu_reset(uint8_t *fx);

/* An INTR, from any thread, the vCPU running or not: if it is in the guest, an IPI ends
 * that run so the next entry delivers it. -SIETCH_EBUSY while one is still pending. */
long vcpu_inject_intr(struct vcpu *vcpu, const struct sietch_vcpu_event *e);

/* #GP(0), delivered at the next entry. */
void vcpu_inject_gp(struct vcpu *vcpu);

/* RDMSR/WRMSR of EFER (C000_0080h), 2 bytes (0F 32 / 0F 30): the guest reads and sets
 * its own bits of allowed; a write of any other bit is #GP. */
void vcpu_efer_emulate(struct vcpu *vcpu, bool write, uint64_t allowed);
