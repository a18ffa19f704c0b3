/* System calls on threads: create, exit, yield, sleep. */
#include "kernel/arch/cpu.h"
#include "kernel/arch/percpu.h"
#include "kernel/arch/timer.h"
#include "kernel/ctl/syscall.h"
#include "kernel/mm/uaccess.h"
#include "kernel/proc/proc.h"
#include "kernel/proc/proc_internal.h"
#include "kernel/proc/sched.h"

#define MAX_SLEEP_NS (3600ull * 1000000000ull)

/* A page of the caller's with every bit in `need` set and none in `refuse`. */
static bool user_page_has(struct proc *p, uint64_t va, uint64_t need, uint64_t refuse)
{
	uint64_t pte;
	return user_range_ok(va, 1) && vm_translate(&p->space, va, 0, &pte) && (pte & need) == need &&
	       !(pte & refuse);
}

long sys_thread_create(const struct syscall_args *args)
{
	uint64_t entry = args->arg[0], stack_top = args->arg[1], arg = args->arg[2];
	struct proc *self = proc_current();
	/* Checked now so a mistake is an error code, not a thread that faults and takes the process down. */
	if (!user_page_has(self, entry, PTE_USER, PTE_NX))
		return -SIETCH_EFAULT;
	if (stack_top < 16 || !user_page_has(self, (stack_top & ~15ull) - 8, PTE_USER | PTE_WRITE, 0))
		return -SIETCH_EFAULT;
	/* The ABI wants rsp + 8 16-byte aligned at function entry, as after a call (SysV §3.2.2). */
	struct thread *t = thread_create_user(self, entry, (stack_top & ~15ull) - 8, arg);
	if (!t)
		return -SIETCH_ENOMEM;
	/* The thread limit is checked here, where the count is raised under the same lock, not before. */
	long err = proc_add_thread(self, t);
	if (err) {
		thread_free(t); /* never started, never seen by the scheduler */
		return err;
	}
	uint32_t tid = t->tid; /* once started, t may run, exit and be freed before this returns */
	thread_start(t);
	return tid;
}

long sys_thread_set_pointer(const struct syscall_args *args)
{
	uint64_t pointer = args->arg[0];
	if (!user_range_ok(pointer, 0))
		return -SIETCH_EFAULT;
	/* Only the calling thread, and it is running here: load it now, the switch reloads it later. */
	thread_current()->fs_base = pointer;
	wrmsr(MSR_FS_BASE, pointer);
	return 0;
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

/* thread_pin(tid, cpu): that thread of the caller's (0: the caller) runs only on that CPU (SIETCH_CPU_ANY: anywhere). */
long sys_thread_pin(const struct syscall_args *args)
{
	uint64_t tid = args->arg[0], cpu = args->arg[1];
	if (cpu != SIETCH_CPU_ANY && cpu >= cpus_online)
		return -SIETCH_EINVAL;
	if (tid > UINT32_MAX)
		return -SIETCH_ESRCH;
	return proc_pin_thread(proc_current(), tid, cpu == SIETCH_CPU_ANY ? THREAD_ANY_CPU : (int)cpu);
}
