/*
 * DMA memory for devices that processes drive themselves (a VNIC's rings and
 * buffers, an NVMe storage area's queues): physically contiguous, zeroed,
 * pinned runs of frames, mapped into the process that owns the device grant.
 *
 * A `struct dma_owner` is embedded in each device-grant object (the VNIC, the
 * storage area). It lists the regions handed out under that grant. The
 * frames belong to the owner, not to the address space: their page-table
 * entries carry VM_SHARED, so neither mem_unmap nor process exit frees them.
 * They go back to the allocator only in dma_owner_release, which the grant
 * calls once its device is quiesced (reset), so the device can no longer
 * write into frames that someone else may get next.
 *
 * Each region is described to the process by struct sietch_dma_region
 * (lib/common/syscall.h): `address` is the process's virtual address,
 * `bus_address` what the device is programmed with. Without an IOMMU that is
 * the physical address; with an IOMMU (kernel/iommu) it is an I/O virtual
 * address in the owner's own domain, which the grant attached to its device.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include "kernel/arch/spinlock.h"
#include "kernel/mm/vm.h"
#include "lib/common/syscall.h"

#define DMA_REGION_MAX_SIZE (4ull << 20) /* 4 MiB: a contiguous run the frame allocator can still find */
#define DMA_OWNER_MAX_REGIONS 64
/* What one grant may pin: not charged to the process's page limit (the frames
 * outlive its tables until the device is reset), so bounded here instead. */
#define DMA_OWNER_MAX_BYTES (32ull << 20)

struct dma_region {
	struct dma_region *next;
	uint64_t phys; /* first frame of the contiguous run */
	uint64_t bus;  /* what the device is given: phys, or an IOVA in the owner's IOMMU domain */
	uint64_t va;   /* where it is mapped in owner->space */
	uint64_t size; /* bytes, a multiple of PAGE_SIZE */
};

/*
 * How bus addresses are made when an IOMMU translates the owner's device
 * (kernel/iommu sets them with dma_owner_set_bus; mm cannot call up):
 * map gives [phys, phys+size) an I/O virtual address in the owner's domain;
 * unmap removes it and returns only once the IOMMU's caches have dropped it;
 * release is called once, after the last unmap, when the grant goes.
 */
struct dma_bus_ops {
	long (*map)(void *bus, uint64_t phys, uint64_t size, uint64_t *bus_address);
	void (*unmap)(void *bus, uint64_t bus_address, uint64_t size);
	void (*release)(void *bus);
};

struct dma_owner {
	struct spinlock lock;
	const struct dma_bus_ops *bus_ops; /* NULL: no IOMMU, bus addresses are physical */
	void *bus;
	struct addr_space *space; /* the space every region is mapped into; NULL before the first */
	struct dma_region *regions;
	unsigned count;
	uint64_t bytes;
};

struct proc;

void dma_owner_init(struct dma_owner *owner);
/* Before the first region: from now on regions get bus addresses from ops (the IOMMU's). */
void dma_owner_set_bus(struct dma_owner *owner, const struct dma_bus_ops *ops, void *bus);

/*
 * Allocates `size` bytes (rounded up to pages) of zeroed contiguous memory,
 * maps it read-write and write-back cached (x86 DMA is cache-coherent) into
 * `proc` at a fresh address, and records it in owner.
 * Fills *out. 0, or -SIETCH_EINVAL (size 0 or over DMA_REGION_MAX_SIZE, or
 * a second process for one owner), -SIETCH_ENOMEM (no contiguous run, over
 * DMA_OWNER_MAX_BYTES or DMA_OWNER_MAX_REGIONS, no room in the address space).
 *
 * Defined in kernel/ctl/sys_dma.c, the layer that knows a process's
 * address-space bookkeeping; the layer-neutral part is dma_owner_map.
 */
long dma_owner_alloc(struct dma_owner *owner, struct proc *proc, size_t size, struct sietch_dma_region *out);

/* The part of dma_owner_alloc below processes: allocate, map at va in space, record. Same errors. */
long dma_owner_map(struct dma_owner *owner, struct addr_space *space, uint64_t va, size_t size,
		   struct sietch_dma_region *out);

/*
 * Unmaps every region from the owner's space and from its IOMMU domain (with
 * the IOTLB invalidated), releases the domain, and frees the frames. The caller
 * guarantees the device no longer touches them (it has been reset) and that
 * the space still exists (the grant goes before its process's tables do).
 * Returns the number of pages freed.
 */
uint64_t dma_owner_release(struct dma_owner *owner);
