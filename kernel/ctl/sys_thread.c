/* System calls on threads: create, exit, yield, sleep. */
#include "kernel/arch/timer.h"
#include "kernel/ctl/syscall.h"
#include "kernel/mm/uaccess.h"
#include "kernel/proc/proc.h"
#include "kernel/proc/proc_internal.h"
#include "kernel/proc/sched.h"

#define MAX_THREADS_PER_PROC 64
#define MAX_SLEEP_NS (3600ull * 1000000000ull)

long sys_thread_create(const struct syscall_args *args)
{
	uint64_t entry = args->arg[0], stack_top = args->arg[1], arg = args->arg[2];
	if (!entry || !user_range_ok(entry, 1) || !user_range_ok(stack_top - 16, 16) || stack_top < 16)
		return -SIETCH_EFAULT;
	struct proc *self = proc_current();
	if (self->thread_count >= MAX_THREADS_PER_PROC)
		return -SIETCH_EAGAIN;
	/* The ABI wants rsp + 8 16-byte aligned at function entry, as after a call (SysV §3.2.2). */
	struct thread *t = thread_create_user(self, entry, (stack_top & ~15ull) - 8, arg);
	if (!t)
		return -SIETCH_ENOMEM;
	proc_add_thread(self, t);
	thread_start(t);
	return t->tid;
}

long sys_thread_exit(const struct syscall_args *args)
{
	(void)args;
	thread_exit();
}

long sys_thread_yield(const struct syscall_args *args)
{
	(void)args;
	sched_yield();
	return 0;
}

long sys_thread_sleep(const struct syscall_args *args)
{
	uint64_t ns = args->arg[0];
	if (ns > MAX_SLEEP_NS)
		return -SIETCH_EINVAL;
	struct wait_queue nobody_wakes_this = WAIT_QUEUE_INIT;
	return wait_sleep_until(&nobody_wakes_this, 0, timer_now_ns() + ns);
}
