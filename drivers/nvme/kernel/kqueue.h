/*
 * The kernel's own I/O queue pair on the controller: the storage catalogue
 * is read and written through it, and kernel-checked storage areas have
 * their commands run on it after nvme_check_io has checked and rewritten
 * them. One user at a time (the lock); every batch is submitted, rung once
 * and waited for to its end (sleeping on the queue's interrupt, irq.h)
 * before the lock is given back, so when a caller
 * returns the device is done with every buffer that batch named.
 */
#pragma once

#include "drivers/nvme/kernel/ctl.h"
#include "lib/common/nvme_blockdev.h"
#include "lib/common/nvme_cmd.h"

#define KQUEUE_QID 1
#define KQUEUE_ENTRIES 64
#define KQUEUE_BATCH 32             /* commands in flight at once: SIETCH_STORE_BATCH_MAX */
#define KQUEUE_PRP_ENTRIES 64       /* per command: 512 bytes, never across a page */
#define KQUEUE_MAX_TRANSFER (128u * 1024) /* bytes per checked command: fits its PRP list */
#define KQUEUE_BOUNCE_PAGES 16      /* the catalogue's bounce buffer: 64 KiB */

struct kqueue {
	struct nvme_ctrl *ctrl;
	struct nvme_lock lock;
	struct nvme_queue queue;
	struct nvme_slot slots[NVME_QUEUE_SLOTS(KQUEUE_ENTRIES, KQUEUE_ENTRIES)];
	struct nvme_prp_list prp[KQUEUE_BATCH]; /* one list per command of a batch */
	uint8_t *bounce;
	uint64_t bounce_bus;
	struct nvme_prp_list bounce_prp;
	uint64_t timeouts;          /* commands that never completed */
};

/* Creates queue pair KQUEUE_QID on c. 0 or a negated SIETCH_E* code. */
int kqueue_init(struct kqueue *k, struct nvme_ctrl *c);

/* A block device over blocks [first, first + count) of namespace nsid
 * through the bounce buffer; use it only with k->lock held. */
int kqueue_blockdev(struct kqueue *k, struct nvme_blockdev *b, uint32_t nsid, uint32_t block_size,
		    uint64_t first, uint64_t count);

/* Runs cmds[0 .. count) (count <= KQUEUE_BATCH, already checked) with one
 * doorbell write, and waits until each has completed or timed out: 0 with
 * status[i] set (the CQE status, phase cleared) or error[i] = -SIETCH_ETIMEDOUT.
 * k->lock held. */
void kqueue_run_batch(struct kqueue *k, const struct nvme_sqe *cmds, unsigned count, uint16_t *status,
		      uint32_t *dw0, int *error);
