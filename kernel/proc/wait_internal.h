/* Between the scheduler and wait queues only. */
#pragma once

#include <stdint.h>

struct thread;
struct wait_queue;
void wait_queue_push(struct wait_queue *queue, struct thread *thread);   /* sched_lock held: at the tail */
void wait_queue_remove(struct wait_queue *queue, struct thread *thread); /* sched_lock held; no-op if absent */
void wait_expire_deadlines(uint64_t now_ns); /* from the tick, on one CPU */
void wait_cancel(struct thread *thread);     /* sched_lock held: take it off its queue and wake it */
void thread_reap_later(struct thread *thread); /* sched_lock held */
void thread_reap_pending(void);
