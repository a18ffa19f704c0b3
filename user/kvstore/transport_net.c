/*
 * kvstore's network transport on Sietch, over lib/os/net.h: in `direct` mode the
 * process owns a VNIC and runs lwIP itself, polling, so a request costs no kernel
 * entry; in `server` mode every call goes to netd over IPC. The loop is the same:
 * poll the stack, accept, read what arrived into the engine, write its replies.
 *
 * Until lib/os/net.h is in the tree this file builds a stand-in that says so.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "user/kvstore/kv_transport.h"

#if __has_include("lib/os/net.h")

#include "lib/os/net.h"
#include "lib/os/os.h"

#define KV_CONNS_MAX (NET_SOCKETS_MAX - 1) /* one socket is the listener */

/* --persist: the write-ahead log on a storage area (lib/os/blocklog over the NVMe
 * driver's libos I/O). Built when the NVMe driver is in the tree. */
#if __has_include("drivers/nvme/os/io.h")
#include "drivers/nvme/os/io.h"
#include "lib/os/blocklog.h"
#define KV_PERSIST 1
#define KV_LOG_BUF (1024 * 1024)

static struct {
	struct nvme_io io;
	struct blockdev dev;
	struct blocklog log;
	struct kv_server *server;
	long replayed;
} persist;

static void persist_replay(void *arg, uint64_t sequence, const void *payload, uint32_t length)
{
	(void)arg;
	(void)sequence;
	if (kv_server_replay(persist.server, payload, length) >= 0)
		persist.replayed++;
}

/* A write that cannot be made durable must not be acknowledged: stop. */
static void persist_fail(const char *what, long err)
{
	fprintf(stderr, "kvstore: --persist: %s: %s %s\n", what, os_strerror(err), persist.io.error);
	exit(1);
}

static void persist_record(void *ctx, const void *request, size_t len)
{
	(void)ctx;
	uint64_t sequence;
	if (len > blocklog_max_payload(&persist.log))
		persist_fail("a record larger than the log's buffer", -SIETCH_EINVAL);
	int err = blocklog_append(&persist.log, request, (uint32_t)len, &sequence);
	if (err)
		persist_fail("append", err);
}

static int persist_open(struct kv_server *server, const char *path)
{
	void *buf = malloc(KV_LOG_BUF);
	long n;
	persist.server = server;
	if (!buf || (n = nvme_io_open(&persist.io, path, 256 * 1024)) != 0) {
		fprintf(stderr, "kvstore: --persist %s: cannot open it\n", path);
		return 1;
	}
	nvme_io_blockdev(&persist.io, &persist.dev);
	n = blocklog_open(&persist.log, &persist.dev, buf, KV_LOG_BUF, persist_replay, NULL);
	if (n == -SIETCH_ENOENT) { /* a new area: an empty log */
		long err = blocklog_format(&persist.dev, (uint64_t)os_clock_ns(SIETCH_CLOCK_REALTIME), buf);
		if (err)
			persist_fail("format", err);
		n = blocklog_open(&persist.log, &persist.dev, buf, KV_LOG_BUF, persist_replay, NULL);
	}
	if (n < 0)
		persist_fail("open", n);
	printf("kvstore: %s: replayed %ld records\n", path, persist.replayed);
	kv_server_set_log(server, persist_record, NULL);
	return 0;
}

/* Group commit: one write and one flush for every record of the round, before
 * any of the round's replies goes out. */
static void persist_commit(void)
{
	if (persist.log.staged) {
		int err = blocklog_commit(&persist.log);
		if (err)
			persist_fail("commit", err);
	}
}
#else
#define KV_PERSIST 0
#endif
#define KV_CRON_NS (100ull * 1000 * 1000)  /* Redis's hz 10 */

struct kv_conn {
	long socket;
	struct kv_client *client;
};

static char input[16 * 1024];

static int64_t now_us(void)
{
	long ns = os_clock_ns(SIETCH_CLOCK_REALTIME); /* the time page: no system call */
	return ns < 0 ? 0 : ns / 1000;
}

static void conn_close(struct kv_conn *conns, int *count, int i)
{
	net_close(conns[i].socket);
	kv_client_free(conns[i].client);
	conns[i] = conns[--*count];
}

static void accept_all(struct kv_server *server, long listener, struct kv_conn *conns, int *count)
{
	long s;
	while ((s = net_accept(listener)) >= 0) {
		char peer[32];
		snprintf(peer, sizeof(peer), "socket:%ld", s);
		struct kv_client *client = *count < KV_CONNS_MAX ? kv_client_new(server, peer) : NULL;
		if (!client) {
			net_close(s);
			continue;
		}
		conns[*count].socket = s;
		conns[*count].client = client;
		(*count)++;
	}
}

/* Sends what the stack takes now; the rest waits for the next round. */
static long flush(struct kv_conn *c)
{
	size_t n;
	const char *out = kv_client_output(c->client, &n);
	while (n > 0) {
		long w = net_write(c->socket, out, n);
		if (w == -SIETCH_EAGAIN)
			return 0;
		if (w < 0)
			return w;
		kv_client_consumed(c->client, (size_t)w);
		out = kv_client_output(c->client, &n);
	}
	return 0;
}

/* One connection's input for the round: false when it is to be closed. */
static bool serve_input(struct kv_conn *c)
{
	size_t pending;
	kv_client_output(c->client, &pending);
	/* read only when the previous replies have gone: a slow reader cannot make us
	 * hold an unbounded output buffer */
	if (pending == 0 && !kv_client_closing(c->client)) {
		long n = net_read(c->socket, input, sizeof(input));
		if (n == 0 || (n < 0 && n != -SIETCH_EAGAIN))
			return false;
		if (n > 0)
			kv_client_feed(c->client, input, (size_t)n);
	}
	return true;
}

