/*
 * Host tests of the 82599 VF driver (drivers/ixgbe-vf/os) against a model of
 * the VF written from the datasheet: VFMAILBOX with its read-to-clear bits and
 * the VFU/PFU lock, VFCTRL.RST clearing the queues and the PF's RSTI/RSTD,
 * RXDCTL/TXDCTL enables that read back, descriptor fetch and write-back at
 * RDH/TDH (§7.1.6, §7.2.3.2.4), wrapping 32- and 36-bit statistics, and a PF
 * that answers the mailbox as Linux's ixgbe PF does. DMA addresses are host
 * addresses.
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
#include "drivers/ixgbe-vf/os/vf.c"

#define MAX_SENT 800
#define MAX_MSGS 32

static struct model {
	uint32_t reg[0x4000 / 4];
	uint8_t mac[6];
	/* the PF */
	int nack_reset, max_api, refuse_mac, pfu_held;
	int rsti_reads; /* VFMAILBOX reads that still show RSTI after VFCTRL.RST; -1: forever */
	int rstd_pending;
	int enable_reads; /* reads of RXDCTL/TXDCTL before ENABLE shows */
	uint32_t msg[MAX_MSGS][IXGBEVF_MBX_WORDS];
	unsigned msgs;
	/* the device */
	int resets;
	unsigned rdt_writes, tdt_writes, rx_missed;
	int tx_hold;
	uint8_t sent[MAX_SENT][IXGBEVF_BUF_SIZE];
	uint16_t sent_len[MAX_SENT];
	unsigned sent_count;
} * m;

static uint32_t *R(uint32_t reg)
{
	return &m->reg[reg / 4];
}

/* The PF read the VF's message: it acknowledges it and puts its reply. */
static void pf_answer(void)
{
	uint32_t in[IXGBEVF_MBX_WORDS], out[IXGBEVF_MBX_WORDS] = { 0 };
	for (int i = 0; i < IXGBEVF_MBX_WORDS; i++)
		in[i] = *R(IXGBEVF_VFMBMEM + 4 * i);
	assert_true(m->msgs < MAX_MSGS);
	memcpy(m->msg[m->msgs++], in, sizeof(in));
	uint32_t type = in[0] & IXGBEVF_MSG_TYPE_MASK;
	int ack = 1;
	out[0] = type;
	switch (type) {
	case IXGBEVF_MSG_RESET:
		ack = !m->nack_reset;
		memcpy(&out[1], m->mac, 4);
		memcpy(&out[2], m->mac + 4, 2);
		break;
	case IXGBEVF_MSG_API_NEGOTIATE:
		ack = (int)in[1] <= m->max_api && in[1] != 1; /* 1 is the never-used 2.0 */
		break;
	case IXGBEVF_MSG_SET_MAC:
		ack = !m->refuse_mac;
		break;
	case IXGBEVF_MSG_SET_LPE:
		ack = in[1] >= 64 && in[1] <= 9728;
		break;
	default:
		ack = 0;
	}
	out[0] |= (ack ? IXGBEVF_MSG_ACK : IXGBEVF_MSG_NACK) | IXGBEVF_MSG_CTS;
	for (int i = 0; i < IXGBEVF_MBX_WORDS; i++)
		*R(IXGBEVF_VFMBMEM + 4 * i) = out[i];
	*R(IXGBEVF_VFMAILBOX) |= IXGBEVF_VFMAILBOX_PFACK | IXGBEVF_VFMAILBOX_PFSTS;
}

static void mailbox_write(uint32_t value)
{
	uint32_t *box = R(IXGBEVF_VFMAILBOX);
	/* VFU sticks only when the PF does not hold the buffer; any write without it drops it. */
	if ((value & IXGBEVF_VFMAILBOX_VFU) && !m->pfu_held)
		*box |= IXGBEVF_VFMAILBOX_VFU;
	else
		*box &= ~IXGBEVF_VFMAILBOX_VFU;
	if (value & IXGBEVF_VFMAILBOX_REQ)
		pf_answer();
}

