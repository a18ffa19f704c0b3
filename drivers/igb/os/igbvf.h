/*
 * The 82576 virtual-function driver in libos: one VF's mailbox, its receive and
 * transmit queue 0 and the DMA buffers behind them, driven from the process that
 * owns the VNIC, with no system call per frame.
 *
 * The layers, each host-tested against a register model (tests/unit/igbvf_ut.c):
 *   pool.c   fixed-size DMA buffers carved from one region, a free stack
 *   rx.c     the receive ring of advanced descriptors: copy out, re-arm, one RDT write a batch
 *   tx.c     the transmit ring: copy in, one TDT write a batch, reclaim by DD
 *   vf.c     reset and mailbox handshake (over lib/os/vf_mailbox.c, the PF-VF mailbox both
 *            Intel VF drivers share), ring programming, the netdev operations
 * and open.c, which starts the VF behind a VNIC that netdev_open (lib/os/netdev_open.c)
 * has chosen for igb by its PCI ID.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include "drivers/igb/regs.h"
#include "lib/os/netdev.h"
#include "lib/os/vf_io.h"
#include "lib/os/vf_mailbox.h"

#define IGBVF_RX_DESCS 256 /* multiples of 8: RDLEN/TDLEN are multiples of IGB_RING_ALIGN bytes */
#define IGBVF_TX_DESCS 256
#define IGBVF_BUF_SIZE 2048 /* one frame a buffer: SRRCTL.BSIZEPACKET = 2 KiB */
#define IGBVF_BUFS (IGBVF_RX_DESCS + IGBVF_TX_DESCS)
/* The DMA memory one VF needs: both rings, then the buffers. */
#define IGBVF_DMA_SIZE ((IGBVF_RX_DESCS + IGBVF_TX_DESCS) * 16 + IGBVF_BUFS * IGBVF_BUF_SIZE)
#define IGBVF_RX_VECTOR 0 /* the VF's MSI-X vector for receive queue 0 (of 3; only queue 0 is routed) */
#define IGBVF_WAIT_FOREVER UINT64_MAX /* wait()'s timeout that sleeps on the interrupt */
#define IGBVF_MTU 1500
#define IGBVF_MAX_FRAME 1518 /* MTU + Ethernet header + one VLAN tag, CRC stripped */

_Static_assert(IGBVF_RX_DESCS * 16 % IGB_RING_ALIGN == 0, "82576: RDLEN is a multiple of 128");
_Static_assert(IGBVF_TX_DESCS * 16 % IGB_RING_ALIGN == 0, "82576: TDLEN is a multiple of 128");
_Static_assert(IGBVF_BUF_SIZE % IGB_SRRCTL_BSIZEPKT_UNIT == 0, "SRRCTL counts buffer KiB");
_Static_assert(IGBVF_BUF_SIZE >= NETDEV_FRAME_MAX, "a buffer holds what netdev promises");

struct igbvf_pool {
	uint8_t *va;
	uint64_t bus;
	uint32_t total;
	uint32_t free_count;
	uint16_t free[IGBVF_BUFS]; /* a stack of free buffer indices */
};

struct igbvf_rx_ring {
	volatile union igb_rx_desc *desc;
	uint64_t bus;
	uint16_t count;
	uint16_t next;             /* the next descriptor the device writes back */
	uint16_t buf[IGBVF_RX_DESCS]; /* the pool buffer each descriptor owns */
	int discarding;            /* inside a frame larger than a buffer: drop to its EOP */
};

/* The context a checksum-offloaded frame needs (82576 §7.2.2.2); the ring remembers the last one given. */
struct igbvf_tx_csum {
	uint32_t vlan_macip_lens;
	uint32_t type_tucmd_mlhl;
};

#define IGBVF_TX_NO_BUF 0xffffu /* a context descriptor's slot: no buffer behind it */

struct igbvf_tx_ring {
	volatile union igb_tx_desc *desc;
	uint64_t bus;
	uint16_t count;
	uint16_t tail;  /* the next descriptor software fills */
	uint16_t clean; /* the oldest descriptor still the device's */
	uint16_t used;  /* descriptors between clean and tail */
	int csum_offload;             /* igbvf_set_tx_checksum */
	int context_valid;
	struct igbvf_tx_csum context; /* what the device's context slot 0 holds */
	uint16_t buf[IGBVF_TX_DESCS];
};

/* The VF's own 32-bit hardware counters, summed into 64 bits. */
struct igbvf_hw_stats {
	uint64_t rx_packets, tx_packets, rx_bytes, tx_bytes, rx_multicast;
	uint32_t last[5];
};

