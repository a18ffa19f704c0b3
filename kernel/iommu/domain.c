/*
 * IOMMU domains: second-level tables in the VT-d format (lib/common/pt.c
 * with pt_format_vtd3/vtd4), kept as a struct addr_space so kernel/mm's
 * vm_map and vm_unmap edit them; its invalidate operation is the IOTLB's.
 *
 * A unit without page-walk coherency (ECAP.C = 0, QEMU's) reads the tables
 * from memory, not the CPU caches: every table page a mapping touched is
 * flushed (CLFLUSH) before the unit is told, new tables included since
 * their zeroes may still sit in a cache line.
 */
#include "kernel/iommu/iommu_internal.h"
#include "kernel/mm/dma.h"
#include "kernel/mm/heap.h"
#include "kernel/proc/proc.h"
#include "lib/common/container_of.h"

#define IOMMU_MAX_DOMAINS 1024 /* of the 2^(4+2*CAP.ND) a unit has; QEMU's have 65536 */
/* Nothing low: a zeroed descriptor faults. From 4 GiB, so no IOVA is ever mistaken for a
 * physical address in a log; the devices handed out (82576 VFs, NVMe) address 64 bits. */
#define IOVA_BASE (1ull << 32)
/* Each domain's IOVAs start at their own place (by domain ID), so one owner's bus address
 * means nothing in another's domain: used there, it faults instead of reaching the other
 * owner's own buffers. 256 MiB holds DMA_OWNER_MAX_BYTES and its guard pages; 1024 domains
 * end at 260 GiB, inside a 39-bit width. */
#define IOVA_DOMAIN_SPAN (256ull << 20)
_Static_assert(DMA_OWNER_MAX_BYTES + DMA_OWNER_MAX_REGIONS * PAGE_SIZE <= IOVA_DOMAIN_SPAN, "a grant fits its span");

#define DID_FIRST_GRANT 3 /* 0 reserved (§9.3 with CM), 1 the kernel's, 2 the blocking one */

static uint64_t did_used[IOMMU_MAX_DOMAINS / 64];

/* Flushes, from the root down, each table on va's path (whole pages, each once per call through last[]). */
static void domain_flush_path(struct iommu_domain *domain, uint64_t va, uint64_t last[PT_MAX_LEVELS + 1])
{
	const struct pt_format *fmt = domain->space.format;
	uint64_t table = domain->space.root;
	for (int level = fmt->levels; level >= 1; level--) {
		uint64_t *entries = phys_to_virt(table);
		if (last[level] != table) {
			iommu_flush_cache(entries, PAGE_SIZE);
			last[level] = table;
		}
		uint64_t e = entries[pt_index(va, level)];
		if (!(e & fmt->present) || level == 1 || (e & fmt->large))
			return;
		table = e & fmt->addr_mask;
	}
}

static void domain_flush_range(struct iommu_domain *domain, uint64_t va, uint64_t size)
{
	if (iommu.coherent)
		return;
	uint64_t last[PT_MAX_LEVELS + 1] = { 0 };
	spin_lock(&domain->space.lock);
	for (uint64_t off = 0; off < size; off += PAGE_SIZE)
		domain_flush_path(domain, va + off, last);
	spin_unlock(&domain->space.lock);
}

/* More would cost more than forgetting the whole domain, which only its owner uses. */
#define PSI_MAX_DESCRIPTORS 16

/*
 * vm_unmap's hook: entries cleared, tables maybe freed; the unit must forget them before
 * the frames are reused. Only the range, where every unit can (CAP.PSI, §6.5.2.3: with
 * IH = 0 the paging-structure caches of the range go too, so freed tables are covered);
 * else the domain.
 */
static void domain_invalidate(struct addr_space *as, uint64_t va, uint64_t size)
{
	struct iommu_domain *domain = container_of(as, struct iommu_domain, space);
	domain_flush_range(domain, va, size);
	struct vtd_inv_desc flush[PSI_MAX_DESCRIPTORS];
	unsigned n = 0;
	if (iommu.psi_max_order >= 0)
		n = vtd_inv_iotlb_range(domain->did, va, size, (unsigned)iommu.psi_max_order, flush,
					PSI_MAX_DESCRIPTORS);
	if (!n) {
		flush[0] = vtd_inv_iotlb_domain(domain->did);
		n = 1;
	}
	iommu_invalidate_all_units(flush, n);
}

