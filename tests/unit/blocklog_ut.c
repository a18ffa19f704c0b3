/*
 * Host tests for lib/os/blocklog.c over a disk in memory that can fail a
 * write or lose the end of one (a crash in the middle of a group commit).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/common/crc32c.c"
#include "lib/os/blocklog.c"
#include "tests/unit/stubs/rng.h"

struct memdisk {
	uint8_t *data;          /* what survives a crash */
	uint8_t *cache;         /* with write_cache: written, not yet flushed */
	uint8_t *dirty;         /* per block: cache holds it */
	int write_cache;
	uint32_t bs;
	uint64_t blocks;
	unsigned writes, flushes;
	int fail_writes;        /* next writes return -EIO, nothing written */
	long tear_after;        /* >= 0: the next write keeps this many bytes, then the disk dies */
	int dead;               /* after a tear: writes and flushes vanish */
};

static uint8_t *md_block(struct memdisk *d, uint64_t block)
{
	return (d->dirty[block] ? d->cache : d->data) + block * d->bs;
}

static int md_read(void *ctx, uint64_t block, uint32_t count, void *buf)
{
	struct memdisk *d = ctx;
	assert_true(block + count <= d->blocks);
	for (uint32_t i = 0; i < count; i++)
		memcpy((uint8_t *)buf + (size_t)i * d->bs, md_block(d, block + i), d->bs);
	return 0;
}

/* Bytes [0, len) of a write starting at block: to the medium, or into the
 * cache (a block's first cached write starts from its medium contents). */
static void md_store(struct memdisk *d, uint64_t block, const uint8_t *src, size_t len)
{
	for (uint64_t b = block; len; b++) {
		size_t n = len < d->bs ? len : d->bs;
		if (d->write_cache && !d->dirty[b]) {
			memcpy(d->cache + b * d->bs, d->data + b * d->bs, d->bs);
			d->dirty[b] = 1;
		}
		memcpy((d->write_cache ? d->cache : d->data) + b * d->bs, src, n);
		src += n;
		len -= n;
	}
}

static int md_write(void *ctx, uint64_t block, uint32_t count, const void *buf)
{
	struct memdisk *d = ctx;
	assert_true(block + count <= d->blocks);
	if (d->fail_writes) {
		d->fail_writes--;
		return -SIETCH_EIO;
	}
	d->writes++;
	if (d->dead)
		return 0;
	size_t len = (size_t)count * d->bs;
	if (d->tear_after >= 0) {
		if ((size_t)d->tear_after < len)
			len = (size_t)d->tear_after;
		d->tear_after = -1;
		d->dead = 1;
	}
	md_store(d, block, buf, len);
	return 0;
}

static int md_flush(void *ctx)
{
	struct memdisk *d = ctx;
	d->flushes++;
	if (d->dead)
		return 0;
	for (uint64_t b = 0; d->write_cache && b < d->blocks; b++)
		if (d->dirty[b]) {
			memcpy(d->data + b * d->bs, d->cache + b * d->bs, d->bs);
			d->dirty[b] = 0;
		}
	return 0;
}

static struct memdisk disk;
static struct blockdev dev;
static uint8_t logbuf[8 * 4096];

static void disk_make(uint32_t bs, uint64_t blocks)
{
	free(disk.data);
	free(disk.cache);
	free(disk.dirty);
	memset(&disk, 0, sizeof(disk));
	disk.bs = bs;
	disk.blocks = blocks;
	disk.data = calloc(blocks, bs);
	disk.cache = calloc(blocks, bs);
	disk.dirty = calloc(blocks, 1);
	disk.tear_after = -1;
	dev = (struct blockdev){ &disk, bs, blocks, md_read, md_write, md_flush };
}

/* The machine restarts: the disk works again with what it holds. Blocks
 * still in its write cache reached the medium or not, each by chance. */
static void disk_revive(void)
{
	for (uint64_t b = 0; b < disk.blocks; b++)
		if (disk.dirty[b]) {
			if (rng(2))
				memcpy(disk.data + b * disk.bs, disk.cache + b * disk.bs, disk.bs);
			disk.dirty[b] = 0;
		}
	disk.dead = 0;
	disk.tear_after = -1;
}

/* Payload of record number i (from 1): length and bytes derived from i. */
static uint32_t payload_len(uint64_t i)
{
	return (uint32_t)((i * 37) % 700);
}

