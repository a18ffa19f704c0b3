/*
 * ping: sends ICMP echo requests and prints each round trip.
 *
 *   ping [-c COUNT] [-s SIZE] [--addr A/N] [--server] [--dev PATH] ADDRESS
 *
 * Exits 0 when at least one reply came back, 1 otherwise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/os/net.h"
#include "lib/os/os.h"

static void usage(void)
{
	fprintf(stderr, "usage: ping [-c COUNT] [-s SIZE] [--addr A/N] [--gw G] [--server] [--dev PATH] ADDRESS\n");
	exit(2);
}

/* Keeps the stack answering (ARP, a late reply) for a while, as a pause between requests. */
static void poll_for(uint64_t ns)
{
	long start = os_clock_ns(SIETCH_CLOCK_MONOTONIC);
	while ((uint64_t)(os_clock_ns(SIETCH_CLOCK_MONOTONIC) - start) < ns)
		net_poll();
}

int main(int argc, char **argv)
{
	struct net_options options;
	if (net_parse_options(&argc, argv, &options) < 0)
		usage();
	long count = 4, size = 56;
	const char *target = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-c") && i + 1 < argc)
			count = atol(argv[++i]);
		else if (!strcmp(argv[i], "-s") && i + 1 < argc)
			size = atol(argv[++i]);
		else if (argv[i][0] != '-' && !target)
			target = argv[i];
		else
			usage();
	}
	uint32_t address;
	if (!target || net_parse_address(target, &address, NULL) < 0 || count <= 0 || size < 0 || size > 1400)
		usage();
	long r = net_start(&options);
	if (r < 0) {
		fprintf(stderr, "ping: cannot start the network: %s\n", os_strerror(r));
		return 1;
	}
	if (net_wait_ready(30ull * TIME_NS_PER_SECOND) < 0) {
		fprintf(stderr, "ping: no address (DHCP did not answer)\n");
		return 1;
	}
	char a[16];
	printf("PING %s: %ld data bytes\n", net_format_address(address, a), size);
	long received = 0;
	for (long seq = 1; seq <= count; seq++) {
		long ns = net_ping(address, (uint16_t)seq, (size_t)size, TIME_NS_PER_SECOND);
		if (ns >= 0) {
			received++;
			printf("%ld bytes from %s: icmp_seq=%ld time=%ld.%03ld ms\n", size + 8, a, seq, ns / 1000000,
			       ns / 1000 % 1000);
		} else {
			printf("no reply from %s: icmp_seq=%ld\n", a, seq);
		}
		if (seq < count)
			poll_for(TIME_NS_PER_SECOND / 5);
	}
	printf("--- %s: %ld sent, %ld received\n", a, count, received);
	return received > 0 ? 0 : 1;
}
