/* System calls on a process's own memory: anonymous mappings. */
#include "kernel/ctl/syscall.h"
#include "kernel/ctl/memory.h"
#include "kernel/mm/frame.h"
#include "kernel/mm/uaccess.h"
#include "kernel/proc/proc.h"

#define MAP_MAX (1ull << 36) /* 64 GiB: more than any machine here, less than any overflow */

static unsigned vm_flags_for(uint64_t prot)
{
	return VM_USER | (prot & SIETCH_PROT_WRITE ? VM_WRITE : 0) | (prot & SIETCH_PROT_EXEC ? VM_EXEC : 0);
}

/* Unmap pages of which `owned` are the process's own (not a memory object's), and uncharge those. */
static void unmap_and_uncharge(struct proc *p, uint64_t addr, uint64_t len, uint64_t owned)
{
	vm_unmap(&p->space, addr, len, true);
	spin_lock(&p->lock);
	p->pages -= owned;
	spin_unlock(&p->lock);
}

static long map_anonymous(struct proc *p, uint64_t addr, uint64_t len, unsigned flags)
{
	spin_lock(&p->lock);
	bool over = p->pages + len / PAGE_SIZE > p->page_limit;
	if (!over)
		p->pages += len / PAGE_SIZE; /* reserve, so two threads cannot both pass the check */
	spin_unlock(&p->lock);
	if (over)
		return -SIETCH_ENOMEM;
	for (uint64_t off = 0; off < len; off += PAGE_SIZE) {
		uint64_t frame = frame_alloc();
		int err = frame == FRAME_NONE ? -SIETCH_ENOMEM : vm_map(&p->space, addr + off, frame, PAGE_SIZE, flags);
		if (err) {
			if (frame != FRAME_NONE)
				frame_free(frame);
			unmap_and_uncharge(p, addr, off, off / PAGE_SIZE);
			spin_lock(&p->lock);
			p->pages -= (len - off) / PAGE_SIZE;
			spin_unlock(&p->lock);
			return err;
		}
	}
	return 0;
}

long sys_mem_map(const struct syscall_args *args)
{
	uint64_t addr = args->arg[0], len = args->arg[1], prot = args->arg[2], flags = args->arg[3];
	if (!len || len > MAP_MAX)
		return -SIETCH_EINVAL;
	if (prot & ~(uint64_t)(SIETCH_PROT_READ | SIETCH_PROT_WRITE | SIETCH_PROT_EXEC) || flags & ~(uint64_t)SIETCH_MAP_FIXED)
		return -SIETCH_EINVAL;
	if ((prot & SIETCH_PROT_WRITE) && (prot & SIETCH_PROT_EXEC))
		return -SIETCH_EINVAL; /* W^X holds for processes too */
	len = (len + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	struct proc *p = proc_current();
	if (flags & SIETCH_MAP_FIXED) {
		if (addr & (PAGE_SIZE - 1) || addr < USER_BASE || !user_range_ok(addr, len))
			return -SIETCH_EINVAL;
	} else {
		spin_lock(&p->lock);
		addr = p->mmap_next;
		p->mmap_next += len + PAGE_SIZE; /* a guard page between mappings */
		spin_unlock(&p->lock);
		if (!user_range_ok(addr, len))
			return -SIETCH_ENOMEM;
	}
	long err = map_anonymous(p, addr, len, vm_flags_for(prot));
	return err ? err : (long)addr;
}

long sys_mem_unmap(const struct syscall_args *args)
{
	uint64_t addr = args->arg[0], len = args->arg[1];
	if (!len || addr & (PAGE_SIZE - 1) || len > MAP_MAX || !user_range_ok(addr, len))
		return -SIETCH_EINVAL;
	len = (len + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	struct proc *p = proc_current();
	/* Every page must be mapped, checked first; a memory object's pages are the object's to free. */
	uint64_t owned = 0;
	for (uint64_t off = 0; off < len; off += PAGE_SIZE) {
		uint64_t pte;
		if (!vm_translate(&p->space, addr + off, 0, &pte) || !(pte & PTE_USER))
			return -SIETCH_EINVAL;
		owned += !(pte & PTE_SHARED);
	}
	unmap_and_uncharge(p, addr, len, owned);
	memory_space_unmapped(&p->space, addr, len);
	return 0;
}
