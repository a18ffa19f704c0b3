/*
 * The root table and the context tables (VT-d spec rev 4.1 §3.4.2, §9.1,
 * §9.3): one root entry per bus, pointing at a context table with an entry
 * per device and function, which names the domain (its ID and its
 * second-level tables). One set of tables serves every unit: each only ever
 * looks up the requesters its DRHD scope covers.
 *
 * Changing a present entry follows §6.5.3.3 / §6.2.2: clear it, flush it out of
 * the CPU caches, invalidate the context cache for that requester and the
 * old domain's IOTLB, and only then write the new entry.
 */
#include "kernel/iommu/iommu_internal.h"
#include "kernel/mm/frame.h"
#include "kernel/mm/heap.h"

struct iommu_bus {
	uint64_t context_phys;
	struct vtd_context_entry *context;
	struct iommu_domain *domain[256]; /* by devfn: what each entry points at */
	bool kernel_home[256];		  /* the kernel drives it when no grant holds it */
};

static uint64_t root_phys;
static struct vtd_root_entry *root;
static struct iommu_bus *buses[256];

int iommu_context_init(void)
{
	root_phys = frame_alloc();
	if (root_phys == FRAME_NONE)
		return -SIETCH_ENOMEM;
	root = phys_to_virt(root_phys);
	iommu_flush_cache(root, PAGE_SIZE);
	return 0;
}

uint64_t iommu_root_phys(void) { return root_phys; }

/* The bus's context table, made (empty, flushed) and hooked into the root table on first use. */
static struct iommu_bus *iommu_bus(uint8_t bus)
{
	if (buses[bus])
		return buses[bus];
	struct iommu_bus *b = kzalloc(sizeof(*b));
	if (!b)
		return NULL;
	b->context_phys = frame_alloc();
	if (b->context_phys == FRAME_NONE) {
		kfree(b);
		return NULL;
	}
	b->context = phys_to_virt(b->context_phys);
	iommu_flush_cache(b->context, PAGE_SIZE);
	root[bus] = vtd_root_entry(b->context_phys);
	iommu_flush_cache(&root[bus], sizeof(root[bus]));
	buses[bus] = b;
	return b;
}

struct iommu_domain *iommu_context_domain(uint16_t rid)
{
	struct iommu_bus *b = buses[rid >> 8];
	return b ? b->domain[rid & 0xff] : NULL;
}

int iommu_context_set_home(uint16_t rid, bool kernel)
{
	struct iommu_bus *b = iommu_bus((uint8_t)(rid >> 8));
	if (!b)
		return -SIETCH_ENOMEM;
	b->kernel_home[rid & 0xff] = kernel;
	return 0;
}

struct iommu_domain *iommu_context_home(uint16_t rid)
{
	struct iommu_bus *b = buses[rid >> 8];
	return b && b->kernel_home[rid & 0xff] ? &iommu.kernel_domain : &iommu.blocking_domain;
}

static struct vtd_context_entry iommu_context_entry(const struct iommu_domain *domain)
{
	if (domain->pass_through)
		return vtd_context_pass(iommu.address_width, domain->did);
	return vtd_context_translate(domain->space.root, iommu.address_width, domain->did);
}

int iommu_context_set(uint16_t rid, struct iommu_domain *domain)
{
	struct iommu_bus *b = iommu_bus((uint8_t)(rid >> 8));
	if (!b)
		return -SIETCH_ENOMEM;
	struct vtd_context_entry *entry = &b->context[rid & 0xff];
	struct iommu_domain *old = b->domain[rid & 0xff];
	if (old) {
		__atomic_store_n(&entry->lo, 0, __ATOMIC_RELEASE); /* not present before anything else changes */
		iommu_flush_cache(entry, sizeof(*entry));
		struct vtd_inv_desc flush[] = { vtd_inv_context_device(old->did, rid), vtd_inv_iotlb_domain(old->did) };
		iommu_invalidate_all_units(flush, 2);
	}
	b->domain[rid & 0xff] = domain;
	if (!domain)
		return 0;
	struct vtd_context_entry e = iommu_context_entry(domain);
	entry->hi = e.hi;
	__atomic_store_n(&entry->lo, e.lo, __ATOMIC_RELEASE); /* present last */
	iommu_flush_cache(entry, sizeof(*entry));
	/* Not present to present needs no invalidation unless the unit caches not-present entries (CAP.CM). */
	struct vtd_inv_desc flush[] = { vtd_inv_context_device(domain->did, rid) };
	iommu_invalidate_all_units(flush, 1);
	return 0;
}
