/* Between the parts of kernel/proc only. */
#pragma once

#include "kernel/proc/proc.h"

struct proc *proc_alloc(const char *name, uint32_t parent_pid); /* in the table, no threads yet */
void proc_add_thread(struct proc *proc, struct thread *thread);
/* A thread leaves; the last one tears down the process's memory and handles. */
void proc_thread_gone(struct proc *proc, struct thread *thread);
/* A dead thread's stack is freed; after the last, the process is exited and waiters wake. */
void proc_thread_freed(struct proc *proc);
void proc_abandon(struct proc *proc);                            /* a spawn that failed half way */
void init_exited(int status);                                    /* kernel/main.c: the system ends with pid 1 */
