/*
 * The 82599 VF brought up and driven: reset, mailbox API negotiation, queue 0
 * with advanced descriptors, and the netdev operations. Each descriptor owns
 * one 2 KiB buffer for good: frames are copied in and out, so the ring never
 * waits for a caller to give a buffer back.
 */
#include <string.h>
#include "drivers/ixgbe-vf/os/ixgbevf.h"
#include "lib/common/syscall.h"

/* The 82599's mailbox is the one lib/os/vf_mailbox.c drives (§8.3, VFMAILBOX and VFMBMEM). */
VF_MAILBOX_CHECK_BITS(IXGBEVF_VFMAILBOX_);
VF_MAILBOX_CHECK_MSG(IXGBEVF_MSG_);
_Static_assert(IXGBEVF_MBX_WORDS == VF_MAILBOX_WORDS, "82599 VFMBMEM: 16 dwords");

static const struct vf_mailbox_device ixgbevf_mailbox = {
	.control = IXGBEVF_VFMAILBOX,
	.memory = IXGBEVF_VFMBMEM,
	.timeout_us = IXGBEVF_MBX_TIMEOUT_US,
	.notices = 0, /* a reply of another type fails the call (-SIETCH_EIO) */
};

/* Waits until the PF is out of reset (RSTI clear) and has said so (RSTD). */
static int wait_pf_reset_done(struct ixgbevf *vf)
{
	uint64_t start = vf_now_us();
	for (;;) {
		uint32_t box = vf_mailbox_refresh(&vf->mbx);
		if (!(box & IXGBEVF_VFMAILBOX_RSTI) && (box & IXGBEVF_VFMAILBOX_RSTD)) {
			vf->mbx.seen &= ~IXGBEVF_VFMAILBOX_RSTD;
			return 0;
		}
		if (vf_now_us() - start > IXGBEVF_RESET_TIMEOUT_US)
			return -SIETCH_ETIMEDOUT;
		vf_pause();
	}
}

/*
 * VFCTRL.RST resets the VF's queues; the PF learns of it, finishes its side
 * (RSTD), and then answers the RESET message with the MAC it filters for us.
 * A NACK means the PF gave no address: the VF keeps an all-zero MAC.
 */
int ixgbevf_reset(struct ixgbevf *vf)
{
	vf_write(vf->regs, IXGBEVF_VFEIMC, 0xffffffffu); /* the driver polls */
	vf_write(vf->regs, IXGBEVF_VFCTRL, IXGBEVF_VFCTRL_RST);
	vf_mailbox_init(&vf->mbx, &ixgbevf_mailbox, vf->regs); /* bits seen before the reset mean nothing after it */
	int r = wait_pf_reset_done(vf);
	if (r < 0)
		return r;
	uint32_t msg[IXGBEVF_RESET_REPLY_WORDS] = { IXGBEVF_MSG_RESET };
	r = vf_mailbox_call(&vf->mbx, msg, 1, IXGBEVF_RESET_REPLY_WORDS);
	memset(vf->netdev.mac, 0, sizeof(vf->netdev.mac));
	if (r == -SIETCH_EACCES)
		return 0;
	if (r < 0)
		return r;
	memcpy(vf->netdev.mac, &msg[1], 4);
	memcpy(vf->netdev.mac + 4, &msg[2], 2);
	vf->pf_reset_seen = 0;
	return 0;
}

/* Asks for the newest mailbox API first; 1.0 is what every PF speaks. */
int ixgbevf_negotiate_api(struct ixgbevf *vf)
{
	static const int wanted[] = { IXGBEVF_API_13, IXGBEVF_API_12, IXGBEVF_API_11, IXGBEVF_API_10 };
	for (unsigned i = 0; i < sizeof(wanted) / sizeof(wanted[0]); i++) {
		uint32_t msg[2] = { IXGBEVF_MSG_API_NEGOTIATE, (uint32_t)wanted[i] };
		int r = vf_mailbox_call(&vf->mbx, msg, 2, 2);
		if (r == 0) {
			vf->api = wanted[i];
			return 0;
		}
		if (r != -SIETCH_EACCES)
			return r;
	}
	return -SIETCH_EACCES;
}

int ixgbevf_set_mac(struct ixgbevf *vf, const uint8_t mac[6])
{
	uint32_t msg[3] = { IXGBEVF_MSG_SET_MAC, 0, 0 };
	memcpy(&msg[1], mac, 4);
	memcpy(&msg[2], mac + 4, 2);
	int r = vf_mailbox_call(&vf->mbx, msg, 3, 1);
	if (r == 0)
		memcpy(vf->netdev.mac, mac, 6);
	return r;
}

static int set_max_frame(struct ixgbevf *vf, uint32_t max_frame)
{
	uint32_t msg[2] = { IXGBEVF_MSG_SET_LPE, max_frame };
	return vf_mailbox_call(&vf->mbx, msg, 2, 1);
}

