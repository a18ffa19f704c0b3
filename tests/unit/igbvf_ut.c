/*
 * Host tests of the igb VF driver (drivers/igb/os) against a model of the VF as
 * QEMU's igb emulates it: the register file with its side effects (V2PMAILBOX
 * read-to-clear bits and the VFU/PFU lock, VTCTRL.RST clearing the queue
 * enables, TDT starting transmission, RDH/RDT ring ownership), a PF that answers
 * the mailbox like Sietch's kernel, and DMA at the host address itself.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define VF_IO_MODEL
#include "tests/unit/stubs/vf_clock.h"
#include "lib/os/vf_mailbox.c"
#include "drivers/igb/os/pool.c"
#include "drivers/igb/os/rx.c"
#include "drivers/igb/os/tx.c"
#include "drivers/igb/os/tx_csum.c"
#include "drivers/igb/os/vf.c"

#define MAX_SENT 600
#define MAX_MSGS 32

static struct model {
	uint32_t reg[0x4000 / 4];
	uint8_t mac[6];
	/* the PF's behaviour */
	int nack_reset, nack_api, silent, notice_first, notice_pending;
	uint32_t pending_reply[IGB_MBX_WORDS];
	int rsti_reads; /* RSTI reads set this many more times; -1: forever */
	int pfu_busy;   /* VFU refused this many more times */
	uint32_t msg_type[MAX_MSGS];
	uint32_t msg_arg[MAX_MSGS];
	uint32_t last_in[IGB_MBX_WORDS]; /* the last message as the PF read it */
	unsigned msgs;
	/* the device */
	int vf_resets;
	unsigned rdt_writes, tdt_writes, rx_overruns;
	int tx_hold;
	uint8_t sent[MAX_SENT][IGBVF_BUF_SIZE];
	uint16_t sent_len[MAX_SENT];
	uint32_t sent_popts[MAX_SENT];
	struct igb_tx_context_desc sent_context[MAX_SENT]; /* the context each frame was sent under */
	struct igb_tx_context_desc context;
	unsigned contexts;
	unsigned sent_count;
} *m;

static uint32_t *R(uint32_t reg)
{
	return &m->reg[reg / 4];
}

static void pf_reply(uint32_t *reply)
{
	for (int i = 0; i < IGB_MBX_WORDS; i++)
		*R(IGBVF_VMBMEM + 4 * i) = reply[i];
	*R(IGBVF_V2PMAILBOX) |= IGBVF_V2PMAILBOX_PFSTS;
}

/* The PF driver's side: what Sietch's kernel answers (drivers/igb/kernel, Linux's igb alike). */
static void pf_handle_request(void)
{
	uint32_t in[IGB_MBX_WORDS], out[IGB_MBX_WORDS] = { 0 };
	for (int i = 0; i < IGB_MBX_WORDS; i++)
		in[i] = *R(IGBVF_VMBMEM + 4 * i);
	memcpy(m->last_in, in, sizeof(in));
	uint32_t type = in[0] & IGB_MBX_TYPE_MASK;
	if (m->msgs < MAX_MSGS) {
		m->msg_type[m->msgs] = type;
		m->msg_arg[m->msgs++] = in[1];
	}
	*R(IGBVF_V2PMAILBOX) |= IGBVF_V2PMAILBOX_PFACK;
	if (m->silent)
		return;
	out[0] = type | IGB_MBX_ACK | IGB_MBX_CTS;
	if (type == IGB_VF_RESET && m->nack_reset)
		out[0] = type | IGB_MBX_NACK;
	if (type == IGB_VF_RESET && !m->nack_reset) {
		out[1] = (uint32_t)m->mac[0] | (uint32_t)m->mac[1] << 8 | (uint32_t)m->mac[2] << 16 |
			 (uint32_t)m->mac[3] << 24;
		out[2] = (uint32_t)m->mac[4] | (uint32_t)m->mac[5] << 8;
	}
	if (type == IGB_VF_API_NEGOTIATE && m->nack_api)
		out[0] = type | IGB_MBX_NACK;
	uint8_t asked[6] = { (uint8_t)in[1], (uint8_t)(in[1] >> 8), (uint8_t)(in[1] >> 16), (uint8_t)(in[1] >> 24),
			     (uint8_t)in[2], (uint8_t)(in[2] >> 8) };
	if (type == IGB_VF_SET_MAC_ADDR && memcmp(asked, m->mac, 6) != 0)
		out[0] = type | IGB_MBX_NACK; /* only the MAC the kernel gave */
	if (type == IGB_VF_API_NEGOTIATE)
		out[1] = in[1];
	if (m->notice_first) { /* a link notice crosses the request: the reply waits for its ACK */
		m->notice_first = 0;
		memcpy(m->pending_reply, out, sizeof(out));
		m->notice_pending = 1;
		uint32_t notice[IGB_MBX_WORDS] = { IGB_PF_CONTROL_MSG };
		pf_reply(notice);
		return;
	}
	pf_reply(out);
}

