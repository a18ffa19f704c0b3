/*
 * Virtual controllers: QEMU's NVMe PF with SR-IOV, each VF a secondary
 * controller the kernel brings up and keeps (its registers and admin queue)
 * while a process drives I/O queues on it. A storage area in
 * hardware-enforced mode is a namespace attached only to the VF serving its
 * owner, so the device itself refuses every other block.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "drivers/nvme/kernel/ctl.h"

#define NVME_VF_MAX 2
#define NVME_VF_IO_QID 1
#define NVME_VF_FLUSH_ENTRIES 4 /* the kernel's flush queue: one command at a time */

struct nvme_vf {
	struct nvme_ctrl ctrl;    /* the VF's own controller: BAR0, admin queue in the kernel */
	uint64_t bar0_phys;
	uint32_t owner;           /* pid of the process it serves, 0 for none */
	uint32_t attached_nsid;   /* the namespace attached to it, 0 for none */
	/* Held while a grant on this VF ends (its owner left, or power-off): one ending at a time. */
	struct nvme_lock lock;
	/* The kernel's own queue pair for nvme_vf_flush, kernel memory, polled. */
	struct nvme_queue flush_queue;
	struct nvme_slot flush_slots[NVME_QUEUE_SLOTS(NVME_VF_FLUSH_ENTRIES, NVME_VF_FLUSH_ENTRIES)];
	void *flush_sq, *flush_cq;
	uint64_t flush_sq_bus, flush_cq_bus;
};

/* Brings the VFs up in the order QEMU needs (QEMU-DEVICES.md, NVMe): the
 * primary's flexible resources to 0, a PF function-level reset, VFs enabled,
 * the PF enabled again, each secondary given 2 queues and 1 interrupt and
 * put online, then each VF's own CC.EN. Returns how many VFs are ready (0
 * when the controller has no virtualization management or SR-IOV); the PF
 * is enabled again whatever happened. */
unsigned nvme_sriov_init(struct nvme_ctrl *pf);

unsigned nvme_vf_count(void);
struct nvme_vf *nvme_vf_at(unsigned index);

/* Namespace Attachment (§5.19) of nsid to or from the VF, issued on the
 * PF's admin queue (never the VF's: a process shares its doorbell page). */
int nvme_vf_attach(struct nvme_ctrl *pf, struct nvme_vf *vf, uint32_t nsid);
int nvme_vf_detach(struct nvme_ctrl *pf, struct nvme_vf *vf);

/* The kernel's Flush (NVMe 1.4 §6.8) of the namespace attached to the VF,
 * for a grant that ends: the PF cannot name that namespace (a private one
 * attached to the VF alone is not active on the PF), and the process's queue
 * is the process's. Call it on a VF that was just reset (no I/O queue, its
 * DMA back in the kernel's domain, its doorbells no longer in any process):
 * it creates I/O queue pair NVME_VF_IO_QID in the kernel's memory, runs the
 * Flush with a bounded wait, and deletes the pair. 0, -SIETCH_EIO with
 * *status set (the completion's status, phase cleared) when the device
 * refused it, -SIETCH_ETIMEDOUT, or another negated SIETCH_E* code. */
int nvme_vf_flush(struct nvme_vf *vf, uint16_t *status);
