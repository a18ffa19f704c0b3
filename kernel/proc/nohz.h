/*
 * Dedicated CPUs (Linux's isolcpus with nohz_full, as one mechanism): a CPU
 * other than CPU 0 with a thread pinned to it (thread_pin) runs only the
 * threads pinned there. While it has at most one of them to run, its timer
 * tick is stopped, so a thread that polls a device queue in user mode is
 * never interrupted: no tick, no wake-up or TLB IPI meant for someone else
 * (kernel/proc/sched.c, kernel/arch/tlb.c), no device interrupt (they are
 * steered to CPU 0). A second thread pinned there restarts the tick, by an
 * IPI from whichever CPU made it runnable. CPU 0 always ticks: it expires
 * every sleeper's deadline (kernel/proc/wait.c) and runs unpinned threads.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

void nohz_init(void);                /* the reschedule IPI's handler; once */
/* sched_lock held, on this CPU: start or stop its tick (no-op when it is already so). */
void nohz_tick_set(bool needed);
bool nohz_tick_stopped(uint32_t cpu); /* sched_lock held, so the answer stays true while it is */
/* CPU `cpu` has just become dedicated: move device interrupts off it. */
void nohz_cpu_dedicated(uint32_t cpu);
