/*
 * VM and vCPU objects: creation, lookup by the owner's handles, teardown,
 * and their counters (see vm.h for the ownership rules).
 *
 * Teardown order: a vCPU holds its VM, and vcpu_run holds its vCPU, so the
 * VM's release runs only when no guest of it can be in the processor; it
 * then drops the nested table and the memory objects' references, and with
 * the last of those the guest's frames go back to the allocator.
 */
#include "kernel/vmm/vm.h"

#include <stddef.h>

#include "kernel/ctl/counters.h"
#include "kernel/object/handle.h"
#include "kernel/ctl/memory.h"
#include "kernel/mm/heap.h"
#include "kernel/proc/proc.h"

#define VMS_MAX 64 /* at once, in the whole system: each holds frames a fuzzer could otherwise pile up */

static uint32_t vm_next_id;
static uint32_t vms_live;

/* ---- counters ---- */

static void counter_add(struct sietch_vm_counters *c, size_t offset, uint64_t n)
{
	__atomic_add_fetch((uint64_t *)((char *)c + offset), n, __ATOMIC_RELAXED);
}

/* One event for the vCPU, its VM, the VMM process and the system. */
void vm_count_add(struct vcpu *vcpu, size_t offset, uint64_t n)
{
	counter_add(&vcpu->counters, offset, n);
	counter_add(&vcpu->vm->counters, offset, n);
	counter_add(&vcpu->vm->owner->counters.vm, offset, n);
	counter_add(&system_counters.vm, offset, n);
}

void vm_count_exit(struct vcpu *vcpu, unsigned reason)
{
	vm_count_add(vcpu, offsetof(struct sietch_vm_counters, exits), 1);
	if (reason < SIETCH_VM_EXIT_COUNTED)
		vm_count_add(vcpu, offsetof(struct sietch_vm_counters, exit) + reason * sizeof(uint64_t), 1);
}

void vm_count_time(struct vcpu *vcpu, uint64_t guest_ns, uint64_t kernel_ns)
{
	vm_count_add(vcpu, offsetof(struct sietch_vm_counters, guest_ns), guest_ns);
	vm_count_add(vcpu, offsetof(struct sietch_vm_counters, kernel_ns), kernel_ns);
}

static void counters_copy(struct sietch_vm_counters *dst, const struct sietch_vm_counters *src)
{
	const uint64_t *from = (const uint64_t *)src;
	uint64_t *to = (uint64_t *)dst;
	for (size_t i = 0; i < sizeof(*src) / sizeof(uint64_t); i++)
		to[i] = __atomic_load_n(&from[i], __ATOMIC_RELAXED);
}

static long vm_counters(struct object *object, struct sietch_counters *out)
{
	struct vm *vm = container_of(object, struct vm, object);
	if (vm->owner != proc_current())
		return -SIETCH_EPERM;
	counters_copy(&out->vm, &vm->counters);
	return 0;
}

static long vcpu_counters(struct object *object, struct sietch_counters *out)
{
	struct vcpu *vcpu = container_of(object, struct vcpu, object);
	if (vcpu->vm->owner != proc_current())
		return -SIETCH_EPERM;
	counters_copy(&out->vm, &vcpu->counters);
	return 0;
}

/* ---- the objects ---- */

static void live_add(size_t offset, int64_t n)
{
	__atomic_add_fetch((uint64_t *)((char *)&system_counters.vm + offset), (uint64_t)n, __ATOMIC_RELAXED);
}

static void vm_release(struct object *object)
{
	struct vm *vm = container_of(object, struct vm, object);
	npt_destroy(vm); /* no vCPU is left, so no guest runs on it */
	for (int i = 0; i < SIETCH_VM_MAX_SLOTS; i++)
		if (vm->slots[i].memory)
			memory_put(vm->slots[i].memory);
	object_unref(&vm->owner->object);
	__atomic_sub_fetch(&vms_live, 1, __ATOMIC_RELAXED);
	live_add(offsetof(struct sietch_vm_counters, vms), -1);
	kfree(vm);
}

