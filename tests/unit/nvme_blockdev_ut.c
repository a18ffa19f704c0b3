/*
 * Host tests for lib/common/nvme_blockdev.c against the queue-pair model in
 * fake_nvme.h: data through PRPs and PRP lists, requests split by the bounce
 * buffer and by MDTS, error completions and a hung command turned into
 * error codes, and lib/os/blocklog running on top of it all.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/common/crc32c.c"
#include "lib/common/nvme_blockdev.c"
#include "lib/common/nvme_cmd.c"
#include "lib/common/nvme_queue.c"
#include "lib/common/nvme_status.c"
#include "lib/os/blocklog.c"
#include "tests/unit/fake_nvme.h"

#define BS 512
#define MEDIA_BLOCKS 2048
#define ENTRIES 8
#define BOUNCE (8 * NVME_PAGE_SIZE)

static struct fake_nvme fake;
static uint64_t now_us;

static uint64_t fake_clock(void)
{
	now_us += 5;
	fake_nvme_run(&fake); /* the device works while the host polls */
	return now_us;
}

struct rig {
	struct nvme_queue q;
	struct nvme_slot slots[ENTRIES];
	struct nvme_sqe *sq;
	struct nvme_cqe *cq;
	uint8_t *bounce;
	uint64_t *prp;
	struct nvme_blockdev b;
};

static struct rig *rig_make(uint32_t max_transfer)
{
	struct rig *r = calloc(1, sizeof(*r));
	r->sq = aligned_alloc(NVME_PAGE_SIZE, NVME_PAGE_SIZE);
	r->cq = aligned_alloc(NVME_PAGE_SIZE, NVME_PAGE_SIZE);
	r->bounce = aligned_alloc(NVME_PAGE_SIZE, BOUNCE);
	r->prp = aligned_alloc(NVME_PAGE_SIZE, NVME_PAGE_SIZE);

	memset(&fake, 0, sizeof(fake));
	fake.sq = r->sq;
	fake.cq = r->cq;
	fake.sq_entries = fake.cq_entries = ENTRIES;
	fake.qid = 1;
	fake.phase = 1;
	fake.nsid = 1;
	fake.block_size = BS;
	fake.blocks = MEDIA_BLOCKS;
	fake.media = calloc(MEDIA_BLOCKS, BS);
	fake.fail_opcode = -1;

	struct nvme_queue_config qc = {
		.qid = 1, .sq_entries = ENTRIES, .cq_entries = ENTRIES, .sq = r->sq, .cq = r->cq,
		.sq_tail_doorbell = &fake.sq_tail_db, .cq_head_doorbell = &fake.cq_head_db,
		.slots = r->slots, .clock_us = fake_clock,
	};
	assert_int_equal(nvme_queue_init(&r->q, &qc), 0);
	struct nvme_blockdev_config bc = {
		.queue = &r->q, .nsid = 1, .block_size = BS, .first_lba = 16,
		.block_count = MEDIA_BLOCKS - 16, .bounce = r->bounce,
		.bounce_bus = (uint64_t)(uintptr_t)r->bounce, .bounce_size = BOUNCE,
		.prp = { r->prp, (uint64_t)(uintptr_t)r->prp, NVME_PAGE_SIZE / 8 },
		.max_transfer = max_transfer, .timeout_us = 1000,
	};
	assert_int_equal(nvme_blockdev_init(&r->b, &bc), 0);
	return r;
}

static void rig_free(struct rig *r)
{
	free(fake.media);
	free(r->sq);
	free(r->cq);
	free(r->bounce);
	free(r->prp);
	free(r);
}

static void test_init_rejects_bad_configs(void **state)
{
	(void)state;
	struct rig *r = rig_make(0);
	struct nvme_blockdev b;
	struct nvme_blockdev_config bc = r->b.cfg;
	bc.block_size = 768;
	assert_int_equal(nvme_blockdev_init(&b, &bc), -SIETCH_EINVAL);
	bc = r->b.cfg;
	bc.bounce_bus += 8;
	assert_int_equal(nvme_blockdev_init(&b, &bc), -SIETCH_EINVAL);
	bc = r->b.cfg;
	bc.prp.capacity = 6; /* 8 pages need 7 entries */
	assert_int_equal(nvme_blockdev_init(&b, &bc), -SIETCH_EINVAL);
	bc = r->b.cfg;
	bc.max_transfer = 100; /* less than a block */
	assert_int_equal(nvme_blockdev_init(&b, &bc), -SIETCH_EINVAL);
	rig_free(r);
}

static void test_round_trip_through_prp_lists(void **state)
{
	(void)state;
	struct rig *r = rig_make(0);
	uint32_t count = 100; /* 51200 bytes: 13 pages, split by the 32 KiB bounce */
	uint8_t *out = malloc(count * BS), *in = malloc(count * BS);
	for (uint32_t i = 0; i < count * BS; i++)
		out[i] = (uint8_t)(i * 7 + i / 512);

	assert_int_equal(r->b.dev.write(r->b.dev.ctx, 3, count, out), 0);
	assert_int_equal(fake.writes, 2);
	assert_int_equal(fake.max_blocks_seen, BOUNCE / BS);
	/* Block 3 of the device is LBA 19 of the namespace. */
	assert_memory_equal(fake.media + 19 * BS, out, count * BS);
	assert_int_equal(r->b.dev.read(r->b.dev.ctx, 3, count, in), 0);
	assert_memory_equal(in, out, count * BS);
	assert_int_equal(r->b.dev.flush(r->b.dev.ctx), 0);
	assert_int_equal(fake.flushes, 1);
	assert_true(nvme_queue_idle(&r->q));
	free(out);
	free(in);
	rig_free(r);
}

