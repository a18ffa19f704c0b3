/*
 * The write-ahead log of kvstore --persist: lib/os/blocklog over a storage area
 * (drivers/nvme/os), Redis's `appendfsync always` with group commit, and a
 * rewrite that compacts the log while the store keeps serving.
 *
 * The area is two halves, each a blocklog of its own. A log's first record is
 * "#gen G" and it counts only once it holds "#complete"; at start the complete
 * log with the highest generation is replayed. A rewrite, when the live log has
 * doubled since the last one (Redis's auto-aof-rewrite-percentage 100):
 *   1. formats the other half, appends "#gen G+1" and starts a snapshot of the
 *      data set as it is now (kv_server_rewrite_start);
 *   2. each round, takes the next slice of the snapshot (kv_server_rewrite_step:
 *      the engine walks its key table a piece at a time, and a write first hands
 *      over the keys it names as they were) and writes it to the new log, while
 *      every new write still goes to the live log (and is acknowledged from
 *      there) and is also kept in memory;
 *   3. at the end appends the kept writes and "#complete", commits, and from
 *      then on logs only there.
 * A crash before the "#complete" record is durable leaves the old log
 * authoritative, and it holds every acknowledged write; after it, the new one
 * holds the snapshot, every write since, and what follows.
 */
#include "user/kvstore/kv_persist.h"

#if __has_include("drivers/nvme/os/io.h")

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/nvme/os/io.h"
#include "lib/os/blocklog.h"
#include "lib/os/os.h"

#define LOG_BUF (1024 * 1024)	/* each log's staging buffer */
#define DMA_BUF (256 * 1024)	/* the area's DMA buffer: one transfer at a time */
#define SLICE_BYTES (64 * 1024) /* snapshot bytes written per round */
#define MARK_GEN "#gen "
#define MARK_COMPLETE "#complete"

struct half {
	struct blockdev dev; /* blocks [first, first + count) of the area */
	uint64_t first;
	struct blocklog log;
	void *buf;
	uint64_t gen; /* from its "#gen" record; 0: none */
	int complete;
};

/* Records kept in memory: [uint32_t length][payload] back to back. */
struct records {
	uint8_t *p;
	size_t len, cap, at;
};

static struct {
	struct nvme_io io;
	struct blockdev area;
	struct half half[2];
	int live; /* the half logged to */
	struct kv_server *server;
	long replayed;
	uint64_t rewrite_min, base; /* bytes: the live log's size after the last rewrite */
	int rewriting, scanning;    /* scanning: the engine has more of the snapshot to give */
	struct records snapshot, kept;
	long rewrites, rounds;
} p;

static void fail(const char *what, long err)
{
	fprintf(stderr, "kvstore: --persist: %s: %s %s\n", what, os_strerror(err), p.io.error);
	exit(1);
}

/* --- a half as a block device -------------------------------------------- */

static int half_read(void *ctx, uint64_t block, uint32_t count, void *buf)
{
	struct half *h = ctx;
	return p.area.read(p.area.ctx, h->first + block, count, buf);
}

static int half_write(void *ctx, uint64_t block, uint32_t count, const void *buf)
{
	struct half *h = ctx;
	return p.area.write(p.area.ctx, h->first + block, count, buf);
}

static int half_flush(void *ctx)
{
	(void)ctx;
	return p.area.flush(p.area.ctx);
}

static void half_init(struct half *h, uint64_t first, uint64_t count)
{
	h->first = first;
	h->dev = (struct blockdev){ .ctx = h, .block_size = p.area.block_size, .block_count = count, .read = half_read, .write = half_write, .flush = half_flush };
}

/* --- recovery ------------------------------------------------------------- */

static int is_mark(const void *payload, uint32_t length)
{
	return length > 0 && *(const char *)payload == '#';
}

static void probe(void *arg, uint64_t sequence, const void *payload, uint32_t length)
{
	struct half *h = arg;
	char text[32];
	if (!is_mark(payload, length) || length >= sizeof(text))
		return;
	memcpy(text, payload, length);
	text[length] = 0;
	if (sequence == 1 && strncmp(text, MARK_GEN, strlen(MARK_GEN)) == 0)
		h->gen = strtoull(text + strlen(MARK_GEN), NULL, 10);
	else if (strcmp(text, MARK_COMPLETE) == 0 && h->gen)
		h->complete = 1;
}

