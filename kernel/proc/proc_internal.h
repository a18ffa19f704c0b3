/* Between the parts of kernel/proc only. */
#pragma once

#include "kernel/proc/proc.h"

struct proc *proc_alloc(const char *name, uint32_t parent_pid); /* in the table, no threads yet */
/*
 * Links a new thread into proc, or refuses with -SIETCH_EAGAIN when proc
 * already has MAX_THREADS_PER_PROC: the count is checked and raised under one
 * hold of proc->lock, so threads creating threads at once cannot all pass.
 */
long proc_add_thread(struct proc *proc, struct thread *thread);
/* A thread leaves; the last one tears down the process's memory and handles. */
void proc_thread_gone(struct proc *proc, struct thread *thread);
/* A dead thread's stack is freed; after the last, the process is exited and waiters wake. */
void proc_thread_freed(struct proc *proc);
void proc_abandon(struct proc *proc);                            /* a spawn that failed half way */
void init_exited(int status);                                    /* kernel/main.c: the system ends with pid 1 */
