/*
 * The receive ring: queue 0 of the VF, advanced one-buffer descriptors (82576
 * §7.1.5 "Receive Descriptors"; QEMU does no legacy ones). Every descriptor
 * owns one pool buffer for good: a frame is copied out to the caller and the
 * same buffer goes back to the device, so receiving never allocates and a bad
 * frame cannot leak a buffer.
 *
 * The device owns descriptors RDH .. RDT-1. Software keeps exactly one, the
 * last it recycled, and hands the rest back with one RDT write a batch (the
 * scheme of ixy's ixgbe driver): `next` is always RDT + 1.
 */
#include <string.h>
#include "drivers/igb/os/igbvf.h"
#include "lib/common/syscall.h"

static void rx_arm(struct igbvf *vf, uint16_t slot)
{
	volatile union igb_rx_desc *d = &vf->rx.desc[slot];
	d->read.packet_addr = igbvf_pool_bus(&vf->pool, vf->rx.buf[slot]);
	d->read.header_addr = 0; /* its low bit becomes DD: clear until the device writes back */
}

int igbvf_rx_setup(struct igbvf *vf, const struct vf_dma *dma, size_t offset)
{
	struct igbvf_rx_ring *rx = &vf->rx;
	rx->desc = (volatile union igb_rx_desc *)((uint8_t *)dma->va + offset);
	rx->bus = dma->bus + offset;
	rx->count = IGBVF_RX_DESCS;
	rx->next = 0;
	rx->discarding = 0;
	for (uint16_t i = 0; i < rx->count; i++) {
		int b = igbvf_pool_get(&vf->pool);
		if (b < 0)
			return -SIETCH_ENOMEM;
		rx->buf[i] = (uint16_t)b;
		rx_arm(vf, i);
	}
	/* 82576 chapter 4, "Receive Initialization": base, length, buffer size, then enable the queue,
	 * wait until it reads back enabled, and only then move the tail. */
	vf_write(vf->regs, IGBVF_RXDCTL, 0);
	vf_write(vf->regs, IGBVF_RDBAL, (uint32_t)rx->bus);
	vf_write(vf->regs, IGBVF_RDBAH, (uint32_t)(rx->bus >> 32));
	vf_write(vf->regs, IGBVF_RDLEN, rx->count * (uint32_t)sizeof(union igb_rx_desc));
	vf_write(vf->regs, IGBVF_RDH, 0);
	vf_write(vf->regs, IGBVF_RDT, 0);
	vf_write(vf->regs, IGBVF_SRRCTL, (IGBVF_BUF_SIZE / IGB_SRRCTL_BSIZEPKT_UNIT) << IGB_SRRCTL_BSIZEPKT_SHIFT |
					      IGB_SRRCTL_DESCTYPE_ADV_ONEBUF | IGB_SRRCTL_DROP_EN);
	/* Thresholds as Linux's igbvf sets them: prefetch 16, host 8, write back by 4. */
	vf_write(vf->regs, IGBVF_RXDCTL, IGB_XDCTL_ENABLE | IGB_XDCTL_PTHRESH(16) | IGB_XDCTL_HTHRESH(8) |
					      IGB_XDCTL_WTHRESH(4));
	uint64_t start = vf_now_us();
	while (!(vf_read(vf->regs, IGBVF_RXDCTL) & IGB_XDCTL_ENABLE)) {
		if (vf_now_us() - start > IGBVF_MBX_TIMEOUT_US)
			return -SIETCH_ETIMEDOUT;
		vf_pause();
	}
	vf_write(vf->regs, IGBVF_RDT, rx->count - 1u);
	vf->doorbells++;
	return 0;
}

/* What to do with a written-back descriptor: 1 deliver, 0 drop (counted here). */
static int rx_judge(struct igbvf *vf, uint32_t status, uint16_t length)
{
	struct igbvf_rx_ring *rx = &vf->rx;
	if (!(status & IGB_RXD_STAT_EOP)) {
		rx->discarding = 1; /* larger than a buffer: the rest follows in the next descriptors */
		return 0;
	}
	if (rx->discarding) {
		rx->discarding = 0;
		vf->stats.rx_dropped++;
		return 0;
	}
	/* The device checked the IP and TCP/UDP checksums where it could (IPCS, L4CS) and found them wrong. */
	int bad_ip = (status & IGB_RXD_STAT_IPCS) && (status & IGB_RXD_ERR_IPE);
	int bad_l4 = (status & IGB_RXD_STAT_L4CS) && (status & IGB_RXD_ERR_L4E);
	if (bad_ip || bad_l4 || (status & IGB_RXD_ERR_RXE) || length == 0 || length > IGBVF_BUF_SIZE) {
		vf->stats.rx_errors++;
		return 0;
	}
	return 1;
}

int igbvf_rx_batch(struct igbvf *vf, void *const *bufs, uint16_t *lengths, int max)
{
	struct igbvf_rx_ring *rx = &vf->rx;
	int got = 0, recycled = 0;
	uint16_t last = 0;
	while (got < max) {
		volatile union igb_rx_desc *d = &rx->desc[rx->next];
		uint32_t status = d->wb.status_error;
		if (!(status & IGB_RXD_STAT_DD))
			break;
		/* x86 keeps loads in order, and d is volatile: the length is read after DD was seen. */
		uint16_t length = d->wb.length;
		if (rx_judge(vf, status, length)) {
			memcpy(bufs[got], igbvf_pool_va(&vf->pool, rx->buf[rx->next]), length);
			lengths[got++] = length;
			vf->stats.rx_packets++;
			vf->stats.rx_bytes += length;
		}
		rx_arm(vf, rx->next);
		last = rx->next;
		rx->next = (uint16_t)((rx->next + 1) % rx->count);
		recycled++;
	}
	if (recycled) {
		vf_write(vf->regs, IGBVF_RDT, last);
		vf->doorbells++;
	}
	return got;
}

/* 1 when a written-back descriptor waits: what wait() polls for. */
int igbvf_rx_pending(struct igbvf *vf)
{
	return (vf->rx.desc[vf->rx.next].wb.status_error & IGB_RXD_STAT_DD) != 0;
}
