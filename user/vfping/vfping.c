/*
 * vfping: raw frames through a VNIC, with no network stack: the test program of
 * the igb VF driver (drivers/igb/os).
 *
 *   vfping arp [IP]     ARP for IP (default 10.0.2.2, QEMU's user-network gateway) as 10.0.2.15
 *   vfping echo         print this VNIC's MAC, then send every test frame back to its sender
 *   vfping peer MAC N [udp|badudp]
 *                       send N numbered test frames to MAC, at most WINDOW unanswered; count echoes.
 *                       udp: the frames are IPv4/UDP to port 7 with both checksums wrong, and the
 *                       device fills them in (transmit checksum offload); badudp: the same frames
 *                       sent as they are, which the echo's driver must drop (receive checksum check)
 *   vfping setmac MAC   ask the PF for another MAC address; print its answer
 *   vfping garbage N    N times: fill this VF's rings with random descriptors (no TCP
 *                       segmentation; every buffer inside this VF's DMA memory) and ring both
 *                       doorbells; then close. Only this VF's traffic may suffer: a test checks
 *                       the others, this VF's next owner, and a program started afterwards
 *   vfping dma ADDR [read]
 *                       the attack an IOMMU stops: every receive descriptor pointed at bus
 *                       address ADDR and an ARP request sent, so the reply is written there;
 *                       with read, one transmit descriptor that reads 64 bytes at ADDR + 4 KiB
 *                       instead. Prints the ring's bus address, the DMA the IOMMU blocked
 *                       (this process's counters) and what the grant answers afterwards (the
 *                       kernel stops a VF whose DMA was blocked: EIO)
 *   vfping victim S     take a buffer of this VF's DMA memory, fill it with a pattern, print
 *                       its bus address, and after S seconds say whether it is unchanged
 *   vfping txwrite      send one UDP frame with checksum offload and print the checksum fields
 *                       of the buffer it went out of: QEMU's igb writes the UDP one there
 *
 * Each ends by printing the driver's counters. Test frames carry the local
 * experimental EtherType 0x88b5 (IEEE 802a), so nothing else mistakes them.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "drivers/igb/os/igbvf.h"
#include "lib/os/netdev.h"
#include "lib/os/os.h"

#define BATCH 32
#define WINDOW 64
#define ETHERTYPE_ARP 0x0806
#define ETHERTYPE_TEST 0x88b5
#define TEST_FRAME 64
#define UDP_PAYLOAD 42 /* Ethernet 14 + IPv4 20 + UDP 8: the sequence number follows */
#define ECHO_PORT 7

enum mode { RAW, UDP_OFFLOAD, UDP_BAD };

static uint8_t rx_space[BATCH][NETDEV_FRAME_MAX];
static void *rx_bufs[BATCH];
static uint16_t rx_lens[BATCH];

static uint64_t now_ms(void)
{
	return (uint64_t)os_clock_ns(SIETCH_CLOCK_MONOTONIC) / 1000000;
}

static uint16_t ethertype(const uint8_t *f)
{
	return (uint16_t)(f[12] << 8 | f[13]);
}

