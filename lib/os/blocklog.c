#include "lib/os/blocklog.h"

#include <stdbool.h>

#include "lib/common/crc32c.h"
#include "lib/common/string.h"
#include "lib/common/syscall.h"

#define HEADER_SIZE ((uint32_t)sizeof(struct blocklog_header))

static uint64_t align_up(uint64_t value, uint64_t align)
{
	return (value + align - 1) / align * align;
}

static uint32_t super_crc(const struct blocklog_super *sb)
{
	struct blocklog_super copy = *sb;
	copy.crc = 0;
	return crc32c(&copy, sizeof(copy));
}

static uint32_t record_crc(const struct blocklog_header *h, uint64_t log_id, const void *payload)
{
	struct blocklog_header copy = *h;
	copy.crc = 0;
	uint32_t crc = crc32c(&copy, sizeof(copy));
	crc = crc32c_update(crc, &log_id, sizeof(log_id));
	return crc32c_update(crc, payload, h->length);
}

/* 0 for a valid superblock, -SIETCH_ENOENT for none, -SIETCH_EIO for a damaged one. */
static int super_check(const struct blocklog_super *sb)
{
	if (sb->magic != BLOCKLOG_MAGIC)
		return -SIETCH_ENOENT;
	if (sb->crc != super_crc(sb) || sb->version != BLOCKLOG_VERSION)
		return -SIETCH_EIO;
	return 0;
}

/* Reads both copies; *best gets the valid one with the higher epoch. */
static int super_read(const struct blockdev *dev, void *scratch, struct blocklog_super *best)
{
	int result = -SIETCH_ENOENT;

	for (uint64_t copy = 0; copy < BLOCKLOG_SUPER_BLOCKS; copy++) {
		int err = dev->read(dev->ctx, copy, 1, scratch);
		if (err)
			return err;
		struct blocklog_super sb;
		memcpy(&sb, scratch, sizeof(sb));
		int check = super_check(&sb);
		if (check == 0 && (result != 0 || sb.epoch > best->epoch)) {
			*best = sb;
			result = 0;
		} else if (check == -SIETCH_EIO && result == -SIETCH_ENOENT) {
			result = -SIETCH_EIO;
		}
	}
	return result;
}

/* Writes sb into the copy its epoch selects; the other copy keeps the
 * previous epoch until the next write. */
static int super_write(const struct blockdev *dev, struct blocklog_super *sb, void *scratch)
{
	sb->crc = super_crc(sb);
	memset(scratch, 0, dev->block_size);
	memcpy(scratch, sb, sizeof(*sb));
	return dev->write(dev->ctx, sb->epoch % BLOCKLOG_SUPER_BLOCKS, 1, scratch);
}

int blocklog_format(const struct blockdev *dev, uint64_t log_id, void *scratch)
{
	if (!blockdev_valid(dev) || !scratch || dev->block_count < BLOCKLOG_SUPER_BLOCKS + 1)
		return -SIETCH_EINVAL;

	struct blocklog_super old, sb = {
		.magic = BLOCKLOG_MAGIC,
		.version = BLOCKLOG_VERSION,
		.block_size = dev->block_size,
		.log_id = log_id,
		.block_count = dev->block_count,
	};
	int err = super_read(dev, scratch, &old);
	if (err == 0)
		sb.epoch = old.epoch + 1;
	else if (err != -SIETCH_ENOENT && err != -SIETCH_EIO)
		return err;

	/* The other copy and the first data block are cleared, so an old
	 * superblock cannot win and the scan of the new log ends at once. */
	memset(scratch, 0, dev->block_size);
	if ((err = dev->write(dev->ctx, (sb.epoch + 1) % BLOCKLOG_SUPER_BLOCKS, 1, scratch)) ||
	    (err = dev->write(dev->ctx, BLOCKLOG_SUPER_BLOCKS, 1, scratch)) ||
	    (err = super_write(dev, &sb, scratch)))
		return err;
	return dev->flush(dev->ctx);
}

uint32_t blocklog_max_payload(const struct blocklog *log)
{
	return (log->buf_blocks - 1) * log->dev->block_size - HEADER_SIZE;
}

static uint64_t capacity(const struct blocklog *log)
{
	return log->data_blocks * log->dev->block_size;
}

/* Makes bytes [pos, pos + n) of the data area readable in the window and
 * points *out at them; n never exceeds what blocklog_max_payload allows. */
static int window_get(struct blocklog *log, uint64_t pos, uint32_t n, const uint8_t **out)
{
	uint32_t bs = log->dev->block_size;
	uint64_t first = pos / bs, last = (pos + n - 1) / bs;

	if (first < log->win_start || last >= log->win_start + log->win_count) {
		uint64_t count = log->data_blocks - first;
		if (count > log->buf_blocks)
			count = log->buf_blocks;
		log->win_count = 0;
		int err = log->dev->read(log->dev->ctx, BLOCKLOG_SUPER_BLOCKS + first, (uint32_t)count,
					 log->buf);
		if (err)
			return err;
		log->win_start = first;
		log->win_count = (uint32_t)count;
	}
	*out = log->buf + (pos - log->win_start * bs);
	return 0;
}

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

/* Checks the record at log->tail; 1 and *h, *payload when it belongs to the
 * log, 0 with log->end set when the log ends there, or an error. */
static int scan_one(struct blocklog *log, uint32_t max_epoch, uint32_t prev_epoch,
		    struct blocklog_header *h, const uint8_t **payload)
{
	const uint8_t *p;
	int err;

