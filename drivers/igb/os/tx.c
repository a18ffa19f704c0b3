/*
 * The transmit ring: queue 0 of the VF, one advanced data descriptor a frame
 * (82576 §7.2.2.3 "Advanced Transmit Data Descriptor"). A frame is copied into
 * a pool buffer, so the caller's memory is free again on return; a batch ends
 * with one TDT write. Each descriptor asks for its status (RS), and a buffer
 * goes back to the pool when the device has written DD over its descriptor.
 */
#include <string.h>
#include "drivers/igb/os/igbvf.h"
#include "lib/common/syscall.h"

#define ETH_MIN_FRAME 60 /* IEEE 802.3 minimum without the CRC: short frames are padded here */

int igbvf_tx_setup(struct igbvf *vf, const struct vf_dma *dma, size_t offset)
{
	struct igbvf_tx_ring *tx = &vf->tx;
	tx->desc = (volatile union igb_tx_desc *)((uint8_t *)dma->va + offset);
	tx->bus = dma->bus + offset;
	tx->count = IGBVF_TX_DESCS;
	tx->tail = tx->clean = tx->used = 0;
	tx->context_valid = 0; /* a reset VF holds no context */
	/* 82576 chapter 4, "Transmit Initialization": base, length, head and tail, then enable. */
	vf_write(vf->regs, IGBVF_TXDCTL, 0);
	vf_write(vf->regs, IGBVF_TDBAL, (uint32_t)tx->bus);
	vf_write(vf->regs, IGBVF_TDBAH, (uint32_t)(tx->bus >> 32));
	vf_write(vf->regs, IGBVF_TDLEN, tx->count * (uint32_t)sizeof(union igb_tx_desc));
	vf_write(vf->regs, IGBVF_TDH, 0);
	vf_write(vf->regs, IGBVF_TDT, 0);
	/* Write-back threshold 1: DD appears on each descriptor as soon as it is done. */
	vf_write(vf->regs, IGBVF_TXDCTL, IGB_XDCTL_ENABLE | IGB_XDCTL_PTHRESH(8) | IGB_XDCTL_HTHRESH(1) |
					      IGB_XDCTL_WTHRESH(1));
	uint64_t start = vf_now_us();
	while (!(vf_read(vf->regs, IGBVF_TXDCTL) & IGB_XDCTL_ENABLE)) {
		if (vf_now_us() - start > IGBVF_MBX_TIMEOUT_US)
			return -SIETCH_ETIMEDOUT;
		vf_pause();
	}
	return 0;
}

/* Gives back the buffers of every frame the device is done with; how many descriptors. */
unsigned igbvf_tx_reclaim(struct igbvf *vf)
{
	struct igbvf_tx_ring *tx = &vf->tx;
	unsigned done = 0;
	while (tx->used > 0) {
		uint16_t slot = tx->clean;
		/* A context descriptor is done when the data descriptor after it is: the device takes them in order. */
		if (tx->buf[slot] == IGBVF_TX_NO_BUF && tx->used > 1)
			slot = (uint16_t)((slot + 1) % tx->count);
		if (!(tx->desc[slot].wb.status & IGB_TXD_STAT_DD))
			break;
		if (tx->buf[tx->clean] != IGBVF_TX_NO_BUF)
			igbvf_pool_put(&vf->pool, tx->buf[tx->clean]);
		tx->clean = (uint16_t)((tx->clean + 1) % tx->count);
		tx->used--;
		done++;
	}
	return done;
}

static void tx_advance(struct igbvf_tx_ring *tx, uint16_t buf)
{
	tx->buf[tx->tail] = buf;
	tx->tail = (uint16_t)((tx->tail + 1) % tx->count);
	tx->used++;
}

/* A new context (§7.2.2.2) in the next descriptor, unless the device holds this one already. */
static void tx_context(struct igbvf_tx_ring *tx, const struct igbvf_tx_csum *c)
{
	if (tx->context_valid && tx->context.vlan_macip_lens == c->vlan_macip_lens &&
	    tx->context.type_tucmd_mlhl == c->type_tucmd_mlhl)
		return;
	volatile struct igb_tx_context_desc *d = (volatile struct igb_tx_context_desc *)&tx->desc[tx->tail];
	d->vlan_macip_lens = c->vlan_macip_lens;
	d->seqnum_seed = 0;
	d->type_tucmd_mlhl = c->type_tucmd_mlhl;
	d->mss_l4len_idx = 0; /* context slot 0 */
	tx->context = *c;
	tx->context_valid = 1;
	tx_advance(tx, IGBVF_TX_NO_BUF);
}

static void tx_fill(struct igbvf *vf, uint16_t buf, const void *frame, uint16_t length)
{
	struct igbvf_tx_ring *tx = &vf->tx;
	uint8_t *va = igbvf_pool_va(&vf->pool, buf);
	memcpy(va, frame, length);
	if (length < ETH_MIN_FRAME) {
		memset(va + length, 0, ETH_MIN_FRAME - length);
		length = ETH_MIN_FRAME;
	}
	uint32_t popts = 0;
	struct igbvf_tx_csum c;
	if (tx->csum_offload && igbvf_tx_csum_prepare(va, length, &c)) {
		tx_context(tx, &c);
		popts = IGB_TXD_POPTS_IXSM | IGB_TXD_POPTS_TXSM;
	}
	volatile union igb_tx_desc *d = &tx->desc[tx->tail];
	d->read.buffer_addr = igbvf_pool_bus(&vf->pool, buf);
	d->read.cmd_type_len = length | IGB_TXD_DTYP_DATA | IGB_TXD_DCMD_DEXT | IGB_TXD_DCMD_EOP |
			       IGB_TXD_DCMD_IFCS | IGB_TXD_DCMD_RS;
	/* PAYLEN is the whole frame without TSO; this also clears the previous DD. */
	d->read.olinfo_status = (uint32_t)length << IGB_TXD_PAYLEN_SHIFT | popts;
	tx_advance(tx, buf);
}

int igbvf_tx_batch(struct igbvf *vf, const void *const *frames, const uint16_t *lengths, int n)
{
	struct igbvf_tx_ring *tx = &vf->tx;
	int taken = 0, queued = 0;
	igbvf_tx_reclaim(vf);
	for (; taken < n; taken++) {
		uint16_t length = lengths[taken];
		if (length == 0 || length > IGBVF_BUF_SIZE) {
			vf->stats.tx_dropped++; /* taken, so a caller's retry loop moves past it */
			continue;
		}
		/* TDT == TDH means empty, so one descriptor always stays unused; with checksum
		 * offload a frame may need a context descriptor as well as its own. */
		if (tx->used + 1u + (tx->csum_offload ? 1u : 0u) >= tx->count)
			break;
		int buf = igbvf_pool_get(&vf->pool);
		if (buf < 0)
			break;
		tx_fill(vf, (uint16_t)buf, frames[taken], length);
		vf->stats.tx_packets++;
		vf->stats.tx_bytes += length;
		queued++;
	}
	if (queued) {
		vf_write(vf->regs, IGBVF_TDT, tx->tail); /* the descriptors are in memory before this store (mmio.h) */
		vf->doorbells++;
	}
	return taken;
}
