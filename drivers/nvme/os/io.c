/*
 * The NVMe I/O library (io.h), kernel-checked mode: commands built here,
 * checked and run by the kernel one batch per system call.
 */
#include "drivers/nvme/os/io.h"

#include <stdio.h>
#include <string.h>

#include "lib/common/nvme_cmd.h"
#include "lib/common/nvme_status.h"
#include "lib/os/os.h"

long nvme_store_create(const char *name, uint64_t bytes, unsigned flags)
{
	return os_raw_store_create(name, strlen(name), bytes, flags);
}

long nvme_store_remove(const char *name) { return os_raw_store_remove(name, strlen(name)); }

long nvme_store_set_rights(const char *name, unsigned rights)
{
	return os_raw_store_set_rights(name, strlen(name), rights);
}

static uint64_t clock_us(void) { return (uint64_t)os_clock_ns(SIETCH_CLOCK_MONOTONIC) / 1000; }

/* Hardware-enforced mode: the queue pair the kernel created on the VF, its
 * memory and doorbells mapped into this process. */
static long queue_setup(struct nvme_io *io)
{
	const struct sietch_store_info *in = &io->info;
	volatile uint8_t *db = (volatile uint8_t *)in->doorbells - NVME_REG_DOORBELLS; /* as if BAR0 */
	struct nvme_queue_config cfg = {
		.qid = in->qid,
		.sq_entries = in->entries,
		.cq_entries = in->entries,
		.sq = (struct nvme_sqe *)in->sq,
		.cq = (volatile struct nvme_cqe *)in->cq,
		.sq_tail_doorbell = db + nvme_sq_tail_doorbell(in->qid, in->doorbell_stride),
		.cq_head_doorbell = db + nvme_cq_head_doorbell(in->qid, in->doorbell_stride),
		.slots = io->slots,
		.clock_us = clock_us,
	};
	if (in->entries > 64)
		return -SIETCH_EINVAL;
	return nvme_queue_init(&io->queue, &cfg);
}

long nvme_io_open(struct nvme_io *io, const char *path, size_t buf_size)
{
	return nvme_io_open_rights(io, path, buf_size, SIETCH_RIGHT_READ | SIETCH_RIGHT_WRITE);
}

long nvme_io_open_rights(struct nvme_io *io, const char *path, size_t buf_size, unsigned rights)
{
	struct sietch_dma_region data, lists;
	memset(io, 0, sizeof(*io));
	long h = os_raw_store_open(path, strlen(path), rights, &io->info);
	if (h < 0)
		return h;
	io->store = h;
	long err = os_dma_alloc(h, buf_size, &data);
	if (!err)
		err = os_dma_alloc(h, NVME_IO_BATCH * NVME_IO_PRP_BYTES, &lists);
	if (err) {
		os_close(h);
		return err;
	}
	io->buf = (uint8_t *)data.address;
	io->buf_bus = data.bus_address;
	io->buf_size = data.size;
	io->prp = (uint8_t *)lists.address;
	io->prp_bus = lists.bus_address;
	io->timeout_us = NVME_IO_TIMEOUT_DEFAULT_US;
	if (io->info.mode == SIETCH_STORE_HARDWARE && (err = queue_setup(io))) {
		os_close(h);
		return err;
	}
	return 0;
}

const char *nvme_io_open_hint(long err, unsigned rights)
{
	if (err == -SIETCH_EPERM && (rights & SIETCH_RIGHT_WRITE))
		return "the area is read-only (lsstore shows ro; chstore rw NAME allows writing)";
	if (err == -SIETCH_EPERM)
		return "the area's rights do not allow reading";
	if (err == -SIETCH_EBUSY)
		return "another process holds the area, or every virtual controller is in use";
	if (err == -SIETCH_ENOENT)
		return "no such area (lsstore lists them), or no storage";
	if (err == -SIETCH_EINVAL && !(rights & SIETCH_RIGHT_WRITE))
		return "a hardware-enforced area opens only for writing too: its VF cannot refuse writes";
	return "";
}

