/*
 * Host tests for the igb PF's register programming (drivers/igb/kernel/pf_hw.c) and its side of
 * the mailbox (mbx.c), against a model of the 82576's registers that behaves as QEMU's igb_core.c
 * does where it matters: CTRL.RST and MDIC complete at once, ICR reads clear, VFLRE and MBVFICR
 * are write-1-to-clear, P2VMAILBOX takes the buffer only when the VF does not hold it and raises
 * PFSTS/PFACK in the VF's V2PMAILBOX, and the rate registers are per queue behind RTTDQSEL.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "drivers/igb/kernel/pf_hw.c"
#include "drivers/igb/kernel/mbx.c"
#include "lib/common/pci.c"

/* ---- the register model ---- */

#define REG_WORDS (0x20000 / 4)
#define LOG_MAX 4096

static struct model {
	uint32_t reg[REG_WORDS];
	uint32_t v2p[IGB_MAX_VFS]; /* each VF's V2PMAILBOX */
	uint16_t phy[32];
	uint32_t rate[IGB_QUEUES]; /* RTTBCNRC per queue */
	uint32_t log_reg[LOG_MAX], log_value[LOG_MAX];
	unsigned log_count;
	uint64_t delayed_us;
	bool stuck_reset, phy_error;
} m;

static uint32_t model_read(struct igb_hw *hw, uint32_t reg)
{
	(void)hw;
	assert_true(reg < 0x20000 && !(reg & 3));
	uint32_t value = m.reg[reg / 4];
	if (reg == IGB_ICR)
		m.reg[reg / 4] = 0;
	return value;
}

static void model_p2v(unsigned vf, uint32_t value)
{
	uint32_t *p2v = &m.reg[IGB_P2VMAILBOX(vf) / 4];
	if (value & IGB_P2VMAILBOX_STS)
		m.v2p[vf] |= IGBVF_V2PMAILBOX_PFSTS;
	if (value & IGB_P2VMAILBOX_ACK)
		m.v2p[vf] |= IGBVF_V2PMAILBOX_PFACK;
	if (value & IGB_P2VMAILBOX_RVFU)
		m.v2p[vf] &= ~IGBVF_V2PMAILBOX_VFU;
	if (!(value & IGB_P2VMAILBOX_PFU))
		*p2v &= ~IGB_P2VMAILBOX_PFU;
	else if (!(m.v2p[vf] & IGBVF_V2PMAILBOX_VFU))
		*p2v |= IGB_P2VMAILBOX_PFU;
}

static void model_write(struct igb_hw *hw, uint32_t reg, uint32_t value)
{
	(void)hw;
	assert_true(reg < 0x20000 && !(reg & 3));
	if (m.log_count < LOG_MAX) {
		m.log_reg[m.log_count] = reg;
		m.log_value[m.log_count++] = value;
	}
	uint32_t *r = &m.reg[reg / 4];
	if (reg == IGB_CTRL) {
		*r = m.stuck_reset ? value : value & ~IGB_CTRL_RST; /* self-clearing */
	} else if (reg == IGB_MDIC) {
		unsigned phy = (value >> IGB_MDIC_PHY_SHIFT) & 31, index = (value >> IGB_MDIC_REG_SHIFT) & 31;
		if (phy == IGB_PHY_ADDRESS && (value & IGB_MDIC_OP_WRITE))
			m.phy[index] = (uint16_t)value;
		*r = value | IGB_MDIC_READY | (phy == IGB_PHY_ADDRESS && !m.phy_error ? 0 : IGB_MDIC_ERROR);
	} else if (reg == IGB_VFLRE || reg == IGB_MBVFICR || reg == IGB_ICR) {
		*r &= ~value;
	} else if (reg >= IGB_P2VMAILBOX(0) && reg < IGB_P2VMAILBOX(IGB_MAX_VFS)) {
		model_p2v((reg - IGB_P2VMAILBOX(0)) / 4, value);
	} else if (reg == IGB_RTTBCNRC) {
		m.rate[m.reg[IGB_RTTDQSEL / 4] % IGB_QUEUES] = value;
	} else {
		*r = value;
	}
}

