/*
 * The 82576 PF's registers: bring-up, VMDq pools, and what each VF's pool
 * gets when the VF is enabled or scrubbed. Every step writes registers
 * through struct igb_hw, so the host tests run it against a model.
 *
 * "82576" is the Intel 82576EB GbE Controller Datasheet: §4.5 "Software
 * Initialization and Diagnostics" for the bring-up order, §7.10
 * "Virtualization" for pools, the mailbox and the switch, and chapter 8
 * "Programming Interface" for each register (offsets in drivers/igb/regs.h).
 * The section numbers follow revision 2.63 of the datasheet; the copies of it
 * within reach while this was written hold only its first pages, so the
 * numbers were not checked against the text: each is given with its title.
 * QEMU's igb_core.c cites the same "Virtualization" chapter as §7.10. The
 * register offsets and bits were checked against QEMU 10.0.2's igb_regs.h.
 */
#include "drivers/igb/kernel/pf.h"
#include "lib/common/syscall.h"

#define RESET_POLLS 100   /* CTRL.RST self-clears; 82576 §4.5.5: allow at least 1 ms */
#define RESET_POLL_US 1000
#define MDIC_POLLS 100    /* an MDI access takes tens of microseconds (MDIC register description) */
#define MDIC_POLL_US 10
#define RA_VF_BASE 1      /* RAL/RAH 0 is the PF's own address; VF n's filter is entry 1 + n */
#define MMW_JUMBO 0x14    /* RTTBCNRM: the rate scheduler's memory window for 9.5 KB frames, as Linux's igb sets it */

static uint32_t mac_low(const uint8_t mac[6])
{
	return (uint32_t)mac[0] | (uint32_t)mac[1] << 8 | (uint32_t)mac[2] << 16 | (uint32_t)mac[3] << 24;
}

static uint32_t mac_high(const uint8_t mac[6]) { return (uint32_t)mac[4] | (uint32_t)mac[5] << 8; }

void igb_vf_mac(const uint8_t pf_mac[6], unsigned vf, uint8_t out[6])
{
	for (int i = 0; i < 6; i++)
		out[i] = pf_mac[i];
	out[0] = (uint8_t)((out[0] | 0x02) & ~0x01); /* IEEE 802: locally administered, unicast */
	out[5] = (uint8_t)(out[5] + 1 + vf);
}

/* 82576 "MDI Control Register": one write of a PHY register, polled until Ready. */
static int igb_phy_write(struct igb_hw *hw, unsigned reg, uint16_t value)
{
	igb_wr(hw, IGB_MDIC, value | reg << IGB_MDIC_REG_SHIFT | IGB_PHY_ADDRESS << IGB_MDIC_PHY_SHIFT |
				     IGB_MDIC_OP_WRITE);
	if (!igb_wait(hw, IGB_MDIC, IGB_MDIC_READY, IGB_MDIC_READY, MDIC_POLLS, MDIC_POLL_US))
		return -SIETCH_ETIMEDOUT;
	return igb_rd(hw, IGB_MDIC) & IGB_MDIC_ERROR ? -SIETCH_EIO : 0;
}

/* §4.5.4 "Interrupts During Initialization": everything masked, causes read away. */
static void igb_interrupts_off(struct igb_hw *hw)
{
	igb_wr(hw, IGB_IMC, IGB_ICR_ALL);
	igb_wr(hw, IGB_EIMC, IGB_ICR_ALL);
	(void)igb_rd(hw, IGB_ICR);
	(void)igb_rd(hw, IGB_EICR);
}

