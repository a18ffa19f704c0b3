/*
 * Host tests for lib/common/nvme_queue.c against a small model of an NVMe
 * controller: it consumes submission entries up to the tail doorbell and
 * posts completions with the phase tag of its pass (NVMe 1.4 §4.1, §4.6),
 * optionally in reverse order, with an error status, or never (a hung
 * command).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/common/nvme_queue.c"
#include "lib/common/nvme_cmd.c"

#define HANG_NSID 0xdead
#define MAX_ENTRIES 64

struct fake_ctrl {
	struct nvme_sqe *sq;
	struct nvme_cqe *cq;
	uint16_t sq_entries, cq_entries, qid;
	uint32_t sq_tail_db, cq_head_db; /* the two doorbell registers */
	uint16_t sq_head, cq_tail, phase;
	uint8_t fail_opcode;             /* 0xff: none */
	uint16_t fail_status;
	int reverse;                     /* complete each batch last-first */
	unsigned completions_posted;
};

static struct fake_ctrl fake;
static uint64_t now_us;
static int clock_runs_device; /* reading the clock lets the device work */
static uint64_t clock_step_us;

static void fake_post(uint16_t cid, uint16_t status, uint32_t dw0)
{
	/* The host must never let the completion queue overflow (§4.1.2). */
	assert_int_not_equal((fake.cq_tail + 1) % fake.cq_entries, fake.cq_head_db);
	struct nvme_cqe *e = &fake.cq[fake.cq_tail];
	e->dw0 = dw0;
	e->dw1 = 0;
	e->sqhd = fake.sq_head;
	e->sqid = fake.qid;
	e->cid = cid;
	e->status = (uint16_t)(status | fake.phase);
	fake.cq_tail = (uint16_t)((fake.cq_tail + 1) % fake.cq_entries);
	if (fake.cq_tail == 0)
		fake.phase ^= 1;
	fake.completions_posted++;
}

/* Runs the device: fetches every entry up to the tail doorbell. */
static void fake_run(void)
{
	struct nvme_sqe batch[MAX_ENTRIES];
	unsigned n = 0;

	assert_true(fake.sq_tail_db < fake.sq_entries);
	while (fake.sq_head != fake.sq_tail_db) {
		batch[n++] = fake.sq[fake.sq_head];
		fake.sq_head = (uint16_t)((fake.sq_head + 1) % fake.sq_entries);
	}
	for (unsigned i = 0; i < n; i++) {
		const struct nvme_sqe *c = &batch[fake.reverse ? n - 1 - i : i];
		if (c->nsid == HANG_NSID)
			continue;
		uint16_t status = c->opc == fake.fail_opcode ? fake.fail_status : 0;
		fake_post(c->cid, status, 0xc0de0000u | c->cid);
	}
}

static uint64_t fake_clock(void)
{
	now_us += clock_step_us;
	if (clock_runs_device)
		fake_run();
	return now_us;
}

struct qp {
	struct nvme_queue q;
	struct nvme_sqe sq[MAX_ENTRIES];
	struct nvme_cqe cq[MAX_ENTRIES];
	struct nvme_slot slots[MAX_ENTRIES];
};

static void qp_init(struct qp *p, uint16_t sq_entries, uint16_t cq_entries)
{
	memset(p, 0, sizeof(*p));
	memset(&fake, 0, sizeof(fake));
	memset(p->cq, 0xff, sizeof(p->cq)); /* init must clear stale phase tags */
	fake.sq = p->sq;
	fake.cq = p->cq;
	fake.sq_entries = sq_entries;
	fake.cq_entries = cq_entries;
	fake.qid = 3;
	fake.phase = 1;
	fake.fail_opcode = 0xff;
	struct nvme_queue_config cfg = {
		.qid = 3,
		.sq_entries = sq_entries,
		.cq_entries = cq_entries,
		.sq = p->sq,
		.cq = p->cq,
		.sq_tail_doorbell = &fake.sq_tail_db,
		.cq_head_doorbell = &fake.cq_head_db,
		.slots = p->slots,
		.clock_us = fake_clock,
	};
	assert_int_equal(nvme_queue_init(&p->q, &cfg), 0);
}

struct seen {
	unsigned count;
	uint16_t cid[256];
	uint16_t status[256];
	uint32_t dw0[256];
	uint8_t opc[256];
	void *ctx[256];
};

static void record(void *arg, const struct nvme_completion *c)
{
	struct seen *s = arg;
	assert_true(s->count < 256);
	s->cid[s->count] = c->cid;
	s->status[s->count] = c->status;
	s->dw0[s->count] = c->dw0;
	s->opc[s->count] = c->cmd->opc;
	s->ctx[s->count] = c->ctx;
	s->count++;
}