static uint32_t mailbox_read(void)
{
	uint32_t *box = R(IXGBEVF_VFMAILBOX);
	if (m->rsti_reads != 0) {
		*box |= IXGBEVF_VFMAILBOX_RSTI;
		if (m->rsti_reads > 0)
			m->rsti_reads--;
	} else if (*box & IXGBEVF_VFMAILBOX_RSTI) {
		*box &= ~IXGBEVF_VFMAILBOX_RSTI;
		m->rstd_pending = 1;
	}
	if (m->rstd_pending) {
		*box |= IXGBEVF_VFMAILBOX_RSTD;
		m->rstd_pending = 0;
	}
	uint32_t value = *box | (m->pfu_held ? IXGBEVF_VFMAILBOX_PFU : 0);
	*box &= ~IXGBEVF_VFMAILBOX_R2C; /* read to clear */
	return value;
}

static void *dma_at(uint64_t bus)
{
	return (void *)(uintptr_t)bus;
}

static void count_octets(uint32_t lsb, uint32_t bytes)
{
	uint64_t v = ((uint64_t)(*R(lsb + 4) & 0xf) << 32 | *R(lsb)) + bytes;
	*R(lsb) = (uint32_t)v;
	*R(lsb + 4) = (uint32_t)(v >> 32) & 0xf;
}

/* Transmit from TDH up to TDT (§7.2.3.2.4): fetch, send, write DD back where RS asks. */
static void device_transmit(void)
{
	uint32_t len_ring = *R(IXGBEVF_VFTDLEN) / 16;
	union ixgbevf_tx_desc *ring = dma_at((uint64_t)*R(IXGBEVF_VFTDBAH) << 32 | *R(IXGBEVF_VFTDBAL));
	while (!m->tx_hold && *R(IXGBEVF_VFTDH) != *R(IXGBEVF_VFTDT)) {
		union ixgbevf_tx_desc *d = &ring[*R(IXGBEVF_VFTDH)];
		uint32_t cmd = d->read.cmd_type_len;
		assert_true(cmd & IXGBEVF_TXD_CMD_DEXT);
		assert_int_equal(cmd & (0xfu << 20), IXGBEVF_TXD_DTYP_DATA);
		assert_true(cmd & IXGBEVF_TXD_CMD_EOP);
		assert_true(cmd & IXGBEVF_TXD_CMD_IFCS);
		uint16_t len = cmd & 0xffff;
		assert_int_equal(d->read.olinfo_status >> IXGBEVF_TXD_PAYLEN_SHIFT, len);
		assert_true(m->sent_count < MAX_SENT);
		memcpy(m->sent[m->sent_count], dma_at(d->read.buffer_address), len);
		m->sent_len[m->sent_count++] = len;
		*R(IXGBEVF_VFGPTC) += 1;
		count_octets(IXGBEVF_VFGOTC_LSB, len);
		if (cmd & IXGBEVF_TXD_CMD_RS) {
			memset(d, 0, sizeof(*d));
			d->wb.status = IXGBEVF_TXD_STAT_DD;
		}
		*R(IXGBEVF_VFTDH) = (*R(IXGBEVF_VFTDH) + 1) % len_ring;
	}
}

static void device_reset(void)
{
	m->resets++;
	static const uint32_t cleared[] = { IXGBEVF_VFRXDCTL, IXGBEVF_VFTXDCTL, IXGBEVF_VFRDH,
					    IXGBEVF_VFRDT, IXGBEVF_VFTDH, IXGBEVF_VFTDT };
	for (unsigned i = 0; i < sizeof(cleared) / sizeof(cleared[0]); i++)
		*R(cleared[i]) = 0;
	if (m->rsti_reads == 0)
		m->rsti_reads = 3; /* the PF takes a while to notice and finish */
}

void vf_write(volatile void *bar, uint32_t reg, uint32_t value)
{
	(void)bar;
	assert_true(reg < sizeof(m->reg) && reg % 4 == 0);
	switch (reg) {
	case IXGBEVF_VFMAILBOX:
		mailbox_write(value);
		return;
	case IXGBEVF_VFCTRL:
		if (value & IXGBEVF_VFCTRL_RST)
			device_reset();
		return;
	case IXGBEVF_VFRDT:
		assert_true(value < *R(IXGBEVF_VFRDLEN) / 16);
		m->rdt_writes++;
		break;
	case IXGBEVF_VFTDT:
		assert_true(value < *R(IXGBEVF_VFTDLEN) / 16);
		m->tdt_writes++;
		*R(reg) = value;
		device_transmit();
		return;
	case IXGBEVF_VFRDBAL:
	case IXGBEVF_VFTDBAL:
		assert_int_equal(value % IXGBEVF_RING_ALIGN, 0);
		break;
	case IXGBEVF_VFRDLEN:
	case IXGBEVF_VFTDLEN:
		assert_int_equal(value % IXGBEVF_RING_ALIGN, 0);
		break;
	}
	*R(reg) = value;
}

