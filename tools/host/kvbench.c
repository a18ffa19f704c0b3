/*
 * kvbench: a load generator for Redis-protocol servers.
 *
 *   kvbench [--host A] [--port N] [--connections C] [--pipeline P] [--requests N | --duration S]
 *           [--rate R] [--keys K] [--key-size B] [--value-size B] [--get-ratio F]
 *           [--dist uniform|zipf] [--zipf-s S] [--workload flexnic] [--no-preload] [--seed N] [--json]
 *
 * Closed loop (the default): each connection keeps P requests outstanding. Open loop
 * (--rate R, requests per second over all connections): requests are due at
 * exponentially spaced times whether or not replies came back, and latency is counted
 * from when a request was due, so a stalled server is not hidden (coordinated
 * omission). --workload flexnic is the FlexNIC paper's key-value workload: 100,000
 * keys of 32 bytes, 64-byte values, 90% GET. Keys are loaded with SET first unless
 * --no-preload. Latencies go into a log-linear histogram (HdrHistogram's layout: 64
 * sub-buckets per power of two, under 1.6% error) from which the percentiles come.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SUB_BUCKET_BITS 6
#define HIST_BUCKETS (64 * 64)

struct histogram {
	uint64_t counts[HIST_BUCKETS];
	uint64_t total, max_ns, sum_ns;
};

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

static void hist_record(struct histogram *h, uint64_t ns)
{
	unsigned b = bucket_of(ns);
	if (b >= HIST_BUCKETS)
		b = HIST_BUCKETS - 1;
	h->counts[b]++;
	h->total++;
	h->sum_ns += ns;
	if (ns > h->max_ns)
		h->max_ns = ns;
}

static double hist_percentile_us(const struct histogram *h, double p)
{
	uint64_t want = (uint64_t)ceil(p / 100.0 * (double)h->total), seen = 0;
	if (want == 0)
		want = 1;
	for (unsigned b = 0; b < HIST_BUCKETS; b++) {
		seen += h->counts[b];
		if (seen >= want)
			return (double)(bucket_high(b) < h->max_ns ? bucket_high(b) : h->max_ns) / 1000.0;
	}
	return (double)h->max_ns / 1000.0;
}

struct options {
	const char *host, *workload, *dist;
	int port, connections, pipeline, key_size, value_size;
	long keys;
	long long requests;
	double duration, rate, get_ratio, zipf_s;
	bool preload, json;
	uint64_t seed;
};

struct conn {
	int fd;
	char *in;
	size_t in_len, in_cap;
	char *out;
	size_t out_len, out_sent, out_cap;
	uint64_t *due; /* when each outstanding request was due (ns), a ring */
	size_t due_head, due_count, due_cap;
	uint64_t next_due; /* open loop: when this connection's next request is due */
};

static struct options opt = {
	.host = "127.0.0.1", .workload = "custom", .dist = "uniform", .port = 6379, .connections = 1,
	.pipeline = 1, .key_size = 16, .value_size = 64, .keys = 10000, .requests = 100000,
	.get_ratio = 0.5, .zipf_s = 0.99, .preload = true, .seed = 1,
};
static struct histogram hist;
static uint64_t errors, completed, issued;
static double *zipf_cdf;
static uint64_t rng_state;

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static double uniform01(void)
{
	return (double)(rng() >> 11) / 9007199254740992.0;
}

static void die(const char *msg)
{
	fprintf(stderr, "kvbench: %s%s%s\n", msg, errno ? ": " : "", errno ? strerror(errno) : "");
	exit(1);
}

static void zipf_init(void)
{
	zipf_cdf = malloc(sizeof(double) * (size_t)opt.keys);
	if (!zipf_cdf)
		die("out of memory");
	double sum = 0;
	for (long i = 0; i < opt.keys; i++)
		zipf_cdf[i] = (sum += 1.0 / pow((double)(i + 1), opt.zipf_s));
	for (long i = 0; i < opt.keys; i++)
		zipf_cdf[i] /= sum;
}

