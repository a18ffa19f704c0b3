/* Wait queues (kernel/proc/wait.h), all under the scheduler's lock. */
#include "kernel/proc/wait.h"
#include "kernel/console.h"
#include "kernel/proc/sched.h"
#include "kernel/proc/thread.h"
#include "kernel/proc/wait_internal.h"
#include "lib/common/syscall.h"

/* Threads with a deadline, wherever else they wait; the tick scans this list. */
static struct thread *timed_head;

void wait_queue_remove(struct wait_queue *q, struct thread *t)
{
	struct thread *prev = 0;
	for (struct thread *cur = q->head; cur; prev = cur, cur = cur->queue_next) {
		if (cur != t)
			continue;
		if (prev)
			prev->queue_next = cur->queue_next;
		else
			q->head = cur->queue_next;
		if (q->tail == cur)
			q->tail = prev;
		cur->queue_next = 0;
		return;
	}
}

void wait_queue_push(struct wait_queue *q, struct thread *t)
{
	t->queue_next = 0;
	if (q->tail)
		q->tail->queue_next = t;
	else
		q->head = t;
	q->tail = t;
}

static void timed_remove(struct thread *t)
{
	for (struct thread **link = &timed_head; *link; link = &(*link)->timed_next)
		if (*link == t) {
			*link = t->timed_next;
			t->timed_next = 0;
			return;
		}
}

/* sched_lock held; next: to the front of the run queue (sched_wake_next_locked) */
static void wake_thread_as(struct thread *t, bool next)
{
	if (t->waiting_on)
		wait_queue_remove(t->waiting_on, t);
	t->waiting_on = 0;
	if (t->wake_deadline_ns) {
		t->wake_deadline_ns = 0;
		timed_remove(t);
	}
	if (next)
		sched_wake_next_locked(t);
	else
		sched_wake_locked(t);
}

static void wake_thread(struct thread *t) { wake_thread_as(t, false); }

static long sleep_on(struct wait_queue *q, struct spinlock *held, uint64_t deadline)
{
	struct thread *t = thread_current();
	if (!t || (!t->proc && !t->kernel))
		panic("wait_sleep outside a process or kernel thread");
	sched_lock_take();
	if (held)
		spin_unlock(held);
	if (t->killed) {
		sched_lock_release();
		if (held)
			spin_lock(held);
		return -SIETCH_EINTR;
	}
	wait_queue_push(q, t);
	t->waiting_on = q;
	if (deadline) {
		t->timed_next = timed_head;
		timed_head = t;
		t->wake_deadline_ns = deadline;
	}
	t->state = THREAD_BLOCKED;
	sched_switch();
	sched_lock_release();
	thread_reap_pending();
	if (held)
		spin_lock(held);
	return t->killed ? -SIETCH_EINTR : 0;
}

long wait_sleep(struct wait_queue *q, struct spinlock *held) { return sleep_on(q, held, 0); }

long wait_sleep_until(struct wait_queue *q, struct spinlock *held, uint64_t deadline_ns)
{
	long err = sleep_on(q, held, deadline_ns ? deadline_ns : 1);
	return err == -SIETCH_EINTR ? err : 0;
}

void wait_wake_all(struct wait_queue *q)
{
	sched_lock_take();
	while (q->head)
		wake_thread(q->head);
	sched_lock_release();
}

void wait_wake_one(struct wait_queue *q)
{
	sched_lock_take();
	if (q->head)
		wake_thread(q->head);
	sched_lock_release();
}

void wait_wake_one_next(struct wait_queue *q)
{
	sched_lock_take();
	if (q->head)
		wake_thread_as(q->head, true);
	sched_lock_release();
}

void wait_cancel(struct thread *t)
{
	/* Only a thread asleep on a queue: one created but not yet started is also BLOCKED, and
	 * thread_start will queue it; waking it here too would put it on the run queue twice. */
	if (t->state == THREAD_BLOCKED && t->waiting_on)
		wake_thread(t);
}

void wait_expire_deadlines(uint64_t now)
{
	sched_lock_take();
	struct thread *t = timed_head;
	while (t) {
		struct thread *next = t->timed_next; /* wake_thread unlinks t */
		if (t->wake_deadline_ns <= now)
			wake_thread(t);
		t = next;
	}
	sched_lock_release();
}
