/*
 * Shadow paging under SVM (kernel/shadowpt does the paging; this file is
 * what SVM adds): the VMCB runs with nested paging off, CR0/CR3/CR4 reads
 * and writes, INVLPG and #PF intercepted.
 *
 * The VMCB holds the guest's own CR0/CR3/CR4/EFER at every moment but the
 * VMRUN itself: svm_shadow_enter puts the hardware's (the shadow root, PG
 * and WP forced on, PAE underneath) in just before, svm_shadow_left puts
 * the guest's back just after. So everything else in the back end (the
 * consistency checks, register get/set, exit records, instruction fetch)
 * sees the guest's values, as with nested paging.
 */
#pragma once

#include <stdbool.h>

#include "kernel/vmm/vm.h"

/* svm_vcpu_init's part in a shadow-paged VM: 0 or -SIETCH_ENOMEM. */
int svm_shadow_init(struct vcpu *vcpu);
void svm_shadow_free(struct vcpu *vcpu);

/* Around one VMRUN (interrupts on: a CR3 load may resynchronise a root). */
int svm_shadow_enter(struct vcpu *vcpu);
void svm_shadow_left(struct vcpu *vcpu);
/* Whether the TLB must be flushed at this entry; clears the request. */
bool svm_shadow_take_flush(struct vcpu *vcpu);

/* An exit shadow paging handles (true, with reason the counter's), or one
 * it turns into the VMM's (false: an MMIO exit for a #PF on no memory). */
bool svm_shadow_exit(struct vcpu *vcpu, enum sietch_vm_exit_reason *reason);
