#include "lib/common/nvme_queue.h"

#include "lib/common/mmio.h"
#include "lib/common/string.h"
#include "lib/common/syscall.h"

int nvme_queue_init(struct nvme_queue *q, const struct nvme_queue_config *cfg)
{
	/* §4.1.3: a queue has at least two entries; the admin queues at most
	 * 4096 (§3.1.8). I/O queues are bounded by CAP.MQES, the caller's
	 * business, and by uint16_t here (65535, one short of the maximum). */
	if (cfg->sq_entries < 2 || cfg->cq_entries < 2 || !cfg->sq || !cfg->cq ||
	    !cfg->sq_tail_doorbell || !cfg->cq_head_doorbell || !cfg->slots || !cfg->clock_us)
		return -SIETCH_EINVAL;
	if (cfg->qid == 0 && (cfg->sq_entries > NVME_ADMIN_QUEUE_MAX ||
			      cfg->cq_entries > NVME_ADMIN_QUEUE_MAX))
		return -SIETCH_EINVAL;

	memset(q, 0, sizeof(*q));
	q->cfg = *cfg;
	q->slot_count = (uint16_t)NVME_QUEUE_SLOTS(cfg->sq_entries, cfg->cq_entries);
	for (uint16_t i = 0; i < q->slot_count; i++) {
		cfg->slots[i].state = NVME_SLOT_FREE;
		cfg->slots[i].next_free = (uint16_t)(i + 1);
	}
	q->free_head = 0;
	/* §4.6: the controller inverts the phase tag on each pass; the first
	 * pass writes 1, so zeroed memory reads as "nothing new". */
	q->phase = 1;
	memset((void *)cfg->cq, 0, sizeof(struct nvme_cqe) * cfg->cq_entries);
	return 0;
}

static uint16_t queue_next(uint16_t index, uint16_t entries)
{
	return (uint16_t)(index + 1 == entries ? 0 : index + 1);
}

/* §4.1.2: a submission queue is full when the tail is one entry behind the head. */
static bool sq_full(const struct nvme_queue *q)
{
	return queue_next(q->sq_tail, q->cfg.sq_entries) == q->sq_head;
}

int nvme_queue_submit(struct nvme_queue *q, const struct nvme_sqe *cmd, uint64_t timeout_us,
		      void *ctx)
{
	if (q->free_head >= q->slot_count || sq_full(q))
		return -SIETCH_EAGAIN;

	uint16_t index = q->free_head;
	struct nvme_slot *slot = &q->cfg.slots[index];
	uint16_t cid = NVME_QUEUE_CID(index);
	q->free_head = slot->next_free;
	slot->state = NVME_SLOT_BUSY;
	slot->cmd = *cmd;
	slot->cmd.cid = cid;
	slot->ctx = ctx;
	uint64_t now = q->cfg.clock_us();
	slot->deadline_us = timeout_us > UINT64_MAX - now ? UINT64_MAX : now + timeout_us;
	q->in_flight++;

	q->cfg.sq[q->sq_tail] = slot->cmd;
	q->sq_tail = queue_next(q->sq_tail, q->cfg.sq_entries);
	return cid;
}

void nvme_queue_ring(struct nvme_queue *q)
{
	if (q->sq_tail == q->sq_tail_rung)
		return;
	/* The entries are in write-back memory and the doorbell is an uncached
	 * store: x86 keeps them in order (see mmio.h), so the device reads
	 * complete entries. */
	mmio_write32(q->cfg.sq_tail_doorbell, q->sq_tail);
	q->sq_tail_rung = q->sq_tail;
	q->sq_doorbell_writes++;
}

static void slot_release(struct nvme_queue *q, uint16_t index)
{
	struct nvme_slot *slot = &q->cfg.slots[index];

	slot->state = NVME_SLOT_FREE;
	slot->next_free = q->free_head;
	q->free_head = index;
	q->in_flight--;
}

/* Takes the entry at the head if its phase tag says the device wrote it on
 * this pass. The status word is read first: the rest of the entry is valid
 * only once the phase matches, and x86 does not reorder loads. */
static bool cq_take(struct nvme_queue *q, struct nvme_cqe *out)
{
	volatile struct nvme_cqe *entry = &q->cfg.cq[q->cq_head];
	uint16_t status = entry->status;

	if ((status & NVME_CQE_PHASE) != q->phase)
		return false;
	out->dw0 = entry->dw0;
	out->dw1 = entry->dw1;
	out->sqhd = entry->sqhd;
	out->sqid = entry->sqid;
	out->cid = entry->cid;
	out->status = status;
	q->cq_head = queue_next(q->cq_head, q->cfg.cq_entries);
	if (q->cq_head == 0)
		q->phase ^= 1;
	return true;
}

