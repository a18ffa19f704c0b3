/*
 * The Intel 82576's physical function, driven by the kernel: it brings the
 * device up, turns on SR-IOV and VMDq, gives each VF a pool with one MAC
 * filter, answers the VFs' mailbox, and hands VFs to processes as VNICs
 * (vnic.c). The VFs' data path belongs to those processes
 * (drivers/igb/os); the PF has no queues of its own.
 *
 *   pf_hw.c  register programming: bring-up, VMDq, per-VF enable and scrub
 *   mbx.c    the PF side of the mailbox protocol
 *   pf.c     the kernel glue: PCI, SR-IOV, the interrupt, the command line
 *   vnic.c   VNIC objects in /dev/net, one owner each
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include "drivers/igb/kernel/hw.h"
#include "drivers/igb/regs.h"
#include "lib/common/syscall.h"
#include "kernel/arch/interrupt.h"
#include "kernel/arch/spinlock.h"

#define IGB_DEFAULT_VFS 4
#define IGB_MC_MAX 30          /* multicast hashes one SET_MULTICAST carries (16 words - 1, two a word) */
#define IGB_VF_DEFAULT_FRAME 1518 /* without SET_LPE: a standard frame, CRC included */
#define IGB_VLAN_HEADER 4
#define IGB_LINK_MAX_MBPS 1000 /* the 82576's fastest link; a rate limit at or above the link is none */

struct pci_function;

struct igb_vf_state {
	uint8_t mac[6];
	bool owned;           /* a VNIC grant holds it: only then may its pool receive or transmit */
	bool clear_to_send;   /* the VF has done its reset handshake since its last reset */
	bool enabled;         /* VFRE/VFTE set for it */
	bool stopped;         /* its owner's DMA was blocked: no reset handshake enables it until the kernel resets it */
	uint16_t mc_hashes[IGB_MC_MAX];
	unsigned mc_count;
	uint32_t max_frame;   /* from SET_LPE, CRC excluded; 0 until asked */
	uint32_t tx_rate_mbps; /* its grant's transmit limit, 0 for none */
	uint32_t rttbcnrc;     /* what the PF last wrote to RTTBCNRC for the VF's queue (QEMU keeps no such register) */
	uint64_t messages, nacks, resets;
};

struct igb_pf {
	struct igb_hw hw;
	struct spinlock lock; /* the registers the VFs share and vf[] */
	unsigned num_vfs;
	uint8_t mac[6];       /* the PF's own, from RAL0/RAH0 */
	uint32_t link_speed_mbps;
	bool anti_spoof;
	uint32_t default_rate_mbps; /* igb.rate: the limit every grant starts with, 0 for none */
	struct igb_vf_state vf[IGB_MAX_VFS];
	/* kernel glue (pf.c) */
	struct pci_function *pci;
	struct interrupt irq;
	bool irq_ready;
	uint64_t interrupts;
};

/* ---- pf_hw.c: the PF's registers ---- */

/*
 * Bring-up in the order of the 82576 datasheet's "Software Initialization
 * and Diagnostics" (§4.5): interrupts off, global reset, interrupts off
 * again, general configuration, link setup, statistics, receive and
 * transmit set-up, then the virtualization set-up (§7.10) for num_vfs pools.
 * 0, or -SIETCH_ETIMEDOUT when the reset or the PHY does not answer.
 */
int igb_pf_hw_init(struct igb_pf *pf, unsigned num_vfs);
bool igb_pf_link_up(struct igb_pf *pf);
/* The MAC the kernel gives VF vf: the PF's, locally administered, last byte + 1 + vf. */
void igb_vf_mac(const uint8_t pf_mac[6], unsigned vf, uint8_t out[6]);
/* After the VF's reset handshake: its MAC filter (RAR 1 + vf) with its pool bit, VMOLR, VFRE/VFTE. */
void igb_vf_enable(struct igb_pf *pf, unsigned vf);
/*
 * After any reset of the VF, or when its owner goes: every filter and enable of the pool cleared,
 * and its queues' ring registers zeroed so that no stale ring address is left for the device.
 */
void igb_vf_scrub(struct igb_pf *pf, unsigned vf);
/* Queue q stopped and its ring, tail, head and write-back registers zeroed. */
void igb_queue_scrub(struct igb_hw *hw, unsigned q);
/* Rebuild the shared multicast table from every VF's hashes (one VF's list changed). */
void igb_mta_rebuild(struct igb_pf *pf);
/* VLAN vid on or off for vf's pool (VLVF entry with its POOLSEL bit, VFTA bit); 0 or -SIETCH_ENOSPC. */
int igb_vf_vlan(struct igb_pf *pf, unsigned vf, uint16_t vid, bool on);
/* The 10.14 rate factor link / rate for RTTBCNRC; 0 (no limit) when rate is 0 or not below the link. */
uint32_t igb_rate_factor(uint32_t link_mbps, uint32_t rate_mbps);
void igb_vf_set_rate(struct igb_pf *pf, unsigned vf, uint32_t rate_mbps);
/* What the device holds for vf's pool now (the vnic_pool test hook); call with pf->lock held. */
void igb_vf_pool_state(struct igb_pf *pf, unsigned vf, struct sietch_vnic_pool *out);

/* ---- mbx.c: the mailbox ---- */

/* Services every VF event the device reports (VFLRE, MBVFICR); call with pf->lock held. */
void igb_mbx_service(struct igb_pf *pf);
/*
 * One message from VF vf (msg[0..IGB_MBX_WORDS)), answered in place; returns
 * how many words of reply to send. Exposed for the host tests.
 */
unsigned igb_mbx_handle(struct igb_pf *pf, unsigned vf, uint32_t *msg);
/* A VF reset (FLR, its CTRL.RST, VF Enable) was seen: forget its handshake and scrub it. */
void igb_vf_reset_seen(struct igb_pf *pf, unsigned vf);
/*
 * The kernel reset VF vf itself (a VNIC's owner went): as igb_vf_reset_seen, and the VFLRE event the
 * reset raised is consumed now, so a late interrupt cannot scrub the pool of the VF's next owner.
 */
void igb_vf_reset_done(struct igb_pf *pf, unsigned vf);

/*
 * VF vf neither sends nor receives from now on, whatever its owner writes to its own
 * registers: the pool's enables (PF registers) and queues are off and its reset handshake
 * is refused, until igb_vf_reset_done at its owner's departure. pf->lock held.
 */
void igb_vf_stop(struct igb_pf *pf, unsigned vf);
