/*
 * ifconfig: brings a VNIC up (DHCP unless --addr) and shows its address, MAC,
 * device and counters; with --server, netd's. The dma line says whether an
 * IOMMU confines the device's DMA (and to which domain, when the VF is ours).
 *
 *   ifconfig [--addr A/N] [--gw G] [--server] [--dev PATH] [--rate MBPS]
 *
 * --rate limits the VNIC's transmit rate (the kernel's grant; shown as "tx limit").
 */
#include <stdbool.h>
#include <stdio.h>
#include "lib/os/net.h"
#include "lib/os/os.h"

static void print_dma(void)
{
	static struct sietch_pci_info fns[64];
	long n = os_pci_list(0, fns, 64), self = os_self();
	bool remapped = false;
	for (long k = 0; k < n; k++) {
		remapped |= (fns[k].flags & SIETCH_PCI_DMA_REMAPPED) != 0;
		if ((fns[k].flags & SIETCH_PCI_VF) && fns[k].owner == (uint32_t)self) {
			if (fns[k].flags & SIETCH_PCI_DMA_REMAPPED)
				printf("  dma: domain %u, isolated by the IOMMU\n", fns[k].dma_domain);
			else
				printf("  dma: not isolated (no IOMMU)\n");
			return;
		}
	}
	printf("  dma: %s\n", remapped ? "isolated by the IOMMU" : "not isolated (no IOMMU)");
}

/* The VNIC's transmit limit, as the PF programmed it; QEMU's igb does not enforce it. */
static void print_rate(const char *device)
{
	struct sietch_vnic_pool pool;
	unsigned vf;
	if (sscanf(device, "vnic%u", &vf) != 1 || os_vnic_pool(vf, &pool) < 0)
		return;
	if (pool.tx_rate_mbps)
		printf("  tx limit %u Mb/s (RTTBCNRC %#x)\n", pool.tx_rate_mbps, pool.rttbcnrc);
	else
		printf("  tx limit none\n");
}

int main(int argc, char **argv)
{
	struct net_options options;
	if (net_parse_options(&argc, argv, &options) < 0 || argc != 1) {
		fprintf(stderr, "usage: ifconfig [--addr A/N] [--gw G] [--server] [--dev PATH] [--rate MBPS]\n");
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
	print_rate(i.device);
	print_dma();
	return ready ? 0 : 1;
}