/* The device has fetched every entry before new_head. With zero_consumed
 * they are cleared: a later ring of this queue's doorbell by someone else
 * then replays only zeroed entries (command identifier 0, never handed out),
 * whose completions are dropped as stray. */
static void sq_head_advance(struct nvme_queue *q, uint16_t new_head)
{
	if (q->cfg.zero_consumed)
		for (uint16_t i = q->sq_head; i != new_head; i = queue_next(i, q->cfg.sq_entries))
			memset(&q->cfg.sq[i], 0, sizeof(q->cfg.sq[i]));
	q->sq_head = new_head;
}

static void complete_one(struct nvme_queue *q, const struct nvme_cqe *cqe, nvme_completion_fn done,
			 void *arg)
{
	/* SQHD frees submission entries (§4.6); a value outside the queue
	 * can only come from a broken or scribbled-on queue and is ignored. */
	if (cqe->sqhd < q->cfg.sq_entries)
		sq_head_advance(q, cqe->sqhd);

	uint16_t index = (uint16_t)(cqe->cid - 1);
	if (cqe->cid == 0 || index >= q->slot_count || q->cfg.slots[index].state == NVME_SLOT_FREE) {
		q->stray_completions++;
		return;
	}
	struct nvme_slot *slot = &q->cfg.slots[index];
	bool expired = slot->state == NVME_SLOT_EXPIRED;
	struct nvme_completion c = {
		.cid = cqe->cid,
		.status = (uint16_t)(cqe->status & ~NVME_CQE_PHASE),
		.dw0 = cqe->dw0,
		.cmd = &slot->cmd,
		.ctx = slot->ctx,
	};
	/* An expired command was already reported to the caller as failed. */
	if (!expired && done)
		done(arg, &c);
	slot_release(q, index);
}

unsigned nvme_queue_poll(struct nvme_queue *q, unsigned max, nvme_completion_fn done, void *arg)
{
	unsigned taken = 0;
	struct nvme_cqe cqe;

	/* One pass over the queue at most, so a device (or a process's own
	 * scribbling) that keeps producing entries cannot hold the caller here. */
	if (max == 0 || max > q->cfg.cq_entries)
		max = q->cfg.cq_entries;
	while (taken < max && cq_take(q, &cqe)) {
		complete_one(q, &cqe, done, arg);
		taken++;
	}
	if (taken) {
		mmio_write32(q->cfg.cq_head_doorbell, q->cq_head);
		q->cq_doorbell_writes++;
	}
	return taken;
}

int nvme_queue_expire(struct nvme_queue *q, struct nvme_sqe *cmd, void **ctx)
{
	uint64_t now = q->cfg.clock_us();

	for (uint16_t index = 0; index < q->slot_count; index++) {
		struct nvme_slot *slot = &q->cfg.slots[index];
		if (slot->state != NVME_SLOT_BUSY || now < slot->deadline_us)
			continue;
		slot->state = NVME_SLOT_EXPIRED;
		if (cmd)
			*cmd = slot->cmd;
		if (ctx)
			*ctx = slot->ctx;
		return NVME_QUEUE_CID(index);
	}
	return -SIETCH_ENOENT;
}

struct run_wait {
	uint16_t cid;
	bool done;
	struct nvme_cqe *out;
	nvme_completion_fn others;
	void *others_arg;
};

static void run_collect(void *arg, const struct nvme_completion *c)
{
	struct run_wait *w = arg;

	if (c->cid != w->cid) {
		if (w->others)
			w->others(w->others_arg, c);
		return;
	}
	w->done = true;
	memset(w->out, 0, sizeof(*w->out));
	w->out->cid = c->cid;
	w->out->status = c->status;
	w->out->dw0 = c->dw0;
}

void nvme_queue_idle_wait(struct nvme_queue *q)
{
	if (q->cfg.idle)
		q->cfg.idle(q->cfg.idle_arg);
	else
		__asm__ volatile("pause");
}

int nvme_queue_run(struct nvme_queue *q, const struct nvme_sqe *cmd, uint64_t timeout_us,
		   struct nvme_cqe *out, nvme_completion_fn done, void *arg)
{
	int cid = nvme_queue_submit(q, cmd, timeout_us, NULL);
	if (cid < 0)
		return cid;
	nvme_queue_ring(q);

	struct run_wait w = { .cid = (uint16_t)cid, .out = out, .others = done, .others_arg = arg };
	struct nvme_slot *slot = &q->cfg.slots[cid - 1];
	while (!w.done) {
		if (nvme_queue_poll(q, 0, run_collect, &w) == 0 &&
		    q->cfg.clock_us() >= slot->deadline_us) {
			slot->state = NVME_SLOT_EXPIRED;
			return -SIETCH_ETIMEDOUT;
		}
		if (!w.done) /* a look that found it ends the wait: no idle (a sleep) after it */
			nvme_queue_idle_wait(q);
	}
	return 0;
}
