/*
 * A block device as the on-disk formats see it (lib/os/blocklog, the storage
 * catalogue): numbered blocks of one size, read, written and made durable
 * through the owner's callbacks — an NVMe queue pair in a process, the
 * kernel's admin path, or memory in a host test. A write is durable only
 * after flush returns 0; the formats assume only that each single block is
 * written whole or not at all (NVMe 1.4 §6.4: a write of at most AWUPF + 1
 * blocks, at least one, is atomic across a power failure).
 */
#pragma once

#include <stdint.h>

struct blockdev {
	void *ctx;
	uint32_t block_size;   /* bytes: a power of two, 512 ... 65536 */
	uint64_t block_count;
	/* Each returns 0 or a negated SIETCH_E* code (-SIETCH_EIO, ...). */
	int (*read)(void *ctx, uint64_t block, uint32_t count, void *buf);
	int (*write)(void *ctx, uint64_t block, uint32_t count, const void *buf);
	int (*flush)(void *ctx);
};

static inline int blockdev_valid(const struct blockdev *dev)
{
	return dev && dev->read && dev->write && dev->flush && dev->block_size >= 512 &&
	       dev->block_size <= 65536 && (dev->block_size & (dev->block_size - 1)) == 0;
}