static void payload_fill(uint64_t i, uint8_t *out)
{
	for (uint32_t k = 0; k < payload_len(i); k++)
		out[k] = (uint8_t)(i * 131 + k);
}

struct replayed {
	uint64_t count;
	uint64_t last;
	int mismatch;
};

static void check_replay(void *arg, uint64_t seq, const void *payload, uint32_t len)
{
	struct replayed *r = arg;
	uint8_t expect[1024];
	if (seq != r->last + 1 || len != payload_len(seq))
		r->mismatch = 1;
	payload_fill(seq, expect);
	if (memcmp(expect, payload, len) != 0)
		r->mismatch = 1;
	r->last = seq;
	r->count++;
}

static long reopen(struct blocklog *log, struct replayed *r, size_t buf_size)
{
	memset(r, 0, sizeof(*r));
	return blocklog_open(log, &dev, logbuf, buf_size, check_replay, r);
}

static void append_range(struct blocklog *log, uint64_t from, uint64_t to)
{
	uint8_t p[1024];
	for (uint64_t i = from; i <= to; i++) {
		uint64_t seq;
		payload_fill(i, p);
		assert_int_equal(blocklog_append(log, p, payload_len(i), &seq), 0);
		assert_int_equal(seq, i);
	}
}

/* Opens the newly formatted log and commits records 1..count as one group. */
static void commit_first(struct blocklog *log, struct replayed *r, size_t buf_size, uint64_t count)
{
	assert_int_equal(reopen(log, r, buf_size), 0);
	append_range(log, 1, count);
	assert_int_equal(blocklog_commit(log), 0);
}

static int setup(void **state)
{
	(void)state;
	disk_make(512, 256);
	assert_int_equal(blocklog_format(&dev, 0x1234, logbuf), 0);
	return 0;
}

static void test_empty_log(void **state)
{
	(void)state;
	struct blocklog log;
	struct replayed r;
	assert_int_equal(reopen(&log, &r, 4096), 0);
	assert_int_equal(log.end, BLOCKLOG_END_CLEAN);
	assert_int_equal(log.epoch, 1);
	assert_int_equal(blocklog_commit(&log), 0); /* nothing staged: no write */
	assert_int_equal(reopen(&log, &r, 4096), 0);
	assert_int_equal(log.epoch, 2);
}

static void test_group_commit_one_write_one_flush(void **state)
{
	(void)state;
	struct blocklog log;
	struct replayed r;
	assert_int_equal(reopen(&log, &r, 8192), 0);
	unsigned writes = disk.writes, flushes = disk.flushes;
	append_range(&log, 1, 10);
	assert_int_equal(disk.writes, writes);
	assert_int_equal(log.durable_sequence, 0);
	assert_int_equal(blocklog_commit(&log), 0);
	assert_int_equal(disk.writes, writes + 1);
	assert_int_equal(disk.flushes, flushes + 1);
	assert_int_equal(log.durable_sequence, 10);

	assert_int_equal(reopen(&log, &r, 8192), 10);
	assert_false(r.mismatch);
	assert_int_equal(r.last, 10);
	assert_int_equal(log.end, BLOCKLOG_END_CLEAN);
}

static void test_many_commits_across_blocks_and_sessions(void **state)
{
	(void)state;
	struct blocklog log;
	struct replayed r;
	uint64_t next = 1;
	for (int session = 0; session < 4; session++) {
		assert_int_equal(reopen(&log, &r, 2048), (long)(next - 1));
		assert_false(r.mismatch);
		for (int c = 0; c < 5; c++) {
			append_range(&log, next, next + (uint64_t)c);
			next += (uint64_t)c + 1;
			assert_int_equal(blocklog_commit(&log), 0);
		}
	}
	assert_int_equal(reopen(&log, &r, 2048), (long)(next - 1));
	assert_false(r.mismatch);
}

