/* The kvstore engine on the host: its hash table's incremental resize and SCAN,
 * the parser fed a byte at a time, and a seeded random-input fuzzer (valid commands,
 * mutated ones and garbage, in random chunks) that must not crash or leak. */
#define _GNU_SOURCE /* memmem */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "user/kvstore/kv_cmd_keys.c"
#include "user/kvstore/kv_cmd_list.c"
#include "user/kvstore/kv_cmd_server.c"
#include "user/kvstore/kv_cmd_set.c"
#include "user/kvstore/kv_cmd_string.c"
#include "user/kvstore/kv_cmd_zset.c"
#include "user/kvstore/kv_db.c"
#include "user/kvstore/kv_dict.c"
#include "user/kvstore/kv_log.c"
#include "user/kvstore/kv_mem.c"
#include "user/kvstore/kv_proto.c"
#include "user/kvstore/kv_reply.c"
#include "user/kvstore/kv_rewrite.c"
#include "user/kvstore/kv_server.c"

static struct kv_server *new_server(void)
{
	struct kv_config config = {.port = 6379};
	struct kv_server *s = kv_server_new(&config);
	assert_non_null(s);
	kv_server_set_time(s, 1700000000000000ll);
	return s;
}

/* Everything the client was answered, as a C string the test frees. */
static char *take_output(struct kv_client *c)
{
	size_t n;
	const char *out = kv_client_output(c, &n);
	char *copy = malloc(n + 1);
	memcpy(copy, out, n);
	copy[n] = '\0';
	kv_client_consumed(c, n);
	return copy;
}

static void test_dict_grows_a_bucket_at_a_time(void **state)
{
	(void)state;
	struct kv_dict *d = kv_dict_new(NULL);
	char key[32];
	bool created;
	for (int i = 0; i < 100000; i++) {
		ptrdiff_t before = d->rehash_index;
		size_t moved_before = d->used[1], new_size = d->size[1];
		int n = snprintf(key, sizeof(key), "key:%d", i);
		assert_non_null(kv_dict_insert(d, key, (size_t)n, &created));
		assert_true(created);
		/* one insert moves one bucket's chain, never the table */
		if (before >= 0 && d->rehash_index >= 0 && d->size[1] == new_size)
			assert_true(d->used[1] - moved_before <= 1 + 16);
	}
	assert_int_equal(kv_dict_size(d), 100000);
	for (int i = 0; i < 100000; i += 7) {
		int n = snprintf(key, sizeof(key), "key:%d", i);
		assert_non_null(kv_dict_find(d, key, (size_t)n));
	}
	for (int i = 0; i < 100000; i++) {
		int n = snprintf(key, sizeof(key), "key:%d", i);
		if (i % 100)
			assert_true(kv_dict_delete(d, key, (size_t)n));
	}
	kv_dict_shrink_if_sparse(d);
	while (kv_dict_rehash(d, 100))
		;
	assert_true(d->size[0] < 4096);
	assert_int_equal(kv_dict_size(d), 1000);
	kv_dict_free(d);
}

static void count_seen(void *arg, struct kv_entry *e)
{
	unsigned char *seen = arg;
	seen[atoi(e->key)]++;
}

static void test_scan_sees_every_key_while_resizing(void **state)
{
	(void)state;
	struct kv_dict *d = kv_dict_new(NULL);
	static unsigned char seen[3000];
	char key[16];
	bool created;
	for (int i = 0; i < 1000; i++)
		kv_dict_insert(d, key, (size_t)snprintf(key, sizeof(key), "%d", i), &created);
	uint64_t cursor = 0;
	int steps = 0;
	do {
		cursor = kv_dict_scan(d, cursor, count_seen, seen);
		/* grow the table under the scan */
		if (steps++ == 5)
			for (int i = 1000; i < 3000; i++)
				kv_dict_insert(d, key, (size_t)snprintf(key, sizeof(key), "%d", i), &created);
	} while (cursor);
	for (int i = 0; i < 1000; i++)
		assert_true(seen[i] >= 1);
	kv_dict_free(d);
}