static void write_mailbox(uint32_t value)
{
	uint32_t *v2p = R(IGBVF_V2PMAILBOX);
	if (value & IGBVF_V2PMAILBOX_VFU) {
		if (m->pfu_busy > 0)
			m->pfu_busy--;
		else
			*v2p |= IGBVF_V2PMAILBOX_VFU;
	} else {
		*v2p &= ~IGBVF_V2PMAILBOX_VFU;
	}
	if (value & IGBVF_V2PMAILBOX_REQ)
		pf_handle_request();
	if ((value & IGBVF_V2PMAILBOX_ACK) && m->notice_pending) {
		m->notice_pending = 0;
		pf_reply(m->pending_reply);
	}
}

/* TDT moved: QEMU's igb_start_xmit sends every descriptor from TDH to TDT at once. */
static void device_transmit(void)
{
	uint32_t count = *R(IGBVF_TDLEN) / 16;
	while (*R(IGBVF_TDH) != *R(IGBVF_TDT)) {
		union igb_tx_desc *d = (union igb_tx_desc *)(uintptr_t)(*R(IGBVF_TDBAL) |
			(uint64_t)*R(IGBVF_TDBAH) << 32) + *R(IGBVF_TDH);
		uint32_t cmd = d->read.cmd_type_len;
		assert_true(cmd & IGB_TXD_DCMD_DEXT); /* QEMU sends nothing for legacy descriptors */
		if ((cmd & (0xfu << 20)) == IGB_TXD_DTYP_CTXT) { /* igb_process_tx_desc: keep it, send nothing */
			memcpy(&m->context, d, sizeof(m->context));
			m->contexts++;
			*R(IGBVF_TDH) = (*R(IGBVF_TDH) + 1) % count;
			continue;
		}
		assert_int_equal(cmd & (0xfu << 20), IGB_TXD_DTYP_DATA);
		assert_true(cmd & IGB_TXD_DCMD_EOP);
		if (m->sent_count < MAX_SENT) {
			m->sent_len[m->sent_count] = (uint16_t)(cmd & IGB_TXD_DTALEN_MASK);
			m->sent_popts[m->sent_count] = d->read.olinfo_status & (0x3fu << 8);
			m->sent_context[m->sent_count] = m->context;
			memcpy(m->sent[m->sent_count++], (void *)(uintptr_t)d->read.buffer_addr, cmd & IGB_TXD_DTALEN_MASK);
		}
		if (cmd & IGB_TXD_DCMD_RS)
			d->wb.status |= IGB_TXD_STAT_DD;
		*R(IGBVF_TDH) = (*R(IGBVF_TDH) + 1) % count;
	}
}

uint32_t vf_read(volatile void *bar, uint32_t reg)
{
	(void)bar;
	vf_clock.us++;
	uint32_t value = *R(reg);
	if (reg == IGBVF_V2PMAILBOX) {
		*R(reg) &= ~(IGBVF_V2PMAILBOX_PFSTS | IGBVF_V2PMAILBOX_PFACK | IGBVF_V2PMAILBOX_RSTD);
		if (m->rsti_reads != 0) {
			value |= IGBVF_V2PMAILBOX_RSTI;
			if (m->rsti_reads > 0)
				m->rsti_reads--;
		}
	}
	return value;
}

void vf_write(volatile void *bar, uint32_t reg, uint32_t value)
{
	(void)bar;
	if (reg == IGBVF_V2PMAILBOX) {
		write_mailbox(value);
		return;
	}
	if (reg == IGBVF_CTRL) { /* igb_core_vf_reset */
		if (value & IGBVF_CTRL_RST) {
			m->vf_resets++;
			*R(IGBVF_RXDCTL) &= ~IGB_XDCTL_ENABLE;
			*R(IGBVF_TXDCTL) &= ~IGB_XDCTL_ENABLE;
		}
		return;
	}
	*R(reg) = value;
	if (reg == IGBVF_RDT)
		m->rdt_writes++;
	if (reg == IGBVF_TDT) {
		m->tdt_writes++;
		if (!m->tx_hold)
			device_transmit();
	}
}

/* A frame arrives from the wire: QEMU's igb_write_packet_to_guest, one buffer a descriptor. */
static void device_receive(const void *frame, size_t len, uint32_t extra_status)
{
	uint32_t count = *R(IGBVF_RDLEN) / 16;
	uint32_t bufsize = (*R(IGBVF_SRRCTL) & 0x7f) * 1024;
	uint32_t free = (*R(IGBVF_RDT) + count - *R(IGBVF_RDH)) % count;
	if (!(*R(IGBVF_RXDCTL) & IGB_XDCTL_ENABLE) || free * bufsize < len) {
		m->rx_overruns++; /* ICR.RXO: a full ring drops, it does not stall */
		return;
	}
	size_t done = 0;
	while (done < len) {
		union igb_rx_desc *d = (union igb_rx_desc *)(uintptr_t)(*R(IGBVF_RDBAL) |
			(uint64_t)*R(IGBVF_RDBAH) << 32) + *R(IGBVF_RDH);
		size_t part = len - done < bufsize ? len - done : bufsize;
		memcpy((void *)(uintptr_t)d->read.packet_addr, (const uint8_t *)frame + done, part);
		done += part;
		memset(&d->wb, 0, sizeof(d->wb));
		d->wb.length = (uint16_t)part;
		d->wb.status_error = IGB_RXD_STAT_DD | (done == len ? IGB_RXD_STAT_EOP | extra_status : 0);
		*R(IGBVF_RDH) = (*R(IGBVF_RDH) + 1) % count;
	}
}