static void model_delay(uint64_t us) { m.delayed_us += us; }

static struct igb_pf pf;
static const uint8_t PF_MAC[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

static int setup(void **state)
{
	(void)state;
	memset(&m, 0, sizeof(m));
	memset(&pf, 0, sizeof(pf));
	pf.hw = (struct igb_hw){ .read = model_read, .write = model_write, .delay_us = model_delay };
	/* after reset the EEPROM's MAC is in RAL0/RAH0 */
	m.reg[IGB_RAL(0) / 4] = 0x12005452;
	m.reg[IGB_RAH(0) / 4] = 0x5634 | IGB_RAH_AV;
	m.reg[IGB_TCTL / 4] = 0xa0f010f8; /* QEMU's reset value: collision fields set */
	for (unsigned vf = 0; vf < IGB_MAX_VFS; vf++)
		m.v2p[vf] = IGBVF_V2PMAILBOX_RSTI;
	m.reg[IGB_VFRE / 4] = m.reg[IGB_VFTE / 4] = 0xff;
	m.reg[IGB_RXDCTL(0) / 4] = IGB_XDCTL_ENABLE | 1u << 16; /* QEMU's reset: queue 0 on, its ring at 0 */
	m.reg[IGB_TXDCTL(0) / 4] = IGB_XDCTL_ENABLE;
	return 0;
}

static uint32_t reg(uint32_t offset) { return m.reg[offset / 4]; }

static int first_write(uint32_t offset, uint32_t bits)
{
	for (unsigned i = 0; i < m.log_count; i++)
		if (m.log_reg[i] == offset && (m.log_value[i] & bits) == bits)
			return (int)i;
	return -1;
}

/* ---- a VF's side ---- */

static void vf_send(unsigned vf, const uint32_t *msg, unsigned words)
{
	for (unsigned i = 0; i < words; i++)
		m.reg[(IGB_VMBMEM(vf) + 4 * i) / 4] = msg[i];
	m.reg[IGB_MBVFICR / 4] |= IGB_MBVFICR_REQ(vf);
	m.reg[IGB_ICR / 4] |= IGB_ICR_VMMB;
	m.v2p[vf] &= ~(IGBVF_V2PMAILBOX_PFSTS | IGBVF_V2PMAILBOX_PFACK);
}

/* Sends, lets the PF service it, and returns the reply's word 0 (words in reply). */
static uint32_t vf_call(unsigned vf, const uint32_t *msg, unsigned words, uint32_t *reply)
{
	vf_send(vf, msg, words);
	igb_mbx_service(&pf);
	assert_true(m.v2p[vf] & IGBVF_V2PMAILBOX_PFACK); /* the request was acknowledged */
	assert_true(m.v2p[vf] & IGBVF_V2PMAILBOX_PFSTS); /* and answered */
	assert_int_equal(reg(IGB_P2VMAILBOX(vf)) & IGB_P2VMAILBOX_PFU, 0); /* the buffer went back */
	assert_int_equal(reg(IGB_MBVFICR) & IGB_MBVFICR_REQ(vf), 0);
	for (unsigned i = 0; i < 3; i++)
		reply[i] = reg(IGB_VMBMEM(vf) + 4 * i);
	return reply[0];
}

/* Every VF has an owner (a VNIC grant), as when a process has opened it. */
static void bring_up(unsigned vfs)
{
	assert_int_equal(igb_pf_hw_init(&pf, vfs), 0);
	for (unsigned vf = 0; vf < vfs; vf++)
		pf.vf[vf].owned = true;
}

static void vf_reset(unsigned vf)
{
	uint32_t msg[1] = { IGB_VF_RESET }, reply[3];
	assert_int_equal(vf_call(vf, msg, 1, reply), IGB_VF_RESET | IGB_MBX_ACK);
}

/* ---- bring-up ---- */

static void test_bring_up_order_and_values(void **state)
{
	(void)state;
	bring_up(4);
	int imc = first_write(IGB_IMC, IGB_ICR_ALL), rst = first_write(IGB_CTRL, IGB_CTRL_RST);
	int phy = first_write(IGB_MDIC, IGB_MDIC_OP_WRITE), rx_on = first_write(IGB_RCTL, IGB_RCTL_EN);
	int pfrstd = first_write(IGB_CTRL_EXT, IGB_CTRL_EXT_PFRSTD), vmdq = first_write(IGB_MRQC, IGB_MRQC_VMDQ);
	/* §4.5: interrupts off, reset, link set-up, filters and pools, receive on, then the VFs may talk */
	assert_true(imc >= 0 && imc < rst);
	assert_true(rst < phy && phy < vmdq && vmdq < rx_on && rx_on < pfrstd);
	assert_int_equal(m.phy[IGB_PHY_BMCR], IGB_PHY_BMCR_AUTOEN | IGB_PHY_BMCR_ANRESTART);
	assert_true(reg(IGB_CTRL) & IGB_CTRL_SLU);
	assert_true(m.delayed_us >= 1000); /* at least 1 ms after CTRL.RST */
	assert_memory_equal(pf.mac, PF_MAC, 6);
	assert_int_equal(reg(IGB_MRQC), IGB_MRQC_VMDQ);
	assert_int_equal(reg(IGB_VT_CTL), IGB_VT_CTL_DIS_DEF_POOL); /* no default pool */
	assert_int_equal(reg(IGB_DTXSWC), IGB_DTXSWC_LOOPBACK_EN); /* VF-to-VF switching */
	assert_int_equal(reg(IGB_VFRE), 0);
	assert_int_equal(reg(IGB_VFTE), 0);
	assert_int_equal(reg(IGB_RCTL), IGB_RCTL_EN | IGB_RCTL_LPE | IGB_RCTL_SECRC | IGB_RCTL_VFE);
	assert_int_equal(reg(IGB_TCTL), 0xa0f010f8 | IGB_TCTL_EN | IGB_TCTL_PSP);
	assert_int_equal(reg(IGB_MBVFIMR), 0xf);
	assert_true(reg(IGB_CTRL_EXT) & IGB_CTRL_EXT_DRV_LOAD);
	for (unsigned i = 1; i < IGB_RA_COUNT; i++)
		assert_int_equal(reg(IGB_RAH(i)), 0); /* no address but the PF's until a VF resets */
	const uint8_t vf2[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x59 };
	assert_memory_equal(pf.vf[2].mac, vf2, 6);
}

static void test_vf_macs_are_local_unicast_and_distinct(void **state)
{
	(void)state;
	const uint8_t global[6] = { 0x00, 0x1b, 0x21, 0xaa, 0xbb, 0xfe };
	uint8_t a[6], b[6];
	igb_vf_mac(global, 0, a);
	igb_vf_mac(global, 1, b);
	assert_int_equal(a[0], 0x02); /* locally administered, not multicast */
	assert_int_equal(a[5], 0xff);
	assert_int_equal(b[5], 0x00); /* wraps */
	assert_memory_not_equal(a, b, 6);
}

static void test_reset_and_phy_failures_are_reported(void **state)
{
	(void)state;
	m.stuck_reset = true;
	assert_int_equal(igb_pf_hw_init(&pf, 4), -SIETCH_ETIMEDOUT);
	assert_int_equal(first_write(IGB_CTRL_EXT, IGB_CTRL_EXT_PFRSTD), -1); /* the VFs are not told to go */
	m.stuck_reset = false;
	m.phy_error = true;
	assert_int_equal(igb_pf_hw_init(&pf, 4), -SIETCH_EIO);
}

/* ---- the mailbox ---- */

static void test_reset_handshake_enables_the_pool(void **state)
{
	(void)state;
	bring_up(4);
	uint32_t msg[1] = { IGB_VF_RESET }, reply[3];
	assert_int_equal(vf_call(1, msg, 1, reply), IGB_VF_RESET | IGB_MBX_ACK);
	/* the MAC in words 1-2, lowest byte first, as Linux's igbvf reads it */
	assert_int_equal(reply[1], 0x12005452);
	assert_int_equal(reply[2] & 0xffff, 0x5834);
	assert_int_equal(reg(IGB_RAL(2)), 0x12005452);
	assert_int_equal(reg(IGB_RAH(2)), 0x5834 | IGB_RAH_AV | (1u << 1) << IGB_RAH_POOL_SHIFT);
	assert_int_equal(reg(IGB_VFRE), 1u << 1);
	assert_int_equal(reg(IGB_VFTE), 1u << 1);
	assert_int_equal(reg(IGB_VMOLR(1)), IGB_VMOLR_STRCRC | IGB_VMOLR_AUPE | IGB_VMOLR_BAM);
	assert_true(pf.vf[1].clear_to_send);
}

static void test_set_mac_only_its_own(void **state)
{
	(void)state;
	bring_up(2);
	uint32_t msg[3] = { IGB_VF_SET_MAC_ADDR, 0x12005452, 0x5734 }, reply[3];
	/* before the reset handshake: NACK, and no CTS */
	assert_int_equal(vf_call(0, msg, 3, reply), IGB_VF_SET_MAC_ADDR | IGB_MBX_NACK);
	vf_reset(0);
	assert_int_equal(vf_call(0, msg, 3, reply), IGB_VF_SET_MAC_ADDR | IGB_MBX_ACK | IGB_MBX_CTS);
	msg[2] = 0x5834; /* VF 1's address */
	assert_int_equal(vf_call(0, msg, 3, reply), IGB_VF_SET_MAC_ADDR | IGB_MBX_NACK | IGB_MBX_CTS);
	assert_int_equal(reg(IGB_RAH(1)) & 0xffff, 0x5734); /* the filter did not move */
	assert_int_equal(pf.vf[0].nacks, 2);
}

static void test_multicast_lpe_api_promisc(void **state)
{
	(void)state;
	bring_up(2);
	vf_reset(1);
	uint32_t reply[3];
	uint32_t mc[3] = { IGB_VF_SET_MULTICAST | 3u << IGB_MBX_INFO_SHIFT, 0x0abc0123, 0x0fff };
	assert_int_equal(vf_call(1, mc, 3, reply) & (IGB_MBX_ACK | IGB_MBX_NACK), IGB_MBX_ACK);
	assert_int_equal(reg(IGB_MTA(0x123 >> 5)), 1u << (0x123 & 31));
	assert_int_equal(reg(IGB_MTA(0xabc >> 5)), 1u << (0xabc & 31));
	assert_int_equal(reg(IGB_MTA(0xfff >> 5)), 1u << 31);
	assert_true(reg(IGB_VMOLR(1)) & IGB_VMOLR_ROMPE);
	uint32_t too_many[1] = { IGB_VF_SET_MULTICAST | 31u << IGB_MBX_INFO_SHIFT };
	assert_true(vf_call(1, too_many, 1, reply) & IGB_MBX_NACK);
	uint32_t none[1] = { IGB_VF_SET_MULTICAST };
	assert_true(vf_call(1, none, 1, reply) & IGB_MBX_ACK);
	assert_false(reg(IGB_VMOLR(1)) & IGB_VMOLR_ROMPE);
	assert_int_equal(reg(IGB_MTA(0x123 >> 5)), 0);

	uint32_t lpe[2] = { IGB_VF_SET_LPE, 9018 };
	assert_true(vf_call(1, lpe, 2, reply) & IGB_MBX_ACK);
	assert_int_equal(reg(IGB_VMOLR(1)) & (IGB_VMOLR_LPE | IGB_VMOLR_RLPML_MASK), IGB_VMOLR_LPE | 9022);
	lpe[1] = IGB_RLPML_MAX;
	assert_true(vf_call(1, lpe, 2, reply) & IGB_MBX_NACK);
	lpe[1] = 10;
	assert_true(vf_call(1, lpe, 2, reply) & IGB_MBX_NACK);

	uint32_t api[2] = { IGB_VF_API_NEGOTIATE, IGB_MBX_API_1_0 };
	assert_int_equal(vf_call(1, api, 2, reply), IGB_VF_API_NEGOTIATE | IGB_MBX_ACK | IGB_MBX_CTS);
	api[1] = 2;
	assert_int_equal(vf_call(1, api, 2, reply), IGB_VF_API_NEGOTIATE | IGB_MBX_NACK | IGB_MBX_CTS);
	uint32_t promisc[1] = { IGB_VF_SET_PROMISC };
	assert_true(vf_call(1, promisc, 1, reply) & IGB_MBX_NACK);
	uint32_t unknown[1] = { 0x77 };
	assert_int_equal(vf_call(1, unknown, 1, reply), 0x77 | IGB_MBX_NACK | IGB_MBX_CTS);
}

static void test_vlan_filters_per_pool(void **state)
{
	(void)state;
	bring_up(4);
	vf_reset(0);
	vf_reset(3);
	uint32_t reply[3], add[2] = { IGB_VF_SET_VLAN | 1u << IGB_MBX_INFO_SHIFT, 100 };
	assert_true(vf_call(0, add, 2, reply) & IGB_MBX_ACK);
	assert_true(vf_call(3, add, 2, reply) & IGB_MBX_ACK);
	assert_int_equal(reg(IGB_VLVF(0)), IGB_VLVF_ENABLE | 100 | (0x9u << IGB_VLVF_POOLSEL_SHIFT));
	assert_int_equal(reg(IGB_VFTA(100 >> 5)), 1u << (100 & 31));
	uint32_t del[2] = { IGB_VF_SET_VLAN, 100 };
	assert_true(vf_call(0, del, 2, reply) & IGB_MBX_ACK);
	assert_int_equal(reg(IGB_VLVF(0)), IGB_VLVF_ENABLE | 100 | (0x8u << IGB_VLVF_POOLSEL_SHIFT));
	assert_true(vf_call(3, del, 2, reply) & IGB_MBX_ACK);
	assert_int_equal(reg(IGB_VLVF(0)), 0);
	assert_int_equal(reg(IGB_VFTA(100 >> 5)), 0);
	uint32_t bad[2] = { IGB_VF_SET_VLAN | 1u << IGB_MBX_INFO_SHIFT, 4096 };
	assert_true(vf_call(0, bad, 2, reply) & IGB_MBX_NACK);
	for (uint32_t vid = 1; vid <= IGB_VLVF_COUNT; vid++) {
		uint32_t one[2] = { IGB_VF_SET_VLAN | 1u << IGB_MBX_INFO_SHIFT, vid };
		assert_true(vf_call(0, one, 2, reply) & IGB_MBX_ACK);
	}
	uint32_t full[2] = { IGB_VF_SET_VLAN | 1u << IGB_MBX_INFO_SHIFT, 999 };
	assert_true(vf_call(0, full, 2, reply) & IGB_MBX_NACK); /* 32 VLVF entries, all taken */
}

static void test_vf_reset_scrubs_the_pool(void **state)
{
	(void)state;
	pf.anti_spoof = true;
	bring_up(4);
	vf_reset(2);
	uint32_t reply[3], add[2] = { IGB_VF_SET_VLAN | 1u << IGB_MBX_INFO_SHIFT, 7 };
	assert_true(vf_call(2, add, 2, reply) & IGB_MBX_ACK);
	assert_true(reg(IGB_DTXSWC) & IGB_DTXSWC_MAC_SPOOF(2));
	m.reg[IGB_RXDCTL(2) / 4] = IGB_XDCTL_ENABLE;
	/* an FLR of VF 2: the device clears its enables and reports VFLRE (QEMU's igb_core_vf_reset) */
	m.reg[IGB_VFRE / 4] &= ~(1u << 2);
	m.reg[IGB_VFLRE / 4] |= 1u << 2;
	igb_mbx_service(&pf);
	assert_int_equal(reg(IGB_VFLRE), 0);
	assert_int_equal(reg(IGB_RAH(3)), 0);
	assert_int_equal(reg(IGB_VFTE) & (1u << 2), 0);
	assert_int_equal(reg(IGB_VLVF(0)), 0);
	assert_int_equal(reg(IGB_VMOLR(2)), IGB_VMOLR_STRCRC);
	assert_int_equal(reg(IGB_RXDCTL(2)) & IGB_XDCTL_ENABLE, 0);
	assert_false(reg(IGB_DTXSWC) & IGB_DTXSWC_MAC_SPOOF(2));
	assert_true(reg(IGB_DTXSWC) & IGB_DTXSWC_LOOPBACK_EN);
	assert_false(pf.vf[2].clear_to_send);
	assert_int_equal(pf.vf[2].resets, 1);
	/* until it does the handshake again, the VF is NACKed */
	uint32_t api[2] = { IGB_VF_API_NEGOTIATE, IGB_MBX_API_1_0 };
	assert_int_equal(vf_call(2, api, 2, reply), IGB_VF_API_NEGOTIATE | IGB_MBX_NACK);
	vf_reset(2);
	assert_int_equal(reg(IGB_RAH(3)) & IGB_RAH_POOL_MASK, (1u << 2) << IGB_RAH_POOL_SHIFT);
}

static void test_kernel_reset_consumes_the_event(void **state)
{
	(void)state;
	bring_up(2);
	vf_reset(1);
	m.reg[IGB_VFLRE / 4] |= 1u << 1; /* the FLR the kernel did when the owner went */
	igb_vf_reset_done(&pf, 1);
	assert_int_equal(reg(IGB_VFLRE), 0);
	assert_int_equal(reg(IGB_RAH(2)), 0);
	vf_reset(1); /* the next owner's handshake; no stale event may scrub it afterwards */
	igb_mbx_service(&pf);
	assert_true(reg(IGB_RAH(2)) & IGB_RAH_AV);
	assert_int_equal(pf.vf[1].resets, 1);
}

/* A VF whose DMA the IOMMU blocked: its pool off, its handshake refused, until the kernel resets it. */
static void test_stopped_vf_stays_off_until_reset(void **state)
{
	(void)state;
	bring_up(2);
	vf_reset(1);
	igb_vf_stop(&pf, 1);
	assert_int_equal(reg(IGB_VFRE) & (1u << 1), 0);
	assert_int_equal(reg(IGB_VFTE) & (1u << 1), 0);
	assert_int_equal(reg(IGB_TXDCTL(1)) & IGB_XDCTL_ENABLE, 0);
	uint32_t msg[1] = { IGB_VF_RESET }, reply[3];
	assert_int_equal(vf_call(1, msg, 1, reply), IGB_VF_RESET | IGB_MBX_NACK); /* its owner cannot turn it on */
	assert_int_equal(reg(IGB_VFTE) & (1u << 1), 0);
	vf_reset(0); /* the other VFs carry on */
	assert_int_equal(reg(IGB_VFTE) & 1u, 1u);
	igb_vf_reset_done(&pf, 1); /* its owner went */
	vf_reset(1);		    /* the next owner's handshake */
	assert_int_equal(reg(IGB_VFTE) & (1u << 1), 1u << 1);
}

static void test_vf_holding_the_buffer_gets_no_reply(void **state)
{
	(void)state;
	bring_up(1);
	uint32_t msg[1] = { IGB_VF_RESET };
	vf_send(0, msg, 1);
	m.v2p[0] |= IGBVF_V2PMAILBOX_VFU; /* a VF that died holding the buffer */
	igb_mbx_service(&pf);
	assert_false(m.v2p[0] & (IGBVF_V2PMAILBOX_PFSTS | IGBVF_V2PMAILBOX_PFACK));
	assert_false(pf.vf[0].enabled);
	/* the owner is gone; the kernel's reset frees the buffer for the next one */
	igb_vf_reset_done(&pf, 0);
	assert_false(m.v2p[0] & IGBVF_V2PMAILBOX_VFU);
	vf_reset(0);
}

static void test_no_queue_on_before_an_owner(void **state)
{
	(void)state;
	assert_int_equal(igb_pf_hw_init(&pf, 4), 0);
	for (unsigned q = 0; q < IGB_QUEUES; q++) {
		assert_int_equal(reg(IGB_RXDCTL(q)) & IGB_XDCTL_ENABLE, 0);
		assert_int_equal(reg(IGB_TXDCTL(q)) & IGB_XDCTL_ENABLE, 0);
	}
	/* no owner: a RESET (a departed owner's) is NACKed and the pool stays off */
	uint32_t msg[1] = { IGB_VF_RESET }, reply[3];
	assert_int_equal(vf_call(0, msg, 1, reply), IGB_VF_RESET | IGB_MBX_NACK);
	assert_int_equal(reg(IGB_VFRE), 0);
	assert_int_equal(reg(IGB_VFTE), 0);
	assert_int_equal(reg(IGB_RAH(1)), 0);
	assert_false(pf.vf[0].clear_to_send);
	pf.vf[0].owned = true;
	vf_reset(0);
	assert_int_equal(reg(IGB_VFRE), 1);
	struct sietch_vnic_pool pool;
	igb_vf_pool_state(&pf, 0, &pool);
	assert_int_equal(pool.flags, SIETCH_VNIC_POOL_OWNED | SIETCH_VNIC_POOL_RX_ON | SIETCH_VNIC_POOL_TX_ON);
}

static void test_scrub_forgets_the_rings(void **state)
{
	(void)state;
	bring_up(4);
	vf_reset(3);
	for (unsigned q = 3; q < IGB_QUEUES; q += IGB_MAX_VFS) { /* what the owner programmed */
		m.reg[IGB_RDBAL(q) / 4] = m.reg[IGB_TDBAL(q) / 4] = 0x1234000;
		m.reg[IGB_RDLEN(q) / 4] = m.reg[IGB_TDLEN(q) / 4] = 4096;
		m.reg[IGB_RDT(q) / 4] = m.reg[IGB_TDWBAL(q) / 4] = 0x55;
		m.reg[IGB_RXDCTL(q) / 4] = m.reg[IGB_TXDCTL(q) / 4] = IGB_XDCTL_ENABLE;
	}
	struct sietch_vnic_pool pool;
	igb_vf_pool_state(&pf, 3, &pool);
	assert_int_equal(pool.flags & (SIETCH_VNIC_POOL_RXQ_ON | SIETCH_VNIC_POOL_TXQ_ON),
			 SIETCH_VNIC_POOL_RXQ_ON | SIETCH_VNIC_POOL_TXQ_ON);
	assert_int_equal(pool.rx_ring[1], 0x1234000);
	pf.vf[3].owned = false; /* the owner went (vnic.c) */
	igb_vf_reset_done(&pf, 3);
	for (unsigned q = 3; q < IGB_QUEUES; q += IGB_MAX_VFS) {
		const uint32_t regs[] = { IGB_RDBAL(q), IGB_RDBAH(q), IGB_RDLEN(q), IGB_RDH(q), IGB_RDT(q),
					  IGB_TDBAL(q), IGB_TDBAH(q), IGB_TDLEN(q), IGB_TDH(q), IGB_TDT(q),
					  IGB_TDWBAL(q), IGB_TDWBAH(q), IGB_RXDCTL(q), IGB_TXDCTL(q) };
		for (unsigned i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
			assert_int_equal(reg(regs[i]), 0);
	}
	igb_vf_pool_state(&pf, 3, &pool);
	assert_int_equal(pool.flags, 0);
	assert_int_equal(pool.rx_ring[0] | pool.rx_ring[1] | pool.tx_ring[0] | pool.tx_ring[1], 0);
}

/* ---- rate limits and SR-IOV arithmetic ---- */

static void test_rate_factor(void **state)
{
	(void)state;
	assert_int_equal(igb_rate_factor(1000, 0), 0);
	assert_int_equal(igb_rate_factor(1000, 1000), 0); /* at the link's speed: no limit */
	assert_int_equal(igb_rate_factor(1000, 100), IGB_RTTBCNRC_RS_ENA | 10u << 14);
	/* 1000/300 = 3 + 1/3: the fraction in 14 bits is 16384/3 */
	assert_int_equal(igb_rate_factor(1000, 300), IGB_RTTBCNRC_RS_ENA | 3u << 14 | 5461);
	assert_int_equal(igb_rate_factor(100, 1), IGB_RTTBCNRC_RS_ENA | 100u << 14);
}

static void test_rate_programmed_per_vf_queue(void **state)
{
	(void)state;
	pf.vf[1].tx_rate_mbps = 250;
	bring_up(2);
	vf_reset(1);
	assert_int_equal(m.rate[1], IGB_RTTBCNRC_RS_ENA | 4u << 14);
	assert_int_equal(m.rate[0], 0);
	assert_int_equal(reg(IGB_RTTBCNRM), 0x14);
	m.reg[IGB_VFLRE / 4] |= 1u << 1;
	igb_mbx_service(&pf);
	assert_int_equal(m.rate[1], 0); /* scrubbed with the pool */
	/* a new grant's own limit, set while the pool is on, reaches the VF's queue only */
	vf_reset(0);
	vf_reset(1);
	igb_vf_set_rate(&pf, 0, 100);
	assert_int_equal(m.rate[0], IGB_RTTBCNRC_RS_ENA | 10u << 14);
	assert_int_equal(m.rate[1], IGB_RTTBCNRC_RS_ENA | 4u << 14); /* VF 1's handshake put back its own */
	struct sietch_vnic_pool pool;
	igb_vf_pool_state(&pf, 0, &pool);
	assert_int_equal(pool.rttbcnrc, IGB_RTTBCNRC_RS_ENA | 10u << 14);
}

static void test_sriov_arithmetic(void **state)
{
	(void)state;
	/* QEMU's igb: First VF Offset 0x80, VF Stride 2; VF n at devfn 0x80 + 2n on the PF's bus,
	 * and owns queues n and n + 8 (regs.h) */
	uint16_t rid = 0;
	for (uint16_t n = 0; n < IGB_MAX_VFS; n++) {
		assert_true(pci_sriov_vf_rid(0x0100, 0x80, 2, IGB_MAX_VFS, n, &rid));
		assert_int_equal(rid, 0x0180 + 2 * n);
		assert_int_equal(IGB_RXDCTL(n + IGB_MAX_VFS), 0x0c028 + 0x40 * (n + IGB_MAX_VFS));
	}
	assert_false(pci_sriov_vf_rid(0x0100, 0x80, 2, 4, 4, &rid)); /* past NumVFs */
	assert_int_equal(pci_sriov_vf_bar_span(0x4000, 4), 0x10000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_bring_up_order_and_values, setup),
		cmocka_unit_test_setup(test_vf_macs_are_local_unicast_and_distinct, setup),
		cmocka_unit_test_setup(test_reset_and_phy_failures_are_reported, setup),
		cmocka_unit_test_setup(test_reset_handshake_enables_the_pool, setup),
		cmocka_unit_test_setup(test_set_mac_only_its_own, setup),
		cmocka_unit_test_setup(test_multicast_lpe_api_promisc, setup),
		cmocka_unit_test_setup(test_vlan_filters_per_pool, setup),
		cmocka_unit_test_setup(test_no_queue_on_before_an_owner, setup),
		cmocka_unit_test_setup(test_scrub_forgets_the_rings, setup),
		cmocka_unit_test_setup(test_vf_reset_scrubs_the_pool, setup),
		cmocka_unit_test_setup(test_kernel_reset_consumes_the_event, setup),
		cmocka_unit_test_setup(test_stopped_vf_stays_off_until_reset, setup),
		cmocka_unit_test_setup(test_vf_holding_the_buffer_gets_no_reply, setup),
		cmocka_unit_test_setup(test_rate_factor, setup),
		cmocka_unit_test_setup(test_rate_programmed_per_vf_queue, setup),
		cmocka_unit_test_setup(test_sriov_arithmetic, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
