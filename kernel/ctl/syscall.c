/* From the SYSCALL instruction to sys_<name>, through the one table in lib/common/syscall.h. */
#include "kernel/ctl/syscall.h"
#include "kernel/arch/cpu.h"
#include "kernel/arch/hooks.h"
#include "kernel/arch/trap.h"
#include "kernel/ctl/counters.h"
#include "kernel/proc/sched.h"

typedef long (*syscall_fn)(const struct syscall_args *args);

static const syscall_fn syscall_table[SYS_COUNT] = {
#define SYSCALL_ENTRY(number, name, ...) [SYS_##name] = sys_##name,
	SIETCH_SYSCALLS(SYSCALL_ENTRY)
#undef SYSCALL_ENTRY
};

static void syscall_dispatch(struct trap_frame *frame)
{
	uint64_t number = frame->rax;
	counters_syscall(number);
	interrupts_enable();
	struct syscall_args args = { { frame->rdi, frame->rsi, frame->rdx, frame->r10, frame->r8, frame->r9 } };
	/* Rows are numbered in blocks given out ahead of use, so the table may have holes: ENOSYS there too. */
	syscall_fn fn = number < SYS_COUNT ? syscall_table[number] : 0;
	frame->rax = fn ? (uint64_t)fn(&args) : (uint64_t)-SIETCH_ENOSYS;
	interrupts_disable();
	sched_return_to_user(frame);
}

void syscall_init(void) { arch_hooks.syscall = syscall_dispatch; }