static struct igbvf *vf;
static struct vf_dma dma;

static int setup(void **state)
{
	(void)state;
	m = calloc(1, sizeof(*m));
	vf_clock = (struct vf_clock){ 0 };
	vf = calloc(1, sizeof(*vf));
	vf_mailbox_init(&vf->mbx, &igbvf_mailbox, 0);
	static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
	memcpy(m->mac, mac, 6);
	*R(IGBVF_STATUS) = IGBVF_STATUS_LU;
	dma.size = IGBVF_DMA_SIZE;
	dma.va = aligned_alloc(4096, dma.size);
	memset(dma.va, 0, dma.size);
	dma.bus = (uint64_t)(uintptr_t)dma.va; /* the model's DMA sees host memory as is */
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(dma.va);
	free(vf);
	free(m);
	return 0;
}

static void bring_up(void)
{
	assert_int_equal(igbvf_init(vf, 0, &dma, m->mac), 0);
}

static void make_frame(uint8_t *f, uint16_t len, unsigned seq)
{
	for (uint16_t i = 0; i < len; i++)
		f[i] = (uint8_t)(seq * 7 + i);
}

/* ---- pool and mailbox ---- */

static void test_pool_hands_out_every_buffer_once(void **state)
{
	(void)state;
	struct igbvf_pool *pool = &vf->pool;
	igbvf_pool_init(pool, &dma, 4096, 8);
	int seen = 0;
	for (int i = 0; i < 8; i++) {
		int b = igbvf_pool_get(pool);
		assert_in_range(b, 0, 7);
		assert_false(seen & (1 << b));
		seen |= 1 << b;
	}
	assert_int_equal(igbvf_pool_get(pool), -1);
	igbvf_pool_put(pool, 3);
	igbvf_pool_put(pool, 99); /* not one of ours: ignored */
	assert_int_equal(pool->free_count, 1);
	assert_int_equal(igbvf_pool_get(pool), 3);
	assert_ptr_equal(igbvf_pool_va(pool, 1), (uint8_t *)dma.va + 4096 + IGBVF_BUF_SIZE);
	assert_int_equal(igbvf_pool_bus(pool, 2), dma.bus + 4096 + 2 * IGBVF_BUF_SIZE);
}

static void test_mailbox_message_encoding(void **state)
{
	(void)state;
	uint32_t msg[3] = { IGB_VF_SET_MAC_ADDR, 0x11223344, 0x5566 };
	assert_int_equal(vf_mailbox_send(&vf->mbx, msg, 3), 0);
	assert_int_equal(m->last_in[0], IGB_VF_SET_MAC_ADDR);
	assert_int_equal(m->last_in[1], 0x11223344);
	assert_int_equal(m->last_in[2], 0x5566);
	assert_false(*R(IGBVF_V2PMAILBOX) & IGBVF_V2PMAILBOX_VFU); /* REQ gave the buffer back */
	uint32_t reply[2];
	assert_int_equal(vf_mailbox_receive(&vf->mbx, reply, 2), 0);
	assert_int_equal(reply[0], IGB_VF_SET_MAC_ADDR | IGB_MBX_NACK); /* not the MAC it was given */
	assert_int_equal(vf_mailbox_send(&vf->mbx, msg, 0), -SIETCH_EINVAL);
	assert_int_equal(vf_mailbox_send(&vf->mbx, msg, IGB_MBX_WORDS + 1), -SIETCH_EINVAL);
	uint8_t mac[6];
	uint32_t words[2] = { 0x00545452, 0x5634 };
	mac_from_words(mac, words);
	assert_memory_equal(mac, ((uint8_t[]){ 0x52, 0x54, 0x54, 0x00, 0x34, 0x56 }), 6);
}

static void test_set_mac_only_our_own(void **state)
{
	(void)state;
	bring_up();
	uint8_t other[6] = { 0x02, 0, 0, 0, 0, 1 };
	assert_int_equal(igbvf_set_mac(&vf->netdev, other), -SIETCH_EACCES);
	assert_memory_equal(vf->netdev.mac, m->mac, 6);
	assert_int_equal(m->last_in[0], IGB_VF_SET_MAC_ADDR);
	assert_int_equal(m->last_in[1], 0x00000002);
	assert_int_equal(m->last_in[2], 0x0100);
	assert_int_equal(igbvf_set_mac(&vf->netdev, m->mac), 0);
	struct netdev not_igb = { 0 };
	assert_int_equal(igbvf_set_mac(&not_igb, other), -SIETCH_EINVAL);
}