static const char pipeline[] = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n"
			       "GET k\r\n*2\r\n$6\r\nAPPEND\r\n$1\r\nk\r\n*1\r\n$4\r\nPING\r\n";
static const char pipeline_reply[] = "+OK\r\n$5\r\nhello\r\n-ERR wrong number of arguments for 'append' command\r\n+PONG\r\n";

static void test_parser_byte_at_a_time(void **state)
{
	(void)state;
	uint64_t baseline = kv_mem_used();
	struct kv_server *s = new_server();
	struct kv_client *c = kv_client_new(s, "test:1");
	for (size_t i = 0; i < strlen(pipeline); i++)
		assert_true(kv_client_feed(c, &pipeline[i], 1));
	char *out = take_output(c);
	assert_string_equal(out, pipeline_reply);
	free(out);
	kv_client_free(c);
	kv_server_free(s);
	assert_int_equal(kv_mem_used(), baseline);
}

static void test_parser_closes_after_protocol_error(void **state)
{
	(void)state;
	struct kv_server *s = new_server();
	struct kv_client *c = kv_client_new(s, "test:1");
	const char bad[] = "PING\r\n*1\r\n$999999999999\r\nPING\r\n";
	assert_false(kv_client_feed(c, bad, strlen(bad)));
	char *out = take_output(c);
	assert_string_equal(out, "+PONG\r\n-ERR Protocol error: invalid bulk length\r\n");
	free(out);
	assert_true(kv_client_closing(c));
	kv_client_free(c);
	kv_server_free(s);
}

static void test_parser_waits_for_the_whole_bulk(void **state)
{
	(void)state;
	uint64_t baseline = kv_mem_used();
	struct kv_server *s = new_server();
	struct kv_client *c = kv_client_new(s, "test:1");
	/* a million-argument header costs nothing until the arguments come */
	const char header[] = "*1000000\r\n$4\r\nPING\r\n";
	assert_true(kv_client_feed(c, header, strlen(header)));
	size_t n;
	kv_client_output(c, &n);
	assert_int_equal(n, 0);
	assert_true(kv_mem_used() < 1024 * 1024);
	kv_client_free(c);
	kv_server_free(s);
	assert_int_equal(kv_mem_used(), baseline);
}

static void test_memory_limit_refuses_writes(void **state)
{
	(void)state;
	struct kv_config config = {.port = 6379, .maxmemory = 1};
	struct kv_server *s = kv_server_new(&config);
	struct kv_client *c = kv_client_new(s, "test:1");
	const char req[] = "SET k v\r\nGET k\r\n";
	kv_client_feed(c, req, strlen(req));
	char *out = take_output(c);
	assert_string_equal(out, "-OOM command not allowed when used memory > 'maxmemory'.\r\n$-1\r\n");
	free(out);
	kv_client_free(c);
	kv_server_free(s);
}

struct log_buffer {
	char *data;
	size_t len;
};

static void log_to_buffer(void *ctx, const void *request, size_t len)
{
	struct log_buffer *b = ctx;
	b->data = realloc(b->data, b->len + len);
	memcpy(b->data + b->len, request, len);
	b->len += len;
}

static char *run(struct kv_server *s, const char *requests)
{
	struct kv_client *c = kv_client_new(s, "test:1");
	kv_client_feed(c, requests, strlen(requests));
	char *out = take_output(c);
	kv_client_free(c);
	return out;
}