/* A PRP list that starts two entries before the end of its page is chained
 * onto the next page; the model follows the chain as a device does. */
static void test_chained_prp_list(void **state)
{
	(void)state;
	struct rig *r = rig_make(0);
	uint8_t *lists = aligned_alloc(NVME_PAGE_SIZE, 2 * NVME_PAGE_SIZE);
	struct nvme_blockdev_config bc = r->b.cfg;
	bc.prp = (struct nvme_prp_list){ (uint64_t *)(lists + NVME_PAGE_SIZE - 16),
					 (uint64_t)(uintptr_t)(lists + NVME_PAGE_SIZE - 16), 10 };
	assert_int_equal(nvme_blockdev_init(&r->b, &bc), 0);

	uint8_t *out = malloc(BOUNCE), *in = malloc(BOUNCE);
	for (uint32_t i = 0; i < BOUNCE; i++)
		out[i] = (uint8_t)(i * 13 + i / 4096);
	assert_int_equal(r->b.dev.write(r->b.dev.ctx, 0, BOUNCE / BS, out), 0);
	assert_int_equal(fake.writes, 1);
	assert_memory_equal(fake.media + 16 * BS, out, BOUNCE);
	assert_int_equal(r->b.dev.read(r->b.dev.ctx, 0, BOUNCE / BS, in), 0);
	assert_memory_equal(in, out, BOUNCE);
	free(out);
	free(in);
	free(lists);
	rig_free(r);
}

static void test_mdts_splits_commands(void **state)
{
	(void)state;
	struct rig *r = rig_make(2 * NVME_PAGE_SIZE);
	uint8_t *buf = calloc(40, BS);
	assert_int_equal(r->b.dev.write(r->b.dev.ctx, 0, 40, buf), 0);
	assert_int_equal(fake.writes, 3); /* 16 + 16 + 8 blocks */
	assert_int_equal(fake.max_blocks_seen, 16);
	free(buf);
	rig_free(r);
}

static void test_out_of_range_refused_before_the_device(void **state)
{
	(void)state;
	struct rig *r = rig_make(0);
	uint8_t buf[BS];
	assert_int_equal(r->b.dev.read(r->b.dev.ctx, MEDIA_BLOCKS - 16, 1, buf), -SIETCH_EINVAL);
	assert_int_equal(r->b.dev.read(r->b.dev.ctx, MEDIA_BLOCKS - 17, 2, buf), -SIETCH_EINVAL);
	assert_int_equal(fake.reads, 0);
	rig_free(r);
}

static void test_error_completion_named(void **state)
{
	(void)state;
	struct rig *r = rig_make(0);
	uint8_t buf[BS] = { 0 };
	fake.fail_opcode = NVME_NVM_WRITE;
	fake.fail_status = NVME_STATUS_MAKE(NVME_SCT_MEDIA, NVME_SC_WRITE_FAULT);
	assert_int_equal(r->b.dev.write(r->b.dev.ctx, 0, 1, buf), -SIETCH_EIO);
	assert_int_equal(r->b.failed_opcode, NVME_NVM_WRITE);
	assert_string_equal(nvme_status_name(r->b.failed_status), "Write Fault");
	assert_string_equal(nvme_opcode_name(false, r->b.failed_opcode), "Write");
	rig_free(r);
}

static void test_hung_command_times_out(void **state)
{
	(void)state;
	struct rig *r = rig_make(0);
	fake.hang_nsid = 1;
	uint64_t start = now_us;
	assert_int_equal(r->b.dev.flush(r->b.dev.ctx), -SIETCH_ETIMEDOUT);
	assert_true(now_us - start >= 1000);
	assert_int_equal(r->b.failed_opcode, NVME_NVM_FLUSH);
	assert_int_equal(r->b.failed_status, 0);
	rig_free(r);
}

struct count {
	uint64_t n;
	int bad;
};

static void count_record(void *arg, uint64_t seq, const void *payload, uint32_t len)
{
	struct count *c = arg;
	const uint8_t *p = payload;
	c->n++;
	if (seq != c->n || len != seq % 300 || (len && p[len - 1] != (uint8_t)seq))
		c->bad = 1;
}

/* The application's log on its area, through the queue pair. */
static void test_blocklog_over_nvme(void **state)
{
	(void)state;
	struct rig *r = rig_make(0);
	static uint8_t logbuf[4 * NVME_PAGE_SIZE], payload[300];
	struct blocklog log;
	struct count c = { 0 };
	uint64_t seq;

	assert_int_equal(blocklog_format(&r->b.dev, 42, logbuf), 0);
	assert_int_equal(blocklog_open(&log, &r->b.dev, logbuf, sizeof(logbuf), NULL, NULL), 0);
	for (uint64_t i = 1; i <= 200; i++) {
		memset(payload, (int)(uint8_t)i, sizeof(payload));
		assert_int_equal(blocklog_append(&log, payload, (uint32_t)(i % 300), &seq), 0);
		if (i % 10 == 0)
			assert_int_equal(blocklog_commit(&log), 0);
	}
	unsigned flushes = fake.flushes;
	assert_int_equal(blocklog_open(&log, &r->b.dev, logbuf, sizeof(logbuf), count_record, &c), 200);
	assert_false(c.bad);
	assert_int_equal(fake.flushes, flushes + 1); /* the new epoch */
	rig_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_rejects_bad_configs),
		cmocka_unit_test(test_round_trip_through_prp_lists),
		cmocka_unit_test(test_chained_prp_list),
		cmocka_unit_test(test_mdts_splits_commands),
		cmocka_unit_test(test_out_of_range_refused_before_the_device),
		cmocka_unit_test(test_error_completion_named),
		cmocka_unit_test(test_hung_command_times_out),
		cmocka_unit_test(test_blocklog_over_nvme),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
