/*
 * The load generator itself (kvbench.h): closed loop by default, each connection
 * keeping --pipeline requests outstanding; open loop with --rate R (requests per
 * second over all connections), where requests fall due at exponentially spaced
 * times whether or not replies came back and latency counts from when a request
 * was due, so a stalled server is not hidden (coordinated omission).
 * --workload flexnic is the FlexNIC paper's key-value workload (Kaufmann et al.,
 * ASPLOS 2016): 100,000 keys of 32 bytes, 64-byte values, 90% GET. Latencies go
 * into a log-linear histogram (HdrHistogram's layout: 64 sub-buckets per power
 * of two, under 1.6% error) from which the percentiles come.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "user/kvbench/kvbench.h"

#define SUB_BUCKET_BITS 6
#define HIST_BUCKETS (64 * 64)
#define CLOSED_LOOP_WAIT_NS 10000000ull /* 10 ms: a lost reply does not stop the loop from checking the time */
#define LATE_REPLIES_NS 10000000000ull	/* --duration: replies that never come are given up 10 s after the end */

struct histogram {
	uint64_t counts[HIST_BUCKETS];
	uint64_t total, max_ns, sum_ns;
};

struct kvb_options kvb_opt = {
	.host = "127.0.0.1",
	.workload = "custom",
	.dist = "uniform",
	.port = 6379,
	.connections = 1,
	.pipeline = 1,
	.key_size = 16,
	.value_size = 64,
	.keys = 10000,
	.requests = 100000,
	.get_ratio = 0.5,
	.zipf_s = 0.99,
	.preload = true,
	.seed = 1,
};

static struct histogram hist;
static uint64_t errors, completed, issued;
static double seconds;
static double *zipf_cdf;
static uint64_t rng_state;
static char *value;

void kvb_die(const char *msg)
{
	fprintf(stderr, "kvbench: %s\n", msg);
	exit(1);
}

static void *checked(void *p)
{
	if (!p)
		kvb_die("out of memory");
	return p;
}

/* --- the histogram ---------------------------------------------------------------- */

static unsigned bucket_of(uint64_t ns)
{
	unsigned shift = 0;
	while ((ns >> shift) >= (2u << SUB_BUCKET_BITS))
		shift++;
	return shift * (1u << SUB_BUCKET_BITS) + (unsigned)(ns >> shift);
}

static uint64_t bucket_high(unsigned b) /* the largest value in bucket b */
{
	unsigned per = 1u << SUB_BUCKET_BITS;
	unsigned shift = b < 2 * per ? 0 : b / per - 1;
	uint64_t low = (uint64_t)(b - shift * per) << shift;
	return low + (1ull << shift) - 1;
}

static void hist_record(uint64_t ns)
{
	unsigned b = bucket_of(ns);
	if (b >= HIST_BUCKETS)
		b = HIST_BUCKETS - 1;
	hist.counts[b]++;
	hist.total++;
	hist.sum_ns += ns;
	if (ns > hist.max_ns)
		hist.max_ns = ns;
}

static double percentile_us(double p)
{
	uint64_t want = (uint64_t)ceil(p / 100.0 * (double)hist.total), seen = 0;
	if (want == 0)
		want = 1;
	for (unsigned b = 0; b < HIST_BUCKETS; b++) {
		seen += hist.counts[b];
		if (seen >= want)
			return (double)(bucket_high(b) < hist.max_ns ? bucket_high(b) : hist.max_ns) / 1000.0;
	}
	return (double)hist.max_ns / 1000.0;
}

/* --- keys ----------------------------------------------------------------------- */

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static double uniform01(void)
{
	return (double)(rng() >> 11) / 9007199254740992.0; /* 53 random bits over 2^53 */
}

