/*
 * The VF side of the PF-VF mailbox (82576 "Virtualization" chapter, "Mailbox"; the PF and VF register tables): 16 dwords of
 * shared memory (VMBMEM) and a control register (V2PMAILBOX). A sender takes the
 * buffer (VFU, granted only while the PF does not hold it: PFU), writes the
 * words, and rings REQ, which also gives the buffer back; the PF answers with
 * PFACK, then sends its reply with PFSTS, which the VF acknowledges with ACK.
 * The device moves only these bits: the messages (regs.h, IGB_VF_*) are the
 * PF driver's protocol, which Sietch's kernel speaks like Linux's igb.
 *
 * PFSTS, PFACK and RSTD clear when the VF reads V2PMAILBOX, so every read is
 * folded into vf->mbx_bits and a bit is consumed from there, never lost
 * between two reads that wait for different things.
 */
#include "drivers/igb/os/io.h"
#include "lib/common/syscall.h"

#define MBX_READ_TO_CLEAR (IGBVF_V2PMAILBOX_PFSTS | IGBVF_V2PMAILBOX_PFACK | IGBVF_V2PMAILBOX_RSTD)

/* V2PMAILBOX now, with the read-to-clear bits of earlier reads not yet consumed. */
static uint32_t mbx_refresh(struct igbvf *vf)
{
	uint32_t now = igbvf_read(vf, IGBVF_V2PMAILBOX);
	vf->mbx_bits |= now & MBX_READ_TO_CLEAR;
	return now | vf->mbx_bits;
}

/* 1 (and consumes it) when a read-to-clear bit in mask has been seen. */
static int mbx_take(struct igbvf *vf, uint32_t mask)
{
	if (!(mbx_refresh(vf) & mask))
		return 0;
	vf->mbx_bits &= ~mask;
	return 1;
}

static int mbx_wait(struct igbvf *vf, uint32_t mask)
{
	uint64_t start = igbvf_now_us();
	while (!mbx_take(vf, mask)) {
		if (igbvf_now_us() - start > IGBVF_MBX_TIMEOUT_US)
			return -SIETCH_ETIMEDOUT;
		igbvf_pause();
	}
	return 0;
}

/* A PF reset is under way (RSTI) or the PF has not finished one: no mailbox traffic now. */
int igbvf_mbx_pf_reset_pending(struct igbvf *vf)
{
	return (mbx_refresh(vf) & IGBVF_V2PMAILBOX_RSTI) != 0;
}

static int mbx_lock(struct igbvf *vf)
{
	uint64_t start = igbvf_now_us();
	for (;;) {
		igbvf_write(vf, IGBVF_V2PMAILBOX, IGBVF_V2PMAILBOX_VFU);
		if (mbx_refresh(vf) & IGBVF_V2PMAILBOX_VFU)
			return 0;
		if (igbvf_now_us() - start > IGBVF_MBX_TIMEOUT_US)
			return -SIETCH_EBUSY;
		igbvf_pause();
	}
}

int igbvf_mbx_send(struct igbvf *vf, const uint32_t *msg, unsigned words)
{
	if (words == 0 || words > IGB_MBX_WORDS)
		return -SIETCH_EINVAL;
	int r = mbx_lock(vf);
	if (r < 0)
		return r;
	/* A stale ACK or message from before would be taken for the answer to this one. */
	vf->mbx_bits &= ~(IGBVF_V2PMAILBOX_PFACK | IGBVF_V2PMAILBOX_PFSTS);
	for (unsigned i = 0; i < words; i++)
		igbvf_write(vf, IGBVF_VMBMEM + 4 * i, msg[i]);
	igbvf_write(vf, IGBVF_V2PMAILBOX, IGBVF_V2PMAILBOX_REQ); /* VFU clear: the buffer goes back */
	return mbx_wait(vf, IGBVF_V2PMAILBOX_PFACK);
}

int igbvf_mbx_receive(struct igbvf *vf, uint32_t *msg, unsigned words)
{
	if (words == 0 || words > IGB_MBX_WORDS)
		return -SIETCH_EINVAL;
	int r = mbx_wait(vf, IGBVF_V2PMAILBOX_PFSTS);
	if (r < 0)
		return r;
	r = mbx_lock(vf);
	if (r < 0)
		return r;
	for (unsigned i = 0; i < words; i++)
		msg[i] = igbvf_read(vf, IGBVF_VMBMEM + 4 * i);
	igbvf_write(vf, IGBVF_V2PMAILBOX, IGBVF_V2PMAILBOX_ACK); /* read; the buffer goes back */
	return 0;
}

/*
 * Sends msg (its type in word 0) and waits for the PF's reply to it, which
 * overwrites msg[0 .. reply_words). Notices the PF sends on its own
 * (IGB_PF_CONTROL_MSG) are skipped. 0 on ACK, -SIETCH_EACCES on NACK.
 */
int igbvf_mbx_call(struct igbvf *vf, uint32_t *msg, unsigned words, unsigned reply_words)
{
	uint32_t type = msg[0] & IGB_MBX_TYPE_MASK;
	int r = igbvf_mbx_send(vf, msg, words);
	for (int tries = 0; r == 0 && tries < 4; tries++) {
		r = igbvf_mbx_receive(vf, msg, reply_words);
		if (r < 0)
			return r;
		if ((msg[0] & IGB_MBX_TYPE_MASK) != type)
			continue; /* a PF notice crossed our request */
		if (msg[0] & IGB_MBX_NACK)
			return -SIETCH_EACCES;
		return (msg[0] & IGB_MBX_ACK) ? 0 : -SIETCH_EIO;
	}
	return r < 0 ? r : -SIETCH_EIO;
}