static struct nvme_sqe read_cmd(uint32_t nsid, uint64_t lba)
{
	struct nvme_sqe c;
	assert_int_equal(nvme_cmd_read(&c, nsid, lba, 1), 0);
	return c;
}

static int setup(void **state)
{
	(void)state;
	now_us = 1000;
	clock_step_us = 0;
	clock_runs_device = 0;
	return 0;
}

static void test_init_checks_config(void **state)
{
	(void)state;
	struct qp *p = calloc(1, sizeof(*p));
	qp_init(p, 4, 4);
	for (int i = 0; i < 4; i++)
		assert_int_equal(p->cq[i].status & NVME_CQE_PHASE, 0);
	struct nvme_queue_config cfg = p->q.cfg;
	cfg.sq_entries = 1;
	assert_int_equal(nvme_queue_init(&p->q, &cfg), -SIETCH_EINVAL);
	cfg = p->q.cfg;
	cfg.clock_us = NULL;
	assert_int_equal(nvme_queue_init(&p->q, &cfg), -SIETCH_EINVAL);
	cfg = p->q.cfg;
	cfg.qid = 0;
	cfg.sq_entries = 4097;
	assert_int_equal(nvme_queue_init(&p->q, &cfg), -SIETCH_EINVAL);
	free(p);
}

static void test_one_command_round_trip(void **state)
{
	(void)state;
	struct qp *p = calloc(1, sizeof(*p));
	struct seen s = { 0 };
	int tag;
	qp_init(p, 8, 8);

	struct nvme_sqe c = read_cmd(1, 42);
	int cid = nvme_queue_submit(&p->q, &c, 1000, &tag);
	assert_true(cid >= 0);
	assert_int_equal(p->sq[0].cid, cid);
	assert_int_equal(p->sq[0].opc, NVME_NVM_READ);
	assert_int_equal(p->sq[0].cdw10, 42);
	assert_int_equal(fake.sq_tail_db, 0); /* not rung yet */
	nvme_queue_ring(&p->q);
	assert_int_equal(fake.sq_tail_db, 1);
	assert_int_equal(nvme_queue_poll(&p->q, 0, record, &s), 0);
	fake_run();
	assert_int_equal(nvme_queue_poll(&p->q, 0, record, &s), 1);
	assert_int_equal(s.count, 1);
	assert_int_equal(s.cid[0], cid);
	assert_int_equal(s.status[0], 0);
	assert_int_equal(s.dw0[0], 0xc0de0000u | (unsigned)cid);
	assert_int_equal(s.opc[0], NVME_NVM_READ);
	assert_ptr_equal(s.ctx[0], &tag);
	assert_int_equal(fake.cq_head_db, 1);
	assert_true(nvme_queue_idle(&p->q));
	free(p);
}

static void test_batch_rings_once(void **state)
{
	(void)state;
	struct qp *p = calloc(1, sizeof(*p));
	struct seen s = { 0 };
	qp_init(p, 16, 16);

	for (int i = 0; i < 5; i++) {
		struct nvme_sqe c = read_cmd(1, (uint64_t)i);
		assert_true(nvme_queue_submit(&p->q, &c, 1000, NULL) >= 0);
	}
	nvme_queue_ring(&p->q);
	nvme_queue_ring(&p->q); /* nothing new: no second write */
	assert_int_equal(p->q.sq_doorbell_writes, 1);
	assert_int_equal(fake.sq_tail_db, 5);
	fake_run();
	assert_int_equal(nvme_queue_poll(&p->q, 0, record, &s), 5);
	assert_int_equal(p->q.cq_doorbell_writes, 1);
	assert_int_equal(fake.cq_head_db, 5);
	assert_int_equal(nvme_queue_poll(&p->q, 0, record, &s), 0);
	assert_int_equal(p->q.cq_doorbell_writes, 1);
	/* Distinct identifiers for commands in flight together. */
	for (unsigned i = 0; i < s.count; i++)
		for (unsigned j = i + 1; j < s.count; j++)
			assert_int_not_equal(s.cid[i], s.cid[j]);
	free(p);
}

