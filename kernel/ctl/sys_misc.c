/* Clocks and the process list. */
#include "kernel/arch/timer.h"
#include "kernel/ctl/syscall.h"
#include "kernel/mm/heap.h"
#include "kernel/mm/uaccess.h"
#include "kernel/proc/proc.h"
#include "kernel/proc/thread.h"
#include "kernel/proc/time_page.h"

/*
 * The scheduler adds a thread's run to its process only when it switches
 * away; add this thread's current run, so the clock moves while it computes.
 * Kernel code is not preempted, so nothing moves between the two reads.
 */
static uint64_t process_cpu_ns(void)
{
	struct thread *self = thread_current();
	uint64_t ns = __atomic_load_n(&proc_current()->cpu_ns, __ATOMIC_RELAXED);
	if (self && self->ran_since_ns)
		ns += timer_now_ns() - self->ran_since_ns;
	return ns;
}

long sys_clock_get(const struct syscall_args *args)
{
	uint64_t clock = args->arg[0], user_ns = args->arg[1], ns;
	if (clock != SIETCH_CLOCK_MONOTONIC && clock != SIETCH_CLOCK_REALTIME && clock != SIETCH_CLOCK_PROCESS)
		return -SIETCH_EINVAL;
	if (!user_range_ok(user_ns, sizeof(ns)))
		return -SIETCH_EFAULT;

	if (clock == SIETCH_CLOCK_MONOTONIC)
		ns = timer_now_ns();
	else if (clock == SIETCH_CLOCK_REALTIME)
		ns = time_page_realtime_ns();
	else
		ns = process_cpu_ns();
	return copy_to_user(user_ns, &ns, sizeof(ns));
}

/* proc_list(buf, count): up to count entries; returns how many were written. */
long sys_proc_list(const struct syscall_args *args)
{
	uint64_t user_buf = args->arg[0], count = args->arg[1];
	if (count > MAX_PROCS)
		count = MAX_PROCS; /* there cannot be more; a bigger buffer is fine */
	if (!user_range_ok(user_buf, count * sizeof(struct sietch_proc_info)))
		return -SIETCH_EFAULT;
	if (count == 0)
		return 0;

	struct sietch_proc_info *info = kzalloc(count * sizeof(*info)); /* zeroed: no kernel bytes leak out */
	if (!info)
		return -SIETCH_ENOMEM;
	size_t n = proc_snapshot(info, count);
	if (n > count)
		n = count;
	long err = copy_to_user(user_buf, info, n * sizeof(*info));
	kfree(info);
	return err ? err : (long)n;
}
