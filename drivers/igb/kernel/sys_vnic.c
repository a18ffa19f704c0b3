/* The VNIC system calls (rows 41-42 of lib/common/syscall.h); the object is drivers/igb/kernel/vnic.c. */
#include "kernel/ctl/handle.h"
#include "kernel/ctl/syscall.h"
#include "kernel/proc/proc.h"

long sys_vnic_map(const struct syscall_args *args)
{
	struct object *vnic;
	long err = handle_get_typed(proc_handles(), (long)args->arg[0], OBJECT_VNIC, SIETCH_RIGHT_WRITE, &vnic);
	if (err)
		return err;
	object_unref(vnic);
	return -SIETCH_ENOSYS;
}

long sys_vnic_bind_irq(const struct syscall_args *args)
{
	struct object *vnic;
	long err = handle_get_typed(proc_handles(), (long)args->arg[0], OBJECT_VNIC, SIETCH_RIGHT_READ, &vnic);
	if (err)
		return err;
	object_unref(vnic);
	return -SIETCH_ENOSYS;
}
