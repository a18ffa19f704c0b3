/*
 * The 82576 VF's side of the PF-VF mailbox (82576 "Virtualization" chapter,
 * "Mailbox"; the PF and VF register tables): where its registers are for the
 * shared mailbox code (lib/os/vf_mailbox.c), and the request-reply exchange of
 * the PF driver's protocol (regs.h, IGB_VF_*), which Sietch's kernel speaks
 * like Linux's igb.
 */
#include "drivers/igb/os/igbvf.h"
#include "lib/common/syscall.h"

VF_MAILBOX_CHECK_BITS(IGBVF_V2PMAILBOX_);
_Static_assert(IGB_MBX_WORDS == VF_MAILBOX_WORDS, "82576 VMBMEM: 16 dwords");

const struct vf_mailbox_device igbvf_mailbox = {
	.control = IGBVF_V2PMAILBOX,
	.memory = IGBVF_VMBMEM,
	.timeout_us = IGBVF_MBX_TIMEOUT_US,
};

/*
 * Sends msg (its type in word 0) and waits for the PF's reply to it, which
 * overwrites msg[0 .. reply_words). Notices the PF sends on its own
 * (IGB_PF_CONTROL_MSG) are skipped. 0 on ACK, -SIETCH_EACCES on NACK.
 */
int igbvf_mbx_call(struct igbvf *vf, uint32_t *msg, unsigned words, unsigned reply_words)
{
	uint32_t type = msg[0] & IGB_MBX_TYPE_MASK;
	int r = vf_mailbox_send(&vf->mbx, msg, words);
	for (int tries = 0; r == 0 && tries < 4; tries++) {
		r = vf_mailbox_receive(&vf->mbx, msg, reply_words);
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