void nvme_io_close(struct nvme_io *io)
{
	if (io->store > 0)
		os_close(io->store);
	if (io->notify > 0)
		os_close(io->notify);
	io->store = -1;
	io->notify = 0;
}

long nvme_io_use_interrupts(struct nvme_io *io)
{
	if (io->info.mode != SIETCH_STORE_HARDWARE)
		return -SIETCH_EINVAL;
	long n = os_notify_create();
	if (n < 0)
		return n;
	long err = os_store_bind_interrupt(io->store, n, 1);
	if (err) {
		os_close(n);
		return err;
	}
	io->notify = n;
	return 0;
}

static bool buf_range_ok(const struct nvme_io *io, uint64_t blocks, size_t offset)
{
	uint64_t bytes = blocks * io->info.block_size;
	return offset <= io->buf_size && bytes <= io->buf_size - offset && bytes <= io->info.max_transfer;
}

static long queue_data(struct nvme_io *io, bool write, uint64_t block, uint32_t blocks, size_t offset)
{
	if (io->count == NVME_IO_BATCH)
		return -SIETCH_EAGAIN;
	if (!buf_range_ok(io, blocks, offset))
		return -SIETCH_EINVAL;
	struct nvme_sqe *c = &io->batch[io->count];
	int err = write ? nvme_cmd_write(c, io->info.nsid, block, blocks, 0)
			: nvme_cmd_read(c, io->info.nsid, block, blocks);
	struct nvme_prp_list list = {
		.entries = (uint64_t *)(io->prp + io->count * NVME_IO_PRP_BYTES),
		.bus = io->prp_bus + io->count * NVME_IO_PRP_BYTES,
		.capacity = NVME_IO_PRP_BYTES / 8,
	};
	if (!err)
		err = nvme_prp_build_contiguous(c, io->buf_bus + offset, blocks * io->info.block_size, &list);
	if (err)
		return err;
	io->count++;
	return 0;
}

long nvme_io_read(struct nvme_io *io, uint64_t block, uint32_t blocks, size_t buf_offset)
{
	return queue_data(io, false, block, blocks, buf_offset);
}

long nvme_io_write(struct nvme_io *io, uint64_t block, uint32_t blocks, size_t buf_offset)
{
	return queue_data(io, true, block, blocks, buf_offset);
}

long nvme_io_write_zeroes(struct nvme_io *io, uint64_t block, uint32_t blocks)
{
	if (io->count == NVME_IO_BATCH)
		return -SIETCH_EAGAIN;
	int err = nvme_cmd_write_zeroes(&io->batch[io->count], io->info.nsid, block, blocks);
	if (!err)
		io->count++;
	return err;
}

long nvme_io_flush(struct nvme_io *io)
{
	if (io->count == NVME_IO_BATCH)
		return -SIETCH_EAGAIN;
	int err = nvme_cmd_flush(&io->batch[io->count], io->info.nsid);
	if (!err)
		io->count++;
	return err;
}

static long first_failure(struct nvme_io *io, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		const struct sietch_store_result *r = &io->result[i];
		const char *what = nvme_opcode_name(false, io->batch[i].opc);
		uint64_t slba = (uint64_t)io->batch[i].cdw11 << 32 | io->batch[i].cdw10;
		if (r->error) {
			snprintf(io->error, sizeof(io->error), "%s of block %llu: %s", what, (unsigned long long)slba,
				 r->error == -SIETCH_ETIMEDOUT ? "timed out" : os_strerror(r->error));
			return r->error;
		}
		if (r->status) {
			snprintf(io->error, sizeof(io->error), "%s of block %llu: %s", what, (unsigned long long)slba,
				 nvme_status_name(r->status));
			return -SIETCH_EIO;
		}
	}
	return 0;
}

struct reap {
	struct nvme_io *io;
	unsigned left;
};

static void reaped(void *arg, const struct nvme_completion *done)
{
	struct reap *r = arg;
	struct sietch_store_result *res = &r->io->result[(uintptr_t)done->ctx];
	res->error = 0;
	res->status = done->status;
	res->dw0 = done->dw0;
	r->left--;
}

