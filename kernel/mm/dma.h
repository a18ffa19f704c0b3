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
 * the physical address; with one it will be an IOVA, and only this file and
 * the grant's release change.
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
	uint64_t va;   /* where it is mapped in owner->space */
	uint64_t size; /* bytes, a multiple of PAGE_SIZE */
};

struct dma_owner {
	struct spinlock lock;
	struct addr_space *space; /* the space every region is mapped into; NULL before the first */
	struct dma_region *regions;
	unsigned count;
	uint64_t bytes;
};

struct proc;

void dma_owner_init(struct dma_owner *owner);

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
 * Unmaps every region from the owner's space and frees its frames. The caller
 * guarantees the device no longer touches them (it has been reset) and that
 * the space still exists (the grant goes before its process's tables do).
 * Returns the number of pages freed.
 */
uint64_t dma_owner_release(struct dma_owner *owner);