static void test_mailbox_waits_for_the_pf_to_free_the_buffer(void **state)
{
	(void)state;
	m->pfu_busy = 5;
	uint32_t msg[2] = { IGB_VF_SET_LPE, 1518 };
	assert_int_equal(vf_mailbox_call(&vf->mbx, msg, 2, 2), 0);
	m->pfu_busy = -1 & 0x7fffffff;
	assert_int_equal(vf_mailbox_call(&vf->mbx, msg, 2, 2), -SIETCH_EBUSY);
}

static void test_mailbox_skips_a_pf_notice(void **state)
{
	(void)state;
	m->notice_first = 1;
	uint32_t msg[2] = { IGB_VF_SET_LPE, 1518 };
	assert_int_equal(vf_mailbox_call(&vf->mbx, msg, 2, 2), 0);
	assert_int_equal(msg[0] & IGB_MBX_TYPE_MASK, IGB_VF_SET_LPE);
}

static void test_mailbox_times_out_on_a_silent_pf(void **state)
{
	(void)state;
	m->silent = 1;
	uint32_t msg[1] = { IGB_VF_RESET };
	assert_int_equal(vf_mailbox_call(&vf->mbx, msg, 1, 3), -SIETCH_ETIMEDOUT);
}

/* ---- reset and bring-up ---- */

static void test_reset_sequence_and_ring_programming(void **state)
{
	(void)state;
	m->rsti_reads = 3; /* the PF is still finishing its own reset */
	bring_up();
	assert_int_equal(m->vf_resets, 1);
	assert_int_equal(m->msgs, 3);
	assert_int_equal(m->msg_type[0], IGB_VF_RESET);
	assert_int_equal(m->msg_type[1], IGB_VF_API_NEGOTIATE);
	assert_int_equal(m->msg_arg[1], IGB_MBX_API_1_0);
	assert_int_equal(m->msg_type[2], IGB_VF_SET_LPE);
	assert_int_equal(m->msg_arg[2], IGBVF_MAX_FRAME);
	assert_int_equal(vf->api, IGB_MBX_API_1_0);
	assert_memory_equal(vf->netdev.mac, m->mac, 6);
	assert_int_equal(vf->netdev.mtu, 1500);
	/* receive queue: advanced one-buffer descriptors of 2 KiB, all but one given to the device */
	assert_int_equal(*R(IGBVF_RDBAL), (uint32_t)dma.bus);
	assert_int_equal(*R(IGBVF_RDBAH), (uint32_t)(dma.bus >> 32));
	assert_int_equal(*R(IGBVF_RDLEN), IGBVF_RX_DESCS * 16);
	assert_int_equal(*R(IGBVF_SRRCTL), 2u | IGB_SRRCTL_DESCTYPE_ADV_ONEBUF | IGB_SRRCTL_DROP_EN);
	assert_true(*R(IGBVF_RXDCTL) & IGB_XDCTL_ENABLE);
	assert_int_equal(*R(IGBVF_RDT), IGBVF_RX_DESCS - 1);
	assert_int_equal(*R(IGBVF_TDBAL), (uint32_t)dma.bus + IGBVF_RX_DESCS * 16);
	assert_int_equal(*R(IGBVF_TDLEN), IGBVF_TX_DESCS * 16);
	assert_true(*R(IGBVF_TXDCTL) & IGB_XDCTL_ENABLE);
	assert_int_equal(*R(IGBVF_TDT), 0);
	assert_int_equal(vf->pool.free_count, IGBVF_TX_DESCS);
	for (int i = 0; i < IGBVF_RX_DESCS; i++)
		assert_int_equal(vf->rx.desc[i].read.header_addr, 0);
	assert_ptr_equal(igbvf_from_netdev(&vf->netdev), vf);
}

static void test_reset_failures(void **state)
{
	(void)state;
	m->rsti_reads = -1; /* the PF never finishes its reset */
	assert_int_equal(igbvf_init(vf, 0, &dma, m->mac), -SIETCH_ETIMEDOUT);
	m->rsti_reads = 0;
	m->nack_reset = 1; /* no MAC for this VF */
	assert_int_equal(igbvf_init(vf, 0, &dma, m->mac), -SIETCH_EACCES);
	m->nack_reset = 0;
	uint8_t other[6] = { 2, 0, 0, 0, 0, 9 };
	assert_int_equal(igbvf_init(vf, 0, &dma, other), -SIETCH_EIO);
	struct vf_dma small = dma;
	small.size = 4096;
	assert_int_equal(igbvf_init(vf, 0, &small, m->mac), -SIETCH_EINVAL);
	m->nack_api = 1; /* an older PF: the base message set still works */
	bring_up();
	assert_int_equal(vf->api, 0);
}

/* ---- receive ---- */