static void replay(void *arg, uint64_t sequence, const void *payload, uint32_t length)
{
	(void)arg;
	(void)sequence;
	if (!is_mark(payload, length) && kv_server_replay(p.server, payload, length) >= 0)
		p.replayed++;
}

static void append(struct half *h, const void *payload, size_t len)
{
	uint64_t sequence;
	if (len > blocklog_max_payload(&h->log))
		fail("a record larger than the log's buffer", -SIETCH_EINVAL);
	int err = blocklog_append(&h->log, payload, (uint32_t)len, &sequence);
	if (err)
		fail("append", err);
}

static void mark_gen(struct half *h, uint64_t gen)
{
	char text[32];
	int n = snprintf(text, sizeof(text), MARK_GEN "%llu", (unsigned long long)gen);
	h->gen = gen;
	append(h, text, (size_t)n);
}

/* A new, empty log in h: 0 or a negated SIETCH_E* code. */
static long fresh_log(struct half *h)
{
	long err = blocklog_format(&h->dev, (uint64_t)os_clock_ns(SIETCH_CLOCK_REALTIME) ^ h->first, h->buf);
	if (!err)
		err = blocklog_open(&h->log, &h->dev, h->buf, LOG_BUF, NULL, NULL);
	h->gen = 0;
	h->complete = 0;
	return err < 0 ? err : 0;
}

static uint64_t log_bytes(const struct half *h)
{
	return h->log.tail + h->log.staged;
}

/* --- the log while serving ------------------------------------------------- */

static void keep(struct records *r, const void *payload, size_t len)
{
	if (r->len + 4 + len > r->cap) {
		size_t cap = r->cap ? r->cap : 64 * 1024;
		while (cap < r->len + 4 + len)
			cap *= 2;
		uint8_t *grown = realloc(r->p, cap);
		if (!grown)
			fail("memory for the rewrite", -SIETCH_ENOMEM);
		r->p = grown;
		r->cap = cap;
	}
	uint32_t n = (uint32_t)len;
	memcpy(r->p + r->len, &n, 4);
	memcpy(r->p + r->len + 4, payload, len);
	r->len += 4 + len;
}

static void records_free(struct records *r)
{
	free(r->p);
	*r = (struct records){ 0 };
}

/* Appends kept records to h from r->at on, at least limit bytes' worth (all:
 * SIZE_MAX), and forgets them. */
static void drain(struct records *r, struct half *h, size_t limit)
{
	size_t start = r->at;
	while (r->at < r->len && r->at - start < limit) {
		uint32_t n;
		memcpy(&n, r->p + r->at, 4);
		append(h, r->p + r->at + 4, n);
		r->at += 4 + n;
	}
	memmove(r->p, r->p + r->at, r->len - r->at);
	r->len -= r->at;
	r->at = 0;
}

static void record(void *ctx, const void *request, size_t len)
{
	(void)ctx;
	append(&p.half[p.live], request, len);
	if (p.rewriting)
		keep(&p.kept, request, len);
}

static void snapshot_emit(void *ctx, const void *request, size_t len)
{
	keep(ctx, request, len);
}

void persist_commit(void)
{
	struct half *h = &p.half[p.live];
	if (h->log.staged) {
		int err = blocklog_commit(&h->log);
		if (err)
			fail("commit", err);
	}
}

static void rewrite_start(void)
{
	struct half *next = &p.half[!p.live];
	long err = fresh_log(next);
	if (err) {
		fprintf(stderr, "kvstore: --persist: rewrite: %s %s\n", os_strerror(err), p.io.error);
		p.base = log_bytes(&p.half[p.live]); /* try again once it doubles */
		return;
	}
	mark_gen(next, p.half[p.live].gen + 1);
	kv_server_rewrite_start(p.server, snapshot_emit, &p.snapshot);
	p.rewriting = p.scanning = 1;
	p.rounds = 0;
}

