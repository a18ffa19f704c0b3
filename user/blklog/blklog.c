/*
 * blklog PATH COUNT [PAYLOAD-BYTES]: the append-only log (lib/os/blocklog)
 * over a storage area. Opens the log (formatting the area when it holds
 * none), says how many records it recovered and the last sequence number,
 * then appends COUNT records, committing (write + Flush) each, and prints
 * every acknowledged sequence number: a record printed here is durable.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/nvme/os/io.h"
#include "lib/os/blocklog.h"
#include "lib/os/os.h"

#define LOG_BUF (64 * 1024)

struct replay {
	uint64_t count, last, bad;
};

/* Each payload holds its own sequence number, so replay can check order and content. */
static void on_record(void *arg, uint64_t sequence, const void *payload, uint32_t length)
{
	struct replay *r = arg;
	uint64_t stored;
	if (length < sizeof(stored))
		r->bad++;
	else if (memcpy(&stored, payload, sizeof(stored)), stored != sequence)
		r->bad++;
	r->count++;
	r->last = sequence;
}

static void *log_buf;

static long open_log(struct blocklog *log, const struct blockdev *dev, struct replay *r)
{
	long n = blocklog_open(log, dev, log_buf, LOG_BUF, on_record, r);
	if (n == -SIETCH_ENOENT) {
		printf("blklog: no log in the area; formatting\n");
		long err = blocklog_format(dev, (uint64_t)os_clock_ns(SIETCH_CLOCK_REALTIME), log_buf);
		if (err)
			return err;
		n = blocklog_open(log, dev, log_buf, LOG_BUF, on_record, r);
	}
	return n;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: blklog PATH COUNT [PAYLOAD-BYTES]\n");
		return 2;
	}
	unsigned long count = strtoul(argv[2], NULL, 0), size = argc > 3 ? strtoul(argv[3], NULL, 0) : 100;
	struct nvme_io io;
	struct blockdev dev;
	struct blocklog log;
	struct replay r = { 0, 0, 0 };
	char payload[4096];
	if (size < 8 || size > sizeof(payload) || !(log_buf = malloc(LOG_BUF)))
		return 2;
	long err = nvme_io_open(&io, argv[1], 128 * 1024);
	if (err) {
		const char *hint = nvme_io_open_hint(err, SIETCH_RIGHT_READ | SIETCH_RIGHT_WRITE);
		printf("blklog: %s: %s%s%s\n", argv[1], os_strerror(err), *hint ? ": " : "", hint);
		return 1;
	}
	nvme_io_blockdev(&io, &dev);
	long n = open_log(&log, &dev, &r);
	if (n < 0) {
		printf("blklog: cannot open the log: %s %s\n", os_strerror(n), io.error);
		return 1;
	}
	printf("blklog: recovered %llu records, last sequence %llu, %llu bad\n", (unsigned long long)r.count,
	       (unsigned long long)r.last, (unsigned long long)r.bad);
	for (unsigned long i = 0; i < count; i++) {
		uint64_t seq = log.next_sequence;
		memset(payload, (int)(seq & 0xff), size);
		memcpy(payload, &seq, sizeof(seq));
		if ((err = blocklog_append(&log, payload, (uint32_t)size, &seq)) || (err = blocklog_commit(&log))) {
			printf("blklog: append failed: %s %s\n", os_strerror(err), io.error);
			return 1;
		}
		printf("blklog: acknowledged %llu\n", (unsigned long long)seq);
	}
	printf("blklog: done, %llu system calls\n", (unsigned long long)io.submits);
	return r.bad ? 1 : 0;
}
