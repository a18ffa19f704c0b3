/*
 * The VF side of the PF-VF mailbox Intel's 82576 and 82599 (with the X540 and
 * X550) virtual functions share: 16 dwords of memory shared with the PF and
 * one control register with the same bits in both (82576 datasheet,
 * "Virtualization" chapter, "Mailbox", and its VF register table: V2PMAILBOX,
 * VMBMEM; 82599 datasheet §8.3, VFMAILBOX and VFMBMEM, and its Virtualization
 * chapter, "PF/VF mailbox"). Only the registers' offsets differ, how long a
 * driver lets the PF take, and whether its PF sends notices of its own: each
 * driver describes its device in a struct vf_mailbox_device.
 *
 * A sender takes the buffer (VFU, which sticks only while the PF does not
 * hold it: PFU), writes the words and sets REQ, which also drops VFU; the PF
 * answers PFACK, then puts its reply with PFSTS, which the VF acknowledges
 * with ACK. The device moves only these bits and the words: what the words
 * mean is the PF driver's protocol (drivers/igb/regs.h, drivers/ixgbe-vf/regs.h),
 * of which vf_mailbox_call knows only how word 0 says type and verdict.
 *
 * PFSTS, PFACK and RSTD clear when the VF reads the control register, so
 * every read is folded into mbx->seen and a bit is consumed from there: a wait
 * for one bit never loses another that arrived in the same read.
 */
#pragma once

#include <stdint.h>

/* The control register (82576 V2PMAILBOX, 82599 VFMAILBOX): the same bits in both. */
#define VF_MAILBOX_REQ (1u << 0)   /* VF wrote a message: interrupts the PF */
#define VF_MAILBOX_ACK (1u << 1)   /* VF read the PF's message */
#define VF_MAILBOX_VFU (1u << 2)   /* VF holds the buffer */
#define VF_MAILBOX_PFU (1u << 3)   /* PF holds the buffer (read only) */
#define VF_MAILBOX_PFSTS (1u << 4) /* PF wrote a message (read to clear) */
#define VF_MAILBOX_PFACK (1u << 5) /* PF read the VF's message (read to clear) */
#define VF_MAILBOX_RSTI (1u << 6)  /* PF reset in progress (read only) */
#define VF_MAILBOX_RSTD (1u << 7)  /* PF finished a reset (read to clear) */
#define VF_MAILBOX_READ_TO_CLEAR (VF_MAILBOX_PFSTS | VF_MAILBOX_PFACK | VF_MAILBOX_RSTD)
#define VF_MAILBOX_WORDS 16 /* VMBMEM / VFMBMEM: 16 dwords */

/*
 * Word 0 of a message as the PF drivers frame it, Linux's igb and ixgbe alike
 * (e1000_mbx.h, ixgbe_mbx.h) and Sietch's kernel: the type in bits 15:0, the
 * PF's verdict on a reply in bits 31:30. The protocol's, not the silicon's:
 * the device only moves the words.
 */
#define VF_MAILBOX_MSG_TYPE_MASK 0xffffu
#define VF_MAILBOX_MSG_ACK (1u << 31)
#define VF_MAILBOX_MSG_NACK (1u << 30)

/* A device's header names these bits prefix##REQ .. prefix##RSTD: they must be the bits above. */
#define VF_MAILBOX_CHECK_BITS(prefix)                                                                    \
	_Static_assert(prefix##REQ == VF_MAILBOX_REQ && prefix##ACK == VF_MAILBOX_ACK &&                 \
			       prefix##VFU == VF_MAILBOX_VFU && prefix##PFU == VF_MAILBOX_PFU &&         \
			       prefix##PFSTS == VF_MAILBOX_PFSTS && prefix##PFACK == VF_MAILBOX_PFACK && \
			       prefix##RSTI == VF_MAILBOX_RSTI && prefix##RSTD == VF_MAILBOX_RSTD,       \
		       #prefix "* are the shared VF mailbox bits")
/* The same for a driver's names of the framing: prefix##TYPE_MASK, prefix##ACK, prefix##NACK. */
#define VF_MAILBOX_CHECK_MSG(prefix)                                                                         \
	_Static_assert(prefix##TYPE_MASK == VF_MAILBOX_MSG_TYPE_MASK && prefix##ACK == VF_MAILBOX_MSG_ACK && \
			       prefix##NACK == VF_MAILBOX_MSG_NACK,                                          \
		       #prefix "* frame messages as the shared VF mailbox does")

/* What differs from one VF to another: where its registers are, how long the PF may take, and
 * whether it sends notices of its own. */
struct vf_mailbox_device {
	uint32_t control;    /* the control register's offset in the VF's BAR */
	uint32_t memory;     /* the offset of the first of VF_MAILBOX_WORDS message dwords */
	uint64_t timeout_us; /* how long the PF may hold the buffer, or take to ACK or answer */
	unsigned notices;    /* replies of another type a call skips: notices the PF sent on its own */
};

/* One VF's mailbox, reached through lib/os/vf_io.h. */
struct vf_mailbox {
	const struct vf_mailbox_device *device;
	volatile void *bar; /* the VF's BAR0 */
	uint32_t seen;	    /* read-to-clear control bits read and not yet consumed */
};

/* Sets mbx up for device at bar, with no bit seen: also what a driver does when it resets the VF. */
void vf_mailbox_init(struct vf_mailbox *mbx, const struct vf_mailbox_device *device, volatile void *bar);
/* The control register now, with the read-to-clear bits of earlier reads not yet consumed. */
uint32_t vf_mailbox_refresh(struct vf_mailbox *mbx);
/* 1 (and consumes the bits of mask) when a read-to-clear bit in mask has been seen, else 0. */
int vf_mailbox_take(struct vf_mailbox *mbx, uint32_t mask);
/* 1 while a PF reset is under way (RSTI): no mailbox traffic now. */
int vf_mailbox_pf_reset_pending(struct vf_mailbox *mbx);
/* 0, or -SIETCH_EINVAL (words not 1..16), -SIETCH_EBUSY (the PF kept the buffer), -SIETCH_ETIMEDOUT. */
int vf_mailbox_send(struct vf_mailbox *mbx, const uint32_t *msg, unsigned words);
int vf_mailbox_receive(struct vf_mailbox *mbx, uint32_t *msg, unsigned words);
/* Sends msg (its type in word 0) and reads the PF's reply to it into msg[0 .. reply_words).
 * 0 on ACK, -SIETCH_EACCES on NACK, -SIETCH_EIO on a reply with neither or to something else
 * (after device->notices of those), or what send and receive return. */
int vf_mailbox_call(struct vf_mailbox *mbx, uint32_t *msg, unsigned words, unsigned reply_words);