/* Hardware-enforced mode: the batch on the process's own queue pair, one
 * doorbell write, completions polled, deadlines checked while waiting. */
static long queue_run(struct nvme_io *io, unsigned n)
{
	struct reap r = { io, 0 };
	for (unsigned i = 0; i < n; i++) {
		io->result[i] = (struct sietch_store_result){ .error = -SIETCH_EAGAIN };
		if (nvme_queue_submit(&io->queue, &io->batch[i], io->timeout_us, (void *)(uintptr_t)i) >= 0)
			r.left++;
	}
	nvme_queue_ring(&io->queue);
	while (r.left) {
		if (nvme_queue_poll(&io->queue, 0, reaped, &r))
			continue;
		struct nvme_sqe late;
		void *ctx;
		while (nvme_queue_expire(&io->queue, &late, &ctx) >= 0) {
			io->result[(uintptr_t)ctx].error = -SIETCH_ETIMEDOUT;
			r.left--;
		}
		if (io->notify > 0 && r.left) {
			/* bits posted since the last wait make this return at once: no lost wake-up */
			uint64_t bits;
			os_notify_wait(io->notify, &bits);
			io->waits++;
		} else {
			__asm__ volatile("pause");
		}
	}
	return (long)n;
}

long nvme_io_submit(struct nvme_io *io)
{
	unsigned n = io->count;
	if (n == 0)
		return 0;
	io->count = 0;
	long done;
	if (io->info.mode == SIETCH_STORE_HARDWARE) {
		done = queue_run(io, n);
	} else {
		done = os_store_submit(io->store, io->batch, n, io->result);
		io->syscalls++;
	}
	io->submits++;
	io->commands += n;
	if (done < 0) {
		snprintf(io->error, sizeof(io->error), "store_submit: %s", os_strerror(done));
		return done;
	}
	return first_failure(io, n);
}

/* --- the block device: synchronous, through the DMA buffer ---------------- */

static uint32_t chunk_blocks(const struct nvme_io *io)
{
	size_t max = io->info.max_transfer < io->buf_size ? io->info.max_transfer : io->buf_size;
	return (uint32_t)(max / io->info.block_size);
}

static int dev_read(void *ctx, uint64_t block, uint32_t count, void *buf)
{
	struct nvme_io *io = ctx;
	uint8_t *out = buf;
	while (count) {
		uint32_t n = count < chunk_blocks(io) ? count : chunk_blocks(io);
		long err = nvme_io_read(io, block, n, 0);
		if (!err)
			err = nvme_io_submit(io);
		if (err)
			return (int)err;
		memcpy(out, io->buf, (size_t)n * io->info.block_size);
		out += (size_t)n * io->info.block_size;
		block += n;
		count -= n;
	}
	return 0;
}

static int dev_write(void *ctx, uint64_t block, uint32_t count, const void *buf)
{
	struct nvme_io *io = ctx;
	const uint8_t *in = buf;
	while (count) {
		uint32_t n = count < chunk_blocks(io) ? count : chunk_blocks(io);
		memcpy(io->buf, in, (size_t)n * io->info.block_size);
		long err = nvme_io_write(io, block, n, 0);
		if (!err)
			err = nvme_io_submit(io);
		if (err)
			return (int)err;
		in += (size_t)n * io->info.block_size;
		block += n;
		count -= n;
	}
	return 0;
}

static int dev_flush(void *ctx)
{
	struct nvme_io *io = ctx;
	long err = nvme_io_flush(io);
	if (!err)
		err = nvme_io_submit(io);
	return (int)err;
}

void nvme_io_blockdev(struct nvme_io *io, struct blockdev *dev)
{
	*dev = (struct blockdev){
		.ctx = io,
		.block_size = io->info.block_size,
		.block_count = io->info.blocks,
		.read = dev_read,
		.write = dev_write,
		.flush = dev_flush,
	};
}
