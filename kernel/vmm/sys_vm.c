/*
 * The virtual-machine system calls (lib/common/vm_abi.h). Placeholders until
 * the SVM back end lands: no VM can be created, so every handle is bad.
 */
#include "kernel/ctl/handle.h"
#include "kernel/ctl/syscall.h"
#include "kernel/proc/proc.h"

static long no_such(uint64_t handle, uint32_t type)
{
	struct object *object;
	long err = handle_get_typed(proc_handles(), (long)handle, type, 0, &object);
	if (!err) {
		object_unref(object);
		err = -SIETCH_ENODEV;
	}
	return err;
}

long sys_vm_create(const struct syscall_args *args) { return args->arg[0] ? -SIETCH_EINVAL : -SIETCH_ENODEV; }
long sys_vm_map(const struct syscall_args *args) { return no_such(args->arg[0], OBJECT_VM); }
long sys_vm_unmap(const struct syscall_args *args) { return no_such(args->arg[0], OBJECT_VM); }
long sys_vcpu_create(const struct syscall_args *args) { return no_such(args->arg[0], OBJECT_VM); }
long sys_vcpu_run(const struct syscall_args *args) { return no_such(args->arg[0], OBJECT_VCPU); }
long sys_vcpu_get(const struct syscall_args *args) { return no_such(args->arg[0], OBJECT_VCPU); }
long sys_vcpu_set(const struct syscall_args *args) { return no_such(args->arg[0], OBJECT_VCPU); }
long sys_vcpu_inject(const struct syscall_args *args) { return no_such(args->arg[0], OBJECT_VCPU); }
