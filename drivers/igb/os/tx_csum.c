/*
 * Transmit checksum offload (82576 chapter 7, "Transmit Offloads"; §7.2.2.2 the
 * advanced context descriptor): the device fills in the IPv4 header checksum
 * (IXSM) and the TCP or UDP checksum (TXSM) of a frame, given a context that
 * says where the headers are. A network stack that leaves its checksums to the
 * NIC (lwIP's CHECKSUM_GEN_* 0) turns it on with igbvf_set_tx_checksum.
 *
 * The driver copies every frame into its own buffer anyway, so it prepares
 * that copy as the hardware expects: the IP checksum zero, the TCP/UDP checksum
 * field seeded with the pseudo-header sum (as Linux's igb does for
 * CHECKSUM_PARTIAL). QEMU recomputes both fields whole (net_tx_pkt.c,
 * net_tx_pkt_do_sw_csum), so it takes the same frames. Only untagged IPv4
 * TCP/UDP that is not a fragment is offloaded; anything else is sent as is.
 */
#include <string.h>
#include "drivers/igb/os/igbvf.h"
#include "lib/common/syscall.h"

#define ETH_HLEN 14
#define IP_PROTO_TCP 6
#define IP_PROTO_UDP 17

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* The ones'-complement sum of the IPv4 pseudo header (RFC 793 §3.1, RFC 768), folded, not inverted. */
static uint16_t pseudo_header_sum(const uint8_t *ip, uint8_t proto, uint16_t l4_length)
{
	uint32_t sum = 0;
	for (int i = 12; i < 20; i += 2)
		sum += be16(ip + i);
	sum += proto;
	sum += l4_length;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

int igbvf_tx_csum_prepare(uint8_t *frame, uint16_t length, struct igbvf_tx_csum *out)
{
	if (length < ETH_HLEN + 20 || be16(frame + 12) != 0x0800)
		return 0;
	uint8_t *ip = frame + ETH_HLEN;
	unsigned ihl = (ip[0] & 0xfu) * 4u;
	uint16_t total = be16(ip + 2);
	if ((ip[0] >> 4) != 4 || ihl < 20 || total < ihl || ETH_HLEN + total > length)
		return 0;
	if (be16(ip + 6) & 0x3fff) /* More Fragments or an offset: no whole L4 segment here */
		return 0;
	uint8_t proto = ip[9];
	unsigned field = proto == IP_PROTO_TCP ? 16 : proto == IP_PROTO_UDP ? 6 : 0;
	unsigned header = proto == IP_PROTO_TCP ? 20 : 8;
	if (!field || total - ihl < header)
		return 0;
	put_be16(ip + 10, 0);
	put_be16(ip + ihl + field, pseudo_header_sum(ip, proto, (uint16_t)(total - ihl)));
	out->vlan_macip_lens = ihl | ETH_HLEN << IGB_TXCTX_MACLEN_SHIFT;
	out->type_tucmd_mlhl = IGB_TXD_DTYP_CTXT | IGB_TXD_DCMD_DEXT | IGB_TXCTX_TUCMD_IPV4 |
			       (proto == IP_PROTO_TCP ? IGB_TXCTX_TUCMD_L4T_TCP : 0);
	return 1;
}

int igbvf_set_tx_checksum(struct netdev *dev, int enable)
{
	struct igbvf *vf = igbvf_from_netdev(dev);
	if (!vf)
		return -SIETCH_EINVAL;
	vf->tx.csum_offload = enable != 0;
	return 0;
}