/* §4.5.5 "Global Reset and General Configuration": CTRL.RST, then the driver-loaded flag and our MAC. */
static int igb_global_reset(struct igb_pf *pf)
{
	struct igb_hw *hw = &pf->hw;
	igb_set_bits(hw, IGB_CTRL, IGB_CTRL_RST);
	hw->delay_us(RESET_POLL_US);
	if (!igb_wait(hw, IGB_CTRL, IGB_CTRL_RST, 0, RESET_POLLS, RESET_POLL_US))
		return -SIETCH_ETIMEDOUT;
	igb_interrupts_off(hw);
	igb_set_bits(hw, IGB_CTRL_EXT, IGB_CTRL_EXT_DRV_LOAD);
	uint32_t low = igb_rd(hw, IGB_RAL(0)), high = igb_rd(hw, IGB_RAH(0)); /* loaded from the EEPROM by the reset */
	for (int i = 0; i < 4; i++)
		pf->mac[i] = (uint8_t)(low >> (8 * i));
	pf->mac[4] = (uint8_t)high;
	pf->mac[5] = (uint8_t)(high >> 8);
	return 0;
}

/*
 * §4.5.7 "Link Setup Mechanisms": the internal copper PHY, auto-negotiation
 * restarted, the MAC told to follow it (CTRL.SLU). The link comes up later,
 * with a Link Status Change interrupt; nothing waits for it here.
 */
static int igb_link_setup(struct igb_hw *hw)
{
	igb_set_bits(hw, IGB_CTRL, IGB_CTRL_SLU);
	return igb_phy_write(hw, IGB_PHY_BMCR, IGB_PHY_BMCR_AUTOEN | IGB_PHY_BMCR_ANRESTART);
}

/*
 * §4.5.9 "Receive Initialization", for a PF that owns no queue: filters
 * cleared (MTA, RAL/RAH past entry 0, VFTA, VLVF), long frames allowed up to
 * the most RLPML holds (each pool narrows it in VMOLR), CRC stripped, VLAN
 * filtering on (untagged frames then reach the pools with VMOLR.AUPE).
 * Receive stays off until the pools are set up.
 */
static void igb_receive_setup(struct igb_hw *hw)
{
	for (unsigned i = 0; i < IGB_MTA_COUNT; i++)
		igb_wr(hw, IGB_MTA(i), 0);
	for (unsigned i = 1; i < IGB_RA_COUNT; i++) {
		igb_wr(hw, IGB_RAL(i), 0);
		igb_wr(hw, IGB_RAH(i), 0);
	}
	for (unsigned i = 0; i < IGB_MTA_COUNT; i++)
		igb_wr(hw, IGB_VFTA(i), 0);
	for (unsigned i = 0; i < IGB_VLVF_COUNT; i++)
		igb_wr(hw, IGB_VLVF(i), 0);
	igb_wr(hw, IGB_RLPML, IGB_RLPML_MAX);
	igb_wr(hw, IGB_RCTL, IGB_RCTL_LPE | IGB_RCTL_SECRC | IGB_RCTL_VFE);
}

/* §4.5.10 "Transmit Initialization": transmit on, short frames padded; the collision fields keep their defaults. */
static void igb_transmit_setup(struct igb_hw *hw)
{
	igb_set_bits(hw, IGB_TCTL, IGB_TCTL_EN | IGB_TCTL_PSP);
}

/*
 * §7.10 "Virtualization": VMDq pools chosen by MAC and VLAN (MRQC), no
 * default pool (a frame for no VF's address is dropped), VF-to-VF switching
 * in the NIC (DTXSWC loopback), every pool's receive and transmit off until
 * its VF has done the reset handshake, and the mailbox interrupts of the
 * enabled VFs on. CTRL_EXT.PFRSTD last: it tells the VFs the PF is ready.
 */
static void igb_virtualization_setup(struct igb_pf *pf)
{
	struct igb_hw *hw = &pf->hw;
	igb_wr(hw, IGB_MRQC, IGB_MRQC_VMDQ);
	igb_wr(hw, IGB_VT_CTL, IGB_VT_CTL_DIS_DEF_POOL);
	igb_wr(hw, IGB_DTXSWC, IGB_DTXSWC_LOOPBACK_EN);
	igb_wr(hw, IGB_VFRE, 0);
	igb_wr(hw, IGB_VFTE, 0);
	for (unsigned vf = 0; vf < IGB_MAX_VFS; vf++)
		igb_wr(hw, IGB_VMOLR(vf), IGB_VMOLR_STRCRC);
	/* The reset leaves queue 0 (VF 0's) enabled on a ring at bus address 0 (QEMU's igb_core.c reset
	 * table does so too): every queue stays off until a VF's owner programs and enables its own. */
	for (unsigned q = 0; q < IGB_QUEUES; q++)
		igb_queue_scrub(hw, q);
	igb_wr(hw, IGB_MBVFIMR, (1u << pf->num_vfs) - 1);
	igb_wr(hw, IGB_VFLRE, igb_rd(hw, IGB_VFLRE)); /* VF Enable reset every VF: nothing to undo yet */
	igb_wr(hw, IGB_MBVFICR, igb_rd(hw, IGB_MBVFICR));
}