uint32_t vf_read(volatile void *bar, uint32_t reg)
{
	(void)bar;
	assert_true(reg < sizeof(m->reg) && reg % 4 == 0);
	if (reg == IXGBEVF_VFMAILBOX)
		return mailbox_read();
	if ((reg == IXGBEVF_VFRXDCTL || reg == IXGBEVF_VFTXDCTL) && m->enable_reads > 0) {
		m->enable_reads--;
		return *R(reg) & ~IXGBEVF_RXDCTL_ENABLE;
	}
	return *R(reg);
}

/* The wire hands the VF a frame (§7.1.6.2): into buffers from RDH, one per 2 KiB, EOP on the last. */
static int device_receive(const uint8_t *frame, uint32_t len, uint32_t errors)
{
	uint32_t ring_len = *R(IXGBEVF_VFRDLEN) / 16;
	union ixgbevf_rx_desc *ring = dma_at((uint64_t)*R(IXGBEVF_VFRDBAH) << 32 | *R(IXGBEVF_VFRDBAL));
	uint32_t bsize = (*R(IXGBEVF_VFSRRCTL) & 0x1f) * IXGBEVF_SRRCTL_BSIZEPKT_UNIT;
	assert_true(*R(IXGBEVF_VFRXDCTL) & IXGBEVF_RXDCTL_ENABLE);
	assert_int_equal(*R(IXGBEVF_VFSRRCTL) & (7u << 25), IXGBEVF_SRRCTL_DESCTYPE_ADV_ONEBUF);
	uint32_t needed = (len + bsize - 1) / bsize;
	uint32_t free_descs = (*R(IXGBEVF_VFRDT) + ring_len - *R(IXGBEVF_VFRDH)) % ring_len;
	if (free_descs < needed) {
		m->rx_missed++; /* SRRCTL.DROP_EN: dropped, not stalled */
		return 0;
	}
	for (uint32_t off = 0; off < len; off += bsize) {
		union ixgbevf_rx_desc *d = &ring[*R(IXGBEVF_VFRDH)];
		uint32_t part = len - off < bsize ? len - off : bsize;
		memcpy(dma_at(d->read.packet_address), frame + off, part);
		memset(d, 0, sizeof(*d));
		d->wb.length = (uint16_t)part;
		d->wb.status_error = IXGBEVF_RXD_STAT_DD | errors |
				     (off + part == len ? IXGBEVF_RXD_STAT_EOP : 0);
		*R(IXGBEVF_VFRDH) = (*R(IXGBEVF_VFRDH) + 1) % ring_len;
	}
	if (!errors) {
		*R(IXGBEVF_VFGPRC) += 1;
		count_octets(IXGBEVF_VFGORC_LSB, len);
	}
	return 1;
}

static struct ixgbevf vf;
static void *dma_mem;

static int setup(void **state)
{
	(void)state;
	m = calloc(1, sizeof(*m));
	vf_clock = (struct vf_clock){ 0 };
	static const uint8_t mac[6] = { 0x02, 0x09, 0x0a, 0x0b, 0x0c, 0x0d };
	memcpy(m->mac, mac, 6);
	m->max_api = IXGBEVF_API_13;
	m->enable_reads = 2;
	*R(IXGBEVF_VFLINKS) = IXGBEVF_VFLINKS_UP | 3u << IXGBEVF_VFLINKS_SPEED_SHIFT;
	dma_mem = aligned_alloc(4096, IXGBEVF_DMA_SIZE);
	memset(dma_mem, 0xa5, IXGBEVF_DMA_SIZE);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(dma_mem);
	free(m);
	return 0;
}

static int init(void)
{
	struct vf_dma dma = { dma_mem, (uint64_t)(uintptr_t)dma_mem, IXGBEVF_DMA_SIZE };
	return ixgbevf_init(&vf, R(0), &dma);
}

