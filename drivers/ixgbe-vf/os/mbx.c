/*
 * The 82599 VF's side of the PF-VF mailbox (datasheet, Virtualization chapter,
 * "PF/VF mailbox"; VFMAILBOX and VFMBMEM in §8.3): where its registers are for
 * the shared mailbox code (lib/os/vf_mailbox.c), and the request-reply
 * exchange of the PF driver's protocol (regs.h, IXGBEVF_MSG_*).
 */
#include "drivers/ixgbe-vf/os/ixgbevf.h"
#include "lib/common/syscall.h"

VF_MAILBOX_CHECK_BITS(IXGBEVF_VFMAILBOX_);
_Static_assert(IXGBEVF_MBX_WORDS == VF_MAILBOX_WORDS, "82599 VFMBMEM: 16 dwords");

const struct vf_mailbox_device ixgbevf_mailbox = {
	.control = IXGBEVF_VFMAILBOX,
	.memory = IXGBEVF_VFMBMEM,
	.timeout_us = IXGBEVF_MBX_TIMEOUT_US,
};

/* Sends msg (type in word 0) and reads the PF's reply into msg[0 .. reply_words).
 * 0 on ACK, -SIETCH_EACCES on NACK, -SIETCH_EIO on a reply to something else. */
int ixgbevf_mbx_call(struct ixgbevf *vf, uint32_t *msg, unsigned words, unsigned reply_words)
{
	uint32_t type = msg[0] & IXGBEVF_MSG_TYPE_MASK;
	int r = vf_mailbox_send(&vf->mbx, msg, words);
	if (r == 0)
		r = vf_mailbox_receive(&vf->mbx, msg, reply_words);
	if (r < 0)
		return r;
	if ((msg[0] & IXGBEVF_MSG_TYPE_MASK) != type)
		return -SIETCH_EIO;
	if (msg[0] & IXGBEVF_MSG_NACK)
		return -SIETCH_EACCES;
	return (msg[0] & IXGBEVF_MSG_ACK) ? 0 : -SIETCH_EIO;
}
