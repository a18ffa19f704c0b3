/*
 * kvbench on Sietch: the host's load generator (kvbench_core.c, the same source)
 * over lib/os/net.h, so a Sietch process drives a Redis-protocol server from
 * its own VNIC: another process's VF on the same NIC (the igb's switch carries
 * VF-to-VF traffic) or anything the network reaches.
 *
 *   kvbench [--addr A/N] [--gw G] [--dev PATH] [--server] OPTIONS
 *
 * OPTIONS are the host tool's (tools/host/kvbench.c); --host defaults to
 * 10.0.2.15, the address QEMU's DHCP gives the first VNIC to ask (kvstore
 * started first). Direct mode polls: wait is one round of the stack.
 */
#include <stdio.h>
#include <stdlib.h>

#include "lib/os/net.h"
#include "lib/os/os.h"
#include "user/kvbench/kvbench.h"

#define READY_NS (30ull * 1000 * 1000 * 1000) /* DHCP, then each connection */

static uint64_t sietch_now_ns(void)
{
	long ns = os_clock_ns(SIETCH_CLOCK_MONOTONIC); /* the time page: no system call */
	return ns < 0 ? 0 : (uint64_t)ns;
}

static long sietch_send(long socket, const void *buf, size_t len)
{
	long w = net_write(socket, buf, len);
	if (w == -SIETCH_EAGAIN)
		return 0;
	return w > 0 ? w : -1;
}

static long sietch_recv(long socket, void *buf, size_t len)
{
	long r = net_read(socket, buf, len);
	if (r == -SIETCH_EAGAIN)
		return 0;
	return r > 0 ? r : -1; /* 0 is the end of the stream */
}

static void sietch_wait(struct kvb_conn *conns, int count, uint64_t timeout_ns)
{
	(void)timeout_ns; /* polling: one round, whatever it brought */
	net_poll();
	for (int i = 0; i < count; i++)
		conns[i].readable = true;
}

static const struct kvb_transport sietch_transport = {
	.now_ns = sietch_now_ns,
	.send = sietch_send,
	.recv = sietch_recv,
	.wait = sietch_wait,
};

static void fail(const char *what, long err)
{
	fprintf(stderr, "kvbench: %s: %s\n", what, os_strerror(err));
	exit(1);
}

/* Every connection opened at once, then waited for. */
static struct kvb_conn *connect_all(uint32_t address, int n)
{
	struct kvb_conn *conns = kvb_conns_new(n);
	for (int i = 0; i < n; i++) {
		long s = net_connect(address, (uint16_t)kvb_opt.port);
		if (s < 0)
			fail("connect", s);
		conns[i].handle = s;
	}
	uint64_t deadline = sietch_now_ns() + READY_NS;
	for (int i = 0; i < n;) {
		long r = net_connected(conns[i].handle);
		if (r < 0)
			fail("connect", r);
		if (r == 1)
			i++;
		else if (sietch_now_ns() > deadline)
			fail("connect", -SIETCH_ETIMEDOUT);
		else
			net_poll();
	}
	return conns;
}

int main(int argc, char **argv)
{
	struct net_options options;
	uint32_t address;
	kvb_opt.host = "10.0.2.15";
	if (net_parse_options(&argc, argv, &options) < 0 || kvb_parse(argc, argv) < 0 ||
	    net_parse_address(kvb_opt.host, &address, NULL) < 0) {
		fprintf(stderr, "usage: kvbench [--addr A/N] [--gw G] [--dev PATH] [--server]\n  " KVB_USAGE "\n");
		return 2;
	}
	if (kvb_opt.connections >= NET_SOCKETS_MAX) {
		fprintf(stderr, "kvbench: at most %d connections\n", NET_SOCKETS_MAX - 1);
		return 2;
	}
	long r = net_start(&options);
	if (r < 0)
		fail("cannot start the network", r);
	if ((r = net_wait_ready(READY_NS)) < 0)
		fail("no address", r);
	struct net_info info;
	char mine[16];
	net_info(&info);
	fprintf(stderr, "kvbench: %s (%s) -> %s:%d, %d connection(s)\n", net_format_address(info.address, mine), info.device,
		kvb_opt.host, kvb_opt.port, kvb_opt.connections);
	struct kvb_conn *conns = connect_all(address, kvb_opt.connections);
	if (kvb_opt.preload)
		kvb_preload(&sietch_transport, &conns[0]);
	kvb_run(&sietch_transport, conns);
	kvb_report();
	for (int i = 0; i < kvb_opt.connections; i++)
		net_close(conns[i].handle);
	net_poll();
	return kvb_errors() ? 3 : 0;
}
