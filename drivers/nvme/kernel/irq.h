/*
 * The kernel's own NVMe waits, interrupt-driven: a completion queue's MSI-X
 * entry as something a thread sleeps on (NVMe 1.4 §7.5.2: a completion queue
 * created with interrupts enabled signals its vector when it posts an entry).
 * nvme_irq_idle is the nvme_queue idle hook: between two looks at the
 * completion queue the waiter sleeps until the next interrupt, or a short
 * nap in case one is lost. Before a wait can sleep — at boot, before the
 * scheduler runs a process, or in kernel-only context — it spins as before.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "kernel/arch/interrupt.h"
#include "kernel/arch/spinlock.h"
#include "kernel/pci/pci.h"
#include "kernel/proc/wait.h"

/* The longest a waiter sleeps without an interrupt: a lost one would cost
 * this, not a hang, and it is short beside the command timeouts it bounds.
 * A command that takes longer (a Flush is an fsync of the image under QEMU,
 * which on a busy host can take longer) costs one extra look, no latency:
 * the sleep after it still ends at the interrupt. */
#define NVME_IRQ_NAP_NS 50000000ull

struct nvme_irq_wait {
	struct interrupt irq;
	struct spinlock lock;
	struct wait_queue waiters;
	uint64_t delivered; /* interrupts so far */
	uint64_t seen;	    /* delivered when a waiter last looked */
	uint64_t sleeps;    /* waits that slept */
	uint64_t woken;	    /* of those, ended by an interrupt */
	bool ready;
};

/* Allocates a vector. 0, or a negated SIETCH_E* code (waits keep spinning). */
int nvme_irq_wait_init(struct nvme_irq_wait *w);

/* Programs MSI-X entry `entry` of fn with the vector and unmasks it. Before
 * the controller is enabled: QEMU signals a completion queue's vector only
 * if MSI-X was on when the queue was created (msix_vector_use), and a
 * function-level reset turns MSI-X off. 0 or a negated SIETCH_E* code. */
int nvme_irq_wait_program(struct nvme_irq_wait *w, struct pci_function *fn, unsigned entry);

/* The nvme_queue idle hook; arg is a struct nvme_irq_wait, or NULL (spin). */
void nvme_irq_idle(void *arg);
