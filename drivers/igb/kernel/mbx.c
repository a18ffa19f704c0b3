/*
 * The PF side of the PF-VF mailbox (82576 §7.10, "Mailbox"). The device only
 * moves bits: 16 dwords of shared memory per VF (VMBMEM), a control register
 * each way (P2VMAILBOX, the VF's V2PMAILBOX), request and ack causes
 * (MBVFICR) and reset events (VFLRE). The messages are Linux's igb/igbvf
 * protocol (the IGB_VF_* types in regs.h), under Sietch's rule that a VF may
 * use only the MAC the kernel gave it:
 *
 *   RESET          scrub the pool, program its MAC filter, enable receive and
 *                  transmit; reply ACK with the MAC (words 1-2)
 *   SET_MAC_ADDR   ACK if it is the VF's own MAC, NACK otherwise
 *   SET_MULTICAST  up to 30 hashes into the shared table, ROMPE for the pool
 *   SET_VLAN       the pool joins or leaves a VLAN (VLVF, VFTA)
 *   SET_LPE        the pool's longest frame (VMOLR.RLPML)
 *   API_NEGOTIATE  ACK for IGB_MBX_API_1_0 only
 *   anything else, any message before the RESET handshake, and a RESET from a
 *   VF that no grant holds (a departed owner's last word): NACK
 *
 * A transfer: the VF writes its message and sets REQ; the PF takes the
 * buffer (PFU), reads it, and acknowledges (ACK, releasing the buffer); it
 * then takes the buffer again, writes the reply and sets STS.
 */
#include "drivers/igb/kernel/pf.h"
#include "lib/common/syscall.h"

#define LOCK_TRIES 10
#define LOCK_POLL_US 10

/* P2VMAILBOX.PFU reads back set only when the VF does not hold the buffer. */
static bool mbx_lock(struct igb_hw *hw, unsigned vf)
{
	for (unsigned i = 0; i < LOCK_TRIES; i++) {
		igb_wr(hw, IGB_P2VMAILBOX(vf), IGB_P2VMAILBOX_PFU);
		if (igb_rd(hw, IGB_P2VMAILBOX(vf)) & IGB_P2VMAILBOX_PFU)
			return true;
		hw->delay_us(LOCK_POLL_US);
	}
	return false;
}

static void mbx_send(struct igb_hw *hw, unsigned vf, const uint32_t *msg, unsigned words)
{
	if (!mbx_lock(hw, vf))
		return; /* the VF holds the buffer: it is not waiting for a reply */
	for (unsigned i = 0; i < words; i++)
		igb_wr(hw, IGB_VMBMEM(vf) + 4 * i, msg[i]);
	igb_wr(hw, IGB_P2VMAILBOX(vf), IGB_P2VMAILBOX_STS); /* PFU clear: the buffer goes back with it */
}

static void mac_from_words(const uint32_t *w, uint8_t mac[6])
{
	for (int i = 0; i < 4; i++)
		mac[i] = (uint8_t)(w[0] >> (8 * i));
	mac[4] = (uint8_t)w[1];
	mac[5] = (uint8_t)(w[1] >> 8);
}

static void mac_to_words(const uint8_t mac[6], uint32_t *w)
{
	w[0] = (uint32_t)mac[0] | (uint32_t)mac[1] << 8 | (uint32_t)mac[2] << 16 | (uint32_t)mac[3] << 24;
	w[1] = (uint32_t)mac[4] | (uint32_t)mac[5] << 8;
}

