/*
 * Assembler macros for the world switches (svm_switch.S, vmx_switch.S): the
 * guest's general registers to and from the caller's array gpr[16], in the
 * x86 encoding order (gpr[0] RAX, 1 RCX, 2 RDX, 3 RBX, 4 RSP, 5 RBP, 6 RSI,
 * 7 RDI, 8-15 R8-R15): the twelve registers both move alike. RAX, RSP, RSI
 * and RDI are each switch's own business: the hardware holds the guest's RSP
 * (and on SVM its RAX) in the VMCB or VMCS, and RSI or RDI holds the array.
 */
#pragma once

/* base: the register holding gpr; it must be none of the twelve. */
.macro GUEST_GPRS_LOAD base
	mov 8*1(\base), %rcx
	mov 8*2(\base), %rdx
	mov 8*3(\base), %rbx
	mov 8*5(\base), %rbp
	mov 8*8(\base), %r8
	mov 8*9(\base), %r9
	mov 8*10(\base), %r10
	mov 8*11(\base), %r11
	mov 8*12(\base), %r12
	mov 8*13(\base), %r13
	mov 8*14(\base), %r14
	mov 8*15(\base), %r15
.endm

.macro GUEST_GPRS_SAVE base
	mov %rcx, 8*1(\base)
	mov %rdx, 8*2(\base)
	mov %rbx, 8*3(\base)
	mov %rbp, 8*5(\base)
	mov %r8, 8*8(\base)
	mov %r9, 8*9(\base)
	mov %r10, 8*10(\base)
	mov %r11, 8*11(\base)
	mov %r12, 8*12(\base)
	mov %r13, 8*13(\base)
	mov %r14, 8*14(\base)
	mov %r15, 8*15(\base)
.endm