static void print_mac(const char *label, const uint8_t *mac)
{
	printf("%s%02x:%02x:%02x:%02x:%02x:%02x", label, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}

static void print_counters(struct netdev *dev)
{
	struct netdev_stats s;
	dev->ops->stats(dev, &s);
	printf("vfping: %s rx %llu packets %llu bytes %llu dropped %llu errors, tx %llu packets %llu bytes %llu dropped\n",
	       dev->name, (unsigned long long)s.rx_packets, (unsigned long long)s.rx_bytes,
	       (unsigned long long)s.rx_dropped, (unsigned long long)s.rx_errors, (unsigned long long)s.tx_packets,
	       (unsigned long long)s.tx_bytes, (unsigned long long)s.tx_dropped);
	struct igbvf *vf = igbvf_from_netdev(dev);
	if (vf) {
		igbvf_hw_stats_update(vf);
		printf("vfping: %s device rx %llu packets tx %llu packets, %llu doorbells\n", dev->name,
		       (unsigned long long)vf->hw.rx_packets, (unsigned long long)vf->hw.tx_packets,
		       (unsigned long long)vf->doorbells);
	}
}

static int parse_ip(const char *s, uint8_t ip[4])
{
	unsigned a, b, c, d;
	if (sscanf(s, "%u.%u.%u.%u", &a, &b, &c, &d) != 4 || a > 255 || b > 255 || c > 255 || d > 255)
		return -1;
	ip[0] = (uint8_t)a, ip[1] = (uint8_t)b, ip[2] = (uint8_t)c, ip[3] = (uint8_t)d;
	return 0;
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
		return -1;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	return 0;
}

static void send_one(struct netdev *dev, const uint8_t *frame, uint16_t len)
{
	const void *f[1] = { frame };
	while (dev->ops->transmit_batch(dev, f, &len, 1) == 0)
		os_yield();
}

/* RFC 826: an ARP request for target from sender, broadcast. */
static uint16_t arp_request(uint8_t *f, const uint8_t mac[6], const uint8_t sender[4], const uint8_t target[4])
{
	memset(f, 0xff, 6);
	memcpy(f + 6, mac, 6);
	f[12] = 0x08, f[13] = 0x06;
	static const uint8_t head[8] = { 0, 1, 8, 0, 6, 4, 0, 1 }; /* Ethernet, IPv4, lengths, request */
	memcpy(f + 14, head, 8);
	memcpy(f + 22, mac, 6);
	memcpy(f + 28, sender, 4);
	memset(f + 32, 0, 6);
	memcpy(f + 38, target, 4);
	return 42;
}

static int is_arp_reply_from(const uint8_t *f, uint16_t len, const uint8_t ip[4])
{
	return len >= 42 && ethertype(f) == ETHERTYPE_ARP && f[20] == 0 && f[21] == 2 && memcmp(f + 28, ip, 4) == 0;
}

static int cmd_arp(struct netdev *dev, const char *target_text)
{
	uint8_t target[4], me[4] = { 10, 0, 2, 15 }, frame[64];
	if (parse_ip(target_text, target) < 0) {
		fprintf(stderr, "vfping: bad address %s\n", target_text);
		return 2;
	}
	uint64_t start = now_ms(), last_sent = 0;
	while (now_ms() - start < 5000) {
		if (last_sent == 0 || now_ms() - last_sent >= 500) {
			send_one(dev, frame, arp_request(frame, dev->mac, me, target));
			last_sent = now_ms();
		}
		int n = dev->ops->receive_batch(dev, rx_bufs, rx_lens, BATCH);
		for (int i = 0; i < n; i++) {
			if (!is_arp_reply_from(rx_space[i], rx_lens[i], target))
				continue;
			printf("vfping: %s is at ", target_text);
			print_mac("", rx_space[i] + 22);
			printf(" (%llu ms)\n", (unsigned long long)(now_ms() - start));
			print_counters(dev);
			return 0;
		}
		if (n == 0)
			dev->ops->wait(dev, 1000000);
	}
	printf("vfping: no answer from %s\n", target_text);
	print_counters(dev);
	return 1;
}

static _Noreturn void cmd_echo(struct netdev *dev)
{
	print_mac("vfping: echo on ", dev->mac);
	printf(" (%s)\n", dev->name);
	fflush(stdout);
	for (;;) {
		const void *out[BATCH];
		uint16_t out_len[BATCH];
		int n = dev->ops->receive_batch(dev, rx_bufs, rx_lens, BATCH), k = 0;
		for (int i = 0; i < n; i++) {
			uint8_t *f = rx_space[i];
			int udp_echo = rx_lens[i] >= UDP_PAYLOAD && ethertype(f) == 0x0800 && f[23] == 17 &&
				       f[36] == 0 && f[37] == ECHO_PORT;
			if (rx_lens[i] < 14 || (ethertype(f) != ETHERTYPE_TEST && !udp_echo))
				continue;
			memcpy(f, f + 6, 6); /* back to the sender, from us */
			memcpy(f + 6, dev->mac, 6);
			out[k] = f;
			out_len[k++] = rx_lens[i];
		}
		for (int sent = 0; sent < k;) {
			sent += dev->ops->transmit_batch(dev, out + sent, out_len + sent, k - sent);
			if (sent < k)
				os_yield();
		}
		if (n == 0) /* asleep on the VF's receive interrupt until a frame comes */
			dev->ops->wait(dev, IGBVF_WAIT_FOREVER);
	}
}

static uint16_t test_frame(uint8_t *f, const uint8_t dst[6], const uint8_t src[6], uint32_t seq, enum mode mode)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = ETHERTYPE_TEST >> 8, f[13] = ETHERTYPE_TEST & 0xff;
	memcpy(f + 14, &seq, 4);
	for (int i = 18; i < TEST_FRAME; i++)
		f[i] = (uint8_t)(seq + i);
	if (mode == RAW)
		return TEST_FRAME;
	/* RFC 791 and RFC 768 headers, checksums deliberately wrong: 10.0.3.1:7 -> 10.0.3.2:7 */
	static const uint8_t head[28] = { 0x45, 0, 0, TEST_FRAME - 14, 0, 0, 0, 0, 64, 17, 0xde, 0xad,
					  10, 0, 3, 1, 10, 0, 3, 2, 0, ECHO_PORT, 0, ECHO_PORT,
					  0, TEST_FRAME - 34, 0xbe, 0xef };
	f[12] = 0x08, f[13] = 0x00;
	memcpy(f + 14, head, sizeof(head));
	memcpy(f + UDP_PAYLOAD, &seq, 4);
	return TEST_FRAME;
}