static void test_buffer_full_commits_on_its_own(void **state)
{
	(void)state;
	struct blocklog log;
	struct replayed r;
	uint8_t big[2048] = { 0 };
	uint64_t seq;
	assert_int_equal(reopen(&log, &r, 2048), 0);
	assert_int_equal(blocklog_max_payload(&log), 3 * 512 - 24);
	assert_int_equal(blocklog_append(&log, big, 3 * 512 - 23, &seq), -SIETCH_EINVAL);
	append_range(&log, 1, 40); /* many larger than the buffer together */
	assert_int_equal(blocklog_commit(&log), 0);
	assert_true(disk.writes > 5);
	assert_int_equal(reopen(&log, &r, 2048), 40);
	assert_false(r.mismatch);
	/* The largest payload at every offset within a block. */
	for (int i = 0; i < 60; i++) {
		assert_int_equal(blocklog_append(&log, big, blocklog_max_payload(&log), &seq), 0);
		assert_int_equal(blocklog_commit(&log), 0);
	}
	memset(&r, 0, sizeof(r));
	assert_int_equal(blocklog_open(&log, &dev, logbuf, 2048, NULL, NULL), 100);
}

static void test_zero_length_records(void **state)
{
	(void)state;
	struct blocklog log;
	struct replayed r;
	uint64_t seq;
	assert_int_equal(reopen(&log, &r, 4096), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(blocklog_append(&log, NULL, 0, &seq), 0);
	assert_int_equal(blocklog_commit(&log), 0);
	assert_int_equal(blocklog_open(&log, &dev, logbuf, 4096, NULL, NULL), 3);
}

/* A crash at every point of a group commit: recovery keeps the earlier
 * commits and a prefix of the torn group, each record whole. */
static void test_torn_group_commit_at_every_point(void **state)
{
	(void)state;
	struct blocklog log;
	struct replayed r;
	uint8_t *before = malloc(disk.blocks * disk.bs);

	commit_first(&log, &r, 8192, 7);
	memcpy(before, disk.data, disk.blocks * disk.bs);

	for (long tear = 0; tear <= 8192; tear += 61) {
		memcpy(disk.data, before, disk.blocks * disk.bs);
		assert_int_equal(reopen(&log, &r, 8192), 7);
		append_range(&log, 8, 20);
		disk.tear_after = tear;
		assert_int_equal(blocklog_commit(&log), 0); /* the host never learns */
		disk_revive();
		long n = reopen(&log, &r, 8192);
		assert_true(n >= 7 && n <= 20);
		assert_false(r.mismatch);
		assert_true(log.end == BLOCKLOG_END_CLEAN || log.end == BLOCKLOG_END_TORN ||
			    log.end == BLOCKLOG_END_SEQUENCE);
	}
	free(before);
}

/* Offset of record `seq` in the data area, walking the sizes from the start. */
static uint64_t record_offset(uint64_t seq)
{
	uint64_t off = 0;
	for (uint64_t i = 1; i < seq; i++)
		off += align_up(24 + payload_len(i), 8);
	return off;
}

static uint8_t *record_at(uint64_t seq)
{
	return disk.data + (uint64_t)BLOCKLOG_SUPER_BLOCKS * disk.bs + record_offset(seq);
}

static void test_corrupt_checksum_ends_the_log(void **state)
{
	(void)state;
	struct blocklog log;
	struct replayed r;
	commit_first(&log, &r, 8192, 5);
	record_at(3)[24 + 5] ^= 0x40; /* one payload bit */
	assert_int_equal(reopen(&log, &r, 8192), 2);
	assert_int_equal(log.end, BLOCKLOG_END_TORN);
	assert_false(r.mismatch);

	/* A header bit (the length) as well. */
	record_at(2)[0] ^= 0x01;
	assert_int_equal(reopen(&log, &r, 8192), 1);
	assert_int_equal(log.end, BLOCKLOG_END_TORN);
}

static void test_sequence_gap_ends_the_log(void **state)
{
	(void)state;
	struct blocklog log;
	struct replayed r;
	commit_first(&log, &r, 8192, 5);

	/* Record 3 rewritten as a whole, valid record numbered 4. */
	struct blocklog_header h;
	memcpy(&h, record_at(3), sizeof(h));
	h.sequence = 4;
	h.crc = record_crc(&h, 0x1234, record_at(3) + 24);
	memcpy(record_at(3), &h, sizeof(h));
	assert_int_equal(reopen(&log, &r, 8192), 2);
	assert_int_equal(log.end, BLOCKLOG_END_SEQUENCE);
}

static void append_fixed(struct blocklog *log, uint64_t from, uint64_t to, uint8_t fill)
{
	uint8_t p[104];
	uint64_t seq;
	memset(p, fill, sizeof(p));
	for (uint64_t i = from; i <= to; i++) {
		assert_int_equal(blocklog_append(log, p, sizeof(p), &seq), 0);
		assert_int_equal(seq, i);
	}
	assert_int_equal(blocklog_commit(log), 0);
}

/* Whole records of a torn group, left behind the tear, must not chain onto
 * records written in a later session at the same offsets. Records of 128
 * bytes, four to a block, so the later session ends on a block boundary and
 * leaves the stale ones after it untouched. */
static void test_stale_records_after_torn_tail_never_return(void **state)
{
	(void)state;
	struct blocklog log;
	assert_int_equal(blocklog_open(&log, &dev, logbuf, 8192, NULL, NULL), 0);
	append_fixed(&log, 1, 12, 0xaa);
	/* Record 5 (first of the second block) torn; 6..12 stay whole. */
	uint8_t *data = disk.data + (uint64_t)BLOCKLOG_SUPER_BLOCKS * disk.bs;
	data[4 * 128 + 30] ^= 0xff;
	assert_int_equal(blocklog_open(&log, &dev, logbuf, 8192, NULL, NULL), 4);
	assert_int_equal(log.end, BLOCKLOG_END_TORN);

	/* The next session writes 5..8 again: exactly the second block. */
	append_fixed(&log, 5, 8, 0xbb);
	assert_int_equal(blocklog_open(&log, &dev, logbuf, 8192, NULL, NULL), 8);
	assert_int_equal(log.end, BLOCKLOG_END_SEQUENCE); /* stale 9 refused by its epoch */
}

static void test_reformat_hides_old_records(void **state)
{
	(void)state;
	struct blocklog log;
	assert_int_equal(blocklog_open(&log, &dev, logbuf, 8192, NULL, NULL), 0);
	append_fixed(&log, 1, 12, 0xaa);

	/* Even with the same identifier: the epoch goes on, so the old
	 * records 5..12 after the new first block do not join the new log. */
	assert_int_equal(blocklog_format(&dev, 0x1234, logbuf), 0);
	assert_int_equal(blocklog_open(&log, &dev, logbuf, 8192, NULL, NULL), 0);
	append_fixed(&log, 1, 4, 0xbb);
	assert_int_equal(blocklog_open(&log, &dev, logbuf, 8192, NULL, NULL), 4);
	assert_int_equal(log.end, BLOCKLOG_END_SEQUENCE);

	/* Another identifier: nothing old checks out at all. */
	assert_int_equal(blocklog_format(&dev, 0x5678, logbuf), 0);
	assert_int_equal(blocklog_open(&log, &dev, logbuf, 8192, NULL, NULL), 0);
}

static void test_full_area(void **state)
{
	(void)state;
	struct blocklog log;
	struct replayed r;
	uint8_t p[100] = { 0 };
	uint64_t seq;
	int err;
	long n = 0;

	disk_make(512, 8); /* 6 data blocks: 3072 bytes, 24 records of 128 */
	assert_int_equal(blocklog_format(&dev, 1, logbuf), 0);
	assert_int_equal(reopen(&log, &r, 2048), 0);
	while ((err = blocklog_append(&log, p, 100, &seq)) == 0)
		n++;
	assert_int_equal(err, -SIETCH_ENOSPC);
	assert_int_equal(n, 24);
	assert_int_equal(blocklog_commit(&log), 0);
	assert_int_equal(blocklog_open(&log, &dev, logbuf, 2048, NULL, NULL), 24);
	assert_int_equal(log.end, BLOCKLOG_END_FULL);
	assert_int_equal(blocklog_append(&log, p, 0, &seq), -SIETCH_ENOSPC);
}

static void test_write_error_keeps_records_staged(void **state)
{
	(void)state;
	struct blocklog log;
	struct replayed r;
	assert_int_equal(reopen(&log, &r, 8192), 0);
	append_range(&log, 1, 4);
	disk.fail_writes = 1;
	assert_int_equal(blocklog_commit(&log), -SIETCH_EIO);
	assert_int_equal(log.durable_sequence, 0);
	append_range(&log, 5, 6);
	assert_int_equal(blocklog_commit(&log), 0);
	assert_int_equal(log.durable_sequence, 6);
	assert_int_equal(reopen(&log, &r, 8192), 6);
	assert_false(r.mismatch);
}

static void test_superblocks(void **state)
{
	(void)state;
	struct blocklog log;
	struct replayed r;
	commit_first(&log, &r, 4096, 3); /* epoch 1 into copy 1 */
	assert_int_equal(reopen(&log, &r, 4096), 3); /* epoch 2 into copy 0 */

	/* The newer copy damaged: the older one still opens the log, and its
	 * records (epoch 1) still count. */
	disk.data[8] ^= 1;
	assert_int_equal(reopen(&log, &r, 4096), 3);
	/* Both damaged (their checksums). */
	disk.data[36] ^= 1;
	disk.data[512 + 36] ^= 1;
	assert_int_equal(reopen(&log, &r, 4096), -SIETCH_EIO);

	/* Never formatted; formatted with another block size; buffer too small. */
	disk_make(512, 64);
	assert_int_equal(reopen(&log, &r, 4096), -SIETCH_ENOENT);
	assert_int_equal(blocklog_format(&dev, 9, logbuf), 0);
	dev.block_size = 1024;
	assert_int_equal(reopen(&log, &r, 4096), -SIETCH_EINVAL);
	dev.block_size = 512;
	assert_int_equal(reopen(&log, &r, 512), -SIETCH_EINVAL);
	assert_int_equal(reopen(&log, &r, 1024), 0);
}

/* The durability promise, over many sessions each killed at a random write
 * (the superblock's at open included) with a random tear: after every
 * restart, each record whose commit returned before the crash is there, in
 * order and whole, and nothing else but a prefix of the torn group. */
static void test_random_crashes_keep_every_acknowledged_record(void **state)
{
	(void)state;
	struct blocklog log;
	struct replayed r;
	uint64_t acked = 0;

	disk_make(512, 4096);
	disk.write_cache = 1; /* unflushed blocks survive a crash by chance */
	assert_int_equal(blocklog_format(&dev, 77, logbuf), 0);
	for (int session = 0; session < 150; session++) {
		/* Some sessions die at open, while writing the new epoch. */
		if (rng(8) == 0)
			disk.tear_after = (long)rng(512);
		long n = reopen(&log, &r, 4096);
		assert_true(n >= 0);
		assert_false(r.mismatch);
		assert_true((uint64_t)n >= acked);
		acked = (uint64_t)n; /* what survived is what later sessions build on */
		if (disk.dead) {
			disk_revive();
			continue;
		}
		int crash_at = (int)rng(6);
		for (int commit = 0; commit < 6; commit++) {
			uint64_t from = log.next_sequence, count = 1 + rng(12);
			append_range(&log, from, from + count - 1);
			if (commit == crash_at)
				disk.tear_after = (long)rng(4096);
			assert_int_equal(blocklog_commit(&log), 0);
			if (disk.dead)
				break;
			acked = log.durable_sequence;
		}
		disk_revive();
	}
	assert_true(acked > 150);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_empty_log, setup),
		cmocka_unit_test_setup(test_group_commit_one_write_one_flush, setup),
		cmocka_unit_test_setup(test_many_commits_across_blocks_and_sessions, setup),
		cmocka_unit_test_setup(test_buffer_full_commits_on_its_own, setup),
		cmocka_unit_test_setup(test_zero_length_records, setup),
		cmocka_unit_test_setup(test_torn_group_commit_at_every_point, setup),
		cmocka_unit_test_setup(test_corrupt_checksum_ends_the_log, setup),
		cmocka_unit_test_setup(test_sequence_gap_ends_the_log, setup),
		cmocka_unit_test_setup(test_stale_records_after_torn_tail_never_return, setup),
		cmocka_unit_test_setup(test_reformat_hides_old_records, setup),
		cmocka_unit_test_setup(test_full_area, setup),
		cmocka_unit_test_setup(test_write_error_keeps_records_staged, setup),
		cmocka_unit_test_setup(test_superblocks, setup),
		cmocka_unit_test_setup(test_random_crashes_keep_every_acknowledged_record, setup),
	};
	int failed = cmocka_run_group_tests(tests, NULL, NULL);
	free(disk.data);
	free(disk.cache);
	free(disk.dirty);
	return failed;
}
