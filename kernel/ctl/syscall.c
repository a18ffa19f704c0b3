/* From the SYSCALL instruction to sys_<name>, through the one table in lib/common/syscall.h. */
#include "kernel/ctl/syscall.h"
#include "kernel/arch/cpu.h"
#include "kernel/arch/gdt.h"
#include "kernel/arch/percpu.h"
#include "kernel/arch/trap.h"
#include "kernel/ctl/counters.h"
#include "kernel/proc/sched.h"

#define EFER_SCE (1ull << 0)
/* Cleared on entry: IF (no interrupts until the stack is switched), TF, DF (the ABI wants it clear), AC. */
#define SYSCALL_FMASK ((1ull << 9) | (1ull << 8) | (1ull << 10) | (1ull << 18))

extern char syscall_entry[];

_Static_assert(offsetof(struct cpu, syscall_user_rsp) == CPU_SYSCALL_USER_RSP, "syscall_entry.S must agree");
_Static_assert(offsetof(struct cpu, syscall_kernel_rsp) == CPU_SYSCALL_KERNEL_RSP, "syscall_entry.S must agree");

typedef long (*syscall_fn)(const struct syscall_args *args);

static const syscall_fn syscall_table[SYS_COUNT] = {
#define SYSCALL_ENTRY(number, name, ...) [SYS_##name] = sys_##name,
	SIETCH_SYSCALLS(SYSCALL_ENTRY)
#undef SYSCALL_ENTRY
};

void syscall_init_this_cpu(void)
{
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	/* STAR[47:32]: kernel CS (SS = +8); STAR[63:48]: base for user SS (+8) and CS (+16), RPL 3. */
	wrmsr(MSR_STAR, ((uint64_t)GDT_KERNEL_CODE << 32) | ((uint64_t)((GDT_USER_DATA - 8) | 3) << 48));
	wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
	wrmsr(MSR_FMASK, SYSCALL_FMASK);
}

void syscall_dispatch(struct trap_frame *frame)
{
	uint64_t number = frame->rax;
	counters_syscall(number);
	interrupts_enable();
	struct syscall_args args = { { frame->rdi, frame->rsi, frame->rdx, frame->r10, frame->r8, frame->r9 } };
	frame->rax = number < SYS_COUNT ? (uint64_t)syscall_table[number](&args) : (uint64_t)-SIETCH_ENOSYS;
	interrupts_disable();
	sched_return_to_user(frame);
}