int igb_pf_hw_init(struct igb_pf *pf, unsigned num_vfs)
{
	struct igb_hw *hw = &pf->hw;
	pf->num_vfs = num_vfs;
	pf->link_speed_mbps = 1000;
	igb_interrupts_off(hw);
	int err = igb_global_reset(pf);
	if (!err)
		err = igb_link_setup(hw);
	if (err)
		return err;
	/* §4.5.8 "Initialization of Statistics": the counters clear themselves at reset. */
	igb_receive_setup(hw);
	igb_transmit_setup(hw);
	igb_virtualization_setup(pf);
	for (unsigned vf = 0; vf < num_vfs; vf++)
		igb_vf_mac(pf->mac, vf, pf->vf[vf].mac);
	igb_set_bits(hw, IGB_RCTL, IGB_RCTL_EN);
	igb_set_bits(hw, IGB_CTRL_EXT, IGB_CTRL_EXT_PFRSTD);
	return 0;
}

bool igb_pf_link_up(struct igb_pf *pf)
{
	uint32_t status = igb_rd(&pf->hw, IGB_STATUS);
	unsigned speed = (status >> IGB_STATUS_SPEED_SHIFT) & IGB_STATUS_SPEED_MASK;
	pf->link_speed_mbps = speed == 0 ? 10 : speed == 1 ? 100 : 1000;
	return status & IGB_STATUS_LU;
}

/* ---- one VF's pool ---- */

static uint32_t igb_vmolr_for(const struct igb_vf_state *v)
{
	uint32_t vmolr = IGB_VMOLR_STRCRC | IGB_VMOLR_AUPE | IGB_VMOLR_BAM;
	if (v->mc_count)
		vmolr |= IGB_VMOLR_ROMPE;
	if (v->max_frame) /* §7.10 "Receive Long Packet": per pool, VLAN tag allowed on top */
		vmolr |= IGB_VMOLR_LPE | ((v->max_frame + IGB_VLAN_HEADER) & IGB_VMOLR_RLPML_MASK);
	return vmolr;
}

void igb_vf_enable(struct igb_pf *pf, unsigned vf)
{
	struct igb_hw *hw = &pf->hw;
	struct igb_vf_state *v = &pf->vf[vf];
	if (!v->owned)
		return; /* a pool nobody owns neither receives nor sends (a late RESET of a departed owner) */
	igb_wr(hw, IGB_RAL(RA_VF_BASE + vf), mac_low(v->mac));
	igb_wr(hw, IGB_RAH(RA_VF_BASE + vf), mac_high(v->mac) | IGB_RAH_AV | (1u << vf) << IGB_RAH_POOL_SHIFT);
	igb_wr(hw, IGB_VMOLR(vf), igb_vmolr_for(v));
	/* Anti-spoofing (DTXSWC "MAC anti-spoof"): the pool may send only from its RAH address. VLAN
	 * anti-spoofing stays off: it would drop the tagged frames of a VF that asked for a VLAN. */
	if (pf->anti_spoof)
		igb_set_bits(hw, IGB_DTXSWC, IGB_DTXSWC_MAC_SPOOF(vf));
	igb_vf_set_rate(pf, vf, v->tx_rate_mbps);
	igb_set_bits(hw, IGB_VFRE, 1u << vf);
	igb_set_bits(hw, IGB_VFTE, 1u << vf);
	v->enabled = true;
}