static void test_reset_and_handshake(void **state)
{
	(void)state;
	assert_int_equal(init(), 0);
	assert_int_equal(m->resets, 1);
	assert_int_equal(m->msgs, 3);
	assert_int_equal(m->msg[0][0], IXGBEVF_MSG_RESET);
	assert_int_equal(m->msg[1][0], IXGBEVF_MSG_API_NEGOTIATE);
	assert_int_equal(m->msg[1][1], IXGBEVF_API_13);
	assert_int_equal(m->msg[2][0], IXGBEVF_MSG_SET_LPE);
	assert_int_equal(m->msg[2][1], IXGBEVF_MAX_FRAME);
	assert_int_equal(vf.api, IXGBEVF_API_13);
	assert_memory_equal(vf.netdev.mac, m->mac, 6);
	assert_true(*R(IXGBEVF_VFRXDCTL) & IXGBEVF_RXDCTL_ENABLE);
	assert_true(*R(IXGBEVF_VFTXDCTL) & IXGBEVF_TXDCTL_ENABLE);
	assert_int_equal(*R(IXGBEVF_VFRDT), IXGBEVF_RX_DESCS - 1);
	assert_int_equal(*R(IXGBEVF_VFRDLEN), IXGBEVF_RX_DESCS * 16);
	assert_int_equal(*R(IXGBEVF_VFSRRCTL) & 0x1f, 2);
	assert_true(*R(IXGBEVF_VFSRRCTL) & IXGBEVF_SRRCTL_DROP_EN);
	/* The mailbox was given back after every exchange. */
	assert_false(*R(IXGBEVF_VFMAILBOX) & IXGBEVF_VFMAILBOX_VFU);
	assert_int_equal(vf.netdev.ops->link_up(&vf.netdev), 1);
}

static void test_api_falls_back(void **state)
{
	(void)state;
	m->max_api = IXGBEVF_API_11;
	assert_int_equal(init(), 0);
	assert_int_equal(vf.api, IXGBEVF_API_11);
	assert_int_equal(m->msg[1][1], IXGBEVF_API_13);
	assert_int_equal(m->msg[2][1], IXGBEVF_API_12);
	assert_int_equal(m->msg[3][1], IXGBEVF_API_11);
	m->max_api = -1; /* a PF that speaks nothing we know */
	m->msgs = 0;
	assert_int_equal(init(), -SIETCH_EACCES);
}

static void test_reset_waits_for_pf(void **state)
{
	(void)state;
	m->rsti_reads = -1; /* the PF never finishes */
	assert_int_equal(init(), -SIETCH_ETIMEDOUT);
	assert_int_equal(m->msgs, 0); /* no mailbox traffic while the PF resets */
}

static void test_reset_nack_leaves_no_mac(void **state)
{
	(void)state;
	m->nack_reset = 1;
	assert_int_equal(init(), 0);
	static const uint8_t zero[6];
	assert_memory_equal(vf.netdev.mac, zero, 6);
}

static void test_mailbox_busy(void **state)
{
	(void)state;
	assert_int_equal(init(), 0);
	m->pfu_held = 1;
	uint8_t mac[6] = { 2, 1, 1, 1, 1, 1 };
	assert_int_equal(ixgbevf_set_mac(&vf, mac), -SIETCH_EBUSY);
	m->pfu_held = 0;
	assert_int_equal(ixgbevf_set_mac(&vf, mac), 0);
	assert_memory_equal(vf.netdev.mac, mac, 6);
	assert_int_equal(m->msg[m->msgs - 1][0], IXGBEVF_MSG_SET_MAC);
	assert_memory_equal(&m->msg[m->msgs - 1][1], mac, 4);
	m->refuse_mac = 1;
	uint8_t other[6] = { 2, 2, 2, 2, 2, 2 };
	assert_int_equal(ixgbevf_set_mac(&vf, other), -SIETCH_EACCES);
	assert_memory_equal(vf.netdev.mac, mac, 6);
}

static void send_batches(int batches, int per_batch)
{
	uint8_t frames[64][64];
	const void *ptrs[64];
	uint16_t lens[64];
	for (int b = 0; b < batches; b++) {
		for (int i = 0; i < per_batch; i++) {
			memset(frames[i], (uint8_t)(b * per_batch + i), sizeof(frames[i]));
			ptrs[i] = frames[i];
			lens[i] = (uint16_t)(60 + i % 4);
		}
		assert_int_equal(vf.netdev.ops->transmit_batch(&vf.netdev, ptrs, lens, per_batch), per_batch);
	}
}