static void rewrite_finish(void)
{
	struct half *next = &p.half[!p.live];
	drain(&p.kept, next, SIZE_MAX);
	append(next, MARK_COMPLETE, strlen(MARK_COMPLETE));
	int err = blocklog_commit(&next->log);
	if (err)
		fail("rewrite commit", err);
	next->complete = 1;
	p.live = !p.live;
	p.base = log_bytes(next);
	p.rewriting = 0;
	p.rewrites++;
	records_free(&p.snapshot);
	records_free(&p.kept);
	printf("kvstore: log rewritten: generation %llu, %llu bytes, %ld round(s)\n", (unsigned long long)next->gen,
	       (unsigned long long)p.base, p.rounds);
	fflush(stdout);
}

void persist_step(void)
{
	struct half *live = &p.half[p.live];
	if (!p.rewriting) {
		uint64_t size = log_bytes(live);
		if (size >= p.rewrite_min && size >= 2 * p.base)
			rewrite_start();
		return;
	}
	struct half *next = &p.half[!p.live];
	/* the next slice once the last is written (what writes handed over meanwhile included) */
	if (p.scanning && p.snapshot.len < SLICE_BYTES)
		p.scanning = kv_server_rewrite_step(p.server, SLICE_BYTES);
	drain(&p.snapshot, next, SLICE_BYTES);
	p.rounds++;
	if (p.scanning || p.snapshot.len > 0) {
		int err = next->log.staged ? blocklog_commit(&next->log) : 0;
		if (err)
			fail("rewrite write", err);
		return;
	}
	rewrite_finish();
}

/* --- start ---------------------------------------------------------------- */

int persist_open(struct kv_server *server, const char *path, uint64_t rewrite_min)
{
	long n;
	p.server = server;
	p.rewrite_min = rewrite_min;
	if ((n = nvme_io_open(&p.io, path, DMA_BUF)) != 0) {
		fprintf(stderr, "kvstore: --persist %s: cannot open it: %s\n", path, os_strerror(n));
		return 1;
	}
	nvme_io_blockdev(&p.io, &p.area);
	uint64_t each = p.area.block_count / 2;
	/* room for a rewrite to finish before the live half fills */
	if (p.rewrite_min > each * p.area.block_size / 4)
		p.rewrite_min = each * p.area.block_size / 4;
	int best = -1;
	for (int i = 0; i < 2; i++) {
		struct half *h = &p.half[i];
		if (!(h->buf = malloc(LOG_BUF)))
			fail("memory for the log", -SIETCH_ENOMEM);
		half_init(h, i * each, each);
		n = blocklog_open(&h->log, &h->dev, h->buf, LOG_BUF, probe, h);
		if (n >= 0 && h->complete && (best < 0 || h->gen > p.half[best].gen))
			best = i;
	}
	if (best < 0) { /* a new area (or nothing complete on it): an empty log, generation 1 */
		best = 0;
		if ((n = fresh_log(&p.half[0])) != 0)
			fail("format", n);
		mark_gen(&p.half[0], 1);
		append(&p.half[0], MARK_COMPLETE, strlen(MARK_COMPLETE));
		p.half[0].complete = 1;
		p.live = 0;
		persist_commit();
	} else {
		struct half *h = &p.half[best];
		uint64_t gen = h->gen;
		n = blocklog_open(&h->log, &h->dev, h->buf, LOG_BUF, replay, NULL);
		if (n < 0)
			fail("open", n);
		h->gen = gen;
		h->complete = 1;
		p.live = best;
	}
	p.base = log_bytes(&p.half[p.live]);
	printf("kvstore: %s: replayed %ld records\n", path, p.replayed);
	printf("kvstore: %s: log generation %llu, %llu bytes, %s half\n", path,
	       (unsigned long long)p.half[p.live].gen, (unsigned long long)p.base, p.live ? "second" : "first");
	fflush(stdout);
	kv_server_set_log(server, record, NULL);
	return 0;
}

#else /* no NVMe driver in this tree */

#include <stdio.h>

int persist_open(struct kv_server *server, const char *path, uint64_t rewrite_min)
{
	(void)server;
	(void)rewrite_min;
	fprintf(stderr, "kvstore: --persist %s: no NVMe driver in this build\n", path);
	return 1;
}

void persist_commit(void)
{
}

void persist_step(void)
{
}

#endif
