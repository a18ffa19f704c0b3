/*
 * echod: echoes TCP streams and UDP datagrams back to their senders.
 *
 *   echod [-t|-u] [--addr A/N] [--gw G] [--server] [--dev PATH] [--rate MBPS] [--cpu C] [--stats N] PORT
 *
 * -t only TCP, -u only UDP (default both). The address comes from DHCP unless
 * --addr gives one; --server goes through netd instead of owning a VNIC.
 * It polls without sleeping: in direct mode a request costs no system call,
 * and --stats N proves it: after the first request it reads its own crossing
 * counters, and again after N more, and prints the differences, then the device's
 * counters and its driver's buffer pool (all of it free or in a ring). --cpu C pins
 * it to CPU C, which then runs nothing else and takes no interrupt.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/os/net.h"
#include "lib/os/os.h"

#define CONNS_MAX (NET_SOCKETS_MAX - 2)

static uint8_t buf[65536];

struct echo {
	long listener, udp;
	long conns[CONNS_MAX];
	int nconns;
	uint64_t requests; /* TCP reads and UDP datagrams answered */
};

static void usage(void)
{
	fprintf(stderr, "usage: echod [-t|-u] [--addr A/N] [--gw G] [--server] [--dev PATH] [--rate MBPS] [--cpu C] [--stats N] PORT\n");
	exit(2);
}

/* Writes all of data, polling while the send buffer is full; 0 or the error. */
static long write_all(long s, const uint8_t *data, long n)
{
	for (long done = 0; done < n;) {
		long w = net_write(s, data + done, (size_t)(n - done));
		if (w > 0)
			done += w;
		else if (w == -SIETCH_EAGAIN)
			net_poll();
		else
			return w;
	}
	return 0;
}

static void serve_tcp(struct echo *e)
{
	long c;
	while ((c = net_accept(e->listener)) >= 0) {
		if (e->nconns == CONNS_MAX)
			net_close(c);
		else
			e->conns[e->nconns++] = c;
	}
	for (int i = 0; i < e->nconns; i++) {
		long n = net_read(e->conns[i], buf, sizeof(buf));
		if (n == -SIETCH_EAGAIN)
			continue;
		if (n > 0) {
			e->requests++;
			if (write_all(e->conns[i], buf, n) == 0)
				continue;
		}
		net_close(e->conns[i]);
		e->conns[i--] = e->conns[--e->nconns];
	}
}

static void serve_udp(struct echo *e)
{
	uint32_t from;
	uint16_t port;
	long n;
	while ((n = net_udp_recv(e->udp, buf, sizeof(buf), &from, &port)) >= 0) {
		e->requests++;
		net_udp_send(e->udp, buf, (size_t)n, from, port);
	}
}

/* The second reading counts itself (the kernel counts a call on entry): one call
 * that is not the loop's. */
static void print_counters(const char *what, const struct sietch_counters *a, const struct sietch_counters *b,
			   uint64_t requests)
{
	printf("echod: %s: %llu requests: syscalls %llu page_faults %llu interrupts %llu"
	       " (ticks %llu ipis %llu device %llu)\n",
	       what, (unsigned long long)requests, (unsigned long long)(b->syscalls - a->syscalls - 1),
	       (unsigned long long)(b->page_faults - a->page_faults),
	       (unsigned long long)(b->interrupts - a->interrupts), (unsigned long long)(b->ticks - a->ticks),
	       (unsigned long long)(b->ipis - a->ipis),
	       (unsigned long long)(b->device_interrupts - a->device_interrupts));
}

/* The device's counters and its driver's buffers, so a test can see that a flood of bad
 * frames was dropped and counted and left the buffer pool whole. */
static void print_device(void)
{
	struct net_info info;
	if (net_info(&info) < 0)
		return;
	const struct netdev_stats *s = &info.stats;
	printf("echod: device %s: rx packets %llu dropped %llu errors %llu tx packets %llu dropped %llu;"
	       " buffers %u: free %u rx %u tx %u\n",
	       info.device, (unsigned long long)s->rx_packets, (unsigned long long)s->rx_dropped,
	       (unsigned long long)s->rx_errors, (unsigned long long)s->tx_packets, (unsigned long long)s->tx_dropped,
	       s->buffers_total, s->buffers_free, s->buffers_rx, s->buffers_tx);
	printf("echod: lwip: pbufs free %u of %u, tcp segments free %u of %u, tcp connections free %u of %u\n",
	       info.pbufs_free, info.pbufs_total, info.tcp_segs_free, info.tcp_segs_total, info.tcp_pcbs_free,
	       info.tcp_pcbs_total);
}

int main(int argc, char **argv)
{
	struct net_options options;
	if (net_parse_options(&argc, argv, &options) < 0)
		usage();
	int tcp = 1, udp = 1;
	long window = 0, port = -1, cpu = -1;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-t"))
			udp = 0;
		else if (!strcmp(argv[i], "-u"))
			tcp = 0;
		else if (!strcmp(argv[i], "--stats") && i + 1 < argc)
			window = atol(argv[++i]);
		else if (!strcmp(argv[i], "--cpu") && i + 1 < argc)
			cpu = atol(argv[++i]);
		else if (argv[i][0] != '-' && port < 0)
			port = atol(argv[i]);
		else
			usage();
	}
	if (port <= 0 || port > 65535 || (!tcp && !udp))
		usage();
	long r = net_start(&options);
	if (r < 0) {
		fprintf(stderr, "echod: cannot start the network: %s\n", os_strerror(r));
		return 1;
	}
	if (net_wait_ready(30ull * TIME_NS_PER_SECOND) < 0) {
		fprintf(stderr, "echod: no address (DHCP did not answer)\n");
		return 1;
	}
	struct echo e = { .listener = -1, .udp = -1 };
	if (tcp && (e.listener = net_listen((uint16_t)port)) < 0) {
		fprintf(stderr, "echod: cannot listen on TCP port %ld: %s\n", port, os_strerror(e.listener));
		return 1;
	}
	if (udp && (e.udp = net_udp_open((uint16_t)port)) < 0) {
		fprintf(stderr, "echod: cannot bind UDP port %ld: %s\n", port, os_strerror(e.udp));
		return 1;
	}
	if (cpu >= 0 && (r = os_thread_pin(0, (uint32_t)cpu)) < 0) {
		fprintf(stderr, "echod: cannot pin to CPU %ld: %s\n", cpu, os_strerror(r));
		return 1;
	}
	struct net_info info;
	net_info(&info);
	char a[16];
	printf("echod: %s port %ld on %s (%s, %s)\n", tcp && udp ? "tcp+udp" : tcp ? "tcp" : "udp", port,
	       net_format_address(info.address, a), info.device, options.server ? "server" : "direct");
	fflush(stdout);

	struct sietch_counters before, after;
	uint64_t mark = 0;
	for (;;) {
		long polled = net_poll();
		if (polled < 0) { /* server mode: netd is gone */
			fprintf(stderr, "echod: the network is gone: %s\n", os_strerror(polled));
			return 1;
		}
		if (tcp)
			serve_tcp(&e);
		if (udp)
			serve_udp(&e);
		if (window > 0 && mark == 0 && e.requests > 0) {
			os_counters(SIETCH_COUNTERS_SELF, 0, &before);
			mark = e.requests;
		} else if (window > 0 && mark > 0 && e.requests - mark >= (uint64_t)window) {
			os_counters(SIETCH_COUNTERS_SELF, 0, &after);
			print_counters("window", &before, &after, e.requests - mark);
			print_device();
			fflush(stdout);
			mark = 0;
		}
	}
}