void igb_queue_scrub(struct igb_hw *hw, unsigned q)
{
	static const uint32_t zeroed[] = { 0x00, 0x04, 0x08, 0x10, 0x18 }; /* base low/high, length, head, tail */
	igb_clear_bits(hw, IGB_RXDCTL(q), IGB_XDCTL_ENABLE);
	igb_clear_bits(hw, IGB_TXDCTL(q), IGB_XDCTL_ENABLE);
	for (unsigned i = 0; i < sizeof(zeroed) / sizeof(zeroed[0]); i++) {
		igb_wr(hw, IGB_RXQ(q, zeroed[i]), 0);
		igb_wr(hw, IGB_TXQ(q, zeroed[i]), 0);
	}
	igb_wr(hw, IGB_TDWBAL(q), 0);
	igb_wr(hw, IGB_TDWBAH(q), 0);
}

void igb_vf_scrub(struct igb_pf *pf, unsigned vf)
{
	struct igb_hw *hw = &pf->hw;
	struct igb_vf_state *v = &pf->vf[vf];
	igb_clear_bits(hw, IGB_VFRE, 1u << vf);
	igb_clear_bits(hw, IGB_VFTE, 1u << vf);
	/* The pool's queues, n and n + 8, stop (a VF reset does it on the device; an owner's exit may not),
	 * and forget the rings: they point into DMA memory that is freed once the owner has gone. */
	for (unsigned q = vf; q < IGB_QUEUES; q += IGB_MAX_VFS)
		igb_queue_scrub(hw, q);
	igb_wr(hw, IGB_RAH(RA_VF_BASE + vf), 0);
	igb_wr(hw, IGB_RAL(RA_VF_BASE + vf), 0);
	igb_wr(hw, IGB_VMOLR(vf), IGB_VMOLR_STRCRC);
	for (unsigned i = 0; i < IGB_VLVF_COUNT; i++)
		if (igb_rd(hw, IGB_VLVF(i)) & (1u << (IGB_VLVF_POOLSEL_SHIFT + vf)))
			igb_vf_vlan(pf, vf, (uint16_t)(igb_rd(hw, IGB_VLVF(i)) & IGB_VLVF_VLANID_MASK), false);
	igb_clear_bits(hw, IGB_DTXSWC, IGB_DTXSWC_MAC_SPOOF(vf) | IGB_DTXSWC_VLAN_SPOOF(vf));
	igb_vf_set_rate(pf, vf, 0);
	v->mc_count = 0;
	v->max_frame = 0;
	v->enabled = false;
	igb_mta_rebuild(pf);
}

/* The multicast table is shared by every pool; each VF with hashes takes what hits it (VMOLR.ROMPE). */
void igb_mta_rebuild(struct igb_pf *pf)
{
	uint32_t mta[IGB_MTA_COUNT] = { 0 };
	for (unsigned vf = 0; vf < pf->num_vfs; vf++)
		for (unsigned i = 0; i < pf->vf[vf].mc_count; i++) {
			uint16_t hash = pf->vf[vf].mc_hashes[i] & 0xfff; /* 12 bits: register 11:5, bit 4:0 */
			mta[hash >> 5] |= 1u << (hash & 31);
		}
	for (unsigned i = 0; i < IGB_MTA_COUNT; i++)
		igb_wr(&pf->hw, IGB_MTA(i), mta[i]);
}

int igb_vf_vlan(struct igb_pf *pf, unsigned vf, uint16_t vid, bool on)
{
	struct igb_hw *hw = &pf->hw;
	uint32_t pool = 1u << (IGB_VLVF_POOLSEL_SHIFT + vf);
	int entry = -1, free_entry = -1;
	for (unsigned i = 0; i < IGB_VLVF_COUNT; i++) {
		uint32_t v = igb_rd(hw, IGB_VLVF(i));
		if ((v & IGB_VLVF_ENABLE) && (v & IGB_VLVF_VLANID_MASK) == vid)
			entry = (int)i;
		else if (!(v & IGB_VLVF_ENABLE) && free_entry < 0)
			free_entry = (int)i;
	}
	if (!on) {
		if (entry < 0)
			return 0;
		uint32_t v = igb_rd(hw, IGB_VLVF(entry)) & ~pool;
		bool last = !(v & (0xffu << IGB_VLVF_POOLSEL_SHIFT));
		igb_wr(hw, IGB_VLVF(entry), last ? 0 : v);
		if (last)
			igb_clear_bits(hw, IGB_VFTA(vid >> 5), 1u << (vid & 31));
		return 0;
	}
	if (entry < 0) {
		if (free_entry < 0)
			return -SIETCH_ENOSPC;
		entry = free_entry;
		igb_wr(hw, IGB_VLVF(entry), IGB_VLVF_ENABLE | vid);
	}
	igb_set_bits(hw, IGB_VLVF(entry), pool);
	igb_set_bits(hw, IGB_VFTA(vid >> 5), 1u << (vid & 31));
	return 0;
}

