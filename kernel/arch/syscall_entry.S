/*
 * The SYSCALL entry point (AMD APM vol.2 §6.1.1). The CPU has put the user
 * rip in rcx and rflags in r11, loaded the kernel CS/SS from STAR and cleared
 * the rflags bits in FMASK (IF among them); rsp is still the user's. We switch
 * to the thread's kernel stack, build the same struct trap_frame an interrupt
 * builds, hand it to arch_syscall (which calls the control layer's hook), and
 * leave by SYSRET. Frames that must return some other way (a new
 * thread's first entry, an interrupt) leave by trap_return's iretq instead.
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
	PUSH_GENERAL_REGISTERS
	mov %rsp, %rdi
	pushq TRAP_FRAME_RIP(%rsp)
	pushq $0
	mov %rsp, %rbp
	call arch_syscall
	add $16, %rsp
	/*
	 * SYSRET takes rip from rcx and rflags from r11 (AMD APM vol.2 §6.1.3).
	 * The saved rip is the one SYSCALL stored, so it is canonical: Intel's
	 * SYSRET #GP on a non-canonical rcx, taken in ring 0, cannot happen.
	 * Interrupts stay off from here to the SYSRET (the hook left them off).
	 */
	POP_GENERAL_REGISTERS
	add $16, %rsp                   /* vector and error code */
	popq %rcx                       /* rip */
	add $8, %rsp                    /* cs */
	popq %r11                       /* rflags */
	popq %rsp                       /* the user's stack; ss is implied by STAR */
	swapgs
	sysretq
