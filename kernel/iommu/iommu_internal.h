/* Shared by the files of kernel/iommu; the public interface is iommu.h. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include "kernel/arch/interrupt.h"
#include "kernel/arch/spinlock.h"
#include "kernel/mm/vm.h"
#include "lib/common/dmar.h"
#include "lib/common/vtd.h"

struct proc;

/* One remapping unit (a DRHD). */
struct vtd_unit {
	volatile uint8_t *regs;
	uint64_t cap, ecap;
	uint16_t segment;
	struct spinlock qlock;	    /* the invalidation queue */
	struct vtd_inv_desc *queue; /* one page: 256 descriptors */
	uint64_t queue_phys;
	unsigned tail;			/* next free slot */
	volatile uint32_t *wait_status; /* written by the unit when a wait descriptor completes */
	uint64_t wait_status_phys;
	uint32_t wait_seq;
	struct interrupt fault_irq;
};

/* One DMA address space: the kernel's pass-through one, the blocking one, one per grant. */
struct iommu_domain {
	struct addr_space space; /* second-level tables in the VT-d format */
	uint16_t did;
	bool pass_through;  /* the kernel domain: no tables */
	uint64_t iova_next; /* bump allocator; a grant's domain dies with it */
	struct proc *owner; /* blocked DMA is counted here; NULL for the kernel's and the blocking domain */
	uint64_t faults;
	/* Stopping the device after its first blocked DMA (fault_stop.c), under iommu.lock. */
	struct iommu_fault_hook *hook; /* the driver's; NULL once the grant is going */
	bool stop_wanted;	       /* a DMA was blocked: the worker calls hook->stop */
	bool stop_running;	       /* hook->stop is running now */
};

#define IOMMU_MAX_UNITS DMAR_MAX_UNITS

struct iommu_state {
	bool enabled;
	unsigned address_width; /* 39 or 48: every unit walks it */
	unsigned domain_ids;	/* how many domain IDs every unit has (2^(4 + 2 * CAP.ND)) */
	bool coherent;		/* every unit has ECAP.C: no cache flushes needed */
	int psi_max_order;	/* every unit has CAP.PSI: the smallest MAMV; -1 if one lacks it */
	unsigned unit_count;
	struct vtd_unit unit[IOMMU_MAX_UNITS];
	struct dmar_info dmar;
	struct spinlock lock; /* context tables, attachments, domain IDs */
	struct iommu_domain kernel_domain, blocking_domain;
	uint64_t faults;
};

extern struct iommu_state iommu;

/* vtd_unit.c */
int vtd_unit_start(struct vtd_unit *unit, uint64_t base, uint64_t root_phys);
int vtd_unit_enable_translation(struct vtd_unit *unit);
/* Queues the descriptors and a wait, and returns once the unit has done them; -SIETCH_ETIMEDOUT, -SIETCH_EIO. */
int vtd_unit_invalidate(struct vtd_unit *unit, const struct vtd_inv_desc *desc, unsigned count);
/* The same on every unit. */
void iommu_invalidate_all_units(const struct vtd_inv_desc *desc, unsigned count);
void iommu_fault_setup(struct vtd_unit *unit);

/* fault_stop.c, from the fault interrupt: under iommu.lock, marks domain's device to be
 * stopped and says whether it was newly marked; then, without the lock, wakes the worker. */
bool iommu_fault_stop_wanted_locked(struct iommu_domain *domain);
void iommu_fault_stop_post(void);

/* Cache flushes for a unit without page-walk coherency (ECAP.C = 0). */
void iommu_flush_cache(const void *p, uint64_t size);

/* context.c */
int iommu_context_init(void);
uint64_t iommu_root_phys(void);
/* Points rid's context entry at domain (NULL: not present), with the caches invalidated. Under iommu.lock. */
int iommu_context_set(uint16_t rid, struct iommu_domain *domain);
/* Where rid goes when no grant holds it: the kernel's domain, or (the default) the blocking one. Under iommu.lock. */
int iommu_context_set_home(uint16_t rid, bool kernel);
struct iommu_domain *iommu_context_home(uint16_t rid);
/* The domain rid is in, NULL if none; under iommu.lock. */
struct iommu_domain *iommu_context_domain(uint16_t rid);

/* intremap.c: turns interrupt remapping on when DMA remapping is, and says on the console which interrupt mode runs. */
void iommu_interrupts_init(const char *cmdline);

/* domain.c */
int iommu_domain_init(struct iommu_domain *domain, uint16_t did);
struct iommu_domain *iommu_domain_create(struct proc *owner);
void iommu_domain_destroy(struct iommu_domain *domain);
extern const struct dma_bus_ops iommu_dma_bus_ops;