/* Enables a queue and waits until the device says it is (the ENABLE bit reads back set). */
static int enable_queue(struct ixgbevf *vf, uint32_t reg, uint32_t enable)
{
	vf_write(vf->regs, reg, enable);
	uint64_t start = vf_now_us();
	while (!(vf_read(vf->regs, reg) & enable)) {
		if (vf_now_us() - start > IXGBEVF_MBX_TIMEOUT_US)
			return -SIETCH_ETIMEDOUT;
		vf_pause();
	}
	return 0;
}

static uint8_t *rx_buffer(struct ixgbevf *vf, uint16_t i)
{
	return vf->buffers + (size_t)i * IXGBEVF_BUF_SIZE;
}

static uint64_t rx_buffer_bus(struct ixgbevf *vf, uint16_t i)
{
	return vf->buffers_bus + (uint64_t)i * IXGBEVF_BUF_SIZE;
}

static uint8_t *tx_buffer(struct ixgbevf *vf, uint16_t i)
{
	return rx_buffer(vf, IXGBEVF_RX_DESCS + i);
}

static uint64_t tx_buffer_bus(struct ixgbevf *vf, uint16_t i)
{
	return rx_buffer_bus(vf, IXGBEVF_RX_DESCS + i);
}

static void rx_arm(struct ixgbevf *vf, uint16_t i)
{
	vf->rx[i].read.packet_address = rx_buffer_bus(vf, i);
	vf->rx[i].read.header_address = 0; /* also clears DD */
}

static void write_ring(struct ixgbevf *vf, uint32_t bal, uint64_t bus, uint32_t bytes)
{
	vf_write(vf->regs, bal, (uint32_t)bus);
	vf_write(vf->regs, bal + 4, (uint32_t)(bus >> 32));
	vf_write(vf->regs, bal + 8, bytes); /* RDLEN / TDLEN */
}

static int rings_setup(struct ixgbevf *vf)
{
	for (uint16_t i = 0; i < IXGBEVF_RX_DESCS; i++)
		rx_arm(vf, i);
	vf->rx_next = 0;
	vf->rx_discarding = 0;
	write_ring(vf, IXGBEVF_VFRDBAL, vf->rx_bus, IXGBEVF_RX_DESCS * 16);
	vf_write(vf->regs, IXGBEVF_VFSRRCTL,
		 (IXGBEVF_BUF_SIZE / IXGBEVF_SRRCTL_BSIZEPKT_UNIT) |
			 IXGBEVF_SRRCTL_DESCTYPE_ADV_ONEBUF | IXGBEVF_SRRCTL_DROP_EN);
	vf_write(vf->regs, IXGBEVF_VFRDH, 0);
	vf_write(vf->regs, IXGBEVF_VFRDT, 0);
	int r = enable_queue(vf, IXGBEVF_VFRXDCTL, IXGBEVF_RXDCTL_ENABLE);
	if (r < 0)
		return r;
	/* One slot stays empty: RDT == RDH means the device owns nothing. */
	vf_write(vf->regs, IXGBEVF_VFRDT, IXGBEVF_RX_DESCS - 1);

	memset((void *)vf->tx, 0, IXGBEVF_TX_DESCS * sizeof(*vf->tx));
	vf->tx_tail = vf->tx_clean = vf->tx_used = 0;
	write_ring(vf, IXGBEVF_VFTDBAL, vf->tx_bus, IXGBEVF_TX_DESCS * 16);
	vf_write(vf->regs, IXGBEVF_VFTDH, 0);
	vf_write(vf->regs, IXGBEVF_VFTDT, 0);
	return enable_queue(vf, IXGBEVF_VFTXDCTL, IXGBEVF_TXDCTL_ENABLE);
}

static void hw_stats_baseline(struct ixgbevf *vf);

/* Resets the VF, agrees an API, sets up both rings in dma. 0 or -SIETCH_E*. */
int ixgbevf_init(struct ixgbevf *vf, volatile void *regs, const struct vf_dma *dma)
{
	if (dma->size < IXGBEVF_DMA_SIZE || (dma->bus % IXGBEVF_RING_ALIGN) != 0)
		return -SIETCH_EINVAL;
	memset(vf, 0, sizeof(*vf));
	vf->netdev.ops = &ixgbevf_netdev_ops;
	vf->netdev.mtu = IXGBEVF_MTU;
	memcpy(vf->netdev.name, "ixgbevf", 8);
	vf->regs = regs;
	vf->api = -1;
	uint8_t *va = dma->va;
	vf->rx = (volatile union ixgbevf_rx_desc *)va;
	vf->rx_bus = dma->bus;
	vf->tx = (volatile union ixgbevf_tx_desc *)(va + IXGBEVF_RX_DESCS * 16);
	vf->tx_bus = dma->bus + IXGBEVF_RX_DESCS * 16;
	size_t rings = (IXGBEVF_RX_DESCS + IXGBEVF_TX_DESCS) * 16;
	vf->buffers = va + rings;
	vf->buffers_bus = dma->bus + rings;
	int r = ixgbevf_reset(vf);
	if (r == 0)
		r = ixgbevf_negotiate_api(vf);
	if (r == 0)
		r = set_max_frame(vf, IXGBEVF_MAX_FRAME);
	if (r == 0)
		r = rings_setup(vf);
	if (r == 0)
		hw_stats_baseline(vf);
	return r;
}

