/*
 * The guest's control registers as a back end keeps them when the
 * processor does not: what MOV to CR0/CR3/CR4, LMSW and CLTS do to the
 * guest's CR0/CR3/CR4/EFER, checked as the processor checks them, and the
 * event a guest's own page fault becomes. Shared by SVM shadow paging
 * (svm_shadow.c) and the VMX back end (vmx.c, vmx_shadow.c), which own
 * every CR0/CR4 bit; freestanding and host-tested (tests/unit/guest_cr_ut.c).
 *
 * Events are in the VMCB's EVENTINJ encoding (AMD APM vol.2 §15.20), which
 * is also VMX's interruption information (SDM vol.3C §25.8.3) in its low half.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "lib/common/x86_walk.h"

/* What a write asks of the caller besides the new value (bits). */
#define GUEST_CR_GP 1u	      /* the instruction faults: inject #GP(0), RIP stays */
#define GUEST_CR_CR3_LOAD 2u  /* a MOV to CR3: the shadow resynchronises */
#define GUEST_CR_FLUSH_ALL 4u /* the guest's whole TLB goes, global entries too */

/* MOV to CRn (0, 3 or 4) of value into g's cr0/cr3/cr4/efer. cr4_allowed:
 * the CR4 bits the processor lets the guest set (others #GP). 0 or GUEST_CR_*. */
unsigned guest_cr_write(struct x86_paging *g, unsigned cr, uint64_t value, uint64_t cr4_allowed);

/* MOV from CRn (0, 3 or 4). */
uint64_t guest_cr_read(const struct x86_paging *g, unsigned cr);

/* The CR0 that LMSW source makes from cr0: bits 3:0 only, PE set but never
 * cleared (SDM vol.2 "LMSW"). */
uint64_t guest_cr_lmsw(uint64_t cr0, uint64_t source);

/* INVLPG's linear address from its operand's segment (0 ES ... 5 GS), that
 * segment's base and the operand's offset: in 64-bit mode only FS and GS
 * have a base, elsewhere the address wraps at 4 GiB (SDM vol.3A §3.4.4). */
uint64_t guest_cr_linear(bool mode64, unsigned segment, uint64_t base, uint64_t offset);

/* The event that delivers the guest's own fault f (EVENTINJ encoding); a #PF
 * also sets *cr2. prior: the event the exit interrupted (EVENTINJ encoding,
 * 0 for none): a #PF while a #PF was being delivered is a double fault
 * (SDM vol.3A §6.15, Table 6-5). */
uint64_t guest_cr_fault_event(uint64_t prior, const struct x86_fault *f, uint64_t *cr2);
