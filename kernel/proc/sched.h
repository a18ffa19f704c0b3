/*
 * The scheduler: one run queue under one lock for all CPUs (xv6's design),
 * round robin, preemption by the timer tick when it interrupts user mode.
 * Kernel code is never preempted; it blocks only through wait queues.
 * Threads pinned to a CPU wait on that CPU's own queue; a CPU other than 0
 * with pinned threads runs only those (dedicated CPUs, kernel/proc/nohz.h).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include "kernel/proc/thread.h"

void sched_init(void);             /* once, before any thread starts */
void sched_init_this_cpu(void);    /* this CPU's idle thread */
void sched_make_runnable(struct thread *thread);
void sched_yield(void);
/* With sched_lock held and the current thread's state set, run something else. */
void sched_switch(void);
void sched_lock_take(void);
void sched_lock_release(void);
/* Runs a waiting thread if there is one; the idle loop calls this. */
void sched_run_ready(void);
/* On the way back to user mode: leave if killed, give up the CPU if the tick said so. */
struct trap_frame;
void sched_return_to_user(struct trap_frame *frame);
void sched_tick(void);
void sched_idle_halt(void);        /* halt until an interrupt; interrupts disabled around it */
void sched_idle(void) __attribute__((noreturn)); /* the calling CPU becomes idle for good */
void sched_cpu_started(void) __attribute__((noreturn)); /* arch_hooks.cpu_started: a new CPU joins */
void sched_finish_switch(void);    /* new threads, from thread_first_run */
void sched_finish_switch_locked(void);
/* The calling thread runs only on cpu (THREAD_ANY_CPU: anywhere) from now on; it moves there at once. */
void sched_pin_current(int cpu);
/* sched_lock held: the same for another thread, which moves when it next switches (a running one is
 * interrupted for it). True when cpu has just become dedicated: the caller calls nohz_cpu_dedicated. */
bool sched_pin_locked(struct thread *thread, int cpu);
void sched_kicked(void);
/* sched_lock held: make t enter the kernel soon (it was killed) even where no tick would make it. */
void sched_interrupt_locked(struct thread *thread);           /* the reschedule IPI arrived on this CPU */
/* sched_lock held: make a blocked thread runnable. */
void sched_wake_locked(struct thread *thread);
/*
 * As sched_wake_locked, but the thread goes to the front of its run queue:
 * the partner of a synchronous IPC, whom the waker is about to wait for, runs
 * as soon as a CPU switches (the waker's own, when it blocks) instead of after
 * every runnable thread's time slice.
 */
void sched_wake_next_locked(struct thread *thread);