/* ---- receive ---- */

/* The length written back counts the CRC only if the PF keeps it (HLREG0.RXCRCSTRP, the PF's
 * register): the PF drivers Sietch expects strip it, so lengths are taken as the frame's. */

static int rx_batch(struct netdev *dev, void *const *bufs, uint16_t *lengths, int max)
{
	struct ixgbevf *vf = (struct ixgbevf *)dev;
	int got = 0;
	uint16_t rearmed = 0;
	while (got < max) {
		volatile union ixgbevf_rx_desc *d = &vf->rx[vf->rx_next];
		uint32_t status = d->wb.status_error;
		if (!(status & IXGBEVF_RXD_STAT_DD))
			break;
		__atomic_thread_fence(__ATOMIC_ACQUIRE); /* the rest of the write-back after DD */
		uint16_t len = d->wb.length;
		int eop = (status & IXGBEVF_RXD_STAT_EOP) != 0;
		if (status & IXGBEVF_RXD_ERR_RXE) {
			vf->stats.rx_errors++;
			vf->rx_discarding = !eop;
		} else if (vf->rx_discarding || !eop || len > NETDEV_FRAME_MAX) {
			/* A frame over more than one buffer: longer than we asked the PF for. */
			if (!vf->rx_discarding)
				vf->stats.rx_dropped++;
			vf->rx_discarding = !eop;
		} else {
			memcpy(bufs[got], rx_buffer(vf, vf->rx_next), len);
			lengths[got++] = len;
			vf->stats.rx_packets++;
			vf->stats.rx_bytes += len;
		}
		rx_arm(vf, vf->rx_next);
		vf->rx_next = (uint16_t)((vf->rx_next + 1) % IXGBEVF_RX_DESCS);
		rearmed++;
	}
	if (rearmed) {
		/* Descriptors before rx_next are armed again: one doorbell for all. */
		__atomic_thread_fence(__ATOMIC_RELEASE);
		uint16_t tail = (uint16_t)((vf->rx_next + IXGBEVF_RX_DESCS - 1) % IXGBEVF_RX_DESCS);
		vf_write(vf->regs, IXGBEVF_VFRDT, tail);
		vf->doorbells++;
	}
	return got;
}

/* ---- transmit ---- */

static void tx_reclaim(struct ixgbevf *vf)
{
	while (vf->tx_used > 0) {
		volatile union ixgbevf_tx_desc *d = &vf->tx[vf->tx_clean];
		if (!(d->wb.status & IXGBEVF_TXD_STAT_DD))
			break;
		vf->tx_clean = (uint16_t)((vf->tx_clean + 1) % IXGBEVF_TX_DESCS);
		vf->tx_used--;
	}
}

static int tx_batch(struct netdev *dev, const void *const *frames, const uint16_t *lengths, int n)
{
	struct ixgbevf *vf = (struct ixgbevf *)dev;
	tx_reclaim(vf);
	int sent = 0;
	/* One slot stays empty: TDT == TDH means the ring is idle. */
	while (sent < n && vf->tx_used < IXGBEVF_TX_DESCS - 1) {
		uint16_t len = lengths[sent];
		if (len == 0 || len > NETDEV_FRAME_MAX) {
			vf->stats.tx_dropped++;
			sent++;
			continue;
		}
		uint16_t i = vf->tx_tail;
		memcpy(tx_buffer(vf, i), frames[sent], len);
		vf->tx[i].read.buffer_address = tx_buffer_bus(vf, i);
		vf->tx[i].read.cmd_type_len = len | IXGBEVF_TXD_DTYP_DATA | IXGBEVF_TXD_CMD_DEXT |
					      IXGBEVF_TXD_CMD_IFCS | IXGBEVF_TXD_CMD_EOP |
					      IXGBEVF_TXD_CMD_RS;
		vf->tx[i].read.olinfo_status = (uint32_t)len << IXGBEVF_TXD_PAYLEN_SHIFT;
		vf->tx_tail = (uint16_t)((i + 1) % IXGBEVF_TX_DESCS);
		vf->tx_used++;
		vf->stats.tx_packets++;
		vf->stats.tx_bytes += len;
		sent++;
	}
	if (sent > 0) {
		__atomic_thread_fence(__ATOMIC_RELEASE); /* descriptors before the doorbell */
		vf_write(vf->regs, IXGBEVF_VFTDT, vf->tx_tail);
		vf->doorbells++;
	}
	return sent;
}

