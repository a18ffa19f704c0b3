/*
 * SR-IOV virtual controllers (sriov.h), in the order QEMU 10.0.2's
 * nvme_virt_mngmt and nvme_start_ctrl accept (hw/nvme/ctrl.c): resources
 * move to a secondary only from the primary's flexible pool, which changes
 * at a function-level reset; a VF enables only once online.
 */
#include "drivers/nvme/kernel/sriov.h"

#include "kernel/arch/timer.h"
#include "kernel/console.h"
#include "kernel/iommu/iommu.h"
#include "kernel/mm/frame.h"
#include "kernel/mm/heap.h"
#include "kernel/mm/vm.h"
#include "lib/common/format.h"
#include "lib/common/mmio.h"
#include "lib/common/nvme_cmd.h"
#include "lib/common/string.h"

#define VF_QUEUES 2     /* VQ resources: the admin queue and one I/O queue pair */
#define VF_INTERRUPTS 1 /* VI resources: at least one, or it cannot go online */

static struct nvme_vf vfs[NVME_VF_MAX];
static unsigned vf_ready;

unsigned nvme_vf_count(void) { return vf_ready; }
struct nvme_vf *nvme_vf_at(unsigned index) { return index < vf_ready ? &vfs[index] : NULL; }

static uint64_t clock_us(void) { return timer_now_ns() / 1000; }

/* One zeroed page of kernel memory the device may read and write. */
static void *dma_page(uint64_t *bus)
{
	uint64_t phys = frame_alloc();
	if (phys == FRAME_NONE)
		return NULL;
	*bus = phys;
	return memset(phys_to_virt(phys), 0, PAGE_SIZE);
}

static int virt_mgmt(struct nvme_ctrl *c, uint8_t act, uint8_t rt, uint16_t cntlid, uint16_t count)
{
	struct nvme_sqe cmd;
	int err = nvme_cmd_virt_mgmt(&cmd, act, rt, cntlid, count);
	return err ? err : nvme_admin_run(c, &cmd, NULL, false);
}

/* Steps 1-4: nothing flexible kept by the primary, applied by an FLR, then
 * the VFs, then the PF enabled again (the FLR disabled it). */
static int pf_release_flexible(struct nvme_ctrl *pf, uint16_t vfs_wanted)
{
	int err = virt_mgmt(pf, NVME_VM_ACT_PRIMARY_FLEXIBLE, NVME_VM_RT_VQ, pf->cntlid, 0);
	if (!err)
		err = virt_mgmt(pf, NVME_VM_ACT_PRIMARY_FLEXIBLE, NVME_VM_RT_VI, pf->cntlid, 0);
	if (err)
		return err;
	if ((err = pci_function_reset(pf->fn))) {
		kprintf("nvme: %s: function-level reset failed (error %d)\n", pf->where, -err);
		return err;
	}
	int vf_err = pci_sriov_enable(pf->fn, vfs_wanted);
	err = nvme_ctrl_enable(pf);
	return err ? err : vf_err;
}

/* Steps 5-6 for one secondary: 2 VQ and 1 VI while offline, then online. */
static int secondary_online(struct nvme_ctrl *pf, const struct nvme_secondary_entry *e)
{
	int err = virt_mgmt(pf, NVME_VM_ACT_SECONDARY_ASSIGN, NVME_VM_RT_VQ, e->scid, VF_QUEUES);
	if (!err)
		err = virt_mgmt(pf, NVME_VM_ACT_SECONDARY_ASSIGN, NVME_VM_RT_VI, e->scid, VF_INTERRUPTS);
	if (!err)
		err = virt_mgmt(pf, NVME_VM_ACT_SECONDARY_ONLINE, 0, e->scid, 0);
	return err;
}

/* Step 7: the VF's own controller, its admin queue kept by the kernel. */
static int vf_enable(struct nvme_ctrl *pf, struct nvme_vf *vf, struct pci_function *fn, uint16_t scid)
{
	struct nvme_ctrl *c = &vf->ctrl;
	c->fn = fn;
	c->is_vf = true;
	c->cntlid = scid;
	c->admin_lock = (struct nvme_lock){ .guard = SPINLOCK_INIT("nvme vf admin") };
	vf->lock = (struct nvme_lock){ .guard = SPINLOCK_INIT("nvme vf grant") };
	vf->flush_sq = dma_page(&vf->flush_sq_bus);
	vf->flush_cq = dma_page(&vf->flush_cq_bus);
	if (!vf->flush_sq || !vf->flush_cq)
		return -SIETCH_ENOMEM;
	format(c->where, sizeof(c->where), "%02x:%02x.%u", PCI_RID_BUS(fn->rid), PCI_RID_DEV(fn->rid),
	       PCI_RID_FN(fn->rid));
	vf->bar0_phys = fn->bar[0].base;
	c->regs = pci_bar_map(fn, 0);
	if (!c->regs)
		return -SIETCH_EINVAL;
	/* Between owners the kernel drives its admin queue: untranslated DMA, like the PF's. */
	int err = (int)iommu_device_kernel(fn);
	if (!err)
		err = nvme_ctrl_enable(c);
	if (!err) {
		c->ready = true;
		kprintf("nvme: %s: VF %u, controller %u, online, enabled (its admin queue is the kernel's)\n",
			c->where, fn->vf_index + 1, scid);
	}
	(void)pf;
	return err;
}

