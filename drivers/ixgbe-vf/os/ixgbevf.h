/*
 * The 82599 virtual-function driver in libos (also X540 and X550 VFs): the
 * mailbox to the PF, receive and transmit queue 0 with advanced descriptors,
 * and the struct netdev operations, so a program like echod runs on it as on
 * the igb VF. Host-tested against a register model (tests/unit/ixgbevf_ut.c);
 * it has never run on hardware.
 *
 *   vf.c   reset, API negotiation, rings, MAC and frame-size requests, link, statistics
 *          (the mailbox is lib/os/vf_mailbox.c, which both Intel VF drivers share)
 *   open.c the VF behind a VNIC handle netdev_open (lib/os/netdev_open.c) chose by PCI ID
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include "drivers/ixgbe-vf/regs.h"
#include "lib/os/netdev.h"
#include "lib/os/vf_io.h"
#include "lib/os/vf_mailbox.h"

#define IXGBEVF_RX_DESCS 256
#define IXGBEVF_TX_DESCS 256
#define IXGBEVF_BUF_SIZE 2048 /* one frame a buffer: SRRCTL.BSIZEPACKET = 2 KiB */
#define IXGBEVF_DMA_SIZE \
	((IXGBEVF_RX_DESCS + IXGBEVF_TX_DESCS) * (16 + IXGBEVF_BUF_SIZE))
#define IXGBEVF_MTU 1500
#define IXGBEVF_MAX_FRAME 1518
#define IXGBEVF_MBX_TIMEOUT_US 100000
#define IXGBEVF_RESET_TIMEOUT_US 200000

_Static_assert(IXGBEVF_RX_DESCS * 16 % IXGBEVF_RING_ALIGN == 0, "82599: RDLEN is a multiple of 128");
_Static_assert(IXGBEVF_TX_DESCS * 16 % IXGBEVF_RING_ALIGN == 0, "82599: TDLEN is a multiple of 128");
_Static_assert(IXGBEVF_BUF_SIZE % IXGBEVF_SRRCTL_BSIZEPKT_UNIT == 0, "SRRCTL counts buffer KiB");
_Static_assert(IXGBEVF_BUF_SIZE >= NETDEV_FRAME_MAX, "a buffer holds what netdev promises");

/* The last raw value of each wrapping counter, and the 64-bit sums. */
struct ixgbevf_hw_stats {
	uint64_t rx_packets, tx_packets, rx_bytes, tx_bytes, rx_multicast;
	uint64_t last_rx_bytes, last_tx_bytes;
	uint32_t last_rx_packets, last_tx_packets, last_rx_multicast;
};

struct ixgbevf {
	struct netdev netdev;  /* first: the ops get this pointer */
	volatile void *regs;   /* BAR0, uncached */
	struct vf_mailbox mbx; /* VFMAILBOX and VFMBMEM (vf.c's ixgbevf_mailbox) */
	int api;	       /* the agreed mailbox API, -1 before */
	uint8_t *buffers;      /* RX buffers, then TX buffers, in the DMA region */
	uint64_t buffers_bus;
	volatile union ixgbevf_rx_desc *rx;
	uint64_t rx_bus;
	uint16_t rx_next;  /* the next descriptor the device writes back */
	int rx_discarding; /* inside a frame longer than a buffer: drop to its EOP */
	volatile union ixgbevf_tx_desc *tx;
	uint64_t tx_bus;
	uint16_t tx_tail, tx_clean, tx_used;
	struct netdev_stats stats;
	struct ixgbevf_hw_stats hw;
	uint64_t doorbells; /* RDT and TDT writes, to show one a batch */
	int pf_reset_seen;  /* RSTI/RSTD seen after init: the PF reset us, link is down */
	/* The VNIC grant open.c was given, and close's last step that gives it back (NULL in the
	 * model tests, where nothing is owned). */
	long handle;
	void (*release)(struct ixgbevf *vf);
};

/* 1 when (vendor, device) is a VF this driver drives. */
int ixgbevf_matches(uint16_t vendor, uint16_t device);
/* open.c: starts the VF behind an owned, mapped VNIC handle (netdev_open chose this driver by
 * ixgbevf_matches); on success its close closes handle, on failure nothing is left allocated and
 * the caller closes handle. 0 or -SIETCH_E*. */
struct sietch_vnic_info;
int ixgbevf_open_vnic(long handle, const struct sietch_vnic_info *info, struct netdev **out);

/* vf.c */
int ixgbevf_reset(struct ixgbevf *vf);
int ixgbevf_negotiate_api(struct ixgbevf *vf);
int ixgbevf_init(struct ixgbevf *vf, volatile void *regs, const struct vf_dma *dma);
int ixgbevf_set_mac(struct ixgbevf *vf, const uint8_t mac[6]);
void ixgbevf_hw_stats_update(struct ixgbevf *vf);
extern const struct netdev_ops ixgbevf_netdev_ops;
