/*
 * The VF side of the 82599 PF-VF mailbox (datasheet, Virtualization chapter,
 * "PF/VF mailbox"; VFMAILBOX in §8.3): 16 dwords of shared memory and one
 * control register. To send, the VF takes the buffer (VFU, which sticks only
 * while the PF does not hold it: PFU), writes the words and sets REQ, which
 * also drops VFU; the PF answers PFACK, then puts its reply with PFSTS, which
 * the VF acknowledges with ACK.
 *
 * PFSTS, PFACK and RSTD clear when VFMAILBOX is read, so every read is folded
 * into vf->mbx_bits and a bit is consumed from there: a wait for one bit never
 * loses another that arrived in the same read.
 */
#include "drivers/ixgbe-vf/os/ixgbevf.h"
#include "lib/common/syscall.h"

uint32_t ixgbevf_mbx_refresh(struct ixgbevf *vf)
{
	uint32_t now = ixgbevf_read(vf, IXGBEVF_VFMAILBOX);
	vf->mbx_bits |= now & IXGBEVF_VFMAILBOX_R2C;
	return now | vf->mbx_bits;
}

static int mbx_take(struct ixgbevf *vf, uint32_t mask)
{
	if (!(ixgbevf_mbx_refresh(vf) & mask))
		return 0;
	vf->mbx_bits &= ~mask;
	return 1;
}

static int mbx_wait(struct ixgbevf *vf, uint32_t mask)
{
	uint64_t start = ixgbevf_now_us();
	while (!mbx_take(vf, mask)) {
		if (ixgbevf_now_us() - start > IXGBEVF_MBX_TIMEOUT_US)
			return -SIETCH_ETIMEDOUT;
		ixgbevf_pause();
	}
	return 0;
}

static int mbx_lock(struct ixgbevf *vf)
{
	uint64_t start = ixgbevf_now_us();
	for (;;) {
		ixgbevf_write(vf, IXGBEVF_VFMAILBOX, IXGBEVF_VFMAILBOX_VFU);
		if (ixgbevf_mbx_refresh(vf) & IXGBEVF_VFMAILBOX_VFU)
			return 0;
		if (ixgbevf_now_us() - start > IXGBEVF_MBX_TIMEOUT_US)
			return -SIETCH_EBUSY;
		ixgbevf_pause();
	}
}

int ixgbevf_mbx_send(struct ixgbevf *vf, const uint32_t *msg, unsigned words)
{
	if (words == 0 || words > IXGBEVF_MBX_WORDS)
		return -SIETCH_EINVAL;
	int r = mbx_lock(vf);
	if (r < 0)
		return r;
	/* A stale ACK or message would be taken for the answer to this one. */
	vf->mbx_bits &= ~(IXGBEVF_VFMAILBOX_PFACK | IXGBEVF_VFMAILBOX_PFSTS);
	for (unsigned i = 0; i < words; i++)
		ixgbevf_write(vf, IXGBEVF_VFMBMEM + 4 * i, msg[i]);
	ixgbevf_write(vf, IXGBEVF_VFMAILBOX, IXGBEVF_VFMAILBOX_REQ); /* VFU clear: buffer given back */
	return mbx_wait(vf, IXGBEVF_VFMAILBOX_PFACK);
}

int ixgbevf_mbx_receive(struct ixgbevf *vf, uint32_t *msg, unsigned words)
{
	if (words == 0 || words > IXGBEVF_MBX_WORDS)
		return -SIETCH_EINVAL;
	int r = mbx_wait(vf, IXGBEVF_VFMAILBOX_PFSTS);
	if (r < 0)
		return r;
	r = mbx_lock(vf);
	if (r < 0)
		return r;
	for (unsigned i = 0; i < words; i++)
		msg[i] = ixgbevf_read(vf, IXGBEVF_VFMBMEM + 4 * i);
	ixgbevf_write(vf, IXGBEVF_VFMAILBOX, IXGBEVF_VFMAILBOX_ACK); /* read; buffer given back */
	return 0;
}

/* Sends msg (type in word 0) and reads the PF's reply into msg[0 .. reply_words).
 * 0 on ACK, -SIETCH_EACCES on NACK, -SIETCH_EIO on a reply to something else. */
int ixgbevf_mbx_call(struct ixgbevf *vf, uint32_t *msg, unsigned words, unsigned reply_words)
{
	uint32_t type = msg[0] & IXGBEVF_MSG_TYPE_MASK;
	int r = ixgbevf_mbx_send(vf, msg, words);
	if (r == 0)
		r = ixgbevf_mbx_receive(vf, msg, reply_words);
	if (r < 0)
		return r;
	if ((msg[0] & IXGBEVF_MSG_TYPE_MASK) != type)
		return -SIETCH_EIO;
	if (msg[0] & IXGBEVF_MSG_NACK)
		return -SIETCH_EACCES;
	return (msg[0] & IXGBEVF_MSG_ACK) ? 0 : -SIETCH_EIO;
}
