/*
 * Bringing a VF up and the netdev operations over it.
 *
 * The order follows Linux's igbvf (e1000_reset_hw_vf, igbvf_configure) and the
 * 82576's VF initialization: reset the VF's queues and interrupts (VTCTRL.RST),
 * wait until the PF is out of its own reset (RSTI clear), tell the PF with a
 * VF_RESET message, whose ACK carries the MAC address the PF has filtered for
 * this VF and means the PF has enabled its receive and transmit (VFRE/VFTE);
 * agree on the mailbox API; ask for the frame size (SET_LPE); then program the
 * rings. QEMU's igb resets the VF on VTCTRL.RST exactly so (igb_core_vf_reset:
 * queue enables, VFRE/VFTE cleared, VFLRE set for the PF).
 */
#include <string.h>
#include "drivers/igb/os/igbvf.h"
#include "lib/common/syscall.h"

#define PF_RESET_TIMEOUT_US 1000000

/* The 82576's mailbox is the one lib/os/vf_mailbox.c drives (82576 "Virtualization", "Mailbox"). */
VF_MAILBOX_CHECK_BITS(IGBVF_V2PMAILBOX_);
VF_MAILBOX_CHECK_MSG(IGB_MBX_);
_Static_assert(IGB_MBX_WORDS == VF_MAILBOX_WORDS, "82576 VMBMEM: 16 dwords");

static const struct vf_mailbox_device igbvf_mailbox = {
	.control = IGBVF_V2PMAILBOX,
	.memory = IGBVF_VMBMEM,
	.timeout_us = IGBVF_MBX_TIMEOUT_US,
	/* The PF's notices (IGB_PF_CONTROL_MSG: its reset, a link change) may cross a request;
	 * more than three in a row is a PF gone wrong. */
	.notices = 3,
};

static int wait_pf_ready(struct igbvf *vf)
{
	uint64_t start = vf_now_us();
	while (vf_mailbox_pf_reset_pending(&vf->mbx)) {
		if (vf_now_us() - start > PF_RESET_TIMEOUT_US)
			return -SIETCH_ETIMEDOUT;
		vf_pause();
	}
	return 0;
}

static void mac_from_words(uint8_t mac[6], const uint32_t *words)
{
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)(words[i / 4] >> (8 * (i % 4)));
}

static int mailbox_handshake(struct igbvf *vf, uint8_t mac[6])
{
	uint32_t msg[IGB_MBX_WORDS] = { IGB_VF_RESET };
	int r = vf_mailbox_call(&vf->mbx, msg, 1, 3);
	if (r < 0)
		return r; /* a NACK: the PF gave this VF no address */
	mac_from_words(mac, &msg[1]);
	/* API negotiation: a PF that does not know the message NACKs it, and speaks the base set. */
	msg[0] = IGB_VF_API_NEGOTIATE;
	msg[1] = IGB_MBX_API_1_0;
	r = vf_mailbox_call(&vf->mbx, msg, 2, 2);
	if (r == -SIETCH_ETIMEDOUT)
		return r;
	vf->api = r == 0 ? IGB_MBX_API_1_0 : 0;
	msg[0] = IGB_VF_SET_LPE;
	msg[1] = vf->max_frame ? vf->max_frame : IGBVF_MAX_FRAME;
	r = vf_mailbox_call(&vf->mbx, msg, 2, 2);
	return r == -SIETCH_ETIMEDOUT ? r : 0; /* a NACK leaves the standard 1518 bytes, all we ask */
}

int igbvf_reset(struct igbvf *vf)
{
	vf_mailbox_init(&vf->mbx, &igbvf_mailbox, vf->regs); /* bits seen before the reset mean nothing after it */
	vf_write(vf->regs, IGBVF_CTRL, IGBVF_CTRL_RST);
	int r = wait_pf_ready(vf);
	if (r < 0)
		return r;
	uint8_t mac[6];
	r = mailbox_handshake(vf, mac);
	if (r < 0)
		return r;
	memcpy(vf->netdev.mac, mac, 6);
	return 0;
}

/* Asks the PF for another MAC address: Sietch's PF NACKs any but the one the kernel gave
 * (-SIETCH_EACCES); on an ACK the netdev takes it. */