static void test_tx_one_doorbell_and_wrap(void **state)
{
	(void)state;
	assert_int_equal(init(), 0);
	unsigned setup_writes = m->tdt_writes; /* TDT = 0 while the ring is programmed */
	send_batches(12, 50);		       /* 600 frames: the 256-descriptor ring wraps twice */
	assert_int_equal(m->tdt_writes - setup_writes, 12);
	assert_int_equal(m->sent_count, 600);
	for (unsigned i = 0; i < 600; i++) {
		assert_int_equal(m->sent_len[i], 60 + i % 50 % 4);
		assert_int_equal(m->sent[i][0], (uint8_t)i);
	}
	struct netdev_stats s;
	vf.netdev.ops->stats(&vf.netdev, &s);
	assert_int_equal(s.tx_packets, 600);
	assert_int_equal(s.buffers_tx, 0);
	assert_int_equal(vf.hw.tx_packets, 600);
}

static void test_tx_ring_full(void **state)
{
	(void)state;
	assert_int_equal(init(), 0);
	m->tx_hold = 1;
	uint8_t frame[60] = { 1 };
	const void *ptrs[64];
	uint16_t lens[64];
	for (int i = 0; i < 64; i++) {
		ptrs[i] = frame;
		lens[i] = 60;
	}
	int taken = 0;
	for (int i = 0; i < 5; i++)
		taken += vf.netdev.ops->transmit_batch(&vf.netdev, ptrs, lens, 64);
	assert_int_equal(taken, IXGBEVF_TX_DESCS - 1);
	assert_int_equal(vf.netdev.ops->transmit_batch(&vf.netdev, ptrs, lens, 1), 0);
	m->tx_hold = 0;
	device_transmit();
	assert_int_equal(vf.netdev.ops->transmit_batch(&vf.netdev, ptrs, lens, 64), 64);
	lens[0] = NETDEV_FRAME_MAX + 1;
	assert_int_equal(vf.netdev.ops->transmit_batch(&vf.netdev, ptrs, lens, 1), 1);
	struct netdev_stats s;
	vf.netdev.ops->stats(&vf.netdev, &s);
	assert_int_equal(s.tx_dropped, 1);
}

/* Where receive puts up to RX_BATCH frames: rx_frame[i], rx_len[i] long; cleared first,
 * so that nothing left from an earlier call or test can pass for a received frame. */
#define RX_BATCH 32
static uint8_t rx_frame[RX_BATCH][NETDEV_FRAME_MAX];
static uint16_t rx_len[RX_BATCH];

static int receive(int max)
{
	void *bufs[RX_BATCH];
	assert_true(max <= RX_BATCH);
	memset(rx_frame, 0, sizeof(rx_frame));
	memset(rx_len, 0, sizeof(rx_len));
	for (int i = 0; i < max; i++)
		bufs[i] = rx_frame[i];
	return vf.netdev.ops->receive_batch(&vf.netdev, bufs, rx_len, max);
}

static void test_rx_writeback_and_wrap(void **state)
{
	(void)state;
	assert_int_equal(init(), 0);
	unsigned setup_writes = m->rdt_writes;
	assert_int_equal(receive(32), 0);
	assert_int_equal(m->rdt_writes, setup_writes); /* no doorbell for nothing */
	unsigned next = 0;
	for (int round = 0; round < 30; round++) { /* 30 * 20 = 600 frames through 256 slots */
		for (int i = 0; i < 20; i++) {
			uint8_t frame[100];
			memset(frame, (uint8_t)(round * 20 + i), sizeof(frame));
			assert_int_equal(device_receive(frame, 64 + i, 0), 1);
		}
		unsigned before = m->rdt_writes;
		assert_int_equal(receive(32), 20);
		assert_int_equal(m->rdt_writes, before + 1);
		for (int i = 0; i < 20; i++, next++) {
			assert_int_equal(rx_len[i], 64 + i);
			assert_int_equal(rx_frame[i][0], (uint8_t)next);
		}
	}
	struct netdev_stats s;
	vf.netdev.ops->stats(&vf.netdev, &s);
	assert_int_equal(s.rx_packets, 600);
	assert_int_equal(vf.hw.rx_packets, 600);
}