static long pick_key(void)
{
	if (!zipf_cdf)
		return (long)(rng() % (uint64_t)opt.keys);
	double u = uniform01();
	long lo = 0, hi = opt.keys - 1;
	while (lo < hi) {
		long mid = (lo + hi) / 2;
		if (zipf_cdf[mid] < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* spread the popular ranks over the key space (a bijection when gcd is 1) */
	return (long)(((uint64_t)lo * 1000003ull) % (uint64_t)opt.keys);
}

static void put(struct conn *c, const void *p, size_t n)
{
	if (c->out_len + n > c->out_cap) {
		c->out_cap = (c->out_len + n) * 2;
		c->out = realloc(c->out, c->out_cap);
		if (!c->out)
			die("out of memory");
	}
	memcpy(c->out + c->out_len, p, n);
	c->out_len += n;
}

static void put_bulk(struct conn *c, const char *p, size_t n)
{
	char head[32];
	put(c, head, (size_t)snprintf(head, sizeof(head), "$%zu\r\n", n));
	put(c, p, n);
	put(c, "\r\n", 2);
}

static void key_name(char *buf, long k)
{
	/* "key:" and the index, zero-padded to the key size */
	char digits[32];
	int n = snprintf(digits, sizeof(digits), "%ld", k);
	memset(buf, '0', (size_t)opt.key_size);
	memcpy(buf, "key:", opt.key_size >= 4 ? 4 : (size_t)opt.key_size);
	if (n <= opt.key_size - 4)
		memcpy(buf + opt.key_size - n, digits, (size_t)n);
}

static void queue_request(struct conn *c, bool get, long k, uint64_t due)
{
	static char *value;
	char key[256];
	if (!value) {
		value = malloc((size_t)opt.value_size);
		memset(value, 'v', (size_t)opt.value_size);
	}
	key_name(key, k);
	if (get) {
		put(c, "*2\r\n$3\r\nGET\r\n", 13);
	} else {
		put(c, "*3\r\n$3\r\nSET\r\n", 13);
	}
	put_bulk(c, key, (size_t)opt.key_size);
	if (!get)
		put_bulk(c, value, (size_t)opt.value_size);
	if (c->due_count == c->due_cap) {
		size_t cap = c->due_cap ? c->due_cap * 2 : 64;
		uint64_t *ring = malloc(cap * sizeof(*ring));
		for (size_t i = 0; i < c->due_count; i++)
			ring[i] = c->due[(c->due_head + i) % c->due_cap];
		free(c->due);
		c->due = ring;
		c->due_cap = cap;
		c->due_head = 0;
	}
	c->due[(c->due_head + c->due_count++) % c->due_cap] = due;
	issued++;
}

static void queue_random(struct conn *c, uint64_t due)
{
	queue_request(c, uniform01() < opt.get_ratio, pick_key(), due);
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

static bool flush(struct conn *c)
{
	while (c->out_sent < c->out_len) {
		ssize_t w = send(c->fd, c->out + c->out_sent, c->out_len - c->out_sent, MSG_NOSIGNAL);
		if (w < 0 && (errno == EAGAIN || errno == EINTR))
			return true;
		if (w <= 0)
			return false;
		c->out_sent += (size_t)w;
	}
	c->out_sent = c->out_len = 0;
	return true;
}

/* Reads replies; records each one's latency. */
static bool drain(struct conn *c, bool record)
{
	for (;;) {
		if (c->in_cap - c->in_len < 65536) {
			c->in_cap = c->in_cap * 2 + 65536;
			c->in = realloc(c->in, c->in_cap);
		}
		ssize_t r = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, 0);
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			break;
		if (r <= 0)
			return false;
		c->in_len += (size_t)r;
	}
	size_t at = 0, len;
	uint64_t t = now_ns();
	while (at < c->in_len && (len = reply_length(c->in + at, c->in_len - at))) {
		if (c->in[at] == '-')
			errors++;
		if (c->due_count) {
			uint64_t due = c->due[c->due_head];
			c->due_head = (c->due_head + 1) % c->due_cap;
			c->due_count--;
			if (record)
				hist_record(&hist, t > due ? t - due : 0);
		}
		completed++;
		at += len;
	}
	memmove(c->in, c->in + at, c->in_len - at);
	c->in_len -= at;
	return true;
}

static struct conn *connect_all(int n)
{
	struct conn *conns = calloc((size_t)n, sizeof(*conns));
	struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)opt.port)};
	if (inet_pton(AF_INET, opt.host, &addr.sin_addr) != 1)
		die("bad --host");
	for (int i = 0; i < n; i++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
			die("connect");
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0)
			die("O_NONBLOCK");
		conns[i].fd = fd;
	}
	return conns;
}

