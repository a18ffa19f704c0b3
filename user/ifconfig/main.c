/*
 * ifconfig: brings a VNIC up (DHCP unless --addr) and shows its address, MAC,
 * device and counters; with --server, netd's.
 *
 *   ifconfig [--addr A/N] [--gw G] [--server] [--dev PATH]
 */
#include <stdio.h>
#include "lib/os/net.h"
#include "lib/os/os.h"

int main(int argc, char **argv)
{
	struct net_options options;
	if (net_parse_options(&argc, argv, &options) < 0 || argc != 1) {
		fprintf(stderr, "usage: ifconfig [--addr A/N] [--gw G] [--server] [--dev PATH]\n");
		return 2;
	}
	long r = net_start(&options);
	if (r < 0) {
		fprintf(stderr, "ifconfig: cannot start the network: %s\n", os_strerror(r));
		return 1;
	}
	int ready = net_wait_ready(10ull * TIME_NS_PER_SECOND) == 0;
	struct net_info i;
	r = net_info(&i);
	if (r < 0) {
		fprintf(stderr, "ifconfig: %s\n", os_strerror(r));
		return 1;
	}
	char a[16], m[16], g[16];
	printf("%s: %s mtu %u\n", i.device, i.server ? "through netd" : "direct", i.mtu);
	printf("  inet %s netmask %s gateway %s (%s)%s\n", net_format_address(i.address, a),
	       net_format_address(i.netmask, m), net_format_address(i.gateway, g), i.dhcp ? "dhcp" : "static",
	       ready ? "" : " no address yet");
	printf("  ether %02x:%02x:%02x:%02x:%02x:%02x\n", i.mac[0], i.mac[1], i.mac[2], i.mac[3], i.mac[4], i.mac[5]);
	printf("  rx packets %llu bytes %llu dropped %llu errors %llu\n", (unsigned long long)i.stats.rx_packets,
	       (unsigned long long)i.stats.rx_bytes, (unsigned long long)i.stats.rx_dropped,
	       (unsigned long long)i.stats.rx_errors);
	printf("  tx packets %llu bytes %llu dropped %llu\n", (unsigned long long)i.stats.tx_packets,
	       (unsigned long long)i.stats.tx_bytes, (unsigned long long)i.stats.tx_dropped);
	return ready ? 0 : 1;
}