static void test_log_replays_to_the_same_data(void **state)
{
	(void)state;
	struct log_buffer log = {0};
	struct kv_config config = {.port = 6379, .log = log_to_buffer, .log_ctx = &log};
	struct kv_server *a = kv_server_new(&config);
	kv_server_set_time(a, 1700000000000000ll);
	free(run(a, "SET s1 v\r\nSET s2 v EX 100\r\nINCRBY n 5\r\nINCR n\r\nAPPEND s1 xy\r\n"
		    "RPUSH l a b c\r\nLPOP l\r\nSADD set a b c d\r\nSPOP set 2\r\nHSET h f v g w\r\n"
		    "HDEL h g\r\nZADD z 1 a 2 b\r\nZPOPMIN z\r\nSET gone v\r\nDEL gone\r\n"
		    "EXPIRE s1 500\r\nSET tmp v PX 1\r\nGET s1\r\nLPUSH s1 x\r\nMSET m1 1 m2 2\r\n"));
	/* read-only commands and failed writes (WRONGTYPE) left no record */
	assert_null(memmem(log.data, log.len, "$3\r\nGET\r\n", 9));
	assert_null(memmem(log.data, log.len, "LPUSH", 5));
	assert_non_null(memmem(log.data, log.len, "SREM", 4));
	/* replayed later, the deadlines stay where they were */
	struct kv_config plain = {.port = 6379};
	struct kv_server *b = kv_server_new(&plain);
	kv_server_set_time(b, 1700000000000000ll + 10 * 1000000ll);
	assert_true(kv_server_replay(b, log.data, log.len) > 0);
	const char *check = "GET s1\r\nGET s2\r\nGET n\r\nLRANGE l 0 -1\r\nSCARD set\r\nHGETALL h\r\n"
			    "ZRANGE z 0 -1 WITHSCORES\r\nEXISTS gone tmp\r\nPTTL s1\r\nPTTL s2\r\nMGET m1 m2\r\n";
	kv_server_set_time(a, 1700000000000000ll + 10 * 1000000ll);
	char *want = run(a, check), *got = run(b, check);
	assert_string_equal(got, want);
	free(want);
	free(got);
	/* the members SPOP took are gone on replay too */
	want = run(a, "SMEMBERS set\r\n");
	got = run(b, "SMEMBERS set\r\n");
	assert_int_equal(strlen(got), strlen(want));
	free(want);
	free(got);
	/* a torn last record is dropped */
	assert_true(kv_server_replay(b, "*3\r\n$3\r\nSET\r\n$1\r\nt\r\n$5\r\nab", 27) >= 0);
	got = run(b, "EXISTS t\r\n");
	assert_string_equal(got, ":0\r\n");
	free(got);
	kv_server_free(a);
	kv_server_free(b);
	free(log.data);
}

/* The rewrite: one step over a data set of every type (a big list and set go out in
 * pieces, a TTL as PEXPIREAT, an expired key not at all) rebuilds the same data. */
static void test_rewrite_rebuilds_the_same_data(void **state)
{
	(void)state;
	struct kv_server *a = new_server();
	free(run(a, "SET s v\r\nSET ttl v EX 100\r\nSET old v PX 1\r\nHSET h f v g w\r\n"
		    "ZADD z 1.5 a -inf b 0.1 c\r\nSET bin \"a b\"\r\n"));
	for (int i = 0; i < 200; i++) {
		char req[64];
		snprintf(req, sizeof(req), "RPUSH l e%d\r\nSADD set m%d\r\n", i, i);
		free(run(a, req));
	}
	kv_server_set_time(a, 1700000000000000ll + 1000000ll); /* "old" has expired */
	struct log_buffer log;
	memset(&log, 0, sizeof(log));
	long records = kv_server_rewrite(a, log_to_buffer, &log);
	/* s, ttl + PEXPIREAT, h, z, bin, l in 4 pieces, set in 4 */
	assert_int_equal(records, 1 + 2 + 1 + 1 + 1 + 4 + 4);
	assert_null(memmem(log.data, log.len, "old", 3));
	struct kv_server *b = new_server();
	kv_server_set_time(b, 1700000000000000ll + 1000000ll);
	assert_int_equal(kv_server_replay(b, log.data, log.len), records);
	const char *check = "GET s\r\nPTTL ttl\r\nHGETALL h\r\nZRANGE z 0 -1 WITHSCORES\r\nGET bin\r\n"
			    "LRANGE l 0 -1\r\nSCARD set\r\nSISMEMBER set m199\r\nEXISTS old\r\n";
	char *want = run(a, check), *got = run(b, check);
	size_t same = 0;
	while (want[same] && want[same] == got[same])
		same++;
	if (want[same] != got[same])
		fail_msg("differs at byte %zu: ...%.60s vs ...%.60s", same, got + same - 20, want + same - 20);
	free(want);
	free(got);
	got = run(b, "DBSIZE\r\n"); /* a still counts "old" until it is touched, as Redis does */
	assert_string_equal(got, ":7\r\n");
	free(got);
	kv_server_free(a);
	kv_server_free(b);
	free(log.data);
}

