/* Sets up SYSCALL on each CPU; system calls then reach arch_hooks.syscall (kernel/ctl/syscall.c). */
#include "kernel/arch/syscall.h"
#include <stddef.h>
#include "kernel/arch/cpu.h"
#include "kernel/arch/gdt.h"
#include "kernel/arch/hooks.h"
#include "kernel/arch/percpu.h"
#include "kernel/arch/trap.h"

/* Cleared on entry: IF (no interrupts until the stack is switched), TF, DF (the ABI wants it clear), AC. */
#define SYSCALL_FMASK (RFLAGS_IF | RFLAGS_TF | RFLAGS_DF | RFLAGS_AC)

extern char syscall_entry[];
void arch_syscall(struct trap_frame *frame);

_Static_assert(offsetof(struct cpu, syscall_user_rsp) == CPU_SYSCALL_USER_RSP, "syscall_entry.S must agree");
_Static_assert(offsetof(struct cpu, syscall_kernel_rsp) == CPU_SYSCALL_KERNEL_RSP, "syscall_entry.S must agree");

void arch_syscall_init_this_cpu(void)
{
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	/* STAR[47:32]: kernel CS (SS = +8); STAR[63:48]: base for user SS (+8) and CS (+16), RPL 3. */
	wrmsr(MSR_STAR, ((uint64_t)GDT_KERNEL_CODE << 32) | ((uint64_t)((GDT_USER_DATA - 8) | 3) << 48));
	wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
	wrmsr(MSR_FMASK, SYSCALL_FMASK);
}

/* Called by syscall_entry.S; must leave interrupts disabled for its SYSRET. */
void arch_syscall(struct trap_frame *frame) { arch_hooks.syscall(frame); }