/* An echo of frame seq: everything the sender chose but the two checksums the device may fill. */
static int is_echo(const uint8_t *f, const uint8_t *want, enum mode mode)
{
	if (mode == RAW)
		return memcmp(f, want, TEST_FRAME) == 0;
	return memcmp(f, want, 24) == 0 && memcmp(f + 26, want + 26, 14) == 0 &&
	       memcmp(f + UDP_PAYLOAD, want + UDP_PAYLOAD, TEST_FRAME - UDP_PAYLOAD) == 0;
}

static uint32_t echo_seq(const uint8_t *f, enum mode mode)
{
	uint32_t seq;
	memcpy(&seq, f + (mode == RAW ? 14 : UDP_PAYLOAD), 4);
	return seq;
}

static int cmd_peer(struct netdev *dev, const char *mac_text, const char *count_text, enum mode mode)
{
	uint8_t dst[6];
	uint32_t total = (uint32_t)strtoul(count_text, 0, 0);
	if (parse_mac(mac_text, dst) < 0 || total == 0) {
		fprintf(stderr, "vfping: bad peer %s or count %s\n", mac_text, count_text);
		return 2;
	}
	static uint8_t frames[BATCH][TEST_FRAME];
	if (mode == UDP_OFFLOAD)
		igbvf_set_tx_checksum(dev, 1);
	/* Frames the echo's driver drops never come back: wait less for them. */
	uint64_t patience = mode == UDP_BAD ? 500 : 2000;
	uint32_t sent = 0, echoed = 0, corrupt = 0;
	uint64_t last_progress = now_ms(), start = last_progress;
	while (echoed < total && now_ms() - last_progress < patience) {
		const void *out[BATCH];
		uint16_t out_len[BATCH];
		int k = 0;
		uint32_t window = mode == UDP_BAD ? total : WINDOW; /* none will be answered */
		while (k < BATCH && sent + k < total && sent + k - echoed < window) {
			out_len[k] = test_frame(frames[k], dst, dev->mac, sent + k, mode);
			out[k] = frames[k];
			k++;
		}
		if (k)
			sent += (uint32_t)dev->ops->transmit_batch(dev, out, out_len, k);
		int n = dev->ops->receive_batch(dev, rx_bufs, rx_lens, BATCH);
		for (int i = 0; i < n; i++) {
			uint8_t *f = rx_space[i], want[TEST_FRAME];
			if (rx_lens[i] < TEST_FRAME || memcmp(f + 6, dst, 6) ||
			    ethertype(f) != (mode == RAW ? ETHERTYPE_TEST : 0x0800))
				continue;
			test_frame(want, dev->mac, dst, echo_seq(f, mode), mode);
			if (!is_echo(f, want, mode))
				corrupt++;
			else if (++echoed == 1000 && total > 100000)
				printf("vfping: streaming\n"); /* a test kills the echo from here on */
			last_progress = now_ms();
		}
		if (n == 0 && k == 0)
			dev->ops->wait(dev, 1000000);
	}
	uint64_t ms = (echoed == total ? now_ms() : last_progress) - start;
	printf("vfping: sent %lu echoed %lu corrupt %lu\n", (unsigned long)sent, (unsigned long)echoed,
	       (unsigned long)corrupt);
	printf("vfping: %lu round trips in %llu ms\n", (unsigned long)echoed, (unsigned long long)ms);
	print_counters(dev);
	if (mode == UDP_BAD)
		return echoed == 0 && sent == total ? 0 : 1;
	return echoed == total && corrupt == 0 ? 0 : 1;
}