int igbvf_set_mac(struct netdev *dev, const uint8_t mac[6])
{
	struct igbvf *vf = igbvf_from_netdev(dev);
	if (!vf)
		return -SIETCH_EINVAL;
	uint32_t msg[IGB_MBX_WORDS] = { IGB_VF_SET_MAC_ADDR };
	msg[1] = (uint32_t)mac[0] | (uint32_t)mac[1] << 8 | (uint32_t)mac[2] << 16 | (uint32_t)mac[3] << 24;
	msg[2] = (uint32_t)mac[4] | (uint32_t)mac[5] << 8;
	int r = vf_mailbox_call(&vf->mbx, msg, 3, 1);
	if (r == 0)
		memcpy(vf->netdev.mac, mac, 6);
	return r;
}

static uint32_t counter_step(uint32_t *last, uint32_t now)
{
	uint32_t step = now - *last; /* the counters wrap at 32 bits */
	*last = now;
	return step;
}

void igbvf_hw_stats_update(struct igbvf *vf)
{
	static const uint32_t regs[5] = { IGBVF_VFGPRC, IGBVF_VFGPTC, IGBVF_VFGORC, IGBVF_VFGOTC, IGBVF_VFMPRC };
	uint64_t *sums[5] = { &vf->hw.rx_packets, &vf->hw.tx_packets, &vf->hw.rx_bytes, &vf->hw.tx_bytes,
			      &vf->hw.rx_multicast };
	for (int i = 0; i < 5; i++)
		*sums[i] += counter_step(&vf->hw.last[i], vf_read(vf->regs, regs[i]));
}

int igbvf_init(struct igbvf *vf, volatile void *regs, const struct vf_dma *dma, const uint8_t mac[6])
{
	size_t rings = (IGBVF_RX_DESCS + IGBVF_TX_DESCS) * sizeof(union igb_rx_desc);
	if (dma->size < IGBVF_DMA_SIZE || (dma->bus & (IGB_RING_ALIGN - 1)))
		return -SIETCH_EINVAL;
	vf->regs = regs;
	int r = igbvf_reset(vf);
	if (r < 0)
		return r;
	/* The kernel told us the MAC it asked the PF to filter; the PF's answer must agree. */
	if (mac && memcmp(mac, vf->netdev.mac, 6) != 0)
		return -SIETCH_EIO;
	igbvf_pool_init(&vf->pool, dma, rings, IGBVF_BUFS);
	r = igbvf_rx_setup(vf, dma, 0);
	if (r == 0)
		r = igbvf_tx_setup(vf, dma, IGBVF_RX_DESCS * sizeof(union igb_rx_desc));
	if (r < 0)
		return r;
	/* Receive queue 0 raises vector IGBVF_RX_VECTOR (the VF's IVAR0, RX entry in bits 7:0),
	 * which clears itself when sent (EIAC) and stays masked until a wait unmasks it. */
	vf_write(vf->regs, IGBVF_EIMC, 0x7);
	vf_write(vf->regs, IGBVF_IVAR0, IGB_IVAR_VALID | IGBVF_RX_VECTOR);
	vf_write(vf->regs, IGBVF_EIAC, 1u << IGBVF_RX_VECTOR);
	igbvf_hw_stats_update(vf); /* the sums count from here */
	memset(&vf->hw, 0, offsetof(struct igbvf_hw_stats, last));
	vf->netdev.ops = &igbvf_netdev_ops;
	vf->netdev.mtu = IGBVF_MTU;
	return 0;
}

/* Quiets the queues and resets the VF, so the PF sees it go (VFLRE) and the device stops reading our memory. */
void igbvf_stop(struct igbvf *vf)
{
	vf_write(vf->regs, IGBVF_RXDCTL, 0);
	vf_write(vf->regs, IGBVF_TXDCTL, 0);
	vf_write(vf->regs, IGBVF_CTRL, IGBVF_CTRL_RST);
}

/* ---- the netdev operations ---- */

static struct igbvf *to_vf(struct netdev *dev)
{
	return (struct igbvf *)dev; /* netdev is the first member */
}

static int op_receive(struct netdev *dev, void *const *bufs, uint16_t *lengths, int max)
{
	return igbvf_rx_batch(to_vf(dev), bufs, lengths, max);
}

static int op_transmit(struct netdev *dev, const void *const *frames, const uint16_t *lengths, int n)
{
	return igbvf_tx_batch(to_vf(dev), frames, lengths, n);
}

static int op_link_up(struct netdev *dev)
{
	struct igbvf *vf = to_vf(dev);
	if (vf_mailbox_pf_reset_pending(&vf->mbx))
		return 0;
	return (vf_read(vf->regs, IGBVF_STATUS) & IGBVF_STATUS_LU) != 0;
}

/* The buffers in flight are counted from the ring itself, not from the pool, so the
 * three counts add up to the total only when nothing was lost or given twice. */