static const struct vm_space_ops domain_space_ops = { .invalidate = domain_invalidate };

int iommu_domain_init(struct iommu_domain *domain, uint16_t did)
{
	*domain = (struct iommu_domain){ .did = did, .iova_next = IOVA_BASE + did * IOVA_DOMAIN_SPAN };
	int err = vm_space_create_empty(&domain->space, pt_format_vtd(iommu.address_width), &domain_space_ops);
	if (!err)
		iommu_flush_cache(phys_to_virt(domain->space.root), PAGE_SIZE);
	return err;
}

/*
 * Next-fit, not lowest-first: a new grant gets a domain ID (and so an IOVA span) no
 * recent grant had, so a bus address a previous owner left in a device faults
 * instead of reaching the next owner's memory.
 */
static uint16_t did_alloc(void)
{
	static unsigned next = DID_FIRST_GRANT;
	unsigned limit = iommu.domain_ids < IOMMU_MAX_DOMAINS ? iommu.domain_ids : IOMMU_MAX_DOMAINS;
	spin_lock(&iommu.lock);
	uint16_t did = 0;
	for (unsigned tries = DID_FIRST_GRANT; tries < limit && !did; tries++) {
		unsigned i = next;
		next = next + 1 < limit ? next + 1 : DID_FIRST_GRANT;
		if (!(did_used[i / 64] & (1ull << (i % 64)))) {
			did_used[i / 64] |= 1ull << (i % 64);
			did = (uint16_t)i;
		}
	}
	spin_unlock(&iommu.lock);
	return did;
}

static void did_free(uint16_t did)
{
	spin_lock(&iommu.lock);
	did_used[did / 64] &= ~(1ull << (did % 64));
	spin_unlock(&iommu.lock);
}

struct iommu_domain *iommu_domain_create(struct proc *owner)
{
	struct iommu_domain *domain = kzalloc(sizeof(*domain));
	uint16_t did = domain ? did_alloc() : 0;
	if (!did || iommu_domain_init(domain, did)) {
		if (did)
			did_free(did);
		kfree(domain);
		return NULL;
	}
	domain->owner = owner;
	return domain;
}

/* After every device left it and every mapping is gone: the IOTLB holds nothing of it. */
void iommu_domain_destroy(struct iommu_domain *domain)
{
	struct vtd_inv_desc flush[] = { vtd_inv_iotlb_domain(domain->did) };
	iommu_invalidate_all_units(flush, 1);
	vm_space_destroy(&domain->space); /* leaves are VM_SHARED: the dma_owner frees the frames */
	did_free(domain->did);
	kfree(domain);
}

/* ---- the dma_owner's bus operations (kernel/mm/dma.h) ---- */

static long domain_dma_map(void *bus, uint64_t phys, uint64_t size, uint64_t *bus_address)
{
	struct iommu_domain *domain = bus;
	spin_lock(&domain->space.lock);
	uint64_t iova = domain->iova_next;
	domain->iova_next += size + PAGE_SIZE; /* a guard page: a device overrunning a buffer faults */
	spin_unlock(&domain->space.lock);
	if (!pt_va_ok(domain->space.format, iova + size - 1))
		return -SIETCH_ENOMEM;
	/* Read and write: rings and buffers are both; shared, the frames are the owner's. */
	int err = vm_map(&domain->space, iova, phys, size, VM_WRITE | VM_USER | VM_SHARED);
	if (err)
		return err;
	domain_flush_range(domain, iova, size);
	*bus_address = iova;
	return 0;
}

static void domain_dma_unmap(void *bus, uint64_t bus_address, uint64_t size)
{
	struct iommu_domain *domain = bus;
	vm_unmap(&domain->space, bus_address, size, false); /* flushes and invalidates through domain_invalidate */
}

static void domain_dma_release(void *bus) { iommu_domain_destroy(bus); }

const struct dma_bus_ops iommu_dma_bus_ops = {
	.map = domain_dma_map,
	.unmap = domain_dma_unmap,
	.release = domain_dma_release,
};