static void test_full_queue_refuses_then_recovers(void **state)
{
	(void)state;
	struct qp *p = calloc(1, sizeof(*p));
	struct seen s = { 0 };
	qp_init(p, 4, 4);
	struct nvme_sqe c = read_cmd(1, 0);

	for (int i = 0; i < 3; i++)
		assert_true(nvme_queue_submit(&p->q, &c, 1000, NULL) >= 0);
	assert_int_equal(nvme_queue_submit(&p->q, &c, 1000, NULL), -SIETCH_EAGAIN);
	nvme_queue_ring(&p->q);
	fake_run();
	assert_int_equal(nvme_queue_poll(&p->q, 1, record, &s), 1); /* max honoured */
	assert_true(nvme_queue_submit(&p->q, &c, 1000, NULL) >= 0);
	assert_int_equal(nvme_queue_submit(&p->q, &c, 1000, NULL), -SIETCH_EAGAIN);
	free(p);
}

/* Many passes over small queues of different sizes: the phase flips at each
 * wrap of the completion queue, and nothing is lost or seen twice. */
static void wrap_many(uint16_t sq_entries, uint16_t cq_entries, int reverse)
{
	struct qp *p = calloc(1, sizeof(*p));
	struct seen *s = calloc(1, sizeof(*s));
	qp_init(p, sq_entries, cq_entries);
	fake.reverse = reverse;
	unsigned slots = NVME_QUEUE_SLOTS(sq_entries, cq_entries);
	unsigned submitted = 0, reaped = 0;

	for (unsigned round = 0; round < 200; round++) {
		unsigned batch = 1 + round % slots;
		for (unsigned i = 0; i < batch; i++) {
			struct nvme_sqe c = read_cmd(1, submitted);
			assert_true(nvme_queue_submit(&p->q, &c, 1000, (void *)(uintptr_t)(submitted + 1)) >= 0);
			submitted++;
		}
		nvme_queue_ring(&p->q);
		fake_run();
		s->count = 0;
		reaped += nvme_queue_poll(&p->q, 0, record, s);
		assert_int_equal(s->count, batch);
		for (unsigned i = 0; i < s->count; i++)
			assert_int_equal(s->status[i], 0);
		assert_true(nvme_queue_idle(&p->q));
	}
	assert_int_equal(reaped, submitted);
	assert_int_equal(fake.completions_posted, submitted);
	assert_int_equal(p->q.phase, fake.phase);
	assert_int_equal(p->q.cq_head, fake.cq_tail);
	free(s);
	free(p);
}

static void test_wraparound_equal_sizes(void **state)
{
	(void)state;
	wrap_many(4, 4, 0);
	wrap_many(2, 2, 0);
}

static void test_wraparound_unequal_sizes(void **state)
{
	(void)state;
	wrap_many(5, 3, 0);
	wrap_many(3, 7, 0);
}

static void test_out_of_order_completions(void **state)
{
	(void)state;
	wrap_many(8, 8, 1);
}

static void test_error_status_reported(void **state)
{
	(void)state;
	struct qp *p = calloc(1, sizeof(*p));
	struct seen s = { 0 };
	qp_init(p, 8, 8);
	fake.fail_opcode = NVME_NVM_WRITE;
	fake.fail_status = NVME_STATUS_MAKE(NVME_SCT_GENERIC, NVME_SC_LBA_OUT_OF_RANGE) | NVME_STATUS_DNR;

	struct nvme_sqe r = read_cmd(1, 0), w;
	assert_int_equal(nvme_cmd_write(&w, 1, 99999, 8, 0), 0);
	nvme_queue_submit(&p->q, &r, 1000, NULL);
	nvme_queue_submit(&p->q, &w, 1000, NULL);
	nvme_queue_ring(&p->q);
	fake_run();
	assert_int_equal(nvme_queue_poll(&p->q, 0, record, &s), 2);
	assert_true(NVME_STATUS_OK(s.status[0]));
	assert_false(NVME_STATUS_OK(s.status[1]));
	assert_int_equal(s.opc[1], NVME_NVM_WRITE);
	assert_int_equal(NVME_STATUS_SCT(s.status[1]), NVME_SCT_GENERIC);
	assert_int_equal(NVME_STATUS_SC(s.status[1]), NVME_SC_LBA_OUT_OF_RANGE);
	assert_true(s.status[1] & NVME_STATUS_DNR);
	assert_int_equal(s.status[1] & NVME_CQE_PHASE, 0);
	free(p);
}

