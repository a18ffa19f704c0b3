/*
 * One VT-d remapping unit: its registers, the invalidation queue and turning
 * translation on (VT-d spec rev 4.1 §10 and §11; the order follows §6.5 and
 * the register descriptions).
 */
#include "kernel/console.h"
#include "kernel/iommu/iommu_internal.h"
#include "kernel/mm/frame.h"
#include "lib/common/mmio.h"

#define VTD_TIMEOUT_US 100000 /* a unit answers a command or a wait in microseconds; 100 ms is broken */

void iommu_flush_cache(const void *p, uint64_t size)
{
	if (iommu.coherent)
		return;
	/* SDM vol.2 CLFLUSH: ordered by MFENCE; 64-byte lines on every x86-64 CPU that has VT-d. */
	uintptr_t start = (uintptr_t)p & ~63ull, end = (uintptr_t)p + size;
	__asm__ volatile("mfence" ::
				 : "memory");
	for (uintptr_t line = start; line < end; line += 64)
		__asm__ volatile("clflush (%0)" ::"r"(line)
				 : "memory");
	__asm__ volatile("mfence" ::
				 : "memory");
}

/* §11.4.4: set one command bit (keeping the persistent ones) and wait for its status. */
static int vtd_command(struct vtd_unit *unit, uint32_t bit, bool on)
{
	uint32_t status = mmio_read32(unit->regs + VTD_GSTS) & ~VTD_GSTS_ONE_SHOT;
	mmio_write32(unit->regs + VTD_GCMD, on ? status | bit : status & ~bit);
	return mmio_wait32(unit->regs + VTD_GSTS, bit, on ? bit : 0, VTD_TIMEOUT_US);
}

/* §6.5.2: the queue is one page of 128-bit descriptors, QS = 0; a wait's status word sits in a page of its own. */
static int vtd_queue_start(struct vtd_unit *unit)
{
	unit->queue_phys = frame_alloc();
	unit->wait_status_phys = frame_alloc();
	if (unit->queue_phys == FRAME_NONE || unit->wait_status_phys == FRAME_NONE)
		return -SIETCH_ENOMEM;
	unit->queue = phys_to_virt(unit->queue_phys);
	unit->wait_status = phys_to_virt(unit->wait_status_phys);
	unit->qlock = (struct spinlock)SPINLOCK_INIT("vtd queue");
	unit->tail = 0;
	mmio_write64(unit->regs + VTD_IQT, 0);
	mmio_write64(unit->regs + VTD_IQA, unit->queue_phys); /* QS 0: 256 entries; DW 0: 128-bit */
	return vtd_command(unit, VTD_GCMD_QIE, true);
}

int vtd_unit_start(struct vtd_unit *unit, uint64_t base, uint64_t root_phys)
{
	unit->regs = kmap_mmio(base, PAGE_SIZE);
	if (!unit->regs)
		return -SIETCH_EIO;
	unit->cap = mmio_read64(unit->regs + VTD_CAP);
	unit->ecap = mmio_read64(unit->regs + VTD_ECAP);
	if (!(unit->ecap & VTD_ECAP_QI))
		return -SIETCH_EINVAL; /* register-based invalidation is not written */
	if (mmio_read32(unit->regs + VTD_GSTS) & VTD_GCMD_TE)
		vtd_command(unit, VTD_GCMD_TE, false); /* left on by firmware: start from a known state */
	iommu_fault_setup(unit);
	/* §10.4.6: the root table pointer is latched by SRTP. */
	mmio_write64(unit->regs + VTD_RTADDR, root_phys);
	int err = vtd_command(unit, VTD_GCMD_SRTP, true);
	if (!err)
		err = vtd_queue_start(unit);
	if (err)
		return err;
	/* §6.5: nothing cached from before is trusted: context, IOTLB and interrupt entry caches. */
	struct vtd_inv_desc flush[] = { vtd_inv_context_global(), vtd_inv_iotlb_global(), vtd_inv_iec_global() };
	return vtd_unit_invalidate(unit, flush, (unit->ecap & VTD_ECAP_IR) ? 3 : 2);
}

int vtd_unit_enable_translation(struct vtd_unit *unit) { return vtd_command(unit, VTD_GCMD_TE, true); }

static void vtd_queue_put(struct vtd_unit *unit, struct vtd_inv_desc desc)
{
	unit->queue[unit->tail] = desc;
	iommu_flush_cache(&unit->queue[unit->tail], sizeof(desc));
	unit->tail = (unit->tail + 1) % (PAGE_SIZE / VTD_IQ_DESC_SIZE);
}

struct vtd_wait {
	struct vtd_unit *unit;
	uint32_t seq;
};

/* Done when the wait's status arrived, or the queue stopped on an error (§6.5.2.10). */
static int vtd_wait_done(void *arg)
{
	struct vtd_wait *w = arg;
	return __atomic_load_n(w->unit->wait_status, __ATOMIC_ACQUIRE) == w->seq ||
	       (mmio_read32(w->unit->regs + VTD_FSTS) & (VTD_FSTS_IQE | VTD_FSTS_ITE | VTD_FSTS_ICE));
}

int vtd_unit_invalidate(struct vtd_unit *unit, const struct vtd_inv_desc *desc, unsigned count)
{
	spin_lock(&unit->qlock);
	uint32_t seq = ++unit->wait_seq;
	for (unsigned i = 0; i < count; i++)
		vtd_queue_put(unit, desc[i]);
	vtd_queue_put(unit, vtd_inv_wait(unit->wait_status_phys, seq));
	/* §11.4.12: the tail is a byte offset; the unit fetches up to it. */
	mmio_write64(unit->regs + VTD_IQT, (uint64_t)unit->tail * VTD_IQ_DESC_SIZE);
	struct vtd_wait w = { unit, seq };
	int err = mmio_poll(vtd_wait_done, &w, VTD_TIMEOUT_US);
	if (!err && *unit->wait_status != seq)
		err = -SIETCH_EIO;
	spin_unlock(&unit->qlock);
	if (err)
		kprintf("iommu: invalidation failed (%d), fault status 0x%x\n", err,
			mmio_read32(unit->regs + VTD_FSTS));
	return err;
}

void iommu_invalidate_all_units(const struct vtd_inv_desc *desc, unsigned count)
{
	for (unsigned i = 0; i < iommu.unit_count; i++)
		vtd_unit_invalidate(&iommu.unit[i], desc, count);
}
