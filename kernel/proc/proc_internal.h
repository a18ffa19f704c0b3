/* Between the parts of kernel/proc only. */
#pragma once

#include "kernel/proc/proc.h"

struct proc *proc_alloc(const char *name, uint32_t parent_pid); /* in the table, no threads yet */
void proc_add_thread(struct proc *proc, struct thread *thread);
/* Returns true for the last thread, after tearing down the process's memory and handles. */
bool proc_thread_gone(struct proc *proc, struct thread *thread);
/* Once the last thread's stack is freed: the process is exited, waiters wake. */
void proc_finish_exit(struct proc *proc);
void proc_abandon(struct proc *proc);                            /* a spawn that failed half way */
void init_exited(int status);                                    /* kernel/main.c: the system ends with pid 1 */