static void zipf_init(void)
{
	zipf_cdf = checked(malloc(sizeof(double) * (size_t)kvb_opt.keys));
	double sum = 0;
	for (long i = 0; i < kvb_opt.keys; i++)
		zipf_cdf[i] = (sum += 1.0 / pow((double)(i + 1), kvb_opt.zipf_s));
	for (long i = 0; i < kvb_opt.keys; i++)
		zipf_cdf[i] /= sum;
}

static long pick_key(void)
{
	if (!zipf_cdf)
		return (long)(rng() % (uint64_t)kvb_opt.keys);
	double u = uniform01();
	long lo = 0, hi = kvb_opt.keys - 1;
	while (lo < hi) {
		long mid = (lo + hi) / 2;
		if (zipf_cdf[mid] < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* spread the popular ranks over the key space (a bijection when gcd is 1) */
	return (long)(((uint64_t)lo * 1000003ull) % (uint64_t)kvb_opt.keys);
}

static void key_name(char *buf, long k)
{
	/* "key:" and the index, zero-padded to the key size */
	char digits[32];
	int n = snprintf(digits, sizeof(digits), "%ld", k);
	memset(buf, '0', (size_t)kvb_opt.key_size);
	memcpy(buf, "key:", kvb_opt.key_size >= 4 ? 4 : (size_t)kvb_opt.key_size);
	if (n <= kvb_opt.key_size - 4)
		memcpy(buf + kvb_opt.key_size - n, digits, (size_t)n);
}

/* --- requests and replies ---------------------------------------------------------- */

static void put(struct kvb_conn *c, const void *p, size_t n)
{
	if (c->out_len + n > c->out_cap) {
		c->out_cap = (c->out_len + n) * 2;
		c->out = checked(realloc(c->out, c->out_cap));
	}
	memcpy(c->out + c->out_len, p, n);
	c->out_len += n;
}

static void put_bulk(struct kvb_conn *c, const char *p, size_t n)
{
	char head[32];
	put(c, head, (size_t)snprintf(head, sizeof(head), "$%zu\r\n", n));
	put(c, p, n);
	put(c, "\r\n", 2);
}

static void due_push(struct kvb_conn *c, uint64_t due)
{
	if (c->due_count == c->due_cap) {
		size_t cap = c->due_cap ? c->due_cap * 2 : 64;
		uint64_t *ring = checked(malloc(cap * sizeof(*ring)));
		for (size_t i = 0; i < c->due_count; i++)
			ring[i] = c->due[(c->due_head + i) % c->due_cap];
		free(c->due);
		c->due = ring;
		c->due_cap = cap;
		c->due_head = 0;
	}
	c->due[(c->due_head + c->due_count++) % c->due_cap] = due;
}

static void queue_request(struct kvb_conn *c, bool get, long k, uint64_t due)
{
	char key[256];
	key_name(key, k);
	if (get)
		put(c, "*2\r\n$3\r\nGET\r\n", 13);
	else
		put(c, "*3\r\n$3\r\nSET\r\n", 13);
	put_bulk(c, key, (size_t)kvb_opt.key_size);
	if (!get)
		put_bulk(c, value, (size_t)kvb_opt.value_size);
	due_push(c, due);
	issued++;
}

static void queue_random(struct kvb_conn *c, uint64_t due)
{
	queue_request(c, uniform01() < kvb_opt.get_ratio, pick_key(), due);
}

/* Length of the complete reply at p, 0 when incomplete. */
static size_t reply_length(const char *p, size_t n)
{
	const char *nl = memchr(p, '\n', n);
	if (!nl)
		return 0;
	size_t line = (size_t)(nl - p) + 1;
	if (p[0] == '$') {
		long len = atol(p + 1);
		if (len < 0)
			return line;
		return n >= line + (size_t)len + 2 ? line + (size_t)len + 2 : 0;
	}
	if (p[0] == '*') {
		long count = atol(p + 1);
		size_t at = line;
		for (long i = 0; i < count; i++) {
			size_t r = at < n ? reply_length(p + at, n - at) : 0;
			if (!r)
				return 0;
			at += r;
		}
		return at;
	}
	return line;
}

/* Sends what the transport takes now; false when the connection is gone. */
static bool flush(const struct kvb_transport *t, struct kvb_conn *c)
{
	while (c->out_sent < c->out_len) {
		long w = t->send(c->handle, c->out + c->out_sent, c->out_len - c->out_sent);
		if (w == 0)
			return true;
		if (w < 0)
			return false;
		c->out_sent += (size_t)w;
	}
	c->out_sent = c->out_len = 0;
	return true;
}

/* Reads what arrived and takes each complete reply, recording its latency. */
static bool drain(const struct kvb_transport *t, struct kvb_conn *c, bool record)
{
	for (;;) {
		if (c->in_cap - c->in_len < 65536) {
			c->in_cap = c->in_cap * 2 + 65536;
			c->in = checked(realloc(c->in, c->in_cap));
		}
		long r = t->recv(c->handle, c->in + c->in_len, c->in_cap - c->in_len);
		if (r == 0)
			break;
		if (r < 0)
			return false;
		c->in_len += (size_t)r;
	}
	size_t at = 0, len;
	uint64_t now = t->now_ns();
	while (at < c->in_len && (len = reply_length(c->in + at, c->in_len - at))) {
		if (c->in[at] == '-')
			errors++;
		if (c->due_count) {
			uint64_t due = c->due[c->due_head];
			c->due_head = (c->due_head + 1) % c->due_cap;
			c->due_count--;
			if (record)
				hist_record(now > due ? now - due : 0);
		}
		completed++;
		at += len;
	}
	memmove(c->in, c->in + at, c->in_len - at);
	c->in_len -= at;
	return true;
}

/* --- the loops -------------------------------------------------------------------- */

struct kvb_conn *kvb_conns_new(int count)
{
	return checked(calloc((size_t)count, sizeof(struct kvb_conn)));
}

void kvb_preload(const struct kvb_transport *t, struct kvb_conn *c)
{
	/* pipelined SETs in batches of 1000 */
	for (long k = 0; k < kvb_opt.keys;) {
		for (long batch = 0; batch < 1000 && k < kvb_opt.keys; batch++, k++)
			queue_request(c, false, k, 0);
		while (c->due_count) {
			if (!flush(t, c))
				kvb_die("preload: connection closed");
			t->wait(c, 1, 1000000000ull);
			if (c->readable && !drain(t, c, false))
				kvb_die("preload: connection closed");
			c->readable = false;
		}
	}
	issued = completed = 0;
}

static double exp_interval_ns(double per_conn_rate)
{
	return -log(1.0 - uniform01()) / per_conn_rate * 1e9;
}

static bool budget_left(long long budget)
{
	return budget < 0 || (long long)issued < budget;
}

/* Queues this round's requests on c; the open loop's next due time lowers *next_wake. */
static void issue(struct kvb_conn *c, uint64_t now, double per_conn, long long budget, uint64_t *next_wake,
		  const struct kvb_transport *t)
{
	if (per_conn > 0) {
		while (c->next_due <= now && budget_left(budget)) {
			queue_random(c, c->next_due);
			c->next_due += (uint64_t)exp_interval_ns(per_conn);
		}
		if (c->next_due < *next_wake)
			*next_wake = c->next_due;
		return;
	}
	while ((int)c->due_count < kvb_opt.pipeline && budget_left(budget))
		queue_random(c, t->now_ns());
}

void kvb_run(const struct kvb_transport *t, struct kvb_conn *conns)
{
	int n = kvb_opt.connections;
	double per_conn = kvb_opt.rate > 0 ? kvb_opt.rate / n : 0;
	uint64_t start = t->now_ns();
	uint64_t end = kvb_opt.duration > 0 ? start + (uint64_t)(kvb_opt.duration * 1e9) : UINT64_MAX;
	long long budget = kvb_opt.duration > 0 ? -1 : kvb_opt.requests;
	for (int i = 0; i < n; i++)
		conns[i].next_due = start + (per_conn > 0 ? (uint64_t)exp_interval_ns(per_conn) : 0);
	for (;;) {
		uint64_t now = t->now_ns();
		bool more = now < end && budget_left(budget);
		if (!more && completed >= issued)
			break;
		if (end != UINT64_MAX && now > end + LATE_REPLIES_NS)
			break;
		uint64_t next_wake = UINT64_MAX;
		for (int i = 0; i < n && more; i++) {
			issue(&conns[i], now, per_conn, budget, &next_wake, t);
			if (!flush(t, &conns[i]))
				kvb_die("connection closed by the server");
		}
		uint64_t timeout = CLOSED_LOOP_WAIT_NS;
		if (per_conn > 0 && next_wake != UINT64_MAX)
			timeout = next_wake > now ? next_wake - now : 0;
		t->wait(conns, n, timeout);
		for (int i = 0; i < n; i++) {
			if (!conns[i].readable)
				continue;
			conns[i].readable = false;
			if (!drain(t, &conns[i], true) || !flush(t, &conns[i]))
				kvb_die("connection closed by the server");
		}
	}
	seconds = (double)(t->now_ns() - start) / 1e9;
}

/* --- the figures ----------------------------------------------------------------- */

static void report_json(void)
{
	printf("{\"tool\": \"kvbench\", \"workload\": \"%s\", \"host\": \"%s\", \"port\": %d, "
	       "\"connections\": %d, \"pipeline\": %d, \"mode\": \"%s\", \"rate\": %.0f, \"keys\": %ld, "
	       "\"key_size\": %d, \"value_size\": %d, \"get_ratio\": %.3f, \"distribution\": \"%s\", "
	       "\"zipf_s\": %.3f, \"requests\": %llu, \"errors\": %llu, \"duration_s\": %.3f, "
	       "\"throughput_rps\": %.1f, \"latency_us\": {\"mean\": %.2f, \"p50\": %.2f, \"p90\": %.2f, "
	       "\"p99\": %.2f, \"p99.9\": %.2f, \"p99.99\": %.2f, \"max\": %.2f}, \"histogram_us\": [",
	       kvb_opt.workload, kvb_opt.host, kvb_opt.port, kvb_opt.connections, kvb_opt.pipeline,
	       kvb_opt.rate > 0 ? "open" : "closed", kvb_opt.rate, kvb_opt.keys, kvb_opt.key_size,
	       kvb_opt.value_size, kvb_opt.get_ratio, kvb_opt.dist, kvb_opt.zipf_s, (unsigned long long)completed,
	       (unsigned long long)errors, seconds, (double)completed / seconds,
	       hist.total ? (double)hist.sum_ns / (double)hist.total / 1000.0 : 0.0, percentile_us(50),
	       percentile_us(90), percentile_us(99), percentile_us(99.9), percentile_us(99.99),
	       (double)hist.max_ns / 1000.0);
	bool first = true;
	for (unsigned b = 0; b < HIST_BUCKETS; b++) {
		if (!hist.counts[b])
			continue;
		printf("%s[%.3f, %llu]", first ? "" : ", ", (double)bucket_high(b) / 1000.0,
		       (unsigned long long)hist.counts[b]);
		first = false;
	}
	printf("]}\n");
}

/* One line: the requests per power of two of microseconds, "<=64us 10" meaning 10
 * replies took between 32 and 64 us. */
static void report_coarse_histogram(void)
{
	uint64_t per_power[64] = { 0 };
	for (unsigned b = 0; b < HIST_BUCKETS; b++) {
		uint64_t us = bucket_high(b) / 1000;
		unsigned power = 0;
		while ((1ull << power) <= us)
			power++;
		per_power[power] += hist.counts[b];
	}
	printf("histogram:");
	for (unsigned p = 0; p < 64; p++)
		if (per_power[p])
			printf(" <=%lluus %llu", (unsigned long long)(1ull << p), (unsigned long long)per_power[p]);
	printf("\n");
}

void kvb_report(void)
{
	if (kvb_opt.json) {
		report_json();
		return;
	}
	printf("%s: %llu requests in %.2f s, %.0f requests/s, %llu errors\n", kvb_opt.workload,
	       (unsigned long long)completed, seconds, (double)completed / seconds, (unsigned long long)errors);
	printf("latency us: p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f  max %.1f\n", percentile_us(50),
	       percentile_us(90), percentile_us(99), percentile_us(99.9), (double)hist.max_ns / 1000.0);
	report_coarse_histogram();
}

uint64_t kvb_errors(void)
{
	return errors;
}

/* --- options ------------------------------------------------------------------------ */

static bool set_option(const char *a, const char *v)
{
	if (!strcmp(a, "--host"))
		kvb_opt.host = v;
	else if (!strcmp(a, "--port"))
		kvb_opt.port = atoi(v);
	else if (!strcmp(a, "--connections"))
		kvb_opt.connections = atoi(v);
	else if (!strcmp(a, "--pipeline"))
		kvb_opt.pipeline = atoi(v);
	else if (!strcmp(a, "--requests"))
		kvb_opt.requests = atoll(v);
	else if (!strcmp(a, "--duration"))
		kvb_opt.duration = atof(v);
	else if (!strcmp(a, "--rate"))
		kvb_opt.rate = atof(v);
	else if (!strcmp(a, "--keys"))
		kvb_opt.keys = atol(v);
	else if (!strcmp(a, "--key-size"))
		kvb_opt.key_size = atoi(v);
	else if (!strcmp(a, "--value-size"))
		kvb_opt.value_size = atoi(v);
	else if (!strcmp(a, "--get-ratio"))
		kvb_opt.get_ratio = atof(v);
	else if (!strcmp(a, "--dist"))
		kvb_opt.dist = v;
	else if (!strcmp(a, "--zipf-s"))
		kvb_opt.zipf_s = atof(v);
	else if (!strcmp(a, "--seed"))
		kvb_opt.seed = strtoull(v, NULL, 10);
	else if (!strcmp(a, "--workload"))
		kvb_opt.workload = v;
	else
		return false;
	return true;
}

static bool given(int argc, char **argv, const char *name)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], name))
			return true;
	return false;
}

