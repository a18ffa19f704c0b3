/* The VNIC system calls (rows 41-45 of lib/common/syscall.h): decode, then vnic.c does the work. */
#include "drivers/igb/kernel/vnic.h"
#include "kernel/object/handle.h"
#include "kernel/ctl/notify.h"
#include "kernel/ctl/syscall.h"
#include "kernel/mm/uaccess.h"
#include "kernel/proc/proc.h"

/* (vnic, struct sietch_vnic_info *out) -> 0 */
long sys_vnic_map(const struct syscall_args *args)
{
	uint64_t out = args->arg[1];
	struct object *vnic;
	long err = handle_get_typed(proc_handles(), (long)args->arg[0], OBJECT_VNIC, SIETCH_RIGHT_WRITE, &vnic);
	if (err)
		return err;
	struct sietch_vnic_info info;
	if (!user_range_ok(out, sizeof(info)))
		err = -SIETCH_EFAULT;
	if (!err)
		err = vnic_map(vnic, proc_current(), &info);
	if (!err)
		err = copy_to_user(out, &info, sizeof(info)); /* the mapping stays; a retry gets the same address */
	object_unref(vnic);
	return err;
}

/* (vnic, vector, notify or -1, bits) -> 0 */
long sys_vnic_bind_irq(const struct syscall_args *args)
{
	uint64_t vector = args->arg[1], bits = args->arg[3];
	long notify_handle = (long)args->arg[2];
	if (vector > UINT32_MAX)
		return -SIETCH_EINVAL;
	struct object *vnic, *notify = 0;
	long err = handle_get_typed(proc_handles(), (long)args->arg[0], OBJECT_VNIC, SIETCH_RIGHT_READ, &vnic);
	if (err)
		return err;
	if (notify_handle != -1)
		err = handle_get_typed(proc_handles(), notify_handle, OBJECT_NOTIFY, SIETCH_RIGHT_SIGNAL, &notify);
	if (!err)
		err = vnic_bind_irq(vnic, proc_current(), (unsigned)vector, notify_from_object(notify), bits);
	object_unref(notify); /* a binding holds its own reference */
	object_unref(vnic);
	return err;
}

/* (vf, struct sietch_vnic_pool *out) -> 0 */
long sys_vnic_pool(const struct syscall_args *args)
{
	uint64_t vf = args->arg[0], out = args->arg[1];
	struct sietch_vnic_pool pool;
	if (vf > UINT32_MAX)
		return -SIETCH_EINVAL;
	if (!user_range_ok(out, sizeof(pool)))
		return -SIETCH_EFAULT;
	long err = vnic_pool((unsigned)vf, &pool);
	return err ? err : copy_to_user(out, &pool, sizeof(pool));
}

/* (process or -1, mbps) -> 0 */
long sys_vnic_rate_limit(const struct syscall_args *args)
{
	uint64_t mbps = args->arg[1];
	struct proc *self = proc_current(), *target = self;
	if (mbps > UINT32_MAX)
		return -SIETCH_EINVAL;
	if ((long)args->arg[0] != -1) {
		struct object *object;
		long err = handle_get_typed(proc_handles(), (long)args->arg[0], OBJECT_PROCESS, SIETCH_RIGHT_KILL, &object);
		if (err)
			return err;
		target = (struct proc *)object;
	}
	long err = vnic_rate_limit(target, (uint32_t)mbps);
	if (target != self)
		object_unref(&target->object);
	return err;
}

/* (vnic, mbps) -> 0 */
long sys_vnic_set_rate(const struct syscall_args *args)
{
	uint64_t mbps = args->arg[1];
	if (mbps > UINT32_MAX)
		return -SIETCH_EINVAL;
	struct object *vnic;
	long err = handle_get_typed(proc_handles(), (long)args->arg[0], OBJECT_VNIC, SIETCH_RIGHT_WRITE, &vnic);
	if (err)
		return err;
	err = vnic_set_rate(vnic, proc_current(), (uint32_t)mbps);
	object_unref(vnic);
	return err;
}
