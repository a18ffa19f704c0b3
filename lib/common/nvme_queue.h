/*
 * One NVMe submission/completion queue pair, driven from the host side
 * (NVMe 1.4 §4.1 "Submission Queue & Completion Queue Definition", §7.2
 * "Command Submission and Completion Mechanism"). The same code runs the
 * kernel's admin queue (drivers/nvme/ctl.c) and a process's I/O queues
 * (drivers/nvme/io.c): the caller owns every byte — the queue memory the
 * device reads and writes, the command slots, the two doorbells — and this
 * file only keeps the indices, the phase and the command identifiers.
 *
 * Use: nvme_queue_submit() any number of commands (each gets a command
 * identifier and a deadline), nvme_queue_ring() once for the batch, then
 * nvme_queue_poll() to reap completions and nvme_queue_expire() to learn
 * which commands overran their timeout. Not thread-safe: one queue pair, one
 * user at a time (a lock, if any, is the caller's).
 *
 * The submission and completion queues are a 1:1 pair here (a completion
 * queue serving several submission queues is allowed by the specification
 * but not needed by Sietch). At most min(SQ, CQ entries) - 1 commands are in
 * flight: then neither queue can ever be full (§4.1.2), so the device never
 * has to drop a completion.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/nvme/regs.h"

/* What the queue remembers of a command it submitted. */
struct nvme_slot {
	struct nvme_sqe cmd;   /* as submitted, to report a timeout or an error */
	uint64_t deadline_us;  /* in the queue's clock */
	void *ctx;             /* the caller's, handed back on completion */
	uint16_t next_free;    /* free list link */
	uint8_t state;         /* NVME_SLOT_* */
};
#define NVME_SLOT_FREE 0
#define NVME_SLOT_BUSY 1
#define NVME_SLOT_EXPIRED 2 /* reported by nvme_queue_expire; its id stays reserved */

/* Command slots needed for queues of these sizes. */
#define NVME_QUEUE_SLOTS(sq_entries, cq_entries) \
	(((sq_entries) < (cq_entries) ? (sq_entries) : (cq_entries)) - 1u)

struct nvme_queue_config {
	uint16_t qid;                    /* 0 for the admin queue */
	uint16_t sq_entries, cq_entries; /* 2 ... CAP.MQES + 1 */
	struct nvme_sqe *sq;             /* sq_entries entries, page-aligned DMA memory */
	volatile struct nvme_cqe *cq;    /* cq_entries entries, page-aligned DMA memory */
	volatile void *sq_tail_doorbell; /* mapped register (nvme_sq_tail_doorbell) */
	volatile void *cq_head_doorbell;
	struct nvme_slot *slots;         /* NVME_QUEUE_SLOTS(sq_entries, cq_entries) */
	uint64_t (*clock_us)(void);      /* for deadlines */
	bool zero_consumed;              /* clear entries the device has fetched */
	/* Called by nvme_queue_run when a look found nothing new; NULL: spin
	 * (pause). The kernel sleeps there until the queue's interrupt. */
	void (*idle)(void *arg);
	void *idle_arg;
};

/* Command identifiers are slot index + 1: identifier 0 is never in flight,
 * so the completion of a zeroed entry is always recognised as stray. */
#define NVME_QUEUE_CID(index) ((uint16_t)((index) + 1))

struct nvme_queue {
	struct nvme_queue_config cfg;
	uint16_t slot_count;
	uint16_t free_head;      /* first free slot, or slot_count when none */
	uint16_t in_flight;      /* busy and expired slots */
	uint16_t sq_tail;        /* next entry the host fills */
	uint16_t sq_tail_rung;   /* tail the device was last told */
	uint16_t sq_head;        /* last SQHD the device reported */
	uint16_t cq_head;        /* next entry to look at */
	uint16_t phase;          /* phase tag of a new entry on this pass (§4.6) */
	/* Counts for tests and for the crossing counters of the data plane. */
	uint64_t sq_doorbell_writes;
	uint64_t cq_doorbell_writes;
	uint64_t stray_completions; /* CID not in flight: reported, then dropped */
};

/* What nvme_queue_poll hands back for each completion. */
struct nvme_completion {
	uint16_t cid;
	uint16_t status;             /* the CQE's status field, phase bit cleared */
	uint32_t dw0;                /* command-specific result */
	const struct nvme_sqe *cmd;  /* the command as submitted */
	void *ctx;
};
typedef void (*nvme_completion_fn)(void *arg, const struct nvme_completion *done);

#define NVME_STATUS_OK(status) (((status) & 0xfffe) == 0)

/* Checks the configuration and starts empty, zeroing the completion queue so
 * that no stale entry carries the first pass's phase tag (1). */
int nvme_queue_init(struct nvme_queue *q, const struct nvme_queue_config *cfg);

/* Copies cmd into the next submission entry with a fresh command identifier
 * and a deadline timeout_us from now, without ringing the doorbell. Returns
 * the identifier, or -SIETCH_EAGAIN when the queue is full (reap first). */
int nvme_queue_submit(struct nvme_queue *q, const struct nvme_sqe *cmd, uint64_t timeout_us,
		      void *ctx);

/* Tells the device about every entry submitted since the last ring: one
 * doorbell write per batch, none when there is nothing new. */
void nvme_queue_ring(struct nvme_queue *q);

/* Reaps up to max new completions (0 = all there are, at most one pass over
 * the completion queue), calling done for each
 * command still in flight, and writes the head doorbell once if it consumed
 * any. Returns how many entries it consumed. */
unsigned nvme_queue_poll(struct nvme_queue *q, unsigned max, nvme_completion_fn done, void *arg);

/* Finds one command past its deadline that was not reported yet, marks it
 * expired and copies what was submitted to *cmd (so the caller can say
 * which command hung); returns its identifier, or -SIETCH_ENOENT. An expired
 * identifier is not reused until its late completion arrives or the queue is
 * set up again: the device may still write it. */
int nvme_queue_expire(struct nvme_queue *q, struct nvme_sqe *cmd, void **ctx);

/* What a waiter does between two looks that found nothing: cfg.idle, or a pause. */
void nvme_queue_idle_wait(struct nvme_queue *q);

/* Submits one command, rings, and polls until it completes or timeout_us
 * pass; other completions on the way go to done (may be NULL). Returns 0
 * with *out filled, -SIETCH_EAGAIN when the queue is full, or
 * -SIETCH_ETIMEDOUT (the command is then expired, as nvme_queue_expire). */
int nvme_queue_run(struct nvme_queue *q, const struct nvme_sqe *cmd, uint64_t timeout_us,
		   struct nvme_cqe *out, nvme_completion_fn done, void *arg);

static inline bool nvme_queue_idle(const struct nvme_queue *q)
{
	return q->in_flight == 0;
}
