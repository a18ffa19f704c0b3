/*
 * An append-only log of records over a block device: the format a process
 * keeps in its own storage area (the key-value store's write-ahead log).
 *
 * On the device:
 *   block 0, 1   two copies of the superblock (struct blocklog_super); the
 *                valid one with the higher epoch counts. Each open writes the
 *                next epoch into the other copy, so a torn superblock write
 *                leaves the previous one intact.
 *   block 2 ...  records back to back as one byte stream, each at an 8-byte
 *                aligned offset: a header (struct blocklog_header), then the
 *                payload. A record may cross block boundaries.
 *
 * A record is accepted by recovery only if its CRC-32C (over the header, the
 * log's identifier and the payload) matches, its sequence number is one more
 * than the previous record's, and its epoch is between the previous record's
 * and the superblock's. The first record that fails ends the log: a torn
 * group commit, stale records of an earlier log on the same blocks (another
 * log_id) and records written after a torn tail in an earlier session (an
 * older epoch than the record before them, once the tail is rewritten) all
 * stop the scan instead of being replayed.
 *
 * Group commit: blocklog_append() only stages records in the caller's
 * buffer; blocklog_commit() writes every staged record with one write
 * command, then one flush, and only then are their sequence numbers durable.
 * The block holding the tail is rewritten with its old bytes unchanged, which
 * is safe because a single block is written whole or not at all
 * (lib/common/blockdev.h).
 *
 * The log does not wrap: when the area is full, appends fail with
 * -SIETCH_ENOSPC (compaction is its user's job: write a new log elsewhere).
 * Freestanding (lib/common and the C string functions only), so host tests
 * run it over memory.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "lib/common/blockdev.h"

#define BLOCKLOG_MAGIC 0x474c484354454953ull /* "SIETCHLG" in little-endian byte order */
#define BLOCKLOG_VERSION 1
#define BLOCKLOG_SUPER_BLOCKS 2

struct blocklog_super {
	uint64_t magic;
	uint32_t version;
	uint32_t block_size;   /* of the device it was formatted on */
	uint64_t log_id;       /* chosen at format; differs from any earlier log here */
	uint64_t block_count;  /* of the device it was formatted on */
	uint32_t epoch;        /* opens so far; records carry the epoch that wrote them */
	uint32_t crc;          /* CRC-32C of this struct with crc = 0 */
};
_Static_assert(sizeof(struct blocklog_super) == 40, "superblock");

struct blocklog_header {
	uint32_t length;       /* payload bytes */
	uint32_t crc;          /* CRC-32C of header (crc = 0), log_id, payload */
	uint64_t sequence;     /* 1, 2, 3, ... */
	uint32_t epoch;
	uint32_t reserved;     /* 0 */
};
_Static_assert(sizeof(struct blocklog_header) == 24, "record header");
#define BLOCKLOG_ALIGN 8

/* Why recovery stopped where it did. */
enum blocklog_end {
	BLOCKLOG_END_CLEAN,     /* an empty header: nothing was ever written here */
	BLOCKLOG_END_TORN,      /* a header or payload that fails its checksum */
	BLOCKLOG_END_SEQUENCE,  /* a whole record out of sequence or epoch: stale */
	BLOCKLOG_END_FULL,      /* the end of the area */
};

struct blocklog {
	const struct blockdev *dev;
	uint8_t *buf;           /* staging and read window: buf_blocks blocks */
	uint32_t buf_blocks;
	uint64_t log_id;
	uint32_t epoch;         /* of this session */
	uint64_t data_blocks;   /* blocks after the superblocks */
	uint64_t tail;          /* bytes of durable records */
	uint64_t staged;        /* bytes staged after the tail */
	uint64_t next_sequence;
	uint64_t durable_sequence; /* last record known to be on the device */
	enum blocklog_end end;  /* set by blocklog_open */
	/* read window used by recovery: data blocks [win_start, win_start + win_count) */
	uint64_t win_start;
	uint32_t win_count;
};

/* Called by blocklog_open for each record recovered, in order; payload is
 * valid during the call only. */
typedef void (*blocklog_replay_fn)(void *arg, uint64_t sequence, const void *payload,
				   uint32_t length);

/* Writes a new, empty log over the device, whatever was there (the caller
 * decides: an unreadable superblock is not a reason to format by itself).
 * log_id should differ from the previous log's (a timestamp will do); the
 * epoch continues from a readable old superblock so old records never chain
 * onto new ones. scratch: one block. */
int blocklog_format(const struct blockdev *dev, uint64_t log_id, void *scratch);

/*
 * Reads the superblocks, replays every whole record to replay (may be NULL),
 * and makes the log ready to append after the last one; buf (buf_size bytes,
 * at least two blocks) is the log's own until it is no longer used. Returns
 * the number of records, -SIETCH_ENOENT when the device holds no log,
 * -SIETCH_EIO when both superblocks are damaged or the device fails,
 * -SIETCH_EINVAL for bad arguments or a log formatted with another block
 * size or on a larger device.
 */
long blocklog_open(struct blocklog *log, const struct blockdev *dev, void *buf, size_t buf_size,
		   blocklog_replay_fn replay, void *arg);

/* The largest payload one record may carry with this buffer. */
uint32_t blocklog_max_payload(const struct blocklog *log);

/* Stages one record and returns its sequence number in *sequence; commits
 * first when the buffer is full. -SIETCH_EINVAL for a payload over
 * blocklog_max_payload, -SIETCH_ENOSPC when the area is full. */
int blocklog_append(struct blocklog *log, const void *payload, uint32_t length,
		    uint64_t *sequence);

/* Writes the staged records (one write) and flushes (one flush). On an error
 * the records stay staged and a later commit tries again. */
int blocklog_commit(struct blocklog *log);