static uint32_t tx_buffers_held(const struct igbvf_tx_ring *tx)
{
	uint32_t held = 0;
	for (uint16_t i = 0, slot = tx->clean; i < tx->used; i++, slot = (uint16_t)((slot + 1) % tx->count))
		held += tx->buf[slot] != IGBVF_TX_NO_BUF;
	return held;
}

static void op_stats(struct netdev *dev, struct netdev_stats *out)
{
	struct igbvf *vf = to_vf(dev);
	igbvf_tx_reclaim(vf); /* what the device has sent is the pool's again */
	*out = vf->stats;
	out->buffers_total = vf->pool.total;
	out->buffers_free = vf->pool.free_count;
	out->buffers_rx = vf->rx.count;
	out->buffers_tx = tx_buffers_held(&vf->tx);
}

/*
 * Sleeps on the receive interrupt. The vector is unmasked, then the ring looked at
 * again: a frame that came before the unmask is seen there, one after it raises the
 * interrupt, whose notification bit waits for the sleep if it is not asleep yet.
 */
static int wait_interrupt(struct igbvf *vf)
{
	while (!igbvf_rx_pending(vf)) {
		vf_write(vf->regs, IGBVF_EIMS, 1u << IGBVF_RX_VECTOR);
		if (igbvf_rx_pending(vf) || vf->sleep(vf) < 0)
			break;
	}
	vf_write(vf->regs, IGBVF_EIMC, 1u << IGBVF_RX_VECTOR); /* polling needs no interrupts */
	return igbvf_rx_pending(vf);
}

#define WAIT_SPIN_US 200  /* a frame due any moment is caught at once... */
#define WAIT_SLICE_US 1000 /* ...a quiet VF costs a wake-up a millisecond, not a whole CPU */

/* With IGBVF_WAIT_FOREVER and an interrupt bound: sleep on it. Otherwise a wait polls the
 * next descriptor's DD, letting others run, then sleeps between polls, until the timeout. */
static int op_wait(struct netdev *dev, uint64_t timeout_ns)
{
	struct igbvf *vf = to_vf(dev);
	if (timeout_ns == IGBVF_WAIT_FOREVER && vf->sleep)
		return wait_interrupt(vf);
	uint64_t start = vf_now_us(), timeout_us = timeout_ns / 1000;
	while (!igbvf_rx_pending(vf)) {
		uint64_t waited = vf_now_us() - start;
		if (waited >= timeout_us)
			return 0;
		if (waited < WAIT_SPIN_US)
			vf_pause();
		else
			vf_sleep_us(timeout_us - waited < WAIT_SLICE_US ? timeout_us - waited : WAIT_SLICE_US);
	}
	return 1;
}

/*
 * Asks the PF to let frames up to max_frame bytes into this VF's pool (SET_LPE, the
 * pool's VMOLR.RLPML; 82576 §7.10). The receive path still takes one buffer a frame:
 * a frame longer than IGBVF_BUF_SIZE arrives over several descriptors and is dropped
 * whole, so a larger limit only lets tests drive that path on a real device.
 */
static int op_set_max_frame(struct netdev *dev, uint32_t max_frame)
{
	struct igbvf *vf = to_vf(dev);
	uint32_t msg[2] = { IGB_VF_SET_LPE, max_frame };
	int r = vf_mailbox_call(&vf->mbx, msg, 2, 2);
	if (r == 0)
		vf->max_frame = max_frame; /* asked again after a reset */
	return r;
}

/* The limit belongs to the kernel's grant, not to the VF: the PF programs it (82576 RTTBCNRC). */
static int op_set_rate(struct netdev *dev, uint32_t mbps)
{
	struct igbvf *vf = to_vf(dev);
	return vf->set_rate ? (int)vf->set_rate(vf, mbps) : -SIETCH_EINVAL;
}

static void op_close(struct netdev *dev)
{
	struct igbvf *vf = to_vf(dev);
	igbvf_stop(vf);
	if (vf->release)
		vf->release(vf);
}

const struct netdev_ops igbvf_netdev_ops = {
	.receive_batch = op_receive,
	.transmit_batch = op_transmit,
	.link_up = op_link_up,
	.stats = op_stats,
	.wait = op_wait,
	.close = op_close,
	.set_max_frame = op_set_max_frame,
	.set_rate = op_set_rate,
};

struct igbvf *igbvf_from_netdev(struct netdev *dev)
{
	return dev && dev->ops == &igbvf_netdev_ops ? to_vf(dev) : 0;
}
