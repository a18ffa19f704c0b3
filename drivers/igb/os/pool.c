/*
 * A pool of IGBVF_BUF_SIZE-byte DMA buffers carved from one region. The receive
 * ring takes one buffer a descriptor for good; the transmit ring takes one a
 * frame and gives it back when the device has sent it, so a pool whose free
 * count is back at the ring's capacity has leaked nothing.
 */
#include "drivers/igb/os/igbvf.h"

void igbvf_pool_init(struct igbvf_pool *pool, const struct vf_dma *dma, size_t offset, uint32_t count)
{
	pool->va = (uint8_t *)dma->va + offset;
	pool->bus = dma->bus + offset;
	pool->total = count;
	pool->free_count = 0;
	/* Lowest index on top, so buffers are handed out in address order. */
	for (uint32_t i = count; i > 0; i--)
		pool->free[pool->free_count++] = (uint16_t)(i - 1);
}

int igbvf_pool_get(struct igbvf_pool *pool)
{
	if (pool->free_count == 0)
		return -1;
	return pool->free[--pool->free_count];
}

void igbvf_pool_put(struct igbvf_pool *pool, uint16_t index)
{
	if (index < pool->total && pool->free_count < pool->total)
		pool->free[pool->free_count++] = index;
}
