/*
 * dma_alloc: DMA memory under a device grant the caller owns (kernel/mm/dma.h).
 * This half places the mapping in the process; kernel/mm/dma.c does the rest.
 */
#include "kernel/object/handle.h"
#include "kernel/ctl/syscall.h"
#include "kernel/mm/dma.h"
#include "kernel/mm/uaccess.h"
#include "kernel/proc/proc.h"

/* The next `size` bytes at proc->mmap_next and a guard page after them, as mem_map places. */
static bool dma_place(struct proc *proc, uint64_t size, uint64_t *va)
{
	spin_lock(&proc->lock);
	uint64_t start = proc->mmap_next;
	proc->mmap_next += size + PAGE_SIZE;
	spin_unlock(&proc->lock);
	*va = start;
	return user_range_ok(start, size);
}

long dma_owner_alloc(struct dma_owner *owner, struct proc *proc, size_t size, struct sietch_dma_region *out)
{
	if (size == 0 || size > DMA_REGION_MAX_SIZE)
		return -SIETCH_EINVAL;
	uint64_t bytes = (size + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1), va;
	if (!dma_place(proc, bytes, &va))
		return -SIETCH_ENOMEM;
	return dma_owner_map(owner, &proc->space, va, bytes, out);
}

long sys_dma_alloc(const struct syscall_args *args)
{
	uint64_t size = args->arg[1], out = args->arg[2];
	if (size == 0 || size > DMA_REGION_MAX_SIZE)
		return -SIETCH_EINVAL;
	if (!user_range_ok(out, sizeof(struct sietch_dma_region)))
		return -SIETCH_EFAULT;
	struct object *device;
	uint32_t rights;
	long err = handle_get(proc_handles(), (long)args->arg[0], 0, 0, &device, &rights);
	if (err)
		return err;
	struct dma_owner *owner = NULL;
	struct proc *self = proc_current();
	if (!device->ops->dma_owner)
		err = -SIETCH_EBADF; /* not a device grant */
	else if (!(rights & SIETCH_RIGHT_READ))
		err = -SIETCH_EPERM; /* READ, not WRITE: a read-only storage grant needs memory to read into */
	else
		err = device->ops->dma_owner(device, self, &owner);
	struct sietch_dma_region region;
	if (!err)
		err = dma_owner_alloc(owner, self, size, &region);
	if (!err && copy_to_user(out, &region, sizeof(region)))
		err = -SIETCH_EFAULT; /* the region stays the grant's, freed with it */
	object_unref(device);
	return err;
}
