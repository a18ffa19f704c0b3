/*
 * kvstore's network transport on Sietch, over lib/os/net.h: in `direct` mode the
 * process owns a VNIC and runs lwIP itself, polling, so a request costs no kernel
 * entry; in `server` mode every call goes to netd over IPC. The loop is the same:
 * poll the stack, accept, read what arrived into the engine, write its replies.
 *
 * Until lib/os/net.h is in the tree this file builds a stand-in that says so.
 */
#include <stdio.h>
#include <string.h>

#include "user/kvstore/kv_transport.h"

#if __has_include("lib/os/net.h")

#include "lib/os/net.h"
#include "lib/os/os.h"

#define KV_CONNS_MAX (NET_SOCKETS_MAX - 1) /* one socket is the listener */
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

/* One connection's round: false when it is to be closed. */
static bool serve(struct kv_conn *c)
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
	if (flush(c) < 0)
		return false;
	kv_client_output(c->client, &pending);
	return pending > 0 || !kv_client_closing(c->client);
}

int kv_transport_serve(struct kv_server *server, const char *mode, uint16_t port, int argc, char **argv)
{
	struct net_options options;
	if (net_parse_options(&argc, argv, &options) < 0 || argc > 1) {
		fprintf(stderr, "kvstore: network options: [--addr A/N] [--gw G] [--dev PATH]\n");
		return 2;
	}
	if (strcmp(mode, "server") == 0)
		options.server = 1;
	else if (strcmp(mode, "direct") != 0) {
		fprintf(stderr, "kvstore: --mode is direct or server, not %s\n", mode);
		return 2;
	}
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
			if (!serve(&conns[i]))
				conn_close(conns, &count, i--);
	}
}

#else /* no network stack in this tree */

int kv_transport_serve(struct kv_server *server, const char *mode, uint16_t port, int argc, char **argv)
{
	(void)server;
	(void)argc;
	(void)argv;
	fprintf(stderr, "kvstore: --mode %s on port %u: no network stack in this build; try --stdio\n", mode, port);
	return 1;
}

#endif