/* ---- link and statistics ---- */

/* Down while the PF resets (RSTI) or after a reset nobody has recovered from yet. */
static int link_up(struct netdev *dev)
{
	struct ixgbevf *vf = (struct ixgbevf *)dev;
	uint32_t box = vf_mailbox_refresh(&vf->mbx);
	if (box & (IXGBEVF_VFMAILBOX_RSTI | IXGBEVF_VFMAILBOX_RSTD))
		vf->pf_reset_seen = 1;
	if (vf->pf_reset_seen)
		return 0;
	return (vf_read(vf->regs, IXGBEVF_VFLINKS) & IXGBEVF_VFLINKS_UP) != 0;
}

static uint64_t read_octets(struct ixgbevf *vf, uint32_t lsb)
{
	uint64_t low = vf_read(vf->regs, lsb);
	uint64_t high = vf_read(vf->regs, lsb + 4) & 0xf; /* bits 35:32 */
	return low | high << 32;
}

static void hw_stats_baseline(struct ixgbevf *vf)
{
	struct ixgbevf_hw_stats *h = &vf->hw;
	h->last_rx_packets = vf_read(vf->regs, IXGBEVF_VFGPRC);
	h->last_tx_packets = vf_read(vf->regs, IXGBEVF_VFGPTC);
	h->last_rx_multicast = vf_read(vf->regs, IXGBEVF_VFMPRC);
	h->last_rx_bytes = read_octets(vf, IXGBEVF_VFGORC_LSB);
	h->last_tx_bytes = read_octets(vf, IXGBEVF_VFGOTC_LSB);
}

static void add32(uint64_t *sum, uint32_t *last, uint32_t now)
{
	*sum += (uint32_t)(now - *last); /* modulo 2^32: one wrap between reads is counted right */
	*last = now;
}

static void add36(uint64_t *sum, uint64_t *last, uint64_t now)
{
	uint64_t mask = (1ull << IXGBEVF_OCTETS_BITS) - 1;
	*sum += (now - *last) & mask;
	*last = now;
}

void ixgbevf_hw_stats_update(struct ixgbevf *vf)
{
	struct ixgbevf_hw_stats *h = &vf->hw;
	add32(&h->rx_packets, &h->last_rx_packets, vf_read(vf->regs, IXGBEVF_VFGPRC));
	add32(&h->tx_packets, &h->last_tx_packets, vf_read(vf->regs, IXGBEVF_VFGPTC));
	add32(&h->rx_multicast, &h->last_rx_multicast, vf_read(vf->regs, IXGBEVF_VFMPRC));
	add36(&h->rx_bytes, &h->last_rx_bytes, read_octets(vf, IXGBEVF_VFGORC_LSB));
	add36(&h->tx_bytes, &h->last_tx_bytes, read_octets(vf, IXGBEVF_VFGOTC_LSB));
}

static void stats(struct netdev *dev, struct netdev_stats *out)
{
	struct ixgbevf *vf = (struct ixgbevf *)dev;
	tx_reclaim(vf);
	ixgbevf_hw_stats_update(vf);
	*out = vf->stats;
	out->buffers_total = IXGBEVF_RX_DESCS + IXGBEVF_TX_DESCS;
	out->buffers_rx = IXGBEVF_RX_DESCS;
	out->buffers_tx = vf->tx_used;
	out->buffers_free = IXGBEVF_TX_DESCS - vf->tx_used;
}

static int set_max_frame_op(struct netdev *dev, uint32_t max_frame)
{
	if (max_frame < 64 || max_frame > IXGBEVF_BUF_SIZE)
		return -SIETCH_EINVAL;
	return set_max_frame((struct ixgbevf *)dev, max_frame);
}

/* Stops both queues, then release gives the VNIC back: the PF resets the VF before its DMA
 * memory is freed. */
static void close_op(struct netdev *dev)
{
	struct ixgbevf *vf = (struct ixgbevf *)dev;
	vf_write(vf->regs, IXGBEVF_VFRXDCTL, 0);
	vf_write(vf->regs, IXGBEVF_VFTXDCTL, 0);
	if (vf->release)
		vf->release(vf);
}

const struct netdev_ops ixgbevf_netdev_ops = {
	.receive_batch = rx_batch,
	.transmit_batch = tx_batch,
	.link_up = link_up,
	.stats = stats,
	.wait = 0,
	.close = close_op,
	.set_max_frame = set_max_frame_op,
};
