/*
 * Intel 82599 virtual function (the VF Linux's ixgbevf drives; X540 and X550
 * VFs keep this register map): registers, advanced descriptors and the PF-VF
 * mailbox messages. Sources: Intel 82599 10 GbE Controller Datasheet, §8.3
 * (the VF register space), §7.1.6 (advanced receive descriptors), §7.2.3.2.4
 * (advanced transmit data descriptor), and the Virtualization chapter's
 * "PF/VF mailbox". The message words are the PF driver's protocol, not the
 * silicon's: they are what Linux's ixgbe PF answers.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* PCI IDs (vendor 0x8086) of the VFs this driver covers. */
#define IXGBEVF_VENDOR_INTEL 0x8086
#define IXGBEVF_DEV_82599 0x10ed
#define IXGBEVF_DEV_X540 0x1515
#define IXGBEVF_DEV_X550 0x1565
#define IXGBEVF_DEV_X550EM_X 0x15a8
#define IXGBEVF_DEV_X550EM_A 0x15c5

/* §8.3: VF general registers. */
#define IXGBEVF_VFCTRL 0x0000
#define IXGBEVF_VFCTRL_RST (1u << 26) /* VF software reset: queues and their registers */
#define IXGBEVF_VFSTATUS 0x0008
#define IXGBEVF_VFLINKS 0x0010
#define IXGBEVF_VFLINKS_UP (1u << 30)
#define IXGBEVF_VFLINKS_SPEED_SHIFT 28 /* 2 bits: 1 = 100M, 2 = 1G, 3 = 10G */
#define IXGBEVF_VFLINKS_SPEED_MASK (3u << IXGBEVF_VFLINKS_SPEED_SHIFT)
#define IXGBEVF_VFEIMC 0x010c /* interrupt mask clear: the driver polls */

/* Mailbox: 16 dwords of memory shared with the PF, and the control register. */
#define IXGBEVF_VFMBMEM 0x0200
#define IXGBEVF_MBX_WORDS 16
#define IXGBEVF_VFMAILBOX 0x02fc
#define IXGBEVF_VFMAILBOX_REQ (1u << 0)	  /* VF wrote a message: interrupts the PF */
#define IXGBEVF_VFMAILBOX_ACK (1u << 1)	  /* VF read the PF's message */
#define IXGBEVF_VFMAILBOX_VFU (1u << 2)	  /* VF holds the buffer */
#define IXGBEVF_VFMAILBOX_PFU (1u << 3)	  /* PF holds the buffer (read only) */
#define IXGBEVF_VFMAILBOX_PFSTS (1u << 4) /* PF wrote a message (read to clear) */
#define IXGBEVF_VFMAILBOX_PFACK (1u << 5) /* PF read the VF's message (read to clear) */
#define IXGBEVF_VFMAILBOX_RSTI (1u << 6)  /* PF reset in progress (read only) */
#define IXGBEVF_VFMAILBOX_RSTD (1u << 7)  /* PF finished a reset (read to clear) */
#define IXGBEVF_VFMAILBOX_R2C \
	(IXGBEVF_VFMAILBOX_PFSTS | IXGBEVF_VFMAILBOX_PFACK | IXGBEVF_VFMAILBOX_RSTD)

/* §8.3: VF receive queue 0 (queue n at + 0x40 * n). */
#define IXGBEVF_VFRDBAL 0x1000
#define IXGBEVF_VFRDBAH 0x1004
#define IXGBEVF_VFRDLEN 0x1008
#define IXGBEVF_VFRDH 0x1010
#define IXGBEVF_VFSRRCTL 0x1014
#define IXGBEVF_VFRDT 0x1018
#define IXGBEVF_VFRXDCTL 0x1028
#define IXGBEVF_SRRCTL_BSIZEPKT_UNIT 1024	      /* BSIZEPACKET, bits 4:0, counts KiB */
#define IXGBEVF_SRRCTL_DESCTYPE_ADV_ONEBUF (1u << 25) /* bits 27:25 = 001 */
#define IXGBEVF_SRRCTL_DROP_EN (1u << 28)	      /* drop when no descriptor is free */
#define IXGBEVF_RXDCTL_ENABLE (1u << 25)
#define IXGBEVF_TXDCTL_ENABLE (1u << 25)

/* §8.3: VF transmit queue 0. */
#define IXGBEVF_VFTDBAL 0x2000
#define IXGBEVF_VFTDBAH 0x2004
#define IXGBEVF_VFTDLEN 0x2008
#define IXGBEVF_VFTDH 0x2010
#define IXGBEVF_VFTDT 0x2018
#define IXGBEVF_VFTXDCTL 0x2028

/* §8.3: VF statistics. Not cleared on read: they wrap, so the driver sums differences. */
#define IXGBEVF_VFGPRC 0x101c	  /* good packets received, 32 bits */
#define IXGBEVF_VFGORC_LSB 0x1020 /* good octets received, 36 bits over LSB/MSB */
#define IXGBEVF_VFGORC_MSB 0x1024
#define IXGBEVF_VFMPRC 0x1034 /* multicast packets received */
#define IXGBEVF_VFGPTC 0x201c
#define IXGBEVF_VFGOTC_LSB 0x2020
#define IXGBEVF_VFGOTC_MSB 0x2024
#define IXGBEVF_OCTETS_BITS 36

