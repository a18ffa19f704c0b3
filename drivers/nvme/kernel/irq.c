/* Sleeping on an NVMe completion queue's interrupt (irq.h). */
#include "drivers/nvme/kernel/irq.h"

#include "kernel/arch/lapic.h"
#include "kernel/arch/timer.h"
#include "kernel/proc/proc.h"

static void irq_fire(struct interrupt *irq, void *context)
{
	struct nvme_irq_wait *w = context;
	(void)irq;
	spin_lock(&w->lock);
	w->delivered++;
	wait_wake_all(&w->waiters);
	spin_unlock(&w->lock);
}

int nvme_irq_wait_init(struct nvme_irq_wait *w)
{
	w->lock = (struct spinlock)SPINLOCK_INIT("nvme completion wait");
	w->waiters = (struct wait_queue)WAIT_QUEUE_INIT;
	int err = interrupt_msi_alloc(&w->irq, lapic_id(), irq_fire, w);
	w->ready = err == 0;
	return err;
}

int nvme_irq_wait_program(struct nvme_irq_wait *w, struct pci_function *fn, unsigned entry)
{
	struct msi_message msg = interrupt_msi_message(&w->irq);
	int err = pci_msix_set(fn, entry, msg.address, msg.data);
	if (!err)
		err = pci_msix_mask(fn, entry, false);
	return err;
}

void nvme_irq_idle(void *arg)
{
	struct nvme_irq_wait *w = arg;
	/* Sleeping needs a thread the scheduler can switch away from: a process's. */
	if (!w || !w->ready || !proc_current()) {
		__asm__ volatile("pause");
		return;
	}
	spin_lock(&w->lock);
	/* An interrupt since the last look means there may be something to reap: no sleep.
	 * The check and the sleep are under the lock the handler takes, so none is missed. */
	if (w->delivered == w->seen) {
		w->sleeps++;
		wait_sleep_until(&w->waiters, &w->lock, timer_now_ns() + NVME_IRQ_NAP_NS);
		if (w->delivered != w->seen)
			w->woken++;
	}
	w->seen = w->delivered;
	spin_unlock(&w->lock);
}
