/* DMA memory owned by a device grant; the rules are in dma.h. */
#include "kernel/mm/dma.h"
#include "kernel/mm/frame.h"
#include "kernel/mm/heap.h"

void dma_owner_init(struct dma_owner *owner)
{
	*owner = (struct dma_owner){ .lock = SPINLOCK_INIT("dma_owner") };
}

void dma_owner_set_bus(struct dma_owner *owner, const struct dma_bus_ops *ops, void *bus)
{
	spin_lock(&owner->lock);
	owner->bus_ops = ops;
	owner->bus = bus;
	spin_unlock(&owner->lock);
}

static uint64_t dma_pages(size_t size) { return (size + PAGE_SIZE - 1) / PAGE_SIZE; }

/* Reserves a slot and fixes the space on first use; false if full or another space. */
static bool dma_owner_reserve(struct dma_owner *owner, struct addr_space *space, uint64_t bytes)
{
	spin_lock(&owner->lock);
	bool ok = owner->count < DMA_OWNER_MAX_REGIONS && owner->bytes + bytes <= DMA_OWNER_MAX_BYTES &&
		  (!owner->space || owner->space == space);
	if (ok) {
		owner->space = space;
		owner->count++;
		owner->bytes += bytes;
	}
	spin_unlock(&owner->lock);
	return ok;
}

static void dma_owner_unreserve(struct dma_owner *owner, uint64_t bytes)
{
	spin_lock(&owner->lock);
	owner->count--;
	owner->bytes -= bytes;
	spin_unlock(&owner->lock);
}

long dma_owner_map(struct dma_owner *owner, struct addr_space *space, uint64_t va, size_t size,
		   struct sietch_dma_region *out)
{
	if (size == 0 || size > DMA_REGION_MAX_SIZE || (va & (PAGE_SIZE - 1)))
		return -SIETCH_EINVAL;
	uint64_t pages = dma_pages(size), bytes = pages * PAGE_SIZE;
	struct dma_region *region = kzalloc(sizeof(*region));
	if (!region)
		return -SIETCH_ENOMEM;
	if (!dma_owner_reserve(owner, space, bytes)) {
		kfree(region);
		return -SIETCH_ENOMEM;
	}
	/* Below 4 GiB is not needed (the 82576 and NVMe address 64 bits); page alignment is. */
	uint64_t phys = frame_alloc_contiguous(pages, 1, ~0ull);
	long err = phys == FRAME_NONE ? -SIETCH_ENOMEM : 0;
	/* VM_SHARED: the frames are this owner's; unmap and process exit must not free them. */
	if (!err)
		err = vm_map(space, va, phys, bytes, VM_USER | VM_WRITE | VM_SHARED);
	/* Without an IOMMU the device is programmed with the physical address itself. */
	uint64_t bus = phys;
	if (!err && owner->bus_ops) {
		err = owner->bus_ops->map(owner->bus, phys, bytes, &bus);
		if (err)
			vm_unmap(space, va, bytes, false);
	}
	if (err) {
		if (phys != FRAME_NONE)
			frame_free_contiguous(phys, pages);
		dma_owner_unreserve(owner, bytes);
		kfree(region);
		return err;
	}
	*region = (struct dma_region){ .phys = phys, .bus = bus, .va = va, .size = bytes };
	spin_lock(&owner->lock);
	region->next = owner->regions;
	owner->regions = region;
	spin_unlock(&owner->lock);
	*out = (struct sietch_dma_region){ .address = va, .bus_address = bus, .size = bytes };
	return 0;
}

/*
 * Unmaps, with its TLB shootdown, each page of region that still maps the
 * region's own frame, so no CPU reaches the frames once they are free. The
 * process may have unmapped a page and put something of its own there: that
 * stays.
 */
static void dma_unmap_own(struct addr_space *space, const struct dma_region *region)
{
	for (uint64_t off = 0; off < region->size; off += PAGE_SIZE) {
		uint64_t pa;
		spin_lock(&space->lock); /* vm_translate walks the tables unlocked */
		bool ours = vm_translate(space, region->va + off, &pa, NULL) && pa == region->phys + off;
		spin_unlock(&space->lock);
		if (ours)
			vm_unmap(space, region->va + off, PAGE_SIZE, false);
	}
}

uint64_t dma_owner_release(struct dma_owner *owner)
{
	spin_lock(&owner->lock);
	struct dma_region *list = owner->regions;
	struct addr_space *space = owner->space;
	const struct dma_bus_ops *bus_ops = owner->bus_ops;
	void *bus = owner->bus;
	owner->bus_ops = NULL;
	owner->bus = NULL;
	owner->regions = NULL;
	owner->space = NULL;
	owner->count = 0;
	owner->bytes = 0;
	spin_unlock(&owner->lock);

	uint64_t pages = 0;
	while (list) {
		struct dma_region *region = list;
		list = region->next;
		if (bus_ops) /* the device loses it first, with the IOTLB invalidated */
			bus_ops->unmap(bus, region->bus, region->size);
		dma_unmap_own(space, region);
		frame_free_contiguous(region->phys, region->size / PAGE_SIZE);
		pages += region->size / PAGE_SIZE;
		kfree(region);
	}
	if (bus_ops)
		bus_ops->release(bus);
	return pages;
}