	if (log->tail + HEADER_SIZE > capacity(log)) {
		log->end = BLOCKLOG_END_FULL;
		return 0;
	}
	if ((err = window_get(log, log->tail, HEADER_SIZE, &p)))
		return err;
	memcpy(h, p, sizeof(*h));
	if (all_zero(h, sizeof(*h))) {
		log->end = BLOCKLOG_END_CLEAN;
		return 0;
	}
	log->end = BLOCKLOG_END_TORN;
	if (h->reserved || h->length > blocklog_max_payload(log) ||
	    log->tail + HEADER_SIZE + h->length > capacity(log))
		return 0;
	if ((err = window_get(log, log->tail, HEADER_SIZE + h->length, &p)))
		return err;
	*payload = p + HEADER_SIZE;
	if (record_crc(h, log->log_id, *payload) != h->crc)
		return 0;
	log->end = BLOCKLOG_END_SEQUENCE;
	if (h->sequence != log->next_sequence || h->epoch < prev_epoch || h->epoch > max_epoch)
		return 0;
	return 1;
}

static long scan(struct blocklog *log, uint32_t max_epoch, blocklog_replay_fn replay, void *arg)
{
	uint32_t prev_epoch = 0;
	long records = 0;
	struct blocklog_header h;
	const uint8_t *payload = NULL;
	int found;

	while ((found = scan_one(log, max_epoch, prev_epoch, &h, &payload)) == 1) {
		if (replay)
			replay(arg, h.sequence, payload, h.length);
		prev_epoch = h.epoch;
		log->tail += align_up(HEADER_SIZE + h.length, BLOCKLOG_ALIGN);
		log->next_sequence++;
		records++;
	}
	return found < 0 ? found : records;
}

/* Puts the durable bytes of the block holding the tail at the start of the
 * buffer: the next commit rewrites that block with them unchanged. */
static int load_tail_block(struct blocklog *log)
{
	uint32_t bs = log->dev->block_size;

	log->win_count = 0;
	if (log->tail % bs == 0)
		return 0;
	return log->dev->read(log->dev->ctx, BLOCKLOG_SUPER_BLOCKS + log->tail / bs, 1, log->buf);
}

static int open_check(const struct blocklog_super *sb, const struct blockdev *dev)
{
	if (sb->block_size != dev->block_size || sb->block_count > dev->block_count ||
	    sb->block_count < BLOCKLOG_SUPER_BLOCKS + 1)
		return -SIETCH_EINVAL;
	return 0;
}

long blocklog_open(struct blocklog *log, const struct blockdev *dev, void *buf, size_t buf_size,
		   blocklog_replay_fn replay, void *arg)
{
	if (!blockdev_valid(dev) || !buf || buf_size / dev->block_size < 2 ||
	    buf_size / dev->block_size > UINT32_MAX)
		return -SIETCH_EINVAL;

	struct blocklog_super sb;
	int err = super_read(dev, buf, &sb);
	if (err)
		return err;
	if ((err = open_check(&sb, dev)))
		return err;

	memset(log, 0, sizeof(*log));
	log->dev = dev;
	log->buf = buf;
	log->buf_blocks = (uint32_t)(buf_size / dev->block_size);
	log->log_id = sb.log_id;
	log->data_blocks = sb.block_count - BLOCKLOG_SUPER_BLOCKS;
	log->next_sequence = 1;
	long records = scan(log, sb.epoch, replay, arg);
	if (records < 0)
		return records;
	log->durable_sequence = log->next_sequence - 1;

	/* A new epoch before any new record: records this session writes
	 * after a torn tail then never chain onto leftovers of the old one. */
	sb.epoch++;
	log->epoch = sb.epoch;
	log->win_count = 0;
	if ((err = super_write(dev, &sb, buf)) || (err = dev->flush(dev->ctx)) ||
	    (err = load_tail_block(log)))
		return err;
	return records;
}

int blocklog_append(struct blocklog *log, const void *payload, uint32_t length,
		    uint64_t *sequence)
{
	uint32_t bs = log->dev->block_size;

	if (length > blocklog_max_payload(log))
		return -SIETCH_EINVAL;
	uint64_t size = align_up(HEADER_SIZE + length, BLOCKLOG_ALIGN);
	if (log->tail + log->staged + size > capacity(log))
		return -SIETCH_ENOSPC;
	if (log->tail % bs + log->staged + size > (uint64_t)log->buf_blocks * bs) {
		int err = blocklog_commit(log);
		if (err)
			return err;
	}

	uint8_t *at = log->buf + log->tail % bs + log->staged;
	struct blocklog_header h = {
		.length = length,
		.sequence = log->next_sequence,
		.epoch = log->epoch,
	};
	h.crc = record_crc(&h, log->log_id, payload);
	memcpy(at, &h, sizeof(h));
	if (length)
		memcpy(at + HEADER_SIZE, payload, length);
	memset(at + HEADER_SIZE + length, 0, size - HEADER_SIZE - length);
	log->staged += size;
	*sequence = log->next_sequence++;
	return 0;
}

int blocklog_commit(struct blocklog *log)
{
	uint32_t bs = log->dev->block_size;

	if (log->staged == 0)
		return 0;
	uint64_t used = log->tail % bs + log->staged;
	uint64_t blocks = align_up(used, bs) / bs;
	/* What follows the last record in its block reads as a clean end. */
	memset(log->buf + used, 0, blocks * bs - used);

	int err = log->dev->write(log->dev->ctx, BLOCKLOG_SUPER_BLOCKS + log->tail / bs,
				  (uint32_t)blocks, log->buf);
	if (err == 0)
		err = log->dev->flush(log->dev->ctx);
	if (err)
		return err;

	log->tail += log->staged;
	log->staged = 0;
	log->durable_sequence = log->next_sequence - 1;
	if (log->tail % bs)
		memmove(log->buf, log->buf + (blocks - 1) * bs, log->tail % bs);
	return 0;
}