static int cmd_setmac(struct netdev *dev, const char *mac_text)
{
	uint8_t mac[6];
	if (parse_mac(mac_text, mac) < 0)
		return 2;
	int r = igbvf_set_mac(dev, mac);
	printf("vfping: set-MAC %s on %s: %s\n", mac_text, dev->name, r == 0 ? "accepted" : os_strerror(r));
	return r == 0 ? 0 : 1;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void) /* xorshift64 (Marsaglia 2003) */
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/*
 * A buffer address the device may read or write without harm to anyone else: inside this
 * VF's own DMA memory, for transmit too. A transmit buffer is not only read: with checksum
 * offload QEMU's igb writes the checksum it computes into the frame in guest memory
 * (net_tx_pkt.c, iov_from_buf into the mapped payload), so a transmit buffer in someone
 * else's memory is a 2-byte write there. Without an IOMMU that corrupted whatever lay
 * at those addresses (a later program's image in the boot image).
 */
static uint64_t garbage_address(struct igbvf *vf)
{
	/* 64 KiB short of the end: a descriptor's length (16 bits) keeps even its reads inside */
	return vf->pool.bus - (IGBVF_RX_DESCS + IGBVF_TX_DESCS) * 16 + rng() % (IGBVF_DMA_SIZE - 65536);
}

static int cmd_garbage(struct netdev *dev, const char *count_text)
{
	struct igbvf *vf = igbvf_from_netdev(dev);
	unsigned rounds = (unsigned)strtoul(count_text, 0, 0);
	if (!vf)
		return 2;
	static const uint32_t allowed = IGB_TXD_DCMD_EOP | IGB_TXD_DCMD_IFCS | IGB_TXD_DCMD_RS | IGB_TXD_DCMD_DEXT |
					IGB_TXD_DCMD_VLE | (0xfu << 20) | 0xffffu;
	for (unsigned round = 0; round < rounds; round++) {
		for (unsigned i = 0; i < vf->tx.count; i++) {
			vf->tx.desc[i].read.buffer_addr = garbage_address(vf);
			vf->tx.desc[i].read.cmd_type_len = (uint32_t)rng() & allowed; /* never TSE */
			vf->tx.desc[i].read.olinfo_status = (uint32_t)rng();
		}
		for (unsigned i = 0; i < vf->rx.count; i++) {
			vf->rx.desc[i].read.packet_addr = garbage_address(vf);
			vf->rx.desc[i].read.header_addr = rng() & 1; /* sometimes a DD that is not one */
		}
		volatile uint32_t *tdt = (volatile uint32_t *)((volatile uint8_t *)vf->regs + IGBVF_TDT);
		volatile uint32_t *rdt = (volatile uint32_t *)((volatile uint8_t *)vf->regs + IGBVF_RDT);
		*rdt = (uint32_t)(rng() % vf->rx.count);
		*tdt = (uint32_t)(rng() % vf->tx.count);
	}
	printf("vfping: %u rounds of garbage in %s's rings\n", rounds, dev->name);
	return 0;
}

static void ring_doorbell(struct igbvf *vf, uint32_t reg, uint32_t value)
{
	*(volatile uint32_t *)((volatile uint8_t *)vf->regs + reg) = value;
}

/* The next frame received lands at target. */
static void dma_write_at(struct netdev *dev, struct igbvf *vf, uint64_t target)
{
	for (unsigned i = 0; i < vf->rx.count; i++) {
		vf->rx.desc[i].read.packet_addr = target;
		vf->rx.desc[i].read.header_addr = 0;
	}
	uint8_t me[4] = { 10, 0, 2, 15 }, gateway[4] = { 10, 0, 2, 2 }, frame[64];
	send_one(dev, frame, arp_request(frame, dev->mac, me, gateway));
}

