/* System calls on processes: spawn, exit, wait, kill, self, open, power off. */
#include "kernel/arch/platform.h"
#include "kernel/ctl/authority.h"
#include "kernel/ctl/spawn.h"
#include "kernel/ctl/shutdown.h"
#include "kernel/ctl/syscall.h"
#include "kernel/mm/uaccess.h"
#include "kernel/proc/proc.h"

#define SPAWN_PATH_MAX 256
#define SPAWN_ARGS_MAX SIETCH_SPAWN_ARGS_BYTES
#define PROCESS_RIGHTS (SIETCH_RIGHT_WAIT | SIETCH_RIGHT_KILL | SIETCH_RIGHT_DUP)

long sys_proc_exit(const struct syscall_args *args)
{
	struct proc *self = proc_current();
	proc_kill(self, (int)args->arg[0]);
	thread_exit();
}

long sys_proc_spawn(const struct syscall_args *args)
{
	char path[SPAWN_PATH_MAX], block[SPAWN_ARGS_MAX];
	uint64_t path_len = args->arg[1], block_len = args->arg[3];
	long err = copy_string_from_user(path, sizeof(path), args->arg[0], path_len);
	if (err)
		return err;
	if (block_len > sizeof(block))
		return -SIETCH_E2BIG;
	err = copy_from_user(block, args->arg[2], block_len);
	if (err)
		return err;
	if (block_len && block[block_len - 1])
		return -SIETCH_EINVAL; /* the last argument must end with its NUL */

	struct proc *self = proc_current(), *child;
	err = spawn_program(path, block, block_len, self->pid, &child);
	if (err)
		return err;
	long handle = handle_install(&self->handles, &child->object, PROCESS_RIGHTS);
	if (handle < 0)
		proc_kill(child, EXIT_STATUS_KILLED); /* nobody could ever wait for it */
	object_unref(&child->object);
	return handle;
}

long sys_proc_wait(const struct syscall_args *args)
{
	struct proc *target;
	if (!user_range_ok(args->arg[1], sizeof(int)))
		return -SIETCH_EFAULT;
	long err = handle_get_as(proc_handles(), (long)args->arg[0], OBJECT_PROCESS, SIETCH_RIGHT_WAIT, &target);
	if (err)
		return err;
	if (target == proc_current()) {
		object_unref(&target->object);
		return -SIETCH_ECHILD; /* would wait forever */
	}
	int status;
	err = proc_wait(target, &status);
	object_unref(&target->object);
	if (!err)
		err = copy_to_user(args->arg[1], &status, sizeof(status));
	return err;
}

long sys_proc_kill(const struct syscall_args *args)
{
	struct proc *target;
	long err = handle_get_as(proc_handles(), (long)args->arg[0], OBJECT_PROCESS, SIETCH_RIGHT_KILL, &target);
	if (err)
		return err;
	proc_kill(target, (int)args->arg[1]);
	object_unref(&target->object);
	return 0;
}

long sys_proc_self(const struct syscall_args *args)
{
	(void)args;
	return proc_current()->pid;
}

long sys_proc_open(const struct syscall_args *args)
{
	uint64_t pid = args->arg[0], rights = args->arg[1];
	if (rights & ~(uint64_t)PROCESS_RIGHTS || !rights)
		return -SIETCH_EINVAL;
	if (pid == 0 || pid > UINT32_MAX)
		return -SIETCH_ESRCH;
	struct proc *self = proc_current(), *target = proc_find((uint32_t)pid);
	if (!target)
		return -SIETCH_ESRCH;
	long result = authority_over_process(self, target) ? handle_install(&self->handles, &target->object, (uint32_t)rights)
					     : -SIETCH_EPERM;
	object_unref(&target->object);
	return result;
}

long sys_system_poweroff(const struct syscall_args *args)
{
	(void)args;
	shutdown_run_all(); /* e.g. storage flushes its write cache */
	platform_poweroff();
}
