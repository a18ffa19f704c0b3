/*
 * A block device (lib/common/blockdev.h) over one NVMe I/O queue pair: the
 * way the kernel reads and writes the storage catalogue through its own
 * queue, and the way a process puts lib/os/blocklog on its area. Synchronous
 * — each call submits, rings and polls until its command completes or times
 * out — so the queue pair must be this device's alone.
 *
 * Data goes through a bounce buffer in DMA memory, because the callers'
 * buffers are ordinary memory the device cannot address; a request larger
 * than the buffer or than the controller's maximum transfer (MDTS) is split
 * into several commands.
 */
#pragma once

#include <stdint.h>

#include "lib/common/blockdev.h"
#include "lib/common/nvme_cmd.h"
#include "lib/common/nvme_queue.h"

struct nvme_blockdev_config {
	struct nvme_queue *queue;
	uint32_t nsid;
	uint32_t block_size;      /* the namespace's formatted LBA size */
	uint64_t first_lba;       /* block 0 of the device is this LBA */
	uint64_t block_count;
	uint8_t *bounce;          /* DMA memory, bus-contiguous */
	uint64_t bounce_bus;      /* page aligned */
	uint32_t bounce_size;     /* a multiple of NVME_PAGE_SIZE and of block_size */
	struct nvme_prp_list prp; /* enough entries for bounce_size */
	uint32_t max_transfer;    /* bytes per command (from MDTS); 0: no limit */
	uint64_t timeout_us;      /* per command */
};

struct nvme_blockdev {
	struct blockdev dev;      /* what the formats use; dev.ctx is this struct */
	struct nvme_blockdev_config cfg;
	uint32_t max_blocks;      /* per command */
	/* The last command that failed, for the message the caller prints. */
	uint8_t failed_opcode;
	uint16_t failed_status;   /* its CQE status; 0 for a timeout */
};

/* -SIETCH_EINVAL for a configuration that cannot work (sizes, alignment, a
 * PRP list too short for the bounce buffer, a range past 2^64). */
int nvme_blockdev_init(struct nvme_blockdev *b, const struct nvme_blockdev_config *cfg);