uint32_t igb_rate_factor(uint32_t link_mbps, uint32_t rate_mbps)
{
	if (rate_mbps == 0 || rate_mbps >= link_mbps)
		return 0;
	uint32_t whole = link_mbps / rate_mbps;
	uint32_t fraction = (uint32_t)(((uint64_t)(link_mbps - whole * rate_mbps) << IGB_RTTBCNRC_RF_INT_SHIFT) / rate_mbps);
	return IGB_RTTBCNRC_RS_ENA | ((whole << IGB_RTTBCNRC_RF_INT_SHIFT) & IGB_RTTBCNRC_RF_INT_MASK) |
	       (fraction & IGB_RTTBCNRC_RF_DEC_MASK);
}

/* Transmit rate limiting (82576 §7.10 and the RTTBCNRC register): the VF's queue selected, then its factor. */
void igb_vf_set_rate(struct igb_pf *pf, unsigned vf, uint32_t rate_mbps)
{
	struct igb_hw *hw = &pf->hw;
	igb_wr(hw, IGB_RTTDQSEL, vf); /* the VF's queue 0 is the PF's queue vf */
	igb_wr(hw, IGB_RTTBCNRM, MMW_JUMBO);
	pf->vf[vf].rttbcnrc = igb_rate_factor(pf->link_speed_mbps, rate_mbps);
	igb_wr(hw, IGB_RTTBCNRC, pf->vf[vf].rttbcnrc);
}

static uint64_t ring_base(struct igb_hw *hw, uint32_t low_reg)
{
	return (uint64_t)igb_rd(hw, low_reg + 4) << 32 | igb_rd(hw, low_reg);
}

void igb_vf_pool_state(struct igb_pf *pf, unsigned vf, struct sietch_vnic_pool *out)
{
	struct igb_hw *hw = &pf->hw;
	const struct igb_vf_state *v = &pf->vf[vf];
	uint32_t flags = v->owned ? SIETCH_VNIC_POOL_OWNED : 0;
	flags |= igb_rd(hw, IGB_VFRE) & (1u << vf) ? SIETCH_VNIC_POOL_RX_ON : 0;
	flags |= igb_rd(hw, IGB_VFTE) & (1u << vf) ? SIETCH_VNIC_POOL_TX_ON : 0;
	*out = (struct sietch_vnic_pool){ .vf = vf, .tx_rate_mbps = v->tx_rate_mbps, .rttbcnrc = v->rttbcnrc };
	for (unsigned i = 0, q = vf; i < 2; i++, q += IGB_MAX_VFS) {
		flags |= igb_rd(hw, IGB_RXDCTL(q)) & IGB_XDCTL_ENABLE ? SIETCH_VNIC_POOL_RXQ_ON : 0;
		flags |= igb_rd(hw, IGB_TXDCTL(q)) & IGB_XDCTL_ENABLE ? SIETCH_VNIC_POOL_TXQ_ON : 0;
		out->rx_ring[i] = ring_base(hw, IGB_RDBAL(q));
		out->tx_ring[i] = ring_base(hw, IGB_TDBAL(q));
	}
	igb_wr(hw, IGB_RTTDQSEL, vf);
	out->rttbcnrc_read = igb_rd(hw, IGB_RTTBCNRC);
	out->flags = flags;
}
