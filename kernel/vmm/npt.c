/*
 * Nested page tables (AMD APM vol.2 §15.25): a VM's guest-physical map, an
 * address space of pt_format_npt (U=1 at every level, since the nested walk
 * is a user access, §15.25.5) that holds exactly the pages of the memory
 * objects mapped with vm_map and nothing else. A guest-physical address
 * outside them has no entry, so an access there is a nested page fault that
 * becomes an MMIO exit; no host frame is reachable but those pages.
 *
 * The leaves are marked shared: the frames belong to the memory objects,
 * which the VM's slots hold references to, and tearing the table down never
 * frees them. Removing entries bumps the VM's generation; every vCPU
 * flushes its TLB (TLB_CONTROL 1, §15.16.1) before its next entry after a
 * change, and vm_unmap runs only while no vCPU of the VM is in the guest.
 */
#include "kernel/ctl/memory.h"
#include "kernel/mm/vm.h"
#include "kernel/vmm/vm.h"

static void npt_invalidate(struct addr_space *as, uint64_t va, uint64_t size)
{
	(void)va;
	(void)size;
	struct vm *vm = container_of(as, struct vm, npt);
	__atomic_add_fetch(&vm->npt_generation, 1, __ATOMIC_SEQ_CST);
}

static const struct vm_space_ops npt_ops = { .invalidate = npt_invalidate };

int npt_create(struct vm *vm) { return vm_space_create_empty(&vm->npt, vm_backend()->nested_format, &npt_ops); }

void npt_destroy(struct vm *vm)
{
	if (vm->npt.root)
		vm_space_destroy(&vm->npt);
}

static unsigned npt_flags(unsigned prot)
{
	unsigned flags = VM_USER | VM_SHARED;
	if (prot & SIETCH_PROT_WRITE)
		flags |= VM_WRITE;
	if (prot & SIETCH_PROT_EXEC)
		flags |= VM_EXEC;
	return flags;
}

int npt_map_slot(struct vm *vm, const struct vm_slot *slot)
{
	uint64_t pages = slot->size / PAGE_SIZE, first = slot->offset / PAGE_SIZE;
	unsigned flags = npt_flags(slot->prot);
	for (uint64_t i = 0; i < pages; i++) {
		int err = vm_map(&vm->npt, slot->gpa + i * PAGE_SIZE, memory_frame(slot->memory, first + i), PAGE_SIZE,
				 flags);
		if (err) {
			if (i)
				npt_unmap_range(vm, slot->gpa, i * PAGE_SIZE);
			return err;
		}
	}
	return 0;
}

void npt_unmap_range(struct vm *vm, uint64_t gpa, uint64_t size)
{
	vm_unmap(&vm->npt, gpa, size, false); /* -ENOENT for holes is no error here */
	__atomic_add_fetch(&vm->npt_generation, 1, __ATOMIC_SEQ_CST);
}