/* A frame whose bytes come from target. */
static void dma_read_at(struct igbvf *vf, uint64_t target)
{
	struct igbvf_tx_ring *tx = &vf->tx;
	volatile union igb_tx_desc *d = &tx->desc[tx->tail];
	d->read.buffer_addr = target;
	d->read.cmd_type_len = 64 | IGB_TXD_DTYP_DATA | IGB_TXD_DCMD_DEXT | IGB_TXD_DCMD_EOP | IGB_TXD_DCMD_IFCS |
			       IGB_TXD_DCMD_RS;
	d->read.olinfo_status = 64u << IGB_TXD_PAYLEN_SHIFT;
	tx->tail = (uint16_t)((tx->tail + 1) % tx->count);
	ring_doorbell(vf, IGBVF_TDT, tx->tail);
}

/*
 * What the grant answers once the DMA is done: an error once the kernel has stopped the
 * VF, which it does from a thread of its own a little after the fault interrupt (bounds
 * generous for a loaded machine under TCG). Nothing blocked within 2 s (no IOMMU): it stays
 * granted.
 */
static long grant_answer(struct igbvf *vf, uint64_t *blocked)
{
	struct sietch_vnic_info info;
	struct sietch_counters self;
	long r = 0;
	for (uint64_t start = now_ms(); now_ms() - start < 20000; os_sleep_ns(50000000)) {
		os_counters(SIETCH_COUNTERS_SELF, 0, &self);
		*blocked = self.dma_faults;
		if ((r = os_vnic_map(igbvf_vnic_handle(vf), &info)) < 0 || (!*blocked && now_ms() - start > 2000))
			break;
	}
	return r;
}

static int cmd_dma(struct netdev *dev, const char *address_text, bool read)
{
	struct igbvf *vf = igbvf_from_netdev(dev);
	uint64_t target = strtoull(address_text, 0, 0) & ~0xfffull;
	if (!vf)
		return 2;
	printf("vfping: %s rings at bus 0x%llx and 0x%llx, buffers at 0x%llx\n", dev->name,
	       (unsigned long long)vf->rx.bus, (unsigned long long)vf->tx.bus, (unsigned long long)vf->pool.bus);
	if (read)
		dma_read_at(vf, target + 4096);
	else
		dma_write_at(dev, vf, target);
	uint64_t blocked = 0;
	long r = grant_answer(vf, &blocked);
	printf("vfping: DMA %s 0x%llx asked of %s; %llu blocked by the IOMMU\n", read ? "from" : "to",
	       (unsigned long long)(read ? target + 4096 : target), dev->name, (unsigned long long)blocked);
	printf("vfping: %s afterwards: %s\n", dev->name, r < 0 ? os_strerror(r) : "still granted");
	return 0;
}

