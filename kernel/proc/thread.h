/* Threads: what the scheduler runs. Each has its own kernel stack and FPU/SSE state. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include "kernel/proc/wait.h"

enum thread_state { THREAD_RUNNABLE, THREAD_RUNNING, THREAD_BLOCKED, THREAD_DEAD };

#define THREAD_ANY_CPU (-1)

#define FPU_STATE_SIZE 512 /* FXSAVE area, SDM vol.1 §10.5.1 */

struct proc;

struct thread {
	uint64_t saved_rsp; /* while switched out: see kernel/proc/switch.S */
	uint32_t tid;
	enum thread_state state;
	struct proc *proc;     /* NULL for a CPU's idle thread and for kernel threads */
	bool kernel;           /* a kernel thread (kernel/proc/work.c): no process, but it may sleep */
	uint8_t *kernel_stack; /* KERNEL_STACK_SIZE bytes */
	struct thread *queue_next;     /* run queue or wait queue */
	struct wait_queue *waiting_on; /* while blocked */
	uint64_t wake_deadline_ns;     /* nonzero: also wake at this time */
	struct thread *timed_next;     /* on the list of threads with a deadline */
	struct thread *proc_next;      /* the process's list of threads */
	volatile int killed;           /* set by kill: leave at the next kernel exit */
	uint32_t last_cpu;
	int pinned_cpu;                /* THREAD_ANY_CPU, or the only CPU it may run on (thread_pin) */
	uint64_t ran_since_ns;
	uint64_t fs_base; /* the thread pointer (psABI TLS): %fs:0 in user mode */
	struct proc *exited_from; /* dead: the process to tell once this thread's stack is freed */
	uint8_t fpu[FPU_STATE_SIZE] __attribute__((aligned(16)));
};

struct thread *thread_current(void); /* NULL before the scheduler runs */
/* A new thread of proc that enters user mode at rip with rsp and rdi; not yet runnable. */
struct thread *thread_create_user(struct proc *proc, uint64_t rip, uint64_t rsp, uint64_t rdi);
void thread_start(struct thread *thread);          /* make it runnable */
_Noreturn void thread_exit(void);                  /* the calling thread; the process ends with its last */
void thread_free(struct thread *thread);
