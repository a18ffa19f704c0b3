/*
 * The VF side of Intel's PF-VF mailbox (vf_mailbox.h): take the buffer, send,
 * wait for the PF's ACK, receive its reply; and a call, a request paired with
 * its reply. Host-tested on its own against a model of the control register
 * (tests/unit/vf_mailbox_ut.c) and inside each driver's model (igbvf_ut.c,
 * ixgbevf_ut.c).
 */
#include "lib/os/vf_mailbox.h"
#include "lib/common/syscall.h"
#include "lib/os/vf_io.h"

void vf_mailbox_init(struct vf_mailbox *mbx, const struct vf_mailbox_device *device, volatile void *bar)
{
	mbx->device = device;
	mbx->bar = bar;
	mbx->seen = 0;
}

uint32_t vf_mailbox_refresh(struct vf_mailbox *mbx)
{
	uint32_t now = vf_read(mbx->bar, mbx->device->control);
	mbx->seen |= now & VF_MAILBOX_READ_TO_CLEAR;
	return now | mbx->seen;
}

int vf_mailbox_take(struct vf_mailbox *mbx, uint32_t mask)
{
	if (!(vf_mailbox_refresh(mbx) & mask))
		return 0;
	mbx->seen &= ~mask;
	return 1;
}

int vf_mailbox_pf_reset_pending(struct vf_mailbox *mbx)
{
	return (vf_mailbox_refresh(mbx) & VF_MAILBOX_RSTI) != 0;
}

static int wait_for(struct vf_mailbox *mbx, uint32_t mask)
{
	uint64_t start = vf_now_us();
	while (!vf_mailbox_take(mbx, mask)) {
		if (vf_now_us() - start > mbx->device->timeout_us)
			return -SIETCH_ETIMEDOUT;
		vf_pause();
	}
	return 0;
}

static int lock(struct vf_mailbox *mbx)
{
	uint64_t start = vf_now_us();
	for (;;) {
		vf_write(mbx->bar, mbx->device->control, VF_MAILBOX_VFU);
		if (vf_mailbox_refresh(mbx) & VF_MAILBOX_VFU)
			return 0;
		if (vf_now_us() - start > mbx->device->timeout_us)
			return -SIETCH_EBUSY;
		vf_pause();
	}
}

int vf_mailbox_send(struct vf_mailbox *mbx, const uint32_t *msg, unsigned words)
{
	if (words == 0 || words > VF_MAILBOX_WORDS)
		return -SIETCH_EINVAL;
	int r = lock(mbx);
	if (r < 0)
		return r;
	/* A stale ACK or message from before would be taken for the answer to this one. */
	mbx->seen &= ~(VF_MAILBOX_PFACK | VF_MAILBOX_PFSTS);
	for (unsigned i = 0; i < words; i++)
		vf_write(mbx->bar, mbx->device->memory + 4 * i, msg[i]);
	vf_write(mbx->bar, mbx->device->control, VF_MAILBOX_REQ); /* VFU clear: the buffer goes back */
	return wait_for(mbx, VF_MAILBOX_PFACK);
}

int vf_mailbox_receive(struct vf_mailbox *mbx, uint32_t *msg, unsigned words)
{
	if (words == 0 || words > VF_MAILBOX_WORDS)
		return -SIETCH_EINVAL;
	int r = wait_for(mbx, VF_MAILBOX_PFSTS);
	if (r < 0)
		return r;
	r = lock(mbx);
	if (r < 0)
		return r;
	for (unsigned i = 0; i < words; i++)
		msg[i] = vf_read(mbx->bar, mbx->device->memory + 4 * i);
	vf_write(mbx->bar, mbx->device->control, VF_MAILBOX_ACK); /* read; the buffer goes back */
	return 0;
}

int vf_mailbox_call(struct vf_mailbox *mbx, uint32_t *msg, unsigned words, unsigned reply_words)
{
	uint32_t type = msg[0] & VF_MAILBOX_MSG_TYPE_MASK;
	int r = vf_mailbox_send(mbx, msg, words);
	for (unsigned replies = 0; r == 0 && replies <= mbx->device->notices; replies++) {
		r = vf_mailbox_receive(mbx, msg, reply_words);
		if (r < 0)
			return r;
		if ((msg[0] & VF_MAILBOX_MSG_TYPE_MASK) != type)
			continue; /* a PF notice crossed our request */
		if (msg[0] & VF_MAILBOX_MSG_NACK)
			return -SIETCH_EACCES;
		return (msg[0] & VF_MAILBOX_MSG_ACK) ? 0 : -SIETCH_EIO;
	}
	return r < 0 ? r : -SIETCH_EIO;
}
