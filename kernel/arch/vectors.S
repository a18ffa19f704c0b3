/*
 * The 256 interrupt entry points. Each pushes a zero where the CPU pushes no
 * error code (SDM vol.3 §6.13: vectors 8, 10-14, 17, 21, 29, 30 have one), then
 * its vector number, and joins trap_common, which saves the general registers
 * as a struct trap_frame and calls trap_dispatch.
 */
#include "kernel/arch/trap.h"

#define HAS_ERROR(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)

	.text
	.balign 16
	.globl trap_vector_table_start
trap_vector_table_start:
	vector = 0
	.rept 256
	.balign 16
	.if !HAS_ERROR(vector)
	pushq $0
	.endif
	pushq $vector
	jmp trap_common
	vector = vector + 1
	.endr

trap_common:
	/* From user mode (CS.RPL = 3) GS still holds the user's base. */
	testb $3, 24(%rsp)
	jz 1f
	swapgs
1:	PUSH_GENERAL_REGISTERS
	cld
	mov %rsp, %rdi
	/* A frame-pointer link so backtraces walk from the handler into the interrupted code. */
	pushq TRAP_FRAME_RIP(%rsp)
	pushq %rbp
	mov %rsp, %rbp
	call trap_dispatch
	add $16, %rsp
	.globl trap_return
trap_return:
	POP_GENERAL_REGISTERS
	add $16, %rsp                   /* vector and error code */
	testb $3, 8(%rsp)
	jz 1f
	swapgs
1:	iretq
