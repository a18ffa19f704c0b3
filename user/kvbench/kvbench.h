/*
 * kvbench's load generator, shared by the host tool (tools/host/kvbench.c, over
 * Linux sockets) and the Sietch program (user/kvbench/main.c, over lib/os/net.h).
 *
 * Portable C with libc and libm only: the options, the key choice (uniform or
 * Zipf), the requests, the reply parser, the closed and open loops and the
 * latency histogram live here; a connection, the clock and waiting are the
 * transport's, reached through struct kvb_transport.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kvb_options {
	const char *host, *workload, *dist;
	int port, connections, pipeline, key_size, value_size;
	long keys;
	long long requests;
	double duration, rate, get_ratio, zipf_s;
	bool preload, json;
	uint64_t seed;
};

extern struct kvb_options kvb_opt;

struct kvb_conn {
	long handle;   /* the transport's: a file descriptor, a socket number */
	bool readable; /* set by the transport's wait: something may have arrived */
	char *in;
	size_t in_len, in_cap;
	char *out;
	size_t out_len, out_sent, out_cap;
	uint64_t *due; /* when each outstanding request was due (ns), a ring */
	size_t due_head, due_count, due_cap;
	uint64_t next_due; /* open loop: when this connection's next request is due */
};

struct kvb_transport {
	uint64_t (*now_ns)(void); /* a monotonic clock */
	/* Bytes taken (> 0), 0 when nothing can be taken now, < 0 when the connection is gone. */
	long (*send)(long handle, const void *buf, size_t len);
	/* Bytes read (> 0), 0 when nothing has arrived, < 0 at end of stream or on an error. */
	long (*recv)(long handle, void *buf, size_t len);
	/* Waits at most timeout_ns for replies; sets readable on each connection that may have some. */
	void (*wait)(struct kvb_conn *conns, int count, uint64_t timeout_ns);
};

/* The usage text's options, for a transport that adds its own. */
#define KVB_USAGE                                                                                         \
	"[--host A] [--port N] [--connections C] [--pipeline P] [--requests N | --duration S]\n"          \
	"  [--rate R] [--keys K] [--key-size B] [--value-size B] [--get-ratio F] [--dist uniform|zipf]\n" \
	"  [--zipf-s S] [--workload flexnic] [--no-preload] [--seed N] [--json]"

/* Reads the options into kvb_opt and sets up the key choice. 0, or -1 for a bad one. */
int kvb_parse(int argc, char **argv);
/* Says msg on stderr and exits with status 1. */
void kvb_die(const char *msg);
/* count connections with no handle yet; never NULL (out of memory dies). */
struct kvb_conn *kvb_conns_new(int count);
/* Loads every key with SET, pipelined, over c; the replies are not timed. */
void kvb_preload(const struct kvb_transport *t, struct kvb_conn *c);
/* The measured run over every connection, closed or open loop, as kvb_opt says. */
void kvb_run(const struct kvb_transport *t, struct kvb_conn *conns);
/* The figures: text with a coarse histogram, or one JSON object with the full one. */
void kvb_report(void);
/* Error replies seen (a run with any should exit non-zero). */
uint64_t kvb_errors(void);