/* Its replies, after the round's log records are durable. */
static bool serve_output(struct kv_conn *c)
{
	size_t pending;
	if (flush(c) < 0)
		return false;
	kv_client_output(c->client, &pending);
	return pending > 0 || !kv_client_closing(c->client);
}

/* --stats N: the process's own crossings over each window of N commands, counted
 * from the first command on (the DESIGN's "crossings per request"). The second
 * reading counts itself: one system call that is not the loop's. */
struct window {
	uint64_t size, start_commands;
	struct sietch_counters before;
};

static void window_step(struct window *w, const struct kv_server *server)
{
	uint64_t done = kv_server_commands(server);
	if (w->size == 0 || done == 0)
		return;
	if (w->start_commands == 0) {
		os_counters(SIETCH_COUNTERS_SELF, 0, &w->before);
		w->start_commands = done;
		return;
	}
	if (done - w->start_commands < w->size)
		return;
	struct sietch_counters after;
	os_counters(SIETCH_COUNTERS_SELF, 0, &after);
	printf("kvstore: window: %llu requests: syscalls %llu page_faults %llu interrupts %llu"
	       " context_switches %llu\n",
	       (unsigned long long)(done - w->start_commands),
	       (unsigned long long)(after.syscalls - w->before.syscalls - 1),
	       (unsigned long long)(after.page_faults - w->before.page_faults),
	       (unsigned long long)(after.interrupts - w->before.interrupts),
	       (unsigned long long)(after.context_switches - w->before.context_switches));
	fflush(stdout);
	w->start_commands = 0;
}

/* Takes --stats N and --cpu C out of argv; false on a bad value. */
static bool own_options(int *argc, char **argv, struct window *w, long *cpu)
{
	int out = 1;
	for (int i = 1; i < *argc; i++) {
		if (i + 1 < *argc && strcmp(argv[i], "--stats") == 0)
			w->size = strtoull(argv[++i], NULL, 10);
		else if (i + 1 < *argc && strcmp(argv[i], "--cpu") == 0)
			*cpu = strtol(argv[++i], NULL, 10);
		else
			argv[out++] = argv[i];
	}
	*argc = out;
	return *cpu >= -1;
}

int kv_transport_serve(struct kv_server *server, const char *mode, uint16_t port, const char *persist_path,
		       int argc, char **argv)
{
	struct net_options options;
	struct window window = {0};
	long cpu = -1;
	if (!own_options(&argc, argv, &window, &cpu) || net_parse_options(&argc, argv, &options) < 0 || argc > 1) {
		fprintf(stderr, "kvstore: network options: [--addr A/N] [--gw G] [--dev PATH] [--stats N] [--cpu C]\n");
		return 2;
	}
	if (strcmp(mode, "server") == 0)
		options.server = 1;
	else if (strcmp(mode, "direct") != 0) {
		fprintf(stderr, "kvstore: --mode is direct or server, not %s\n", mode);
		return 2;
	}
#if KV_PERSIST
	if (persist_path && persist_open(server, persist_path))
		return 1;
#else
	if (persist_path) {
		fprintf(stderr, "kvstore: --persist: no NVMe driver in this build\n");
		return 1;
	}
#endif
	long r = net_start(&options);
	if (r < 0) {
		fprintf(stderr, "kvstore: cannot start the network (%s mode): %s\n", mode, os_strerror(r));
		return 1;
	}
	if (net_wait_ready(30ull * 1000 * 1000 * 1000) < 0) {
		fprintf(stderr, "kvstore: no address (DHCP did not answer)\n");
		return 1;
	}
	long listener = net_listen(port);
	if (listener < 0) {
		fprintf(stderr, "kvstore: cannot listen on TCP port %u: %s\n", port, os_strerror(listener));
		return 1;
	}
	/* a CPU of its own: no other thread, no tick, no device interrupt there */
	if (cpu >= 0 && (r = os_thread_pin(0, (uint32_t)cpu)) < 0) {
		fprintf(stderr, "kvstore: cannot pin to CPU %ld: %s\n", cpu, os_strerror(r));
		return 1;
	}
	struct net_info info;
	char address[16];
	net_info(&info);
	printf("kvstore: ready on %s:%u (%s, %s)\n", net_format_address(info.address, address), port, info.device,
	       mode);
	fflush(stdout);

	static struct kv_conn conns[KV_CONNS_MAX];
	int count = 0;
	uint64_t next_cron = 0;
	for (;;) {
		net_poll();
		int64_t now = now_us();
		kv_server_set_time(server, now);
		if ((uint64_t)now * 1000 >= next_cron) {
			kv_server_cron(server);
			next_cron = (uint64_t)now * 1000 + KV_CRON_NS;
		}
		accept_all(server, listener, conns, &count);
		for (int i = 0; i < count; i++)
			if (!serve_input(&conns[i]))
				conn_close(conns, &count, i--);
#if KV_PERSIST
		if (persist_path)
			persist_commit();
#endif
		for (int i = 0; i < count; i++)
			if (!serve_output(&conns[i]))
				conn_close(conns, &count, i--);
		window_step(&window, server);
	}
}

#else /* no network stack in this tree */

int kv_transport_serve(struct kv_server *server, const char *mode, uint16_t port, const char *persist, int argc,
		       char **argv)
{
	(void)server;
	(void)persist;
	(void)argc;
	(void)argv;
	fprintf(stderr, "kvstore: --mode %s on port %u: no network stack in this build; try --stdio\n", mode, port);
	return 1;
}

#endif