/* §7.1.6 and §7.2.3.2.4: rings are 128-byte aligned and a multiple of 128 bytes long. */
#define IXGBEVF_RING_ALIGN 128

/* §7.1.6.1: advanced receive descriptor, read format (what software writes). */
struct ixgbevf_rx_read {
	uint64_t packet_address;
	uint64_t header_address; /* bit 0 doubles as DD after write-back */
};

/* §7.1.6.2: advanced receive descriptor, write-back format (what the device writes). */
struct ixgbevf_rx_wb {
	uint32_t packet_info; /* packet type, header length, RSS type */
	uint32_t rss_hash;
	uint32_t status_error; /* extended status 19:0, extended errors 31:20 */
	uint16_t length;       /* bytes in this descriptor's buffer */
	uint16_t vlan;
};
#define IXGBEVF_RXD_STAT_DD (1u << 0)
#define IXGBEVF_RXD_STAT_EOP (1u << 1)
#define IXGBEVF_RXD_ERR_RXE (1u << 29) /* CRC, length, symbol or other MAC error */

union ixgbevf_rx_desc {
	struct ixgbevf_rx_read read;
	struct ixgbevf_rx_wb wb;
};

/* §7.2.3.2.4: advanced transmit data descriptor, read format. */
struct ixgbevf_tx_read {
	uint64_t buffer_address;
	uint32_t cmd_type_len;	/* DTALEN 15:0, DTYP 23:20, DCMD 31:24 */
	uint32_t olinfo_status; /* PAYLEN 31:14 */
};

/* §7.2.3.2.4: its write-back: only STA (bits 35:32 of the second quadword) changes. */
struct ixgbevf_tx_wb {
	uint64_t reserved;
	uint32_t reserved2;
	uint32_t status;
};
#define IXGBEVF_TXD_DTYP_DATA (3u << 20)
#define IXGBEVF_TXD_CMD_EOP (1u << 24)
#define IXGBEVF_TXD_CMD_IFCS (1u << 25) /* the device appends the CRC */
#define IXGBEVF_TXD_CMD_RS (1u << 27)	/* report status: write DD back */
#define IXGBEVF_TXD_CMD_DEXT (1u << 29) /* advanced format */
#define IXGBEVF_TXD_PAYLEN_SHIFT 14
#define IXGBEVF_TXD_STAT_DD (1u << 0)

union ixgbevf_tx_desc {
	struct ixgbevf_tx_read read;
	struct ixgbevf_tx_wb wb;
};

_Static_assert(sizeof(struct ixgbevf_rx_read) == 16, "82599 §7.1.6.1: 16-byte descriptor");
_Static_assert(sizeof(struct ixgbevf_rx_wb) == 16, "82599 §7.1.6.2: 16-byte descriptor");
_Static_assert(offsetof(struct ixgbevf_rx_wb, status_error) == 8, "82599 §7.1.6.2: status at byte 8");
_Static_assert(offsetof(struct ixgbevf_rx_wb, length) == 12, "82599 §7.1.6.2: length at byte 12");
_Static_assert(sizeof(union ixgbevf_rx_desc) == 16, "82599 §7.1.6");
_Static_assert(sizeof(struct ixgbevf_tx_read) == 16, "82599 §7.2.3.2.4: 16-byte descriptor");
_Static_assert(offsetof(struct ixgbevf_tx_read, cmd_type_len) == 8, "82599 §7.2.3.2.4");
_Static_assert(offsetof(struct ixgbevf_tx_wb, status) == 12, "82599 §7.2.3.2.4: STA at bit 96");
_Static_assert(sizeof(union ixgbevf_tx_desc) == 16, "82599 §7.2.3.2.4");

/* PF-VF messages: word 0 is the type, with the PF's verdict in the top bits. */
#define IXGBEVF_MSG_RESET 0x01
#define IXGBEVF_MSG_SET_MAC 0x02
#define IXGBEVF_MSG_SET_LPE 0x05 /* the longest frame to receive */
#define IXGBEVF_MSG_API_NEGOTIATE 0x08
#define IXGBEVF_MSG_ACK 0x80000000u
#define IXGBEVF_MSG_NACK 0x40000000u
#define IXGBEVF_MSG_CTS 0x20000000u /* the PF considers the VF up */
#define IXGBEVF_MSG_TYPE_MASK 0xffffu
#define IXGBEVF_RESET_REPLY_WORDS 4 /* type, MAC bytes 0-3, MAC bytes 4-5, multicast filter type */

/* Mailbox API versions, as the PF numbers them (newest first in negotiation). */
#define IXGBEVF_API_10 0
#define IXGBEVF_API_11 2
#define IXGBEVF_API_12 3
#define IXGBEVF_API_13 4
