/* Authority over processes by pid (kernel/ctl/authority.h). */
#include "kernel/ctl/authority.h"

#include "kernel/proc/proc.h"

bool authority_over_process(struct proc *self, struct proc *target)
{
	if (self->pid == 1)
		return true;
	uint32_t pid = target->parent_pid;
	/* pids are never reused, so a chain of parents ends at 0 or at a process already gone; the bound is a guard */
	for (int depth = 0; depth < MAX_PROCS && pid; depth++) {
		if (pid == self->pid)
			return true;
		struct proc *ancestor = proc_find(pid);
		if (!ancestor)
			return false;
		pid = ancestor->parent_pid;
		object_unref(&ancestor->object);
	}
	return false;
}
