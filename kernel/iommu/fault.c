/*
 * Fault recording (VT-d spec rev 4.1 §7.2): a blocked DMA fills one of the
 * unit's fault recording registers and raises the fault event interrupt (an
 * MSI from FEADDR/FEDATA, §11.4.10-12). While a record's F is set or PFO is
 * set, later faults are dropped, so the handler empties every record and
 * clears PFO at once; it logs each (requester bus:dev.fn, address,
 * direction, reason; an owner's first 32, then every 1024th), counts it
 * on the domain's owner and has the owner's device stopped (fault_stop.c).
 */
#include "kernel/arch/percpu.h"
#include "kernel/console.h"
#include "kernel/iommu/iommu_internal.h"
#include "kernel/proc/proc.h"
#include "lib/common/format.h"
#include "lib/common/mmio.h"
#include "lib/common/vtd_ir.h"

#define FAULT_LOG_ALL 32
#define FAULT_LOG_EVERY 1024

/* An interrupt request the remapping table refused (VT-d §5.1.4): a device sent what the kernel did not program. */
static void fault_report_interrupt(const struct vtd_fault *f)
{
	spin_lock(&iommu.lock);
	iommu.faults++;
	static uint64_t refused;
	uint64_t count = ++refused;
	struct iommu_domain *domain = iommu_context_domain(f->sid);
	uint32_t pid = domain && domain->owner ? domain->owner->pid : 0;
	if (domain && domain->owner)
		domain->owner->counters.dma_faults++;
	spin_unlock(&iommu.lock);
	if (count > FAULT_LOG_ALL && count % FAULT_LOG_EVERY)
		return; /* as for DMA: a device sending in a loop cannot flood the console */
	char owner[24] = ", no owner";
	if (pid)
		format(owner, sizeof(owner), ", owner pid %u", pid);
	kprintf("iommu: blocked interrupt (handle %u) from %02x:%02x.%u: %s (reason 0x%x)%s\n",
		vtd_fault_interrupt_index(f->address), f->sid >> 8, (f->sid >> 3) & 0x1f, f->sid & 7,
		vtd_fault_reason_name(f->reason), f->reason, owner);
}

static void fault_log(const struct vtd_fault *f, uint32_t pid, uint64_t count)
{
	/* An owner can make its device fault at will: past the first ones, only every 1024th is
	 * logged, so it cannot flood the console; the counts stay exact. A device with no owner
	 * (a stopped one in the blocking domain) counts in its domain. */
	if (count > FAULT_LOG_ALL && count % FAULT_LOG_EVERY)
		return;
	char owner[48] = ", no owner";
	if (pid)
		format(owner, sizeof(owner), ", owner pid %u, %lu blocked", pid, count);
	/* One line, so another CPU's output cannot split it. */
	kprintf("iommu: blocked DMA %s 0x%lx by %02x:%02x.%u: %s (reason 0x%x)%s\n", f->write ? "write" : "read",
		f->address, f->sid >> 8, (f->sid >> 3) & 0x1f, f->sid & 7, vtd_fault_reason_name(f->reason),
		f->reason, owner);
}

static void fault_report(const struct vtd_fault *f)
{
	if (vtd_fault_is_interrupt(f->reason)) {
		fault_report_interrupt(f);
		return;
	}
	spin_lock(&iommu.lock);
	iommu.faults++;
	struct iommu_domain *domain = iommu_context_domain(f->sid);
	uint32_t pid = 0;
	uint64_t count = 0;
	bool stop = false;
	if (domain && domain->owner) {
		domain->faults++;
		count = ++domain->owner->counters.dma_faults;
		pid = domain->owner->pid;
		stop = iommu_fault_stop_wanted_locked(domain);
	} else if (domain) {
		count = ++domain->faults;
	}
	spin_unlock(&iommu.lock);
	fault_log(f, pid, count);
	if (stop)
		iommu_fault_stop_post(); /* after the line: the driver's own line says what followed */
}

/* §11.4.14: each record is 16 bytes at CAP.FRO; F is bit 127, write 1 to clear. */
static void fault_drain(struct vtd_unit *unit)
{
	unsigned records = VTD_CAP_NFR(unit->cap), offset = VTD_CAP_FRO(unit->cap);
	uint32_t status = mmio_read32(unit->regs + VTD_FSTS);
	unsigned first = VTD_FSTS_FRI(status) % records;
	for (unsigned n = 0; n < records; n++) {
		volatile uint8_t *rec = unit->regs + offset + ((first + n) % records) * 16;
		uint64_t hi = mmio_read64(rec + 8);
		if (!(hi & VTD_FRCD_F))
			continue;
		struct vtd_fault f = vtd_fault_decode(mmio_read64(rec), hi);
		mmio_write32(rec + 12, (uint32_t)(VTD_FRCD_F >> 32)); /* clear F: the record can take the next fault */
		fault_report(&f);
	}
	if (status & VTD_FSTS_PFO) {
		mmio_write32(unit->regs + VTD_FSTS, VTD_FSTS_PFO);
		kprintf("iommu: fault records overflowed; some blocked DMA went unlogged\n");
	}
}

static void fault_interrupt(struct interrupt *irq, void *context)
{
	(void)irq;
	fault_drain(context);
}

void iommu_fault_setup(struct vtd_unit *unit)
{
	fault_drain(unit); /* anything recorded before us */
	if (interrupt_msi_alloc(&unit->fault_irq, cpus[0].apic_id, fault_interrupt, unit)) {
		kprintf("iommu: no vector for the fault event; blocked DMA is not logged\n");
		return;
	}
	struct msi_message msg = interrupt_msi_message(&unit->fault_irq);
	mmio_write32(unit->regs + VTD_FEDATA, msg.data);
	mmio_write32(unit->regs + VTD_FEADDR, (uint32_t)msg.address);
	mmio_write32(unit->regs + VTD_FEUADDR, (uint32_t)(msg.address >> 32));
	mmio_write32(unit->regs + VTD_FECTL, 0); /* unmask */
}

uint64_t iommu_fault_count(void) { return iommu.faults; }