static bool same_mac(const uint8_t *a, const uint8_t *b)
{
	for (int i = 0; i < 6; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

void igb_vf_reset_seen(struct igb_pf *pf, unsigned vf)
{
	pf->vf[vf].clear_to_send = false;
	pf->vf[vf].resets++;
	igb_vf_scrub(pf, vf);
}

void igb_vf_stop(struct igb_pf *pf, unsigned vf)
{
	pf->vf[vf].stopped = true;
	pf->vf[vf].clear_to_send = false;
	igb_vf_scrub(pf, vf);
}

void igb_vf_reset_done(struct igb_pf *pf, unsigned vf)
{
	pf->vf[vf].stopped = false;
	igb_wr(&pf->hw, IGB_VFLRE, 1u << vf); /* its VFLRE event, consumed here rather than later by the interrupt */
	/* An owner that died holding the mailbox buffer (VFU) would lock the next one out of it. */
	igb_wr(&pf->hw, IGB_P2VMAILBOX(vf), IGB_P2VMAILBOX_RVFU);
	igb_vf_reset_seen(pf, vf);
}

static unsigned mbx_reset(struct igb_pf *pf, unsigned vf, uint32_t *msg)
{
	igb_vf_scrub(pf, vf);
	if (!pf->vf[vf].owned) { /* its owner has gone: the pool stays off until the next one asks */
		pf->vf[vf].clear_to_send = false;
		msg[0] = IGB_VF_RESET | IGB_MBX_NACK;
		return 1;
	}
	igb_vf_enable(pf, vf);
	pf->vf[vf].clear_to_send = true;
	/* Exactly RESET | ACK in word 0: Linux's igbvf compares the whole word. */
	msg[0] = IGB_VF_RESET | IGB_MBX_ACK;
	mac_to_words(pf->vf[vf].mac, &msg[1]);
	return 3;
}

static bool mbx_set_multicast(struct igb_pf *pf, unsigned vf, const uint32_t *msg)
{
	unsigned count = (msg[0] >> IGB_MBX_INFO_SHIFT) & 0xff;
	if (count > IGB_MC_MAX)
		return false;
	struct igb_vf_state *v = &pf->vf[vf];
	for (unsigned i = 0; i < count; i++)
		v->mc_hashes[i] = (uint16_t)(msg[1 + i / 2] >> (16 * (i % 2))); /* two 16-bit hashes a word, low first */
	v->mc_count = count;
	igb_mta_rebuild(pf);
	igb_wr(&pf->hw, IGB_VMOLR(vf), count ? igb_rd(&pf->hw, IGB_VMOLR(vf)) | IGB_VMOLR_ROMPE
					     : igb_rd(&pf->hw, IGB_VMOLR(vf)) & ~IGB_VMOLR_ROMPE);
	return true;
}

static bool mbx_set_lpe(struct igb_pf *pf, unsigned vf, uint32_t max_frame)
{
	if (max_frame < 64 || max_frame + IGB_VLAN_HEADER > IGB_RLPML_MAX)
		return false;
	pf->vf[vf].max_frame = max_frame;
	uint32_t vmolr = igb_rd(&pf->hw, IGB_VMOLR(vf)) & ~IGB_VMOLR_RLPML_MASK;
	igb_wr(&pf->hw, IGB_VMOLR(vf), vmolr | IGB_VMOLR_LPE | (max_frame + IGB_VLAN_HEADER));
	return true;
}

/* Every message but RESET, once the VF is clear to send: whether to ACK it. */
static bool mbx_request(struct igb_pf *pf, unsigned vf, const uint32_t *msg)
{
	uint8_t mac[6];
	switch (msg[0] & IGB_MBX_TYPE_MASK) {
	case IGB_VF_SET_MAC_ADDR:
		mac_from_words(&msg[1], mac);
		return same_mac(mac, pf->vf[vf].mac);
	case IGB_VF_SET_MULTICAST:
		return mbx_set_multicast(pf, vf, msg);
	case IGB_VF_SET_VLAN:
		if ((msg[1] & IGB_VLVF_VLANID_MASK) != msg[1] || msg[1] == 0)
			return false;
		return igb_vf_vlan(pf, vf, (uint16_t)msg[1], (msg[0] >> IGB_MBX_INFO_SHIFT) & 0xff) == 0;
	case IGB_VF_SET_LPE:
		return mbx_set_lpe(pf, vf, msg[1]);
	case IGB_VF_API_NEGOTIATE:
		return msg[1] == IGB_MBX_API_1_0;
	default: /* SET_PROMISC among them: a VF sees only its own traffic */
		return false;
	}
}

unsigned igb_mbx_handle(struct igb_pf *pf, unsigned vf, uint32_t *msg)
{
	uint32_t type = msg[0] & IGB_MBX_TYPE_MASK;
	pf->vf[vf].messages++;
	if (type == IGB_VF_RESET && !pf->vf[vf].stopped)
		return mbx_reset(pf, vf, msg);
	bool ok = pf->vf[vf].clear_to_send && mbx_request(pf, vf, msg);
	if (!ok)
		pf->vf[vf].nacks++;
	msg[0] = type | (ok ? IGB_MBX_ACK : IGB_MBX_NACK) | (pf->vf[vf].clear_to_send ? IGB_MBX_CTS : 0);
	return 1;
}

/* A request is waiting: take it, acknowledge it, answer it. */
static void mbx_receive(struct igb_pf *pf, unsigned vf)
{
	struct igb_hw *hw = &pf->hw;
	uint32_t msg[IGB_MBX_WORDS];
	if (!mbx_lock(hw, vf))
		return;
	for (unsigned i = 0; i < IGB_MBX_WORDS; i++)
		msg[i] = igb_rd(hw, IGB_VMBMEM(vf) + 4 * i);
	igb_wr(hw, IGB_P2VMAILBOX(vf), IGB_P2VMAILBOX_ACK); /* PFU clear: the buffer goes back */
	unsigned words = igb_mbx_handle(pf, vf, msg);
	mbx_send(hw, vf, msg, words);
}

void igb_mbx_service(struct igb_pf *pf)
{
	struct igb_hw *hw = &pf->hw;
	uint32_t resets = igb_rd(hw, IGB_VFLRE);
	if (resets) {
		igb_wr(hw, IGB_VFLRE, resets); /* write 1 to clear */
		for (unsigned vf = 0; vf < pf->num_vfs; vf++)
			if (resets & (1u << vf))
				igb_vf_reset_seen(pf, vf);
	}
	uint32_t causes = igb_rd(hw, IGB_MBVFICR);
	for (unsigned vf = 0; vf < pf->num_vfs; vf++) {
		uint32_t mine = causes & (IGB_MBVFICR_REQ(vf) | IGB_MBVFICR_ACK(vf));
		if (!mine)
			continue;
		igb_wr(hw, IGB_MBVFICR, mine); /* write 1 to clear, before reading: a new request raises it again */
		if (mine & IGB_MBVFICR_REQ(vf))
			mbx_receive(pf, vf);
	}
}
