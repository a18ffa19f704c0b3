/*
 * Shadow paging under VMX (kernel/shadowpt does the paging; this file is
 * what VMX adds): a VMCS with EPT and unrestricted guest off, CR3 loads and
 * stores, INVLPG and #PF exiting on.
 *
 * Without EPT there is no unrestricted guest (SDM vol.3C §26.2.1.1): the
 * processor runs the guest with CR0.PE and CR0.PG set whatever the guest
 * says. That suits the shadow: with the guest's paging off it runs on the
 * engine's identity shadow (linear = guest physical) with CR0.PG forced on
 * underneath, and the guest reads its own CR0, PG clear, from the CR0 read
 * shadow (every CR0/CR4 bit is host-owned, §25.6.6). A guest in real mode
 * (CR0.PE clear) cannot run this way at all: vCPUs start in protected mode
 * (the Multiboot2 entry), and the real-mode AP start-up is not emulated.
 *
 * The register image (vmx.c) holds the guest's own CR0/CR3/CR4/EFER at
 * every moment; vmx_shadow_enter works out the hardware's, which vmx.c
 * writes into the VMCS: the shadow root as CR3, PAE underneath, and EFER
 * with LME only in long mode, where the IA-32e mode guest entry control
 * goes on with it (§27.3.1.1: LMA must equal that control).
 */
#pragma once

#include <stdbool.h>

#include "kernel/vmm/vm.h"
#include "kernel/vmm/vmx.h"
#include "lib/common/x86_walk.h"

/* vmx_vcpu_init's part in a shadow-paged VM: 0 or -SIETCH_ENOMEM. */
int vmx_shadow_init(struct vcpu *vcpu);
void vmx_shadow_free(struct vcpu *vcpu);

/* Before an entry, interrupts on: the shadow for the guest's registers now,
 * *hw the CR0/CR3/CR4/EFER the VMCS gets (CR0/CR4 before the VMX fixed bits).
 * 0 or -SIETCH_ENOMEM. */
int vmx_shadow_enter(struct vcpu *vcpu, struct x86_paging *hw);
/* Whether the guest's TLB must be flushed at this entry; clears the request. */
bool vmx_shadow_take_flush(struct vcpu *vcpu);

/* A #PF exit (exit: qualification the linear address, error_code the
 * #PF's): true when the kernel handled it (reason the counter's), false
 * for the VMM (exit turned into the EPT violation an MMIO access makes). */
bool vmx_shadow_page_fault(struct vcpu *vcpu, struct vmx_exit_info *exit, enum sietch_vm_exit_reason *reason);
/* An INVLPG exit (the qualification is the linear address, §28.2.1). */
void vmx_shadow_invlpg(struct vcpu *vcpu, uint64_t linear);
