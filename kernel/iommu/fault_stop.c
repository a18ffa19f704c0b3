/*
 * Stopping a device whose DMA the IOMMU blocked. The fault interrupt only
 * marks the domain (stop_wanted) and posts one work item; the work thread
 * (kernel/proc/work.h) finds each marked domain through the PCI functions in
 * it and calls its driver's hook, which resets the function: a Function Level
 * Reset waits 100 ms (PCIe §6.6.2), which no interrupt handler may.
 *
 * A grant going away clears its hook first and waits out a stop in progress
 * (polling: a stop never sleeps), so a hook never runs on a grant being torn
 * down.
 */
#include "kernel/arch/cpu.h"
#include "kernel/console.h"
#include "kernel/iommu/iommu.h"
#include "kernel/iommu/iommu_internal.h"
#include "kernel/mm/dma.h"
#include "kernel/pci/pci.h"
#include "kernel/proc/work.h"

static void fault_stop_run(struct work *work);
static struct work stop_work = { .run = fault_stop_run };

bool iommu_fault_stop_wanted_locked(struct iommu_domain *domain)
{
	if (!domain->hook || domain->stop_wanted)
		return false;
	domain->stop_wanted = true;
	return true;
}

void iommu_fault_stop_post(void)
{
	if (!work_post(&stop_work))
		kprintf("iommu: no work thread: the device is not stopped\n");
}

/* Under iommu.lock: a domain whose device is to be stopped now, marked running; NULL if none. */
static struct iommu_domain *next_to_stop(void)
{
	for (size_t i = 0; i < pci_function_count(); i++) {
		const struct pci_function *f = pci_function_at(i);
		struct iommu_domain *d = f->segment == 0 ? iommu_context_domain(f->rid) : NULL;
		if (d && d->stop_wanted && d->hook && !d->stop_running) {
			d->stop_running = true;
			return d;
		}
	}
	return NULL;
}

static void fault_stop_run(struct work *work)
{
	(void)work;
	spin_lock(&iommu.lock);
	struct iommu_domain *d;
	while ((d = next_to_stop())) {
		struct iommu_fault_hook *hook = d->hook;
		d->hook = NULL; /* once per grant */
		spin_unlock(&iommu.lock);
		hook->stop(hook);
		spin_lock(&iommu.lock);
		d->stop_running = false;
	}
	spin_unlock(&iommu.lock);
}

void iommu_owner_on_fault(struct dma_owner *owner, struct iommu_fault_hook *hook)
{
	if (!iommu.enabled || !owner->bus || work_start())
		return; /* no IOMMU, or no thread to stop it from: faults are still blocked and counted */
	spin_lock(&iommu.lock);
	((struct iommu_domain *)owner->bus)->hook = hook;
	spin_unlock(&iommu.lock);
}

void iommu_owner_fault_hook_clear(struct dma_owner *owner)
{
	if (!iommu.enabled || !owner->bus)
		return;
	struct iommu_domain *d = owner->bus;
	spin_lock(&iommu.lock);
	d->hook = NULL;
	/* Polled, not slept: the last handle may go in a thread that is exiting and can no longer
	 * sleep. A stop never sleeps either (iommu.h), so it ends on the CPU it runs on. */
	while (d->stop_running) {
		spin_unlock(&iommu.lock);
		cpu_relax();
		spin_lock(&iommu.lock);
	}
	spin_unlock(&iommu.lock);
}
