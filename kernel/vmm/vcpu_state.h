/*
 * What SVM and VMX do alike to a vCPU's state (kernel/vmm/vcpu_state.c): both
 * keep the guest's registers in a VMCB image (VMX copies it to and from its
 * VMCS around each entry), so one piece of code serves both back ends.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "kernel/vmm/svm_vmcb.h"
#include "kernel/vmm/vm.h"

struct x86_mem;
struct x86_paged_mem;

/* A new vCPU's bookkeeping: the FPU image of a processor after RESET/INIT, no
 * CPU entered yet, no event pending, and a serial number of its own. */
void vcpu_state_init(struct vcpu *vcpu);

/* An INTR, from any thread, the vCPU running or not: if it is in the guest, an IPI ends
 * that run so the next entry delivers it. -SIETCH_EBUSY while one is still pending. */
long vcpu_inject_intr(struct vcpu *vcpu, const struct sietch_vcpu_event *e);

/* #GP(0), delivered at the next entry. */
void vcpu_inject_gp(struct vcpu *vcpu);

/* RDMSR/WRMSR of EFER (C000_0080h), 2 bytes (0F 32 / 0F 30): the guest reads and sets
 * its own bits of allowed; a write of any other bit is #GP. */
void vcpu_efer_emulate(struct vcpu *vcpu, bool write, uint64_t allowed);

/* What an entry does about interrupts, from vcpu_events_prepare. */
enum vcpu_window {
	VCPU_WINDOW_NONE, /* enter; no interrupt-window exit is wanted */
	VCPU_WINDOW_ARM,  /* enter with the back end's interrupt-window exit armed */
	VCPU_WINDOW_OPEN, /* do not enter: the window the VMM asked for is open now */
};

/* Before an entry, interrupts off: a pending INTR goes into the image's
 * EVENTINJ once the guest can take it; until then, and while the VMM wants a
 * window, the back end arms its interrupt-window exit. */
enum vcpu_window vcpu_events_prepare(struct vcpu *vcpu);

/* Whether this entry on cpu must flush the guest's TLB: another vCPU entered
 * there since (*cpu_last_serial, the CPU's record, now names this one), this
 * one last ran elsewhere, or the VM's nested table lost entries. */
bool vcpu_tlb_stale(struct vcpu *vcpu, uint64_t *cpu_last_serial, uint32_t cpu);

/* The guest's memory as an instruction fetch at its CPL sees it: linear
 * addresses through the guest's own paging, walked in software over gpa_mem
 * (guest-physical memory), as *lin_mem backed by *linear. Returns the linear
 * address of CS:RIP. */
uint64_t vcpu_fetch_view(const struct vmcb *v, const struct x86_mem *gpa_mem, struct x86_paged_mem *linear,
			 struct x86_mem *lin_mem);

/* The bytes at the guest's CS:RIP into exit->mmio.insn, as far as they are RAM
 * (vcpu_fetch_view). */
void vcpu_fetch_instruction(struct vcpu *vcpu, const struct x86_mem *gpa_mem, struct sietch_vm_exit *exit);

/* New segment and control registers, checked on a copy of the image against
 * what this CPU allows: refused state never reaches the vCPU (-SIETCH_EINVAL). */
long vcpu_sregs_set(struct vcpu *vcpu, const struct sietch_vcpu_sregs *sregs, const struct svm_limits *limits);