/* Key k the same in a and b: type, value (a set member by member) and TTL. */
static void assert_same_key(struct kv_server *a, struct kv_server *b, const char *k)
{
	static const char *const reads[] = {"TYPE", "PTTL", "GET", "LRANGE", "SCARD"};
	char req[128];
	for (size_t i = 0; i < sizeof(reads) / sizeof(reads[0]); i++) {
		snprintf(req, sizeof(req), "%s %s%s\r\n", reads[i], k, strcmp(reads[i], "LRANGE") ? "" : " 0 -1");
		char *want = run(a, req), *got = run(b, req);
		if (strcmp(want, got) != 0)
			fail_msg("%s %s: %s, not %s", reads[i], k, got, want);
		free(want);
		free(got);
	}
	snprintf(req, sizeof(req), "SMEMBERS %s\r\n", k);
	char *members = run(a, req);
	for (char *m = strstr(members, "\r\n$"); m; m = strstr(m + 2, "\r\n$")) {
		char *name = strchr(m + 2, '\n') + 1;
		snprintf(req, sizeof(req), "SISMEMBER %s %.*s\r\n", k, (int)(strchr(name, '\r') - name), name);
		char *got = run(b, req);
		assert_string_equal(got, ":1\r\n");
		free(got);
	}
	free(members);
}

static uint64_t step_rng = 7;

static unsigned step_next(unsigned n)
{
	step_rng = step_rng * 6364136223846793005ull + 1442695040888963407ull;
	return (unsigned)(step_rng >> 33) % n;
}

/* The rewrite a piece at a time with writes between the pieces (counters, lists,
 * sets, deletes, new keys and lists, TTLs, MSET): what it emitted followed by the writes
 * logged since its start rebuilds exactly the data, and no step took more than a
 * slice. Then a FLUSHALL in the middle of a rewrite ends it. */