static void test_hung_command_expires_once(void **state)
{
	(void)state;
	struct qp *p = calloc(1, sizeof(*p));
	struct seen s = { 0 };
	int tag;
	qp_init(p, 4, 4);

	struct nvme_sqe hang = read_cmd(HANG_NSID, 7), ok = read_cmd(1, 8), reported;
	int hung = nvme_queue_submit(&p->q, &hang, 100, &tag);
	nvme_queue_submit(&p->q, &ok, 100, NULL);
	nvme_queue_ring(&p->q);
	fake_run();
	assert_int_equal(nvme_queue_poll(&p->q, 0, record, &s), 1);
	now_us += 99;
	assert_int_equal(nvme_queue_expire(&p->q, &reported, NULL), -SIETCH_ENOENT);
	now_us += 1;
	void *ctx = NULL;
	assert_int_equal(nvme_queue_expire(&p->q, &reported, &ctx), hung);
	assert_int_equal(reported.opc, NVME_NVM_READ);
	assert_int_equal(reported.nsid, HANG_NSID);
	assert_int_equal(reported.cdw10, 7);
	assert_int_equal(reported.cid, hung);
	assert_ptr_equal(ctx, &tag);
	assert_int_equal(nvme_queue_expire(&p->q, &reported, NULL), -SIETCH_ENOENT);

	/* Its identifier stays reserved: two more fit, not three. */
	assert_int_equal(p->q.in_flight, 1);
	for (int i = 0; i < 2; i++) {
		int cid = nvme_queue_submit(&p->q, &ok, 100, NULL);
		assert_true(cid >= 0);
		assert_int_not_equal(cid, hung);
	}
	assert_int_equal(nvme_queue_submit(&p->q, &ok, 100, NULL), -SIETCH_EAGAIN);
	nvme_queue_ring(&p->q);
	fake_run();
	s.count = 0;
	assert_int_equal(nvme_queue_poll(&p->q, 0, record, &s), 2);

	/* A late completion frees the identifier without a second report. */
	fake_post((uint16_t)hung, 0, 0);
	s.count = 0;
	assert_int_equal(nvme_queue_poll(&p->q, 0, record, &s), 1);
	assert_int_equal(s.count, 0);
	assert_true(nvme_queue_idle(&p->q));
	assert_int_equal(p->q.stray_completions, 0);
	free(p);
}

static void test_stray_and_bogus_completions_dropped(void **state)
{
	(void)state;
	struct qp *p = calloc(1, sizeof(*p));
	struct seen s = { 0 };
	qp_init(p, 4, 4);

	fake_post(2, 0, 0);   /* nothing in flight */
	fake_post(500, 0, 0); /* not even an identifier of this queue */
	assert_int_equal(nvme_queue_poll(&p->q, 0, record, &s), 2);
	assert_int_equal(s.count, 0);
	assert_int_equal(p->q.stray_completions, 2);

	struct nvme_sqe c = read_cmd(1, 0);
	int cid = nvme_queue_submit(&p->q, &c, 100, NULL);
	nvme_queue_ring(&p->q);
	fake.sq_head = 1;
	fake_post((uint16_t)cid, 0, 0);
	p->cq[(fake.cq_tail + 3) % 4].sqhd = 0xffff; /* a scribbled SQHD */
	assert_int_equal(nvme_queue_poll(&p->q, 0, record, &s), 1);
	assert_int_equal(s.count, 1);
	assert_int_equal(p->q.sq_head, 0); /* ignored, not trusted */
	free(p);
}

/* With zero_consumed, fetched entries are cleared: someone else ringing the
 * doorbell (a process with the doorbell page) replays only zeroed entries,
 * whose completions (identifier 0) are dropped, and the queue goes on. */
static void test_zeroed_entries_make_a_rogue_ring_harmless(void **state)
{
	(void)state;
	struct qp *p = calloc(1, sizeof(*p));
	struct seen s = { 0 };
	static const struct nvme_sqe zero;
	qp_init(p, 8, 8);
	p->q.cfg.zero_consumed = true;

	struct nvme_sqe c = read_cmd(1, 5);
	nvme_queue_submit(&p->q, &c, 100, NULL);
	nvme_queue_submit(&p->q, &c, 100, NULL);
	nvme_queue_ring(&p->q);
	fake_run();
	assert_int_equal(nvme_queue_poll(&p->q, 0, record, &s), 2);
	assert_memory_equal(&p->sq[0], &zero, sizeof(zero));
	assert_memory_equal(&p->sq[1], &zero, sizeof(zero));

	fake.sq_tail_db = 6; /* the rogue ring */
	fake_run();
	s.count = 0;
	assert_int_equal(nvme_queue_poll(&p->q, 0, record, &s), 4);
	assert_int_equal(s.count, 0);
	assert_int_equal(p->q.stray_completions, 4);

	int cid = nvme_queue_submit(&p->q, &c, 100, NULL);
	nvme_queue_ring(&p->q);
	fake_run(); /* from 6 round to our entry at 2 */
	assert_int_equal(nvme_queue_poll(&p->q, 0, record, &s), 5);
	assert_int_equal(s.count, 1);
	assert_int_equal(s.cid[0], cid);
	assert_true(nvme_queue_idle(&p->q));
	assert_memory_equal(&p->sq[2], &zero, sizeof(zero));
	free(p);
}

