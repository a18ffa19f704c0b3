/*
 * The work queue and its kernel thread (work.h). The thread has no process:
 * it runs in the kernel's address space and the scheduler switches to it like
 * any other thread; it is never preempted (kernel code is not, sched.h) and
 * gives the CPU back by sleeping when the queue is empty.
 */
#include "kernel/proc/work.h"
#include "kernel/arch/cpu.h"
#include "kernel/arch/layout.h"
#include "kernel/arch/spinlock.h"
#include "kernel/console.h"
#include "kernel/mm/heap.h"
#include "kernel/proc/sched.h"
#include "kernel/proc/thread.h"
#include "kernel/proc/wait.h"
#include "lib/common/string.h"
#include "lib/common/syscall.h"

static struct spinlock work_lock = SPINLOCK_INIT("work");
static struct wait_queue work_waiting = WAIT_QUEUE_INIT;
static struct work *head, *tail;
static struct thread *worker;

/* Callee-saved registers that switch_context pops, then its return address (switch.S). */
struct kernel_switch_frame {
	uint64_t r15, r14, r13, r12, rbx, rbp, rip;
	uint64_t call_slot; /* the entry starts as if called: rsp = 8 mod 16 (psABI §3.2.2) */
};

static _Noreturn void work_thread(void)
{
	sched_finish_switch(); /* as a new thread does: sched_lock released */
	interrupts_enable();
	spin_lock(&work_lock);
	for (;;) {
		while (!head)
			wait_sleep(&work_waiting, &work_lock); /* a kernel thread is never killed */
		struct work *w = head;
		head = w->next;
		if (!head)
			tail = NULL;
		w->next = NULL;
		w->queued = false;
		spin_unlock(&work_lock);
		w->run(w);
		spin_lock(&work_lock);
	}
}

long work_start(void)
{
	if (__atomic_load_n(&worker, __ATOMIC_ACQUIRE))
		return 0;
	struct thread *t = kzalloc(sizeof(*t));
	uint8_t *stack = t ? kmalloc(KERNEL_STACK_SIZE) : NULL;
	if (!stack) {
		kfree(t);
		return -SIETCH_ENOMEM;
	}
	t->kernel_stack = stack;
	t->kernel = true;
	t->state = THREAD_BLOCKED;
	t->pinned_cpu = THREAD_ANY_CPU;
	struct kernel_switch_frame *sw = (struct kernel_switch_frame *)(stack + KERNEL_STACK_SIZE) - 1;
	memset(sw, 0, sizeof(*sw));
	sw->rip = (uint64_t)work_thread;
	t->saved_rsp = (uint64_t)sw;
	struct thread *none = NULL;
	if (!__atomic_compare_exchange_n(&worker, &none, t, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		thread_free(t); /* another CPU started it first */
		return 0;
	}
	thread_start(t);
	return 0;
}

bool work_post(struct work *w)
{
	if (!__atomic_load_n(&worker, __ATOMIC_ACQUIRE))
		return false;
	spin_lock(&work_lock);
	if (!w->queued) {
		w->queued = true;
		w->next = NULL;
		if (tail)
			tail->next = w;
		else
			head = w;
		tail = w;
		wait_wake_one(&work_waiting);
	}
	spin_unlock(&work_lock);
	return true;
}