static void test_rewrite_in_steps_under_writes(void **state)
{
	(void)state;
	struct kv_server *a = new_server();
	char req[256];
	for (int i = 0; i < 2000; i++) {
		snprintf(req, sizeof(req), "SET s%d v%d\r\nINCRBY n%d %d\r\nRPUSH l%d a b\r\nSADD set%d x%d\r\n", i, i,
			 i % 100, i, i % 50, i % 50, i);
		free(run(a, req));
	}
	free(run(a, "SET ttl v EX 100\r\nSET gone v PX 1\r\n"));
	kv_server_set_time(a, 1700000000000000ll + 10000ll); /* "gone" has expired */
	struct log_buffer snapshot = {0}, writes = {0};
	kv_server_set_log(a, log_to_buffer, &writes);
	kv_server_rewrite_start(a, log_to_buffer, &snapshot);
	static const char *const forms[] = {"INCR n%u\r\n", "RPUSH l%u e\r\n", "DEL s%u\r\n", "SET new%u v\r\n",
					    "APPEND s%u z\r\n", "MSET s%u m n%u 7\r\n", "SPOP set%u\r\n",
					    "EXPIRE s%u 1000\r\n", "DEL new%u l%u\r\n", "SADD set%u y\r\n",
					    "RPUSH fresh%u e\r\n", "DEL fresh%u\r\n"};
	int steps = 0;
	size_t biggest = 0;
	for (bool more = true; more; steps++) {
		size_t before = snapshot.len;
		more = kv_server_rewrite_step(a, 512);
		if (snapshot.len - before > biggest)
			biggest = snapshot.len - before;
		for (int j = 0; j < 10; j++) {
			unsigned k = step_next(100);
			snprintf(req, sizeof(req), forms[step_next(sizeof(forms) / sizeof(forms[0]))], k % 50, k);
			free(run(a, req));
		}
	}
	assert_true(steps > 50);
	assert_true(biggest < 2048); /* 512 bytes, and the rest of the keys in the bucket that crossed it */
	assert_null(memmem(snapshot.data, snapshot.len, "gone", 4));
	struct kv_server *b = new_server();
	kv_server_set_time(b, 1700000000000000ll + 10000ll);
	assert_true(kv_server_replay(b, snapshot.data, snapshot.len) > 0);
	assert_true(kv_server_replay(b, writes.data, writes.len) > 0);
	free(run(a, "EXISTS gone\r\n")); /* a counts it until it is touched, as Redis does */
	char *want = run(a, "DBSIZE\r\n"), *got = run(b, "DBSIZE\r\n");
	assert_string_equal(got, want);
	free(want);
	free(got);
	for (int i = 0; i < 2000; i++) {
		static const char *const names[] = {"s%d", "n%d", "l%d", "set%d", "new%d", "fresh%d"};
		for (size_t n = 0; n < sizeof(names) / sizeof(names[0]); n++) {
			char key[32];
			snprintf(key, sizeof(key), names[n], i);
			assert_same_key(a, b, key);
		}
	}
	assert_same_key(a, b, "ttl");

	/* FLUSHALL ends a rewrite: the log's FLUSHALL empties what went out before it */
	kv_server_rewrite_start(a, log_to_buffer, &snapshot);
	assert_true(kv_server_rewrite_step(a, 512));
	free(run(a, "FLUSHALL\r\nSET after v\r\n"));
	assert_false(kv_server_rewrite_step(a, 512));
	kv_server_free(a);
	kv_server_free(b);
	free(snapshot.data);
	free(writes.data);
}

/* --- the fuzzer ------------------------------------------------------------------ */

static uint64_t fuzz_state;

static uint32_t fuzz_next(void)
{
	fuzz_state = fuzz_state * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(fuzz_state >> 33);
}

static const char *const words[] = {
	"SET", "GET", "DEL", "INCR", "DECRBY", "APPEND", "MSET", "MGET", "EXPIRE", "PEXPIRE", "TTL", "PERSIST",
	"LPUSH", "RPUSH", "LPOP", "RPOP", "LRANGE", "SADD", "SPOP", "SMEMBERS", "HSET", "HGETALL", "HDEL",
	"ZADD", "ZPOPMIN", "ZRANGE", "KEYS", "SCAN", "TYPE", "EXISTS", "FLUSHALL", "INFO", "CONFIG", "GET",
	"CLIENT", "SETNAME", "PING", "ECHO", "EX", "PX", "NX", "XX", "KEEPTTL", "WITHSCORES", "INCR", "CH",
	"k", "k2", "*", "0", "-1", "1", "2", "100", "1.5", "nan", "inf", "9223372036854775807", "", "a*b?[c]",
	"-9223372036854775808", "MATCH", "COUNT", "quit", "SELECT", "STRLEN", "GETSET", "SETNX",
};

static size_t append(char *buf, size_t at, size_t cap, const void *p, size_t n)
{
	if (at + n > cap)
		n = cap - at;
	memcpy(buf + at, p, n);
	return at + n;
}

/* A request: a valid multibulk or inline command of random words, then maybe
 * mutated (bytes flipped, cut, lengths lied about), or plain garbage. */
