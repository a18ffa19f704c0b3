/*
 * kvbench: a load generator for Redis-protocol servers, on the host.
 *
 *   kvbench [--host A] [--port N] [--connections C] [--pipeline P] [--requests N | --duration S]
 *           [--rate R] [--keys K] [--key-size B] [--value-size B] [--get-ratio F]
 *           [--dist uniform|zipf] [--zipf-s S] [--workload flexnic] [--no-preload] [--seed N] [--json]
 *
 * The load generator is user/kvbench/kvbench_core.c, which Sietch's own kvbench
 * (user/kvbench) builds too; this file is its transport over Linux sockets:
 * non-blocking TCP connections with TCP_NODELAY, poll(2) to wait for replies.
 * Exits 3 when the server sent any error reply.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "user/kvbench/kvbench.h"

static uint64_t host_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static long host_send(long fd, const void *buf, size_t len)
{
	ssize_t w = send((int)fd, buf, len, MSG_NOSIGNAL);
	if (w < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	return w > 0 ? w : -1;
}

static long host_recv(long fd, void *buf, size_t len)
{
	ssize_t r = recv((int)fd, buf, len, 0);
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	return r > 0 ? r : -1;
}

static void host_wait(struct kvb_conn *conns, int count, uint64_t timeout_ns)
{
	static struct pollfd *fds;
	static int capacity;
	if (count > capacity) {
		fds = realloc(fds, sizeof(*fds) * (size_t)count);
		if (!fds)
			kvb_die("out of memory");
		capacity = count;
	}
	for (int i = 0; i < count; i++)
		fds[i] = (struct pollfd){ .fd = (int)conns[i].handle, .events = POLLIN };
	int ms = (int)(timeout_ns / 1000000); /* under a millisecond: do not sleep past a due time */
	if (poll(fds, (nfds_t)count, ms) <= 0)
		return;
	for (int i = 0; i < count; i++)
		if (fds[i].revents)
			conns[i].readable = true;
}

static const struct kvb_transport host_transport = {
	.now_ns = host_now_ns,
	.send = host_send,
	.recv = host_recv,
	.wait = host_wait,
};

static void die_errno(const char *what)
{
	fprintf(stderr, "kvbench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static struct kvb_conn *connect_all(int n)
{
	struct kvb_conn *conns = kvb_conns_new(n);
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons((uint16_t)kvb_opt.port) };
	if (inet_pton(AF_INET, kvb_opt.host, &addr.sin_addr) != 1)
		kvb_die("bad --host");
	for (int i = 0; i < n; i++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
			die_errno("connect");
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0)
			die_errno("O_NONBLOCK");
		conns[i].handle = fd;
	}
	return conns;
}

int main(int argc, char **argv)
{
	if (kvb_parse(argc, argv) < 0) {
		fprintf(stderr, "usage: kvbench " KVB_USAGE "\n");
		return 2;
	}
	struct kvb_conn *conns = connect_all(kvb_opt.connections);
	if (kvb_opt.preload)
		kvb_preload(&host_transport, &conns[0]);
	kvb_run(&host_transport, conns);
	kvb_report();
	for (int i = 0; i < kvb_opt.connections; i++)
		close((int)conns[i].handle);
	return kvb_errors() ? 3 : 0;
}
