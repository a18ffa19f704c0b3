/*
 * Kernel-checked mode: a process whose storage area is a block range of a
 * namespace shared with others cannot hold a queue pair of its own (the
 * device would let it reach every block), so it hands its commands to the
 * kernel, which submits them on a queue the kernel owns. This is the check
 * between the two: every field of the process's command is validated or
 * replaced, the block range is moved into the area and bounded by it, and
 * the PRP list — which the device would otherwise read from the process's
 * memory, where it could change after the check — is copied, entry by
 * validated entry, into the kernel's own list.
 *
 * The process addresses blocks from 0 within its area; data pointers are bus
 * addresses of its own DMA memory, which the caller's lookup function
 * vouches for.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/nvme/regs.h"
#include "lib/common/nvme_cmd.h"

struct nvme_area {
	uint32_t nsid;
	uint64_t first_lba;     /* the area's block 0 */
	uint64_t blocks;
	uint32_t block_size;    /* the namespace's LBA size */
	uint32_t max_transfer;  /* bytes per command (MDTS); 0: no limit */
	bool write_zeroes;      /* the controller has Write Zeroes (ONCS) */
	bool read_only;         /* the grant lacks WRITE: Write and Write Zeroes are refused */
};

/* Kernel-readable memory for [bus, bus + len) if all of it is the process's
 * DMA memory, else NULL. len never crosses a page. */
typedef const void *(*nvme_dma_lookup_fn)(void *ctx, uint64_t bus, size_t len);

/*
 * Builds in *out the command the kernel submits for the process's *in:
 * Flush, Read, Write, and Write Zeroes where the controller has it. Returns
 * 0; -SIETCH_EPERM for Write or Write Zeroes on a read-only grant;
 * -SIETCH_EACCES for blocks outside the area; -SIETCH_EFAULT for a data
 * pointer or PRP list outside the process's DMA memory; -SIETCH_EINVAL for
 * anything else it does not allow (other opcodes, fused commands, SGLs,
 * metadata, protection information, reserved fields, a transfer over
 * max_transfer); -SIETCH_ENOSPC when the kernel's list is too short.
 */
int nvme_check_io(struct nvme_sqe *out, const struct nvme_sqe *in, const struct nvme_area *area,
		  nvme_dma_lookup_fn lookup, void *ctx, const struct nvme_prp_list *list);