static void test_run_waits_for_its_command(void **state)
{
	(void)state;
	struct qp *p = calloc(1, sizeof(*p));
	struct seen s = { 0 };
	struct nvme_cqe out;
	qp_init(p, 4, 4);
	clock_step_us = 1;

	/* A command left in flight from before completes on the way. */
	struct nvme_sqe other = read_cmd(1, 1), mine;
	nvme_queue_submit(&p->q, &other, 100, NULL);
	assert_int_equal(nvme_cmd_identify(&mine, NVME_IDENTIFY_CNS_CONTROLLER, 0, 0), 0);
	clock_runs_device = 1;
	assert_int_equal(nvme_queue_run(&p->q, &mine, 100, &out, record, &s), 0);
	assert_int_equal(s.count, 1);
	assert_int_equal(s.opc[0], NVME_NVM_READ);
	assert_true(NVME_STATUS_OK(out.status));
	assert_int_equal(out.dw0 & 0xffff0000u, 0xc0de0000u);
	assert_true(nvme_queue_idle(&p->q));
	free(p);
}

static void test_run_times_out(void **state)
{
	(void)state;
	struct qp *p = calloc(1, sizeof(*p));
	struct nvme_cqe out;
	qp_init(p, 4, 4);
	clock_step_us = 7;
	clock_runs_device = 1;

	struct nvme_sqe hang = read_cmd(HANG_NSID, 0);
	uint64_t start = now_us;
	assert_int_equal(nvme_queue_run(&p->q, &hang, 500, &out, NULL, NULL), -SIETCH_ETIMEDOUT);
	assert_true(now_us - start >= 500);
	assert_true(now_us - start < 500 + 3 * 7);
	assert_int_equal(p->q.in_flight, 1);
	/* Already reported by run: expire does not report it again. */
	assert_int_equal(nvme_queue_expire(&p->q, NULL, NULL), -SIETCH_ENOENT);
	free(p);
}

static unsigned idle_calls;

/* The kernel's idle hook sleeps until the queue's interrupt: here the device runs while it "sleeps". */
static void idle_runs_device(void *arg)
{
	assert_ptr_equal(arg, &fake);
	idle_calls++;
	now_us += 50;
	fake_run();
}

static void test_run_idles_between_looks(void **state)
{
	(void)state;
	struct qp *p = calloc(1, sizeof(*p));
	struct nvme_cqe out;
	qp_init(p, 4, 4);
	p->q.cfg.idle = idle_runs_device;
	p->q.cfg.idle_arg = &fake;
	idle_calls = 0;

	/* The device answers only from the idle hook: one idle, then the completion. */
	struct nvme_sqe c = read_cmd(1, 0);
	assert_int_equal(nvme_queue_run(&p->q, &c, 1000, &out, NULL, NULL), 0);
	assert_int_equal(idle_calls, 1);
	assert_true(NVME_STATUS_OK(out.status));

	/* A hung command: the hook is called between looks until the deadline passes, and no more. */
	idle_calls = 0;
	struct nvme_sqe hang = read_cmd(HANG_NSID, 0);
	assert_int_equal(nvme_queue_run(&p->q, &hang, 1000, &out, NULL, NULL), -SIETCH_ETIMEDOUT);
	assert_int_equal(idle_calls, 1000 / 50);
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_init_checks_config, setup),
		cmocka_unit_test_setup(test_one_command_round_trip, setup),
		cmocka_unit_test_setup(test_batch_rings_once, setup),
		cmocka_unit_test_setup(test_full_queue_refuses_then_recovers, setup),
		cmocka_unit_test_setup(test_wraparound_equal_sizes, setup),
		cmocka_unit_test_setup(test_wraparound_unequal_sizes, setup),
		cmocka_unit_test_setup(test_out_of_order_completions, setup),
		cmocka_unit_test_setup(test_error_status_reported, setup),
		cmocka_unit_test_setup(test_hung_command_expires_once, setup),
		cmocka_unit_test_setup(test_stray_and_bogus_completions_dropped, setup),
		cmocka_unit_test_setup(test_zeroed_entries_make_a_rogue_ring_harmless, setup),
		cmocka_unit_test_setup(test_run_waits_for_its_command, setup),
		cmocka_unit_test_setup(test_run_times_out, setup),
		cmocka_unit_test_setup(test_run_idles_between_looks, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