static void test_receive_batch_rings_one_doorbell(void **state)
{
	(void)state;
	bring_up();
	uint8_t frame[5][1514];
	for (unsigned i = 0; i < 5; i++) {
		make_frame(frame[i], (uint16_t)(60 + 100 * i), i);
		device_receive(frame[i], 60 + 100 * i, 0);
	}
	static uint8_t space[8][NETDEV_FRAME_MAX];
	void *bufs[8];
	uint16_t lens[8];
	for (int i = 0; i < 8; i++)
		bufs[i] = space[i];
	unsigned before = m->rdt_writes;
	assert_int_equal(vf->netdev.ops->receive_batch(&vf->netdev, bufs, lens, 8), 5);
	assert_int_equal(m->rdt_writes, before + 1);
	assert_int_equal(*R(IGBVF_RDT), 4); /* the last descriptor recycled stays ours */
	for (unsigned i = 0; i < 5; i++) {
		assert_int_equal(lens[i], 60 + 100 * i);
		assert_memory_equal(space[i], frame[i], lens[i]);
	}
	assert_int_equal(vf->netdev.ops->receive_batch(&vf->netdev, bufs, lens, 8), 0);
	assert_int_equal(m->rdt_writes, before + 1); /* nothing received: no doorbell */
	struct netdev_stats st;
	vf->netdev.ops->stats(&vf->netdev, &st);
	assert_int_equal(st.rx_packets, 5);
	assert_int_equal(st.rx_bytes, 60 + 160 + 260 + 360 + 460);
}

static void test_receive_wraps_the_ring_many_times(void **state)
{
	(void)state;
	bring_up();
	static uint8_t space[32][NETDEV_FRAME_MAX];
	void *bufs[32];
	uint16_t lens[32];
	for (int i = 0; i < 32; i++)
		bufs[i] = space[i];
	unsigned sent = 0, got = 0;
	while (sent < 5 * IGBVF_RX_DESCS) {
		for (int k = 0; k < 23; k++, sent++) {
			uint8_t f[200];
			make_frame(f, 200, sent);
			device_receive(f, 200, 0);
		}
		int n;
		while ((n = igbvf_rx_batch(vf, bufs, lens, 32)) > 0) {
			for (int i = 0; i < n; i++, got++) {
				uint8_t f[200];
				make_frame(f, 200, got);
				assert_int_equal(lens[i], 200);
				assert_memory_equal(space[i], f, 200);
			}
		}
	}
	assert_int_equal(got, sent);
	assert_int_equal(m->rx_overruns, 0);
	assert_int_equal(vf->pool.free_count, IGBVF_TX_DESCS); /* the receive ring keeps its own buffers */
}

static void test_receive_full_ring_drops_then_recovers(void **state)
{
	(void)state;
	bring_up();
	uint8_t f[64] = { 1 };
	for (int i = 0; i < IGBVF_RX_DESCS + 5; i++)
		device_receive(f, sizeof(f), 0);
	assert_int_equal(m->rx_overruns, 6); /* the device holds RX_DESCS - 1 descriptors */
	static uint8_t space[IGBVF_RX_DESCS][NETDEV_FRAME_MAX];
	static void *bufs[IGBVF_RX_DESCS];
	uint16_t lens[IGBVF_RX_DESCS];
	for (int i = 0; i < IGBVF_RX_DESCS; i++)
		bufs[i] = space[i];
	assert_int_equal(igbvf_rx_batch(vf, bufs, lens, IGBVF_RX_DESCS), IGBVF_RX_DESCS - 1);
	device_receive(f, sizeof(f), 0);
	assert_int_equal(igbvf_rx_batch(vf, bufs, lens, 4), 1);
}

static void test_receive_drops_oversized_and_bad_frames(void **state)
{
	(void)state;
	bring_up();
	static uint8_t jumbo[5000];
	device_receive(jumbo, sizeof(jumbo), 0); /* three descriptors: dropped whole */
	uint8_t f[100] = { 9 };
	device_receive(f, sizeof(f), IGB_RXD_STAT_L4CS | IGB_RXD_ERR_L4E); /* bad TCP/UDP checksum */
	device_receive(f, sizeof(f), IGB_RXD_STAT_IPCS | IGB_RXD_ERR_IPE); /* bad IP checksum */
	device_receive(f, sizeof(f), IGB_RXD_STAT_IPCS | IGB_RXD_STAT_L4CS); /* checked and good */
	device_receive(f, sizeof(f), IGB_RXD_ERR_L4E); /* an error bit without the check bit: not ours to judge */
	static uint8_t space[8][NETDEV_FRAME_MAX];
	void *bufs[8];
	uint16_t lens[8];
	for (int i = 0; i < 8; i++)
		bufs[i] = space[i];
	assert_int_equal(igbvf_rx_batch(vf, bufs, lens, 8), 2);
	assert_int_equal(lens[0], 100);
	assert_int_equal(space[0][0], 9);
	assert_int_equal(vf->stats.rx_dropped, 1);
	assert_int_equal(vf->stats.rx_errors, 2);
	assert_int_equal(vf->stats.rx_packets, 2);
	/* a jumbo frame split across a batch boundary is still dropped whole */
	device_receive(jumbo, sizeof(jumbo), 0);
	device_receive(f, sizeof(f), 0);
	int delivered = 0;
	while (igbvf_rx_pending(vf))
		delivered += igbvf_rx_batch(vf, bufs, lens, 1);
	assert_int_equal(delivered, 1);
	assert_int_equal(vf->stats.rx_dropped, 2);
	assert_int_equal(vf->stats.rx_packets, 3);
}

