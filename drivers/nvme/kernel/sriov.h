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

struct nvme_vf {
	struct nvme_ctrl ctrl;    /* the VF's own controller: BAR0, admin queue in the kernel */
	uint64_t bar0_phys;
	uint32_t owner;           /* pid of the process it serves, 0 for none */
	uint32_t attached_nsid;   /* the namespace attached to it, 0 for none */
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
