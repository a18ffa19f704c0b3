/*
 * The virtual-machine system calls (lib/common/vm_abi.h, rows 60-67):
 * decode every argument, then call into kernel/vmm/vm.c and the back end
 * (svm.c or vmx.c, kernel/vmm/backend.c).
 *
 * Handles are checked first (-SIETCH_EBADF, -SIETCH_EPERM), then the other
 * arguments (-SIETCH_EINVAL), then pointers (-SIETCH_EFAULT).
 */
#include "kernel/object/handle.h"
#include "kernel/ctl/memory.h"
#include "kernel/ctl/syscall.h"
#include "kernel/mm/uaccess.h"
#include "kernel/proc/proc.h"
#include "kernel/vmm/vcpu_state.h"
#include "kernel/vmm/vm.h"

#define VM_RIGHTS (SIETCH_RIGHT_READ | SIETCH_RIGHT_WRITE | SIETCH_RIGHT_DUP)
#define VM_PROT_ALL (SIETCH_PROT_READ | SIETCH_PROT_WRITE | SIETCH_PROT_EXEC)

long sys_vm_create(const struct syscall_args *args)
{
	if (args->arg[0] & ~(uint64_t)SIETCH_VM_SHADOW)
		return -SIETCH_EINVAL;
	const struct vm_backend *backend = vm_backend();
	long err = backend->detect();
	if (err)
		return err;
	bool shadow = (args->arg[0] & SIETCH_VM_SHADOW) || !backend->nested_paging();
	struct vm *vm;
	struct proc *self = proc_current();
	if ((err = vm_create(self, &vm)))
		return err;
	vm->shadow = shadow; /* before any vCPU exists */
	long handle = handle_install(&self->handles, &vm->object, VM_RIGHTS);
	object_unref(&vm->object); /* the handle's reference stays; on failure this frees the VM */
	return handle;
}

static bool page_aligned(uint64_t v) { return (v & (PAGE_SIZE - 1)) == 0; }

/* Whether [gpa, gpa + size) touches a slot that is there. vm->lock held. */
static bool slots_overlap(const struct vm *vm, uint64_t gpa, uint64_t size)
{
	for (int i = 0; i < SIETCH_VM_MAX_SLOTS; i++) {
		const struct vm_slot *s = &vm->slots[i];
		if (s->memory && gpa < s->gpa + s->size && s->gpa < gpa + size)
			return true;
	}
	return false;
}

/* Puts the range in a free slot (so no other map overlaps it), unmapped yet. vm->lock held. */
static long slot_reserve(struct vm *vm, const struct vm_slot *want, struct vm_slot **out)
{
	if (slots_overlap(vm, want->gpa, want->size))
		return -SIETCH_EEXIST;
	for (int i = 0; i < SIETCH_VM_MAX_SLOTS; i++) {
		if (!vm->slots[i].memory) {
			vm->slots[i] = *want;
			*out = &vm->slots[i];
			return 0;
		}
	}
	return -SIETCH_ENOSPC;
}

/* vm_map(vm, memory, offset, gpa, size, prot) */
long sys_vm_map(const struct syscall_args *args)
{
	uint64_t offset = args->arg[2], gpa = args->arg[3], size = args->arg[4], prot = args->arg[5];
	struct vm *vm;
	long err = vm_lookup(args->arg[0], SIETCH_RIGHT_WRITE, &vm);
	if (err)
		return err;
	struct memory_object *mo;
	uint32_t rights = SIETCH_RIGHT_READ | ((prot & SIETCH_PROT_WRITE) ? SIETCH_RIGHT_WRITE : 0);
	if ((err = memory_get((long)args->arg[1], rights, &mo))) {
		object_unref(&vm->object);
		return err;
	}
	uint64_t bytes = memory_pages(mo) * PAGE_SIZE;
	if (!(prot & SIETCH_PROT_READ) || (prot & ~(uint64_t)VM_PROT_ALL) || size == 0 || !page_aligned(offset) ||
	    !page_aligned(gpa) || !page_aligned(size) || offset > bytes || size > bytes - offset ||
	    gpa >= SIETCH_VM_GPA_LIMIT || size > SIETCH_VM_GPA_LIMIT - gpa)
		err = -SIETCH_EINVAL;
	struct vm_slot *slot = NULL;
	if (!err) {
		struct vm_slot want = { .gpa = gpa, .size = size, .offset = offset, .prot = (unsigned)prot, .memory = mo };
		spin_lock(&vm->lock);
		err = slot_reserve(vm, &want, &slot);
		spin_unlock(&vm->lock);
	}
	if (!err) {
		err = npt_map_slot(vm, slot);
		spin_lock(&vm->lock);
		if (err)
			*slot = (struct vm_slot){ 0 };
		else
			slot->ready = true;
		spin_unlock(&vm->lock);
	}
	if (err)
		memory_put(mo); /* on success the slot keeps the reference */
	object_unref(&vm->object);
	return err;
}