/* The UDP checksum of an IPv4 frame (RFC 768: pseudo header, UDP header with 0, data), inverted. */
static uint16_t udp_checksum(const uint8_t *f, uint16_t length)
{
	uint32_t sum = 17 + (uint32_t)(length - 34);
	for (int i = 26; i < 34; i += 2) /* the addresses */
		sum += (uint32_t)f[i] << 8 | f[i + 1];
	for (int i = 34; i < length; i += 2)
		if (i != 40) /* the checksum field counts as 0 */
			sum += (uint32_t)f[i] << 8 | (i + 1 < length ? f[i + 1] : 0);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/*
 * Whether the device writes into a transmit buffer: one IPv4/UDP frame sent with checksum
 * offload to a MAC nobody has; the driver's copy holds the pseudo-header sum in the UDP
 * field (tx_csum.c), and if the device wrote the finished checksum there, that is what
 * the pool buffer holds afterwards. A real 82576 only reads the buffer.
 */
static int cmd_txwrite(struct netdev *dev)
{
	struct igbvf *vf = igbvf_from_netdev(dev);
	static const uint8_t nobody[6] = { 0x02, 0, 0, 0, 0, 0x99 };
	static uint8_t frame[TEST_FRAME];
	if (!vf)
		return 2;
	uint16_t length = test_frame(frame, nobody, dev->mac, 1, UDP_OFFLOAD);
	igbvf_set_tx_checksum(dev, 1);
	const void *out[1] = { frame };
	if (dev->ops->transmit_batch(dev, out, &length, 1) != 1)
		return 2;
	struct igbvf_tx_ring *tx = &vf->tx;
	uint16_t buf = tx->buf[(tx->tail + tx->count - 1u) % tx->count]; /* the data descriptor's */
	os_sleep_ns(100000000);
	const uint8_t *b = igbvf_pool_va(&vf->pool, buf);
	uint16_t field = (uint16_t)(b[40] << 8 | b[41]), udp = udp_checksum(frame, length);
	printf("vfping: transmit buffer after checksum offload: udp checksum field %04x, the frame's checksum %04x: "
	       "the device %s the buffer\n", field, udp, field == udp ? "wrote into" : "did not write into");
	return 0;
}

/* What another VF's owner attacks: one pool buffer nobody will use, filled with a pattern. */
static int cmd_victim(struct netdev *dev, const char *seconds_text)
{
	struct igbvf *vf = igbvf_from_netdev(dev);
	uint64_t seconds = strtoull(seconds_text, 0, 0);
	int buf = vf ? igbvf_pool_get(&vf->pool) : -1;
	if (buf < 0)
		return 2;
	volatile uint8_t *bytes = igbvf_pool_va(&vf->pool, (uint16_t)buf);
	for (unsigned i = 0; i < IGBVF_BUF_SIZE; i++)
		bytes[i] = 0x5a;
	printf("vfping: victim buffer at bus 0x%llx (%s)\n",
	       (unsigned long long)igbvf_pool_bus(&vf->pool, (uint16_t)buf), dev->name);
	fflush(stdout);
	os_sleep_ns(seconds * 1000000000ull);
	for (unsigned i = 0; i < IGBVF_BUF_SIZE; i++) {
		if (bytes[i] != 0x5a) {
			printf("vfping: victim buffer changed at offset %u\n", i);
			return 1;
		}
	}
	printf("vfping: victim buffer unchanged after %llu s\n", (unsigned long long)seconds);
	return 0;
}

int main(int argc, char **argv)
{
	for (int i = 0; i < BATCH; i++)
		rx_bufs[i] = rx_space[i];
	if (argc < 2 || (strcmp(argv[1], "peer") == 0 && argc < 4)) {
		fprintf(stderr, "usage: vfping arp [IP] | echo | peer MAC N [udp|badudp] | setmac MAC | garbage N | dma ADDR [read] | victim S | txwrite\n");
		return 2;
	}
	struct netdev *dev;
	struct sietch_counters before, after;
	os_counters(SIETCH_COUNTERS_SELF, 0, &before);
	uint64_t start = now_ms();
	int r = netdev_open(NULL, &dev);
	if (r < 0) {
		fprintf(stderr, "vfping: no VNIC: %s\n", os_strerror(r));
		return 1;
	}
	while (!dev->ops->link_up(dev) && now_ms() - start < 20000)
		os_sleep_ns(1000000); /* right after boot the PF's link is still negotiating */
	os_counters(SIETCH_COUNTERS_SELF, 0, &after);
	printf("vfping: %s up in %llu ms, %llu system calls\n", dev->name, (unsigned long long)(now_ms() - start),
	       (unsigned long long)(after.syscalls - before.syscalls));
	if (strcmp(argv[1], "arp") == 0)
		r = cmd_arp(dev, argc > 2 ? argv[2] : "10.0.2.2");
	else if (strcmp(argv[1], "echo") == 0)
		cmd_echo(dev); /* until killed: the kernel resets the VF when its owner goes */
	else if (strcmp(argv[1], "setmac") == 0 && argc > 2)
		r = cmd_setmac(dev, argv[2]);
	else if (strcmp(argv[1], "garbage") == 0 && argc > 2)
		r = cmd_garbage(dev, argv[2]);
	else if (strcmp(argv[1], "dma") == 0 && argc > 2)
		r = cmd_dma(dev, argv[2], argc > 3 && strcmp(argv[3], "read") == 0);
	else if (strcmp(argv[1], "victim") == 0 && argc > 2)
		r = cmd_victim(dev, argv[2]);
	else if (strcmp(argv[1], "txwrite") == 0)
		r = cmd_txwrite(dev);
	else if (strcmp(argv[1], "peer") == 0)
		r = cmd_peer(dev, argv[2], argv[3],
			     argc < 5 ? RAW : strcmp(argv[4], "udp") == 0 ? UDP_OFFLOAD : UDP_BAD);
	else
		r = 2;
	dev->ops->close(dev);
	return r;
}