int kvb_parse(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--json"))
			kvb_opt.json = true;
		else if (!strcmp(a, "--no-preload"))
			kvb_opt.preload = false;
		else if (i + 1 >= argc || !set_option(a, argv[++i]))
			return -1;
	}
	if (!strcmp(kvb_opt.workload, "flexnic")) {
		/* FlexNIC's key-value evaluation; an option given overrides its figure */
		if (!given(argc, argv, "--key-size"))
			kvb_opt.key_size = 32;
		if (!given(argc, argv, "--value-size"))
			kvb_opt.value_size = 64;
		if (!given(argc, argv, "--get-ratio"))
			kvb_opt.get_ratio = 0.9;
		if (!given(argc, argv, "--keys"))
			kvb_opt.keys = 100000;
	} else if (strcmp(kvb_opt.workload, "custom")) {
		return -1;
	}
	if (kvb_opt.connections < 1 || kvb_opt.pipeline < 1 || kvb_opt.keys < 1 || kvb_opt.key_size < 8 ||
	    kvb_opt.key_size > 250 || kvb_opt.value_size < 1 ||
	    (strcmp(kvb_opt.dist, "uniform") && strcmp(kvb_opt.dist, "zipf")))
		return -1;
	rng_state = kvb_opt.seed * 0x9e3779b97f4a7c15ull + 1;
	if (!strcmp(kvb_opt.dist, "zipf"))
		zipf_init();
	value = checked(malloc((size_t)kvb_opt.value_size));
	memset(value, 'v', (size_t)kvb_opt.value_size);
	return 0;
}
