/* Between the parts of kernel/proc only. */
#pragma once

#include "kernel/proc/proc.h"

struct proc *proc_alloc(const char *name, uint32_t parent_pid); /* in the table, no threads yet */
void proc_add_thread(struct proc *proc, struct thread *thread);
void proc_thread_gone(struct proc *proc, struct thread *thread); /* the last one tears the process down */
void proc_abandon(struct proc *proc);                            /* a spawn that failed half way */
void init_exited(int status);                                    /* kernel/main.c: the system ends with pid 1 */