/* ---- transmit ---- */

static void test_transmit_batch_rings_one_doorbell(void **state)
{
	(void)state;
	bring_up();
	static uint8_t frames[10][1514];
	const void *fp[10];
	uint16_t lens[10];
	for (unsigned i = 0; i < 10; i++) {
		lens[i] = (uint16_t)(i == 0 ? 42 : 100 + 140 * i); /* an ARP request is 42 bytes */
		make_frame(frames[i], lens[i], i);
		fp[i] = frames[i];
	}
	unsigned before = m->tdt_writes;
	assert_int_equal(vf->netdev.ops->transmit_batch(&vf->netdev, fp, lens, 10), 10);
	assert_int_equal(m->tdt_writes, before + 1);
	assert_int_equal(*R(IGBVF_TDT), 10);
	assert_int_equal(m->sent_count, 10);
	assert_int_equal(m->sent_len[0], 60); /* padded to the Ethernet minimum */
	assert_memory_equal(m->sent[0], frames[0], 42);
	assert_int_equal(m->sent[0][59], 0);
	for (unsigned i = 1; i < 10; i++) {
		assert_int_equal(m->sent_len[i], lens[i]);
		assert_memory_equal(m->sent[i], frames[i], lens[i]);
	}
	assert_int_equal(igbvf_tx_reclaim(vf), 10);
	assert_int_equal(vf->pool.free_count, IGBVF_TX_DESCS);
	struct netdev_stats st;
	vf->netdev.ops->stats(&vf->netdev, &st);
	assert_int_equal(st.tx_packets, 10);
}

/* stats() reports the pool: free, held by the receive ring, held by frames being sent. */
static void test_stats_account_for_every_buffer(void **state)
{
	(void)state;
	bring_up();
	struct netdev_stats st;
	vf->netdev.ops->stats(&vf->netdev, &st);
	assert_int_equal(st.buffers_total, IGBVF_BUFS);
	assert_int_equal(st.buffers_rx, IGBVF_RX_DESCS);
	assert_int_equal(st.buffers_tx, 0);
	assert_int_equal(st.buffers_free, IGBVF_BUFS - IGBVF_RX_DESCS);
	m->tx_hold = 1; /* the device keeps the frames: their buffers stay in the ring */
	static uint8_t frames[3][200];
	const void *fp[3] = { frames[0], frames[1], frames[2] };
	uint16_t lens[3] = { 200, 200, 200 };
	assert_int_equal(vf->netdev.ops->transmit_batch(&vf->netdev, fp, lens, 3), 3);
	vf->netdev.ops->stats(&vf->netdev, &st);
	assert_int_equal(st.buffers_tx, 3);
	assert_int_equal(st.buffers_free + st.buffers_rx + st.buffers_tx, st.buffers_total);
}

/* set_max_frame asks the PF with SET_LPE, and a later reset asks for the same again. */
static void test_set_max_frame_survives_a_reset(void **state)
{
	(void)state;
	bring_up();
	assert_int_equal(vf->netdev.ops->set_max_frame(&vf->netdev, 16379), 0);
	assert_int_equal(m->msg_type[m->msgs - 1], IGB_VF_SET_LPE);
	assert_int_equal(m->msg_arg[m->msgs - 1], 16379);
	assert_int_equal(igbvf_reset(vf), 0);
	assert_int_equal(m->msg_type[m->msgs - 1], IGB_VF_SET_LPE);
	assert_int_equal(m->msg_arg[m->msgs - 1], 16379);
}

static void test_transmit_full_ring_and_wrap(void **state)
{
	(void)state;
	bring_up();
	m->tx_hold = 1; /* the device sends nothing yet */
	unsigned before = m->tdt_writes;
	static uint8_t frame[64];
	static const void *fp[IGBVF_TX_DESCS + 10];
	static uint16_t lens[IGBVF_TX_DESCS + 10];
	for (int i = 0; i < IGBVF_TX_DESCS + 10; i++) {
		fp[i] = frame;
		lens[i] = 64;
	}
	assert_int_equal(igbvf_tx_batch(vf, fp, lens, IGBVF_TX_DESCS + 10), IGBVF_TX_DESCS - 1);
	assert_int_equal(igbvf_tx_batch(vf, fp, lens, 1), 0); /* full: taken none, no doorbell */
	assert_int_equal(m->tdt_writes, before + 1);
	m->tx_hold = 0;
	device_transmit();
	assert_int_equal(m->sent_count, IGBVF_TX_DESCS - 1);
	/* then many batches around the ring, the pool whole at the end */
	for (int round = 0; round < 20; round++)
		assert_int_equal(igbvf_tx_batch(vf, fp, lens, 37), 37);
	igbvf_tx_reclaim(vf);
	assert_int_equal(vf->tx.used, 0);
	assert_int_equal(vf->pool.free_count, IGBVF_TX_DESCS);
	assert_int_equal(m->tdt_writes, before + 21);
}

