/*
 * Assembler macros for .S files: saving and restoring the registers the
 * System V AMD64 ABI makes callee-saved (§3.2.1: RBX, RBP, R12-R15), for a
 * routine that clobbers them or comes back on another stack. The order is
 * fixed: a new thread's first switch pops a frame thread_create_user built
 * (struct initial_switch_frame in kernel/proc/thread.c).
 */
#pragma once

.macro PUSH_CALLEE_SAVED
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
.endm

/* PUSH_CALLEE_SAVED's registers back, in the reverse order. */
.macro POP_CALLEE_SAVED
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
.endm