static void preload(struct conn *c)
{
	/* pipelined SETs in batches of 1000, blocking reads */
	for (long k = 0; k < opt.keys;) {
		long batch = 0;
		for (; batch < 1000 && k < opt.keys; batch++, k++)
			queue_request(c, false, k, 0);
		while (c->out_sent < c->out_len) {
			struct pollfd p = {.fd = c->fd, .events = POLLOUT | POLLIN};
			poll(&p, 1, 1000);
			if (!flush(c))
				die("preload: connection closed");
			drain(c, false);
		}
		while (c->due_count) {
			struct pollfd p = {.fd = c->fd, .events = POLLIN};
			poll(&p, 1, 1000);
			if (!drain(c, false))
				die("preload: connection closed");
		}
	}
	issued = completed = 0;
}

static double exp_interval_ns(double per_conn_rate)
{
	return -log(1.0 - uniform01()) / per_conn_rate * 1e9;
}

static void run(struct conn *conns)
{
	int ep = epoll_create1(0);
	for (int i = 0; i < opt.connections; i++) {
		struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLET, .data.ptr = &conns[i]};
		epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].fd, &ev);
	}
	bool open_loop = opt.rate > 0;
	double per_conn = open_loop ? opt.rate / opt.connections : 0;
	uint64_t start = now_ns();
	uint64_t end = opt.duration > 0 ? start + (uint64_t)(opt.duration * 1e9) : UINT64_MAX;
	long long budget = opt.duration > 0 ? -1 : opt.requests;
	for (int i = 0; i < opt.connections; i++)
		conns[i].next_due = start + (open_loop ? (uint64_t)exp_interval_ns(per_conn) : 0);
	for (;;) {
		uint64_t t = now_ns();
		bool more = t < end && (budget < 0 || (long long)issued < budget);
		if (!more && completed >= issued)
			break;
		if (end != UINT64_MAX && t > end + 10000000000ull)
			break; /* replies that never come: give up 10 s after the end */
		uint64_t next_wake = UINT64_MAX;
		for (int i = 0; i < opt.connections && more; i++) {
			struct conn *c = &conns[i];
			if (open_loop) {
				while (c->next_due <= t && (budget < 0 || (long long)issued < budget)) {
					queue_random(c, c->next_due);
					c->next_due += (uint64_t)exp_interval_ns(per_conn);
				}
				if (c->next_due < next_wake)
					next_wake = c->next_due;
			} else {
				while ((int)c->due_count < opt.pipeline && (budget < 0 || (long long)issued < budget))
					queue_random(c, now_ns());
			}
			if (!flush(c))
				die("connection closed by the server");
		}
		int timeout = 10;
		if (open_loop && next_wake != UINT64_MAX)
			timeout = next_wake > t ? (int)((next_wake - t) / 1000000) : 0;
		struct epoll_event events[256];
		int n = epoll_wait(ep, events, 256, timeout);
		for (int i = 0; i < n; i++) {
			struct conn *c = events[i].data.ptr;
			if (!drain(c, true))
				die("connection closed by the server");
			flush(c);
		}
	}
	double seconds = (double)(now_ns() - start) / 1e9;
	close(ep);
	if (opt.json) {
		printf("{\"tool\": \"kvbench\", \"workload\": \"%s\", \"host\": \"%s\", \"port\": %d, "
		       "\"connections\": %d, \"pipeline\": %d, \"mode\": \"%s\", \"rate\": %.0f, \"keys\": %ld, "
		       "\"key_size\": %d, \"value_size\": %d, \"get_ratio\": %.3f, \"distribution\": \"%s\", "
		       "\"zipf_s\": %.3f, \"requests\": %llu, \"errors\": %llu, \"duration_s\": %.3f, "
		       "\"throughput_rps\": %.1f, \"latency_us\": {\"mean\": %.2f, \"p50\": %.2f, \"p90\": %.2f, "
		       "\"p99\": %.2f, \"p99.9\": %.2f, \"p99.99\": %.2f, \"max\": %.2f}, \"histogram_us\": [",
		       opt.workload, opt.host, opt.port, opt.connections, opt.pipeline, open_loop ? "open" : "closed",
		       opt.rate, opt.keys, opt.key_size, opt.value_size, opt.get_ratio, opt.dist, opt.zipf_s,
		       (unsigned long long)completed, (unsigned long long)errors, seconds, (double)completed / seconds,
		       hist.total ? (double)hist.sum_ns / (double)hist.total / 1000.0 : 0.0,
		       hist_percentile_us(&hist, 50), hist_percentile_us(&hist, 90), hist_percentile_us(&hist, 99),
		       hist_percentile_us(&hist, 99.9), hist_percentile_us(&hist, 99.99), (double)hist.max_ns / 1000.0);
		bool first = true;
		for (unsigned b = 0; b < HIST_BUCKETS; b++) {
			if (!hist.counts[b])
				continue;
			printf("%s[%.3f, %llu]", first ? "" : ", ", (double)bucket_high(b) / 1000.0,
			       (unsigned long long)hist.counts[b]);
			first = false;
		}
		printf("]}\n");
	} else {
		printf("%s: %llu requests in %.2f s, %.0f requests/s, %llu errors\n", opt.workload,
		       (unsigned long long)completed, seconds, (double)completed / seconds, (unsigned long long)errors);
		printf("latency us: p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f  max %.1f\n", hist_percentile_us(&hist, 50),
		       hist_percentile_us(&hist, 90), hist_percentile_us(&hist, 99), hist_percentile_us(&hist, 99.9),
		       (double)hist.max_ns / 1000.0);
	}
}

