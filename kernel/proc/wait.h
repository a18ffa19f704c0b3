/*
 * Wait queues: how a thread blocks until something happens (xv6's
 * sleep/wakeup with an explicit queue). One global scheduler lock protects
 * every queue, so the lock order is always: the object's lock, then the
 * scheduler's.
 *
 *	spin_lock(&pipe->lock);
 *	while (pipe->empty) {
 *		long err = wait_sleep(&pipe->readers, &pipe->lock);
 *		if (err) { spin_unlock(&pipe->lock); return err; }   // killed: -SIETCH_EINTR
 *	}
 */
#pragma once

#include <stdint.h>
#include "kernel/arch/spinlock.h"

struct thread;

struct wait_queue {
	struct thread *head, *tail;
};

#define WAIT_QUEUE_INIT { 0, 0 }

/* Releases `held`, sleeps, retakes `held`. Returns 0, or -SIETCH_EINTR if the thread is being killed. */
long wait_sleep(struct wait_queue *queue, struct spinlock *held);
/* As wait_sleep, but also wakes after deadline_ns (timer_now_ns clock); returns 0 either way. */
long wait_sleep_until(struct wait_queue *queue, struct spinlock *held, uint64_t deadline_ns);
void wait_wake_all(struct wait_queue *queue);
void wait_wake_one(struct wait_queue *queue);
/* As wait_wake_one, and the thread runs next (sched_wake_next_locked): for a synchronous IPC partner. */
void wait_wake_one_next(struct wait_queue *queue);