struct igbvf {
	struct netdev netdev; /* first: the ops get this pointer */
	volatile void *regs;  /* BAR0, 16 KiB, uncached */
	struct vf_mailbox mbx; /* V2PMAILBOX and VMBMEM (vf.c's igbvf_mailbox) */
	uint32_t api;         /* the mailbox API the PF agreed to, 0 before */
	uint32_t max_frame;   /* the longest frame asked of the PF (SET_LPE); 0: IGBVF_MAX_FRAME */
	struct igbvf_pool pool;
	struct igbvf_rx_ring rx;
	struct igbvf_tx_ring tx;
	struct netdev_stats stats;
	struct igbvf_hw_stats hw;
	uint64_t doorbells;   /* RDT and TDT writes, to show one a batch */
	uint64_t resets;      /* times the PF was found reset and the VF brought up again */
	void *platform;       /* open.c's record: the VNIC handle, the notification */
	void (*release)(struct igbvf *vf);
	/* Blocks until the VF's receive vector fires (MSI-X vector IGBVF_RX_VECTOR bound to a
	 * notification); NULL when no interrupt is bound. 0, or a negative error. */
	long (*sleep)(struct igbvf *vf);
	/* Asks the kernel to limit the VF's transmit rate (vnic_set_rate); NULL where there is no kernel. */
	long (*set_rate)(struct igbvf *vf, uint32_t mbps);
};

/* pool.c */
void igbvf_pool_init(struct igbvf_pool *pool, const struct vf_dma *dma, size_t offset, uint32_t count);
int igbvf_pool_get(struct igbvf_pool *pool); /* a buffer index, or -1 when none is free */
void igbvf_pool_put(struct igbvf_pool *pool, uint16_t index);
static inline void *igbvf_pool_va(const struct igbvf_pool *pool, uint16_t index)
{
	return pool->va + (size_t)index * IGBVF_BUF_SIZE;
}
static inline uint64_t igbvf_pool_bus(const struct igbvf_pool *pool, uint16_t index)
{
	return pool->bus + (uint64_t)index * IGBVF_BUF_SIZE;
}

/* The PF answers from its interrupt handler; on a loaded emulated machine that once took
 * longer than 100 ms. 1 s, what Linux's igbvf allows a mailbox exchange (2000 polls 500 µs
 * apart): only a PF that is gone waits that long. */
#define IGBVF_MBX_TIMEOUT_US 1000000

/* rx.c, tx.c */
int igbvf_rx_setup(struct igbvf *vf, const struct vf_dma *dma, size_t offset);
int igbvf_rx_batch(struct igbvf *vf, void *const *bufs, uint16_t *lengths, int max);
int igbvf_rx_pending(struct igbvf *vf);
int igbvf_tx_setup(struct igbvf *vf, const struct vf_dma *dma, size_t offset);
int igbvf_tx_batch(struct igbvf *vf, const void *const *frames, const uint16_t *lengths, int n);
unsigned igbvf_tx_reclaim(struct igbvf *vf);
/* tx_csum.c: 1 and the context when the frame (the driver's copy) was prepared for offload, else 0. */
int igbvf_tx_csum_prepare(uint8_t *frame, uint16_t length, struct igbvf_tx_csum *out);
/* Lets the device fill IPv4 and TCP/UDP checksums of frames sent from now on (enable 1) or not. */
int igbvf_set_tx_checksum(struct netdev *dev, int enable);

/* vf.c */
int igbvf_reset(struct igbvf *vf);
int igbvf_init(struct igbvf *vf, volatile void *regs, const struct vf_dma *dma, const uint8_t mac[6]);
void igbvf_stop(struct igbvf *vf);
void igbvf_hw_stats_update(struct igbvf *vf);
int igbvf_set_mac(struct netdev *dev, const uint8_t mac[6]);
extern const struct netdev_ops igbvf_netdev_ops;

/* open.c: 1 when (vendor, device) is a VF this driver drives (the 82576 VF). */
int igbvf_matches(uint16_t vendor, uint16_t device);
/* Starts the VF behind an owned, mapped VNIC handle; on success its close closes handle, on
 * failure nothing is left allocated and the caller closes handle. 0 or -SIETCH_E*. */
struct sietch_vnic_info;
int igbvf_open_vnic(long handle, const struct sietch_vnic_info *info, struct netdev **out);

/* What netdev_open gives to callers that want igb's extras: NULL for another driver. */
struct igbvf *igbvf_from_netdev(struct netdev *dev);
/* The VNIC grant's handle of a VF netdev_open opened; -SIETCH_EBADF for one it did not. */
long igbvf_vnic_handle(const struct igbvf *vf);
