/*
 * switch_context(uint64_t *save_rsp, uint64_t load_rsp): the kernel-to-kernel
 * switch between two threads. Only the callee-saved registers of the System V
 * AMD64 ABI need saving (§3.2.1); everything else the C caller already treats
 * as clobbered. A new thread's stack is built by thread_create_user so that
 * the `ret` lands in thread_first_run.
 */
#include "kernel/arch/callee_saved.h"

	.text
	.globl switch_context
switch_context:
	PUSH_CALLEE_SAVED
	mov %rsp, (%rdi)
	mov %rsi, %rsp
	POP_CALLEE_SAVED
	ret

/* A new thread's first instructions: finish the switch, then leave through trap_return. */
	.globl thread_first_run
thread_first_run:
	call sched_finish_switch
	jmp trap_return