static void usage(void)
{
	fprintf(stderr, "usage: kvbench [--host A] [--port N] [--connections C] [--pipeline P] [--requests N | "
			"--duration S]\n  [--rate R] [--keys K] [--key-size B] [--value-size B] [--get-ratio F] "
			"[--dist uniform|zipf]\n  [--zipf-s S] [--workload flexnic] [--no-preload] [--seed N] [--json]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--json")) { opt.json = true; continue; }
		if (!strcmp(a, "--no-preload")) { opt.preload = false; continue; }
		if (!v)
			usage();
		i++;
		if (!strcmp(a, "--host")) opt.host = v;
		else if (!strcmp(a, "--port")) opt.port = atoi(v);
		else if (!strcmp(a, "--connections")) opt.connections = atoi(v);
		else if (!strcmp(a, "--pipeline")) opt.pipeline = atoi(v);
		else if (!strcmp(a, "--requests")) opt.requests = atoll(v);
		else if (!strcmp(a, "--duration")) opt.duration = atof(v);
		else if (!strcmp(a, "--rate")) opt.rate = atof(v);
		else if (!strcmp(a, "--keys")) opt.keys = atol(v);
		else if (!strcmp(a, "--key-size")) opt.key_size = atoi(v);
		else if (!strcmp(a, "--value-size")) opt.value_size = atoi(v);
		else if (!strcmp(a, "--get-ratio")) opt.get_ratio = atof(v);
		else if (!strcmp(a, "--dist")) opt.dist = v;
		else if (!strcmp(a, "--zipf-s")) opt.zipf_s = atof(v);
		else if (!strcmp(a, "--seed")) opt.seed = strtoull(v, NULL, 10);
		else if (!strcmp(a, "--workload")) {
			opt.workload = v;
			if (strcmp(v, "flexnic") != 0)
				usage();
			/* FlexNIC (Kaufmann et al., ASPLOS 2016), the key-value store evaluation */
			opt.key_size = 32;
			opt.value_size = 64;
			opt.get_ratio = 0.9;
		} else usage();
	}
	/* --keys after --workload flexnic overrides its 100,000 */
	bool keys_given = false;
	for (int i = 1; i < argc; i++)
		keys_given |= !strcmp(argv[i], "--keys");
	if (!strcmp(opt.workload, "flexnic") && !keys_given)
		opt.keys = 100000;
	if (opt.connections < 1 || opt.pipeline < 1 || opt.keys < 1 || opt.key_size < 8 || opt.key_size > 250 ||
	    opt.value_size < 1 || (strcmp(opt.dist, "uniform") && strcmp(opt.dist, "zipf")))
		usage();
	rng_state = opt.seed * 0x9e3779b97f4a7c15ull + 1;
	if (!strcmp(opt.dist, "zipf"))
		zipf_init();
	struct conn *conns = connect_all(opt.connections);
	if (opt.preload)
		preload(&conns[0]);
	run(conns);
	for (int i = 0; i < opt.connections; i++)
		close(conns[i].fd);
	return errors ? 3 : 0;
}