unsigned nvme_sriov_init(struct nvme_ctrl *pf)
{
	if (!(pf->oacs & NVME_OACS_VIRTUALIZATION) || !pf->fn->sriov.cap)
		return 0;
	if (pf->fn->sriov.num_vfs) {
		kprintf("nvme: %s: VFs were enabled before the driver (pci.sriov=); no virtual controllers\n",
			pf->where);
		return 0;
	}
	uint16_t wanted = pf->fn->sriov.total_vfs < NVME_VF_MAX ? pf->fn->sriov.total_vfs : NVME_VF_MAX;
	int err = pf_release_flexible(pf, wanted);
	struct nvme_secondary_list *list = kmalloc(sizeof(*list));
	if (!err)
		err = list ? nvme_identify(pf, NVME_IDENTIFY_CNS_SECONDARY_LIST, 0, pf->cntlid, list) : -SIETCH_ENOMEM;
	for (unsigned i = 0; !err && i < list->count && vf_ready < wanted; i++) {
		const struct nvme_secondary_entry *e = &list->entry[i];
		struct pci_function *fn = e->vfn ? pci_vf(pf->fn, (uint16_t)(e->vfn - 1)) : NULL;
		if (!fn || secondary_online(pf, e) || vf_enable(pf, &vfs[vf_ready], fn, e->scid))
			continue;
		vf_ready++;
	}
	kfree(list);
	if (err)
		kprintf("nvme: %s: no virtual controllers (error %d)\n", pf->where, -err);
	return vf_ready;
}

static int ns_attachment(struct nvme_ctrl *pf, uint32_t nsid, uint8_t sel, uint16_t cntlid)
{
	struct nvme_controller_list *list = kzalloc(sizeof(*list));
	struct nvme_sqe cmd;
	if (!list)
		return -SIETCH_ENOMEM;
	int err = nvme_controller_list_set(list, &cntlid, 1);
	if (!err)
		err = nvme_cmd_ns_attachment(&cmd, nsid, sel);
	if (!err)
		err = nvme_admin_data(pf, &cmd, NULL, list, NULL, false);
	kfree(list);
	return err;
}

int nvme_vf_attach(struct nvme_ctrl *pf, struct nvme_vf *vf, uint32_t nsid)
{
	if (vf->attached_nsid)
		return -SIETCH_EBUSY;
	int err = ns_attachment(pf, nsid, NVME_NS_ATTACH, vf->ctrl.cntlid);
	if (!err)
		vf->attached_nsid = nsid;
	return err;
}

int nvme_vf_detach(struct nvme_ctrl *pf, struct nvme_vf *vf)
{
	/* Never a namespace that is not attached: QEMU 10.0.2 asserts and aborts. */
	if (!vf->attached_nsid)
		return 0;
	int err = ns_attachment(pf, vf->attached_nsid, NVME_NS_DETACH, vf->ctrl.cntlid);
	if (!err)
		vf->attached_nsid = 0;
	return err;
}

static int flush_queue_init(struct nvme_vf *vf)
{
	struct nvme_ctrl *c = &vf->ctrl;
	struct nvme_queue_config cfg = {
		.qid = NVME_VF_IO_QID,
		.sq_entries = NVME_VF_FLUSH_ENTRIES,
		.cq_entries = NVME_VF_FLUSH_ENTRIES,
		.sq = vf->flush_sq,
		.cq = vf->flush_cq,
		.sq_tail_doorbell = mmio_at(c->regs, nvme_sq_tail_doorbell(NVME_VF_IO_QID, c->dstrd)),
		.cq_head_doorbell = mmio_at(c->regs, nvme_cq_head_doorbell(NVME_VF_IO_QID, c->dstrd)),
		.slots = vf->flush_slots,
		.clock_us = clock_us,
	};
	memset(vf->flush_sq, 0, PAGE_SIZE); /* a queue created afresh starts at entry 0 (§5.4) */
	return nvme_queue_init(&vf->flush_queue, &cfg);
}

int nvme_vf_flush(struct nvme_vf *vf, uint16_t *status)
{
	struct nvme_ctrl *c = &vf->ctrl;
	struct nvme_sqe cmd;
	struct nvme_cqe done;
	*status = 0;
	if (!vf->attached_nsid)
		return -SIETCH_ENOENT;
	int err = flush_queue_init(vf);
	/* polled (vector -1: IEN = 0, §5.3): power-off may run with interrupts of no use */
	if (!err)
		err = nvme_io_pair_create(c, NVME_VF_IO_QID, NVME_VF_FLUSH_ENTRIES, vf->flush_sq_bus, vf->flush_cq_bus, -1);
	if (err)
		return err;
	/* §6.8: every write this controller completed for the namespace before the Flush was
	 * submitted reaches non-volatile media before the Flush completes. */
	if (!(err = nvme_cmd_flush(&cmd, vf->attached_nsid)))
		err = nvme_queue_run(&vf->flush_queue, &cmd, NVME_IO_TIMEOUT_US, &done, NULL, NULL);
	if (!err) {
		*status = (uint16_t)(done.status & ~NVME_CQE_PHASE);
		if (!NVME_STATUS_OK(*status))
			err = -SIETCH_EIO;
	}
	/* Deleting the submission queue aborts a Flush that never completed (§5.6). */
	int gone = nvme_io_pair_delete(c, NVME_VF_IO_QID);
	return err ? err : gone;
}