static void test_transmit_refuses_bad_lengths(void **state)
{
	(void)state;
	bring_up();
	static uint8_t frame[4000];
	const void *fp[3] = { frame, frame, frame };
	uint16_t lens[3] = { 0, 3000, 100 };
	assert_int_equal(igbvf_tx_batch(vf, fp, lens, 3), 3);
	assert_int_equal(m->sent_count, 1);
	assert_int_equal(vf->stats.tx_dropped, 2);
	assert_int_equal(vf->stats.tx_packets, 1);
}

/* An Ethernet + IPv4 + TCP or UDP frame with wrong checksums in it, for the driver to prepare. */
static uint16_t ip_frame(uint8_t *f, uint8_t proto, uint16_t payload)
{
	uint16_t l4 = proto == 6 ? 20 : 8, total = (uint16_t)(20 + l4 + payload);
	memset(f, 0, 14 + total);
	f[12] = 0x08;
	f[14] = 0x45;
	f[16] = (uint8_t)(total >> 8), f[17] = (uint8_t)total;
	f[22] = 64, f[23] = proto;
	f[24] = 0xde, f[25] = 0xad; /* a checksum the device must replace */
	memcpy(f + 26, ((uint8_t[]){ 10, 0, 2, 15, 10, 0, 2, 2 }), 8);
	for (uint16_t i = 0; i < payload; i++)
		f[14 + 20 + l4 + i] = (uint8_t)i;
	return (uint16_t)(14 + total);
}