static size_t fuzz_request(char *buf, size_t cap)
{
	size_t n = 0;
	int argc = 1 + (int)(fuzz_next() % 6);
	bool inline_form = fuzz_next() % 4 == 0;
	char tmp[64];
	if (fuzz_next() % 10 == 0) { /* garbage */
		size_t len = fuzz_next() % 200;
		for (size_t i = 0; i < len && n < cap; i++)
			buf[n++] = (char)fuzz_next();
		return n;
	}
	if (!inline_form)
		n = append(buf, n, cap, tmp, (size_t)snprintf(tmp, sizeof(tmp), "*%d\r\n", argc));
	for (int i = 0; i < argc; i++) {
		const char *w = words[fuzz_next() % (sizeof(words) / sizeof(words[0]))];
		size_t len = strlen(w);
		if (inline_form) {
			n = append(buf, n, cap, w, len);
			n = append(buf, n, cap, i + 1 < argc ? " " : "\r\n", i + 1 < argc ? 1 : 2);
		} else {
			long long claimed = (long long)len;
			if (fuzz_next() % 20 == 0)
				claimed = fuzz_next() % 3 == 0 ? -5 : (long long)fuzz_next();
			n = append(buf, n, cap, tmp, (size_t)snprintf(tmp, sizeof(tmp), "$%lld\r\n", claimed));
			n = append(buf, n, cap, w, len);
			n = append(buf, n, cap, "\r\n", 2);
		}
	}
	int mutations = fuzz_next() % 3 == 0 ? (int)(fuzz_next() % 4) : 0;
	for (int m = 0; m < mutations && n > 0; m++) {
		size_t at = fuzz_next() % n;
		switch (fuzz_next() % 3) {
		case 0: buf[at] = (char)fuzz_next(); break;
		case 1: n = at; break; /* cut short */
		default: buf[at] = "\r\n*$\"'\\ 0-"[fuzz_next() % 11]; break;
		}
	}
	return n;
}

static void test_fuzz_random_requests(void **state)
{
	(void)state;
	fuzz_state = 20261201;
	uint64_t empty = kv_mem_used();
	struct kv_server *s = new_server();
	uint64_t baseline = kv_mem_used();
	static char buf[1 << 16];
	for (int round = 0; round < 3000; round++) {
		struct kv_client *c = kv_client_new(s, "fuzz:1");
		size_t len = 0;
		int requests = 1 + (int)(fuzz_next() % 40);
		for (int r = 0; r < requests; r++)
			len += fuzz_request(buf + len, sizeof(buf) - len);
		/* fed in random pieces, as TCP would deliver them */
		for (size_t at = 0; at < len;) {
			size_t piece = 1 + fuzz_next() % 64;
			if (piece > len - at)
				piece = len - at;
			kv_server_set_time(s, s->now_us + (int64_t)(fuzz_next() % 5000));
			bool open = kv_client_feed(c, buf + at, piece);
			size_t n;
			kv_client_output(c, &n);
			kv_client_consumed(c, n);
			if (!open)
				break;
			at += piece;
			if (fuzz_next() % 50 == 0)
				kv_server_cron(s);
		}
		kv_client_free(c);
	}
	/* with the data gone, the engine holds what it held before */
	struct kv_client *c = kv_client_new(s, "fuzz:2");
	kv_client_feed(c, "FLUSHALL\r\n", 10);
	kv_client_free(c);
	kv_dict_shrink_if_sparse(s->keys);
	while (kv_dict_rehash(s->keys, 100))
		;
	kv_dict_shrink_if_sparse(s->expires);
	while (kv_dict_rehash(s->expires, 100))
		;
	assert_true(kv_mem_used() <= baseline + 2 * 1024);
	kv_server_free(s);
	assert_int_equal(kv_mem_used(), empty);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dict_grows_a_bucket_at_a_time),
		cmocka_unit_test(test_scan_sees_every_key_while_resizing),
		cmocka_unit_test(test_parser_byte_at_a_time),
		cmocka_unit_test(test_parser_closes_after_protocol_error),
		cmocka_unit_test(test_parser_waits_for_the_whole_bulk),
		cmocka_unit_test(test_memory_limit_refuses_writes),
		cmocka_unit_test(test_log_replays_to_the_same_data),
		cmocka_unit_test(test_rewrite_rebuilds_the_same_data),
		cmocka_unit_test(test_rewrite_in_steps_under_writes),
		cmocka_unit_test(test_fuzz_random_requests),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