static void test_rx_errors_and_overrun(void **state)
{
	(void)state;
	assert_int_equal(init(), 0);
	static uint8_t big[3000];
	uint8_t frame[80] = { 7 };
	device_receive(frame, 80, IXGBEVF_RXD_ERR_RXE); /* CRC error */
	device_receive(big, sizeof(big), 0);		/* two buffers, EOP on the second */
	device_receive(frame, 80, 0);
	assert_int_equal(receive(8), 1);
	assert_int_equal(rx_len[0], 80);
	assert_int_equal(rx_frame[0][0], 7);
	struct netdev_stats s;
	vf.netdev.ops->stats(&vf.netdev, &s);
	assert_int_equal(s.rx_errors, 1);
	assert_int_equal(s.rx_dropped, 1);
	/* The ring full (nobody receiving): the device drops, then recovers once read. */
	int taken = 0;
	for (int i = 0; i < IXGBEVF_RX_DESCS + 10; i++)
		taken += device_receive(frame, 80, 0);
	assert_int_equal(taken, IXGBEVF_RX_DESCS - 1);
	assert_int_equal(m->rx_missed, 11);
	int got = 0, r;
	while ((r = receive(8)) > 0)
		got += r;
	assert_int_equal(got, IXGBEVF_RX_DESCS - 1);
	assert_int_equal(device_receive(frame, 80, 0), 1);
	assert_int_equal(receive(8), 1);
}

static void test_stats_wrap(void **state)
{
	(void)state;
	*R(IXGBEVF_VFGPRC) = 0xfffffff0u;
	*R(IXGBEVF_VFGORC_LSB) = 0xffffff00u;
	*R(IXGBEVF_VFGORC_MSB) = 0xf; /* 36-bit counter about to wrap */
	assert_int_equal(init(), 0);
	uint8_t frame[100] = { 0 };
	for (int i = 0; i < 32; i++)
		device_receive(frame, 100, 0);
	assert_int_equal(receive(32), 32);
	ixgbevf_hw_stats_update(&vf);
	assert_int_equal(vf.hw.rx_packets, 32);
	assert_int_equal(vf.hw.rx_bytes, 3200);
	assert_true(*R(IXGBEVF_VFGPRC) < 0x100); /* the register did wrap */
}

static void test_link_state(void **state)
{
	(void)state;
	assert_int_equal(init(), 0);
	assert_int_equal(vf.netdev.ops->link_up(&vf.netdev), 1);
	*R(IXGBEVF_VFLINKS) = 0;
	assert_int_equal(vf.netdev.ops->link_up(&vf.netdev), 0);
	*R(IXGBEVF_VFLINKS) = IXGBEVF_VFLINKS_UP;
	assert_int_equal(vf.netdev.ops->link_up(&vf.netdev), 1);
	m->rsti_reads = 2; /* the PF resets: the VF must come up again before it counts as up */
	assert_int_equal(vf.netdev.ops->link_up(&vf.netdev), 0);
	assert_int_equal(vf.netdev.ops->link_up(&vf.netdev), 0);
	assert_int_equal(ixgbevf_init(&vf, R(0), &(struct vf_dma){ dma_mem, (uintptr_t)dma_mem, IXGBEVF_DMA_SIZE }),
			 0);
	assert_int_equal(vf.netdev.ops->link_up(&vf.netdev), 1);
}

static void test_init_rejects_bad_memory(void **state)
{
	(void)state;
	struct vf_dma dma = { dma_mem, (uintptr_t)dma_mem + 8, IXGBEVF_DMA_SIZE };
	assert_int_equal(ixgbevf_init(&vf, R(0), &dma), -SIETCH_EINVAL);
	dma.bus = (uintptr_t)dma_mem;
	dma.size = IXGBEVF_DMA_SIZE - 1;
	assert_int_equal(ixgbevf_init(&vf, R(0), &dma), -SIETCH_EINVAL);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_reset_and_handshake),
		T(test_api_falls_back),
		T(test_reset_waits_for_pf),
		T(test_reset_nack_leaves_no_mac),
		T(test_mailbox_busy),
		T(test_tx_one_doorbell_and_wrap),
		T(test_tx_ring_full),
		T(test_rx_writeback_and_wrap),
		T(test_rx_errors_and_overrun),
		T(test_stats_wrap),
		T(test_link_state),

		T(test_init_rejects_bad_memory),
	};
	return cmocka_run_group_tests(tests, 0, 0);
}