static void vcpu_release(struct object *object)
{
	struct vcpu *vcpu = container_of(object, struct vcpu, object);
	struct vm *vm = vcpu->vm;
	spin_lock(&vm->lock);
	if (vm->vcpus[vcpu->index] == vcpu)
		vm->vcpus[vcpu->index] = NULL;
	spin_unlock(&vm->lock);
	vm_backend()->vcpu_free(vcpu);
	live_add(offsetof(struct sietch_vm_counters, vcpus), -1);
	kfree(vcpu);
	object_unref(&vm->object);
}

static const struct object_ops vm_ops = { .release = vm_release, .counters = vm_counters };
static const struct object_ops vcpu_ops = { .release = vcpu_release, .counters = vcpu_counters };

long vm_create(struct proc *owner, struct vm **out)
{
	if (__atomic_add_fetch(&vms_live, 1, __ATOMIC_RELAXED) > VMS_MAX) {
		__atomic_sub_fetch(&vms_live, 1, __ATOMIC_RELAXED);
		return -SIETCH_EAGAIN;
	}
	struct vm *vm = kzalloc(sizeof(*vm));
	if (!vm || npt_create(vm)) {
		kfree(vm);
		__atomic_sub_fetch(&vms_live, 1, __ATOMIC_RELAXED);
		return -SIETCH_ENOMEM;
	}
	object_init(&vm->object, OBJECT_VM, &vm_ops);
	vm->lock = (struct spinlock)SPINLOCK_INIT("vm");
	object_ref(&owner->object);
	vm->owner = owner;
	vm->id = __atomic_add_fetch(&vm_next_id, 1, __ATOMIC_RELAXED);
	/* ASID 0 is the host's (§15.16); with more VMs than ASIDs they share, and entries flush. */
	vm->asid = 1 + vm->id % (vm_backend()->asid_count() - 1);
	live_add(offsetof(struct sietch_vm_counters, vms), 1);
	*out = vm;
	return 0;
}

long vcpu_create(struct vm *vm, uint32_t index, struct vcpu **out)
{
	struct vcpu *vcpu = kzalloc(sizeof(*vcpu));
	if (!vcpu)
		return -SIETCH_ENOMEM;
	object_init(&vcpu->object, OBJECT_VCPU, &vcpu_ops);
	vcpu->vm = vm;
	vcpu->index = index;
	if (vm_backend()->vcpu_init(vcpu)) {
		kfree(vcpu);
		return -SIETCH_ENOMEM;
	}
	spin_lock(&vm->lock);
	bool taken = vm->vcpus[index] != NULL;
	if (!taken)
		vm->vcpus[index] = vcpu;
	spin_unlock(&vm->lock);
	if (taken) {
		vm_backend()->vcpu_free(vcpu);
		kfree(vcpu);
		return -SIETCH_EEXIST;
	}
	object_ref(&vm->object);
	live_add(offsetof(struct sietch_vm_counters, vcpus), 1);
	*out = vcpu;
	return 0;
}

long vm_lookup(uint64_t handle, uint32_t rights, struct vm **out)
{
	long err = handle_get_as(proc_handles(), (long)handle, OBJECT_VM, rights, out);
	if (!err && (*out)->owner != proc_current()) {
		object_unref(&(*out)->object);
		err = -SIETCH_EPERM;
	}
	return err;
}

long vcpu_lookup(uint64_t handle, uint32_t rights, struct vcpu **out)
{
	long err = handle_get_as(proc_handles(), (long)handle, OBJECT_VCPU, rights, out);
	if (!err && (*out)->vm->owner != proc_current()) {
		object_unref(&(*out)->object);
		err = -SIETCH_EPERM;
	}
	return err;
}

/* ---- claiming a vCPU ---- */

long vcpu_claim(struct vcpu *vcpu, bool to_run)
{
	struct vm *vm = vcpu->vm;
	long err = 0;
	spin_lock(&vm->lock);
	if (vcpu->running || (to_run && vm->changing))
		err = -SIETCH_EBUSY;
	else {
		vcpu->running = true;
		vm->running += to_run;
	}
	spin_unlock(&vm->lock);
	return err;
}

void vcpu_unclaim(struct vcpu *vcpu, bool to_run)
{
	struct vm *vm = vcpu->vm;
	spin_lock(&vm->lock);
	vcpu->running = false;
	vm->running -= to_run;
	spin_unlock(&vm->lock);
}
