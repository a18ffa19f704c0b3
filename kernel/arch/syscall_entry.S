/*
 * The SYSCALL entry point (AMD APM vol.2 §6.1.1). The CPU has put the user
 * rip in rcx and rflags in r11, loaded the kernel CS/SS from STAR and cleared
 * the rflags bits in FMASK (IF among them); rsp is still the user's. We switch
 * to the thread's kernel stack, build the same struct trap_frame an interrupt
 * builds, and leave through trap_return's iretq, which also restores rcx/r11
 * and never trips over SYSRET's non-canonical-rip #GP in ring 0.
 */
#include "kernel/arch/gdt.h"
#include "kernel/arch/percpu_offsets.h"
#include "kernel/arch/trap.h"

#define SYSCALL_VECTOR 0x100 /* not a hardware vector: marks a system call frame */

	.text
	.globl syscall_entry
syscall_entry:
	swapgs
	mov %rsp, %gs:CPU_SYSCALL_USER_RSP
	mov %gs:CPU_SYSCALL_KERNEL_RSP, %rsp
	pushq $(GDT_USER_DATA | 3)
	pushq %gs:CPU_SYSCALL_USER_RSP
	pushq %r11
	pushq $(GDT_USER_CODE | 3)
	pushq %rcx
	pushq $0
	pushq $SYSCALL_VECTOR
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	mov %rsp, %rdi
	pushq TRAP_FRAME_RIP(%rsp)
	pushq $0
	mov %rsp, %rbp
	call syscall_dispatch
	add $16, %rsp
	jmp trap_return