/* vm_unmap(vm, gpa, size): every slot inside the range goes; one only partly inside is -SIETCH_EINVAL. */
long sys_vm_unmap(const struct syscall_args *args)
{
	uint64_t gpa = args->arg[1], size = args->arg[2];
	struct vm *vm;
	long err = vm_lookup(args->arg[0], SIETCH_RIGHT_WRITE, &vm);
	if (err)
		return err;
	if (size == 0 || !page_aligned(gpa) || !page_aligned(size) || gpa >= SIETCH_VM_GPA_LIMIT ||
	    size > SIETCH_VM_GPA_LIMIT - gpa) {
		object_unref(&vm->object);
		return -SIETCH_EINVAL;
	}
	struct vm_slot gone[SIETCH_VM_MAX_SLOTS];
	int count = 0;
	spin_lock(&vm->lock);
	if (vm->running || vm->changing)
		err = -SIETCH_EBUSY;
	for (int i = 0; !err && i < SIETCH_VM_MAX_SLOTS; i++) {
		const struct vm_slot *s = &vm->slots[i];
		bool inside = s->memory && s->gpa >= gpa && s->gpa + s->size <= gpa + size;
		if (s->memory && !inside && gpa < s->gpa + s->size && s->gpa < gpa + size)
			err = -SIETCH_EINVAL;
		else if (inside && !s->ready)
			err = -SIETCH_EBUSY; /* another thread's vm_map is still filling it */
	}
	for (int i = 0; !err && i < SIETCH_VM_MAX_SLOTS; i++) {
		struct vm_slot *s = &vm->slots[i];
		if (s->memory && s->gpa >= gpa && s->gpa + s->size <= gpa + size) {
			gone[count++] = *s;
			*s = (struct vm_slot){ 0 };
		}
	}
	if (!err && count == 0)
		err = -SIETCH_ENOENT;
	vm->changing = count > 0;
	spin_unlock(&vm->lock);
	/* No vCPU can enter meanwhile (vcpu_claim sees `changing`): the frames leave the table before their references go. */
	for (int i = 0; i < count; i++)
		npt_unmap_range(vm, gone[i].gpa, gone[i].size);
	for (int i = 0; i < count; i++)
		memory_put(gone[i].memory);
	if (count) {
		spin_lock(&vm->lock);
		vm->changing = false;
		spin_unlock(&vm->lock);
	}
	object_unref(&vm->object);
	return err;
}

long sys_vcpu_create(const struct syscall_args *args)
{
	uint64_t index = args->arg[1];
	struct vm *vm;
	long err = vm_lookup(args->arg[0], SIETCH_RIGHT_WRITE, &vm);
	if (err)
		return err;
	struct vcpu *vcpu;
	if (index >= SIETCH_VM_MAX_VCPUS)
		err = -SIETCH_EINVAL;
	else
		err = vcpu_create(vm, (uint32_t)index, &vcpu);
	object_unref(&vm->object);
	if (err)
		return err;
	long handle = handle_install(proc_handles(), &vcpu->object, VM_RIGHTS);
	object_unref(&vcpu->object);
	return handle;
}

