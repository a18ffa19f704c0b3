/*
 * The kernel's I/O queue pair (kqueue.h): created once at boot; its
 * completion queue interrupts on the PF's MSI-X entry NVME_IO_VECTOR (§5.3,
 * IEN = 1), which a waiter in a process sleeps on (irq.h); without MSI-X it
 * is created with IEN = 0 and polled.
 */
#include "drivers/nvme/kernel/kqueue.h"

#include "drivers/nvme/kernel/irq.h"
#include "kernel/arch/timer.h"
#include "kernel/console.h"
#include "kernel/mm/frame.h"
#include "kernel/mm/vm.h"
#include "lib/common/mmio.h"
#include "lib/common/nvme_status.h"
#include "lib/common/string.h"

static uint64_t clock_us(void) { return timer_now_ns() / 1000; }

static void *dma_pages(uint64_t pages, uint64_t *bus)
{
	uint64_t phys = pages == 1 ? frame_alloc() : frame_alloc_contiguous(pages, 1, ~0ull);
	if (phys == FRAME_NONE)
		return NULL;
	*bus = phys;
	return phys_to_virt(phys);
}

static int lists_init(struct kqueue *k)
{
	const unsigned per_page = NVME_PAGE_SIZE / (KQUEUE_PRP_ENTRIES * 8);
	for (unsigned i = 0; i < KQUEUE_BATCH; i += per_page) {
		uint64_t bus;
		uint8_t *page = dma_pages(1, &bus);
		if (!page)
			return -SIETCH_ENOMEM;
		for (unsigned j = 0; j < per_page && i + j < KQUEUE_BATCH; j++) {
			k->prp[i + j] = (struct nvme_prp_list){
				.entries = (uint64_t *)(page + j * KQUEUE_PRP_ENTRIES * 8),
				.bus = bus + j * KQUEUE_PRP_ENTRIES * 8,
				.capacity = KQUEUE_PRP_ENTRIES,
			};
		}
	}
	uint64_t bus;
	uint8_t *page = dma_pages(1, &bus);
	k->bounce = dma_pages(KQUEUE_BOUNCE_PAGES, &k->bounce_bus);
	if (!page || !k->bounce)
		return -SIETCH_ENOMEM;
	k->bounce_prp = (struct nvme_prp_list){ .entries = (uint64_t *)page, .bus = bus, .capacity = 512 };
	return 0;
}

int kqueue_init(struct kqueue *k, struct nvme_ctrl *c)
{
	uint64_t sq_bus = 0, cq_bus = 0;
	k->ctrl = c;
	k->lock = (struct nvme_lock){ .guard = SPINLOCK_INIT("nvme kernel queue") };
	struct nvme_queue_config cfg = {
		.qid = KQUEUE_QID,
		.sq_entries = KQUEUE_ENTRIES,
		.cq_entries = KQUEUE_ENTRIES,
		.sq = dma_pages(1, &sq_bus),  /* 64 × 64 bytes */
		.cq = dma_pages(1, &cq_bus),
		.sq_tail_doorbell = mmio_at(c->regs, nvme_sq_tail_doorbell(KQUEUE_QID, c->dstrd)),
		.cq_head_doorbell = mmio_at(c->regs, nvme_cq_head_doorbell(KQUEUE_QID, c->dstrd)),
		.slots = k->slots,
		.clock_us = clock_us,
		/* consumed entries zeroed: the checked commands stay in no memory the device could replay */
		.zero_consumed = true,
		.idle = nvme_irq_idle,
		.idle_arg = c->io_wait,
	};
	if (!cfg.sq || !cfg.cq)
		return -SIETCH_ENOMEM;
	int err = lists_init(k);
	if (!err)
		err = nvme_queue_init(&k->queue, &cfg);
	if (!err)
		err = nvme_io_pair_create(c, KQUEUE_QID, KQUEUE_ENTRIES, sq_bus, cq_bus, c->io_wait ? NVME_IO_VECTOR : -1);
	return err;
}

int kqueue_blockdev(struct kqueue *k, struct nvme_blockdev *b, uint32_t nsid, uint32_t block_size,
		    uint64_t first, uint64_t count)
{
	struct nvme_blockdev_config cfg = {
		.queue = &k->queue,
		.nsid = nsid,
		.block_size = block_size,
		.first_lba = first,
		.block_count = count,
		.bounce = k->bounce,
		.bounce_bus = k->bounce_bus,
		.bounce_size = KQUEUE_BOUNCE_PAGES * NVME_PAGE_SIZE,
		.prp = k->bounce_prp,
		.max_transfer = k->ctrl->max_transfer,
		.timeout_us = NVME_IO_TIMEOUT_US,
	};
	return nvme_blockdev_init(b, &cfg);
}

struct batch {
	uint16_t *status;
	uint32_t *dw0;
	int *error;
	unsigned left;
};

static void batch_done(void *arg, const struct nvme_completion *done)
{
	struct batch *b = arg;
	unsigned i = (unsigned)(uintptr_t)done->ctx;
	b->status[i] = done->status;
	b->dw0[i] = done->dw0;
	b->error[i] = 0;
	b->left--;
}

void kqueue_run_batch(struct kqueue *k, const struct nvme_sqe *cmds, unsigned count, uint16_t *status,
		      uint32_t *dw0, int *error)
{
	struct batch b = { status, dw0, error, 0 };
	for (unsigned i = 0; i < count; i++) {
		error[i] = -SIETCH_EAGAIN;
		if (nvme_queue_submit(&k->queue, &cmds[i], NVME_IO_TIMEOUT_US, (void *)(uintptr_t)i) >= 0)
			b.left++;
	}
	nvme_queue_ring(&k->queue); /* one doorbell write for the batch */
	while (b.left) {
		if (nvme_queue_poll(&k->queue, 0, batch_done, &b))
			continue;
		struct nvme_sqe late;
		void *ctx;
		while (nvme_queue_expire(&k->queue, &late, &ctx) >= 0) {
			unsigned i = (unsigned)(uintptr_t)ctx;
			kprintf("nvme: %s: %s (nsid %u, slba %llu) timed out after %llu ms\n", k->ctrl->where,
				nvme_opcode_name(false, late.opc), late.nsid,
				(unsigned long long)late.cdw10 | (unsigned long long)late.cdw11 << 32,
				NVME_IO_TIMEOUT_US / 1000);
			error[i] = -SIETCH_ETIMEDOUT;
			k->timeouts++;
			b.left--;
		}
		nvme_queue_idle_wait(&k->queue);
	}
}
