/*
 * Turning on long mode, shared by the bootstrap CPU (boot/entry.S, from 32-bit
 * protected mode) and the others (boot/ap_trampoline.S, from real mode):
 * PAE, then CR3, then EFER.LME (and NXE), then paging (SDM vol.3 §10.8.5).
 * CR0.PE is set in the same write, which is what lets real mode go straight
 * to long mode; CR0.WP makes the kernel honour read-only pages too.
 */
#pragma once

#include "kernel/arch/regs.h"

/* pml4: an operand giving the physical address of the top-level table. */
.macro ENABLE_LONG_MODE pml4
	mov %cr4, %eax
	or $(CR4_PAE | CR4_PGE), %eax
	mov %eax, %cr4
	movl \pml4, %eax
	mov %eax, %cr3
	mov $MSR_EFER, %ecx
	rdmsr
	or $(EFER_LME | EFER_NXE), %eax
	wrmsr
	mov %cr0, %eax
	or $(CR0_PE | CR0_PG | CR0_WP), %eax
	mov %eax, %cr0
.endm
