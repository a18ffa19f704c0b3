#include "lib/common/nvme_blockdev.h"

#include "lib/common/string.h"
#include "lib/common/syscall.h"

/* Runs one command to its completion: 0, -SIETCH_EIO with the status kept,
 * -SIETCH_ETIMEDOUT, or -SIETCH_EAGAIN when the queue is full (it is shared,
 * against the rule in the header). */
static int blockdev_run(struct nvme_blockdev *b, const struct nvme_sqe *c)
{
	struct nvme_cqe done;
	int err = nvme_queue_run(b->cfg.queue, c, b->cfg.timeout_us, &done, NULL, NULL);

	if (err == 0 && !NVME_STATUS_OK(done.status)) {
		b->failed_status = done.status & (uint16_t)~NVME_CQE_PHASE;
		err = -SIETCH_EIO;
	} else if (err) {
		b->failed_status = 0;
	}
	if (err)
		b->failed_opcode = c->opc;
	return err;
}

static int blockdev_transfer(struct nvme_blockdev *b, uint8_t opc, uint64_t block, uint32_t count)
{
	struct nvme_sqe c;
	uint64_t lba = b->cfg.first_lba + block;
	int err = opc == NVME_NVM_READ ? nvme_cmd_read(&c, b->cfg.nsid, lba, count)
				       : nvme_cmd_write(&c, b->cfg.nsid, lba, count, 0);
	if (err == 0)
		err = nvme_prp_build_contiguous(&c, b->cfg.bounce_bus, count * b->cfg.block_size,
						&b->cfg.prp);
	return err ? err : blockdev_run(b, &c);
}

static int range_ok(const struct nvme_blockdev *b, uint64_t block, uint32_t count)
{
	return block < b->cfg.block_count && count <= b->cfg.block_count - block;
}

static int blockdev_read(void *ctx, uint64_t block, uint32_t count, void *buf)
{
	struct nvme_blockdev *b = ctx;
	uint8_t *out = buf;

	if (!range_ok(b, block, count))
		return -SIETCH_EINVAL;
	while (count) {
		uint32_t n = count < b->max_blocks ? count : b->max_blocks;
		int err = blockdev_transfer(b, NVME_NVM_READ, block, n);
		if (err)
			return err;
		memcpy(out, b->cfg.bounce, (size_t)n * b->cfg.block_size);
		out += (size_t)n * b->cfg.block_size;
		block += n;
		count -= n;
	}
	return 0;
}

static int blockdev_write(void *ctx, uint64_t block, uint32_t count, const void *buf)
{
	struct nvme_blockdev *b = ctx;
	const uint8_t *in = buf;

	if (!range_ok(b, block, count))
		return -SIETCH_EINVAL;
	while (count) {
		uint32_t n = count < b->max_blocks ? count : b->max_blocks;
		memcpy(b->cfg.bounce, in, (size_t)n * b->cfg.block_size);
		int err = blockdev_transfer(b, NVME_NVM_WRITE, block, n);
		if (err)
			return err;
		in += (size_t)n * b->cfg.block_size;
		block += n;
		count -= n;
	}
	return 0;
}

static int blockdev_flush(void *ctx)
{
	struct nvme_blockdev *b = ctx;
	struct nvme_sqe c;

	/* The volatile write cache is flushed to media (§6, Flush command):
	 * the only durability point, since QEMU ignores FUA. */
	int err = nvme_cmd_flush(&c, b->cfg.nsid);
	return err ? err : blockdev_run(b, &c);
}

int nvme_blockdev_init(struct nvme_blockdev *b, const struct nvme_blockdev_config *cfg)
{
	uint32_t bs = cfg->block_size;

	if (!cfg->queue || !cfg->bounce || bs < 512 || bs > NVME_PAGE_SIZE * 16 || (bs & (bs - 1)) ||
	    cfg->bounce_size < bs || cfg->bounce_size % NVME_PAGE_SIZE || cfg->bounce_size % bs ||
	    cfg->bounce_bus % NVME_PAGE_SIZE || cfg->first_lba + cfg->block_count < cfg->first_lba)
		return -SIETCH_EINVAL;
	if (nvme_prp_list_entries(0, cfg->bounce_size, cfg->prp.bus) > cfg->prp.capacity)
		return -SIETCH_EINVAL;

	memset(b, 0, sizeof(*b));
	b->cfg = *cfg;
	uint32_t transfer = cfg->bounce_size;
	if (cfg->max_transfer && cfg->max_transfer < transfer)
		transfer = cfg->max_transfer;
	b->max_blocks = transfer / bs;
	if (b->max_blocks == 0)
		return -SIETCH_EINVAL;
	if (b->max_blocks > NVME_RW_MAX_BLOCKS)
		b->max_blocks = NVME_RW_MAX_BLOCKS;
	b->dev = (struct blockdev){
		.ctx = b,
		.block_size = bs,
		.block_count = cfg->block_count,
		.read = blockdev_read,
		.write = blockdev_write,
		.flush = blockdev_flush,
	};
	return 0;
}