static uint16_t sum16(const uint8_t *p, unsigned len, uint32_t sum)
{
	for (unsigned i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static void test_transmit_checksum_offload(void **state)
{
	(void)state;
	bring_up();
	static uint8_t tcp[200], udp[200], arp[42], frag[200];
	uint16_t lens[5] = { ip_frame(tcp, 6, 50), ip_frame(udp, 17, 33), 42, ip_frame(frag, 17, 20), 0 };
	frag[20] = 0x20; /* More Fragments */
	lens[4] = ip_frame(udp + 100, 17, 5);
	const void *fp[5] = { tcp, udp, arp, frag, udp + 100 };
	assert_int_equal(igbvf_set_tx_checksum(&vf->netdev, 1), 0);
	assert_int_equal(igbvf_tx_batch(vf, fp, lens, 5), 5);
	assert_int_equal(m->sent_count, 5);
	assert_int_equal(m->contexts, 2); /* TCP, then UDP; the second UDP frame reuses the context */
	assert_int_equal(m->sent_popts[0], IGB_TXD_POPTS_IXSM | IGB_TXD_POPTS_TXSM);
	assert_int_equal(m->sent_context[0].vlan_macip_lens, 20 | 14 << IGB_TXCTX_MACLEN_SHIFT);
	assert_true(m->sent_context[0].type_tucmd_mlhl & IGB_TXCTX_TUCMD_L4T_TCP);
	assert_true(m->sent_context[0].type_tucmd_mlhl & IGB_TXCTX_TUCMD_IPV4);
	assert_false(m->sent_context[1].type_tucmd_mlhl & IGB_TXCTX_TUCMD_L4T_TCP);
	assert_int_equal(m->sent_popts[2], 0); /* ARP: as is */
	assert_int_equal(m->sent_popts[3], 0); /* a fragment: as is */
	assert_int_equal(m->sent_popts[4], IGB_TXD_POPTS_IXSM | IGB_TXD_POPTS_TXSM);
	/* the copies: IP checksum zero, L4 checksum the pseudo-header sum, the caller's frames untouched */
	assert_int_equal(m->sent[0][24] | m->sent[0][25], 0);
	uint8_t pseudo[12] = { 10, 0, 2, 15, 10, 0, 2, 2, 0, 6, 0, 70 };
	assert_int_equal(m->sent[0][34 + 16] << 8 | m->sent[0][34 + 17], sum16(pseudo, 12, 0));
	assert_int_equal(tcp[24], 0xde);
	/* completing the checksum over the segment, as the device does, gives a valid one */
	uint8_t *seg = m->sent[0] + 34;
	uint16_t c = (uint16_t)~sum16(seg, 70, 0);
	seg[16] = (uint8_t)(c >> 8), seg[17] = (uint8_t)c;
	assert_int_equal(sum16(pseudo, 12, sum16(seg, 70, 0)), 0xffff);
	igbvf_tx_reclaim(vf);
	assert_int_equal(vf->tx.used, 0); /* context slots go with their frames */
	assert_int_equal(vf->pool.free_count, IGBVF_TX_DESCS);
	struct netdev other = { 0 };
	assert_int_equal(igbvf_set_tx_checksum(&other, 1), -SIETCH_EINVAL);
}

/* ---- sleeping on the receive interrupt ---- */

static int sleeps;
static uint32_t eims_during_sleep;
static long sleep_then_frame(struct igbvf *v)
{
	(void)v;
	sleeps++;
	eims_during_sleep = *R(IGBVF_EIMS);
	uint8_t f[60] = { 1 };
	if (sleeps == 2) /* the first wake-up is spurious: nothing arrived */
		device_receive(f, sizeof(f), 0);
	return 0;
}

static void test_wait_sleeps_on_the_interrupt(void **state)
{
	(void)state;
	bring_up();
	assert_int_equal(*R(IGBVF_IVAR0), IGB_IVAR_VALID | IGBVF_RX_VECTOR);
	assert_int_equal(*R(IGBVF_EIAC), 1u << IGBVF_RX_VECTOR);
	vf->sleep = sleep_then_frame;
	assert_int_equal(vf->netdev.ops->wait(&vf->netdev, IGBVF_WAIT_FOREVER), 1);
	assert_int_equal(sleeps, 2);
	assert_int_equal(eims_during_sleep, 1u << IGBVF_RX_VECTOR); /* unmasked while asleep */
	assert_int_equal(*R(IGBVF_EIMC), 1u << IGBVF_RX_VECTOR);    /* masked again after */
	/* a frame already there: no sleep at all */
	assert_int_equal(vf->netdev.ops->wait(&vf->netdev, IGBVF_WAIT_FOREVER), 1);
	assert_int_equal(sleeps, 2);
	/* a finite timeout polls, even with an interrupt bound */
	static uint8_t space[1][NETDEV_FRAME_MAX];
	void *bufs[1] = { space[0] };
	uint16_t lens[1];
	assert_int_equal(igbvf_rx_batch(vf, bufs, lens, 1), 1);
	assert_int_equal(vf->netdev.ops->wait(&vf->netdev, 1000), 0);
	assert_int_equal(sleeps, 2);
}

/* ---- link, statistics, close ---- */

static int released;
static void release(struct igbvf *v)
{
	(void)v;
	released++;
}

static void test_link_stats_and_close(void **state)
{
	(void)state;
	*R(IGBVF_VFGPRC) = 0xfffffff0u; /* about to wrap */
	bring_up();
	assert_int_equal(vf->netdev.ops->link_up(&vf->netdev), 1);
	*R(IGBVF_STATUS) = 0;
	assert_int_equal(vf->netdev.ops->link_up(&vf->netdev), 0);
	*R(IGBVF_STATUS) = IGBVF_STATUS_LU;
	m->rsti_reads = 1; /* the PF is being reset: the link is down for us */
	assert_int_equal(vf->netdev.ops->link_up(&vf->netdev), 0);
	*R(IGBVF_VFGPRC) = 0x10; /* 0x20 more, across the wrap */
	*R(IGBVF_VFGPTC) = 7;
	igbvf_hw_stats_update(vf);
	assert_int_equal(vf->hw.rx_packets, 0x20);
	assert_int_equal(vf->hw.tx_packets, 7);
	/* wait: nothing pending times out, polling a little, then sleeping a millisecond at a time */
	uint64_t t0 = vf_clock.us;
	assert_int_equal(vf->netdev.ops->wait(&vf->netdev, 50000000), 0);
	assert_true(vf_clock.us - t0 >= 50000);
	assert_in_range(vf_clock.sleeps, 45, 50);
	assert_int_equal(vf_clock.longest_sleep_us, 1000); /* a millisecond at a time */
	assert_in_range(vf_clock.pauses, 1, 100);
	uint8_t f[60] = { 0 };
	device_receive(f, sizeof(f), 0);
	assert_int_equal(vf->netdev.ops->wait(&vf->netdev, 50000), 1);
	vf->release = release;
	int resets = m->vf_resets;
	vf->netdev.ops->close(&vf->netdev);
	assert_int_equal(m->vf_resets, resets + 1);
	assert_false(*R(IGBVF_RXDCTL) & IGB_XDCTL_ENABLE);
	assert_false(*R(IGBVF_TXDCTL) & IGB_XDCTL_ENABLE);
	assert_int_equal(released, 1);
	struct netdev other = { 0 };
	assert_null(igbvf_from_netdev(&other));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pool_hands_out_every_buffer_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mailbox_message_encoding, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mailbox_waits_for_the_pf_to_free_the_buffer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_mac_only_our_own, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mailbox_skips_a_pf_notice, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mailbox_times_out_on_a_silent_pf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_sequence_and_ring_programming, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_failures, setup, teardown),
		cmocka_unit_test_setup_teardown(test_receive_batch_rings_one_doorbell, setup, teardown),
		cmocka_unit_test_setup_teardown(test_receive_wraps_the_ring_many_times, setup, teardown),
		cmocka_unit_test_setup_teardown(test_receive_full_ring_drops_then_recovers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_receive_drops_oversized_and_bad_frames, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stats_account_for_every_buffer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_max_frame_survives_a_reset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_transmit_batch_rings_one_doorbell, setup, teardown),
		cmocka_unit_test_setup_teardown(test_transmit_full_ring_and_wrap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_transmit_refuses_bad_lengths, setup, teardown),
		cmocka_unit_test_setup_teardown(test_transmit_checksum_offload, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wait_sleeps_on_the_interrupt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_link_stats_and_close, setup, teardown),
	};
	return cmocka_run_group_tests(tests, 0, 0);
}