/* vcpu_run(vcpu, run): the run block is read whole, and written whole at the end. */
long sys_vcpu_run(const struct syscall_args *args)
{
	uint64_t user_run = args->arg[1];
	struct vcpu *vcpu;
	long err = vcpu_lookup(args->arg[0], SIETCH_RIGHT_WRITE, &vcpu);
	if (err)
		return err;
	struct sietch_vcpu_run run;
	if ((err = copy_from_user(&run, user_run, sizeof(run))) == 0 && (run.request & ~SIETCH_RUN_REQUESTS))
		err = -SIETCH_EINVAL;
	if (!err)
		err = vcpu_claim(vcpu, true);
	if (err) {
		object_unref(&vcpu->object);
		return err;
	}
	vm_count_add(vcpu, offsetof(struct sietch_vm_counters, runs), 1);
	if (run.request & SIETCH_RUN_SET_REGS)
		vm_backend()->vcpu_set(vcpu, SIETCH_VCPU_REGS, &run.regs);
	err = vm_backend()->vcpu_run(vcpu, &run);
	vcpu_unclaim(vcpu, true);
	object_unref(&vcpu->object);
	return err ? err : copy_to_user(user_run, &run, sizeof(run));
}

static size_t state_size(uint64_t what)
{
	switch (what) {
	case SIETCH_VCPU_REGS:
		return sizeof(struct sietch_vcpu_regs);
	case SIETCH_VCPU_SREGS:
		return sizeof(struct sietch_vcpu_sregs);
	case SIETCH_VCPU_FPU:
		return sizeof(struct sietch_vcpu_fpu);
	}
	return 0;
}

/* vcpu_get and vcpu_set: (vcpu, what, buf, size), size exactly what's struct. */
static long vcpu_state(const struct syscall_args *args, bool set)
{
	uint64_t what = args->arg[1], user_buf = args->arg[2], size = args->arg[3];
	struct vcpu *vcpu;
	long err = vcpu_lookup(args->arg[0], set ? SIETCH_RIGHT_WRITE : SIETCH_RIGHT_READ, &vcpu);
	if (err)
		return err;
	union {
		struct sietch_vcpu_regs regs;
		struct sietch_vcpu_sregs sregs;
		struct sietch_vcpu_fpu fpu;
	} buf;
	if (state_size(what) == 0 || size != state_size(what))
		err = -SIETCH_EINVAL;
	else if (!user_range_ok(user_buf, size))
		err = -SIETCH_EFAULT;
	else if (set)
		err = copy_from_user(&buf, user_buf, size);
	if (!err && !(err = vcpu_claim(vcpu, false))) {
		err = set ? vm_backend()->vcpu_set(vcpu, (unsigned)what, &buf)
			  : vm_backend()->vcpu_get(vcpu, (unsigned)what, &buf);
		vcpu_unclaim(vcpu, false);
	}
	object_unref(&vcpu->object);
	if (!err && !set)
		err = copy_to_user(user_buf, &buf, size);
	return err;
}

long sys_vcpu_get(const struct syscall_args *args) { return vcpu_state(args, false); }
long sys_vcpu_set(const struct syscall_args *args) { return vcpu_state(args, true); }

long sys_vcpu_inject(const struct syscall_args *args)
{
	struct vcpu *vcpu;
	long err = vcpu_lookup(args->arg[0], SIETCH_RIGHT_WRITE, &vcpu);
	if (err)
		return err;
	struct sietch_vcpu_event event;
	err = copy_from_user(&event, args->arg[1], sizeof(event));
	if (!err && event.type == SIETCH_EVENT_INTR) {
		err = vcpu_inject_intr(vcpu, &event); /* running or not: an interrupt controller's job */
	} else if (!err && !(err = vcpu_claim(vcpu, false))) {
		err = vm_backend()->vcpu_inject(vcpu, &event);
		vcpu_unclaim(vcpu, false);
	}
	object_unref(&vcpu->object);
	return err;
}
