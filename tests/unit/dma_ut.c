/*
 * Host tests for kernel/mm/dma.c: regions are contiguous, zeroed, mapped
 * shared (so unmap and exit never free them), bounded per owner, and freed
 * exactly once by dma_owner_release, which unmaps only what is still theirs.
 * Frames come from the host heap; page tables are a list of mapped pages.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/mm/dma.c"
#include "tests/unit/stubs/kernel_base.h"

/* ---- Frames: contiguous runs from the host heap ---- */

#define MAX_RUNS 128
static struct run {
	uint64_t phys, count;
} runs[MAX_RUNS];
static int live_runs;
static bool fail_alloc;

uint64_t frame_alloc_contiguous(uint64_t count, uint64_t align_frames, uint64_t below)
{
	(void)align_frames;
	(void)below;
	if (fail_alloc)
		return FRAME_NONE;
	void *p = aligned_alloc(PAGE_SIZE, count * PAGE_SIZE);
	memset(p, 0, count * PAGE_SIZE);
	uint64_t phys = (uint64_t)(uintptr_t)p - DIRECT_MAP_BASE;
	for (int i = 0; i < MAX_RUNS; i++)
		if (!runs[i].count) {
			runs[i] = (struct run){ phys, count };
			live_runs++;
			return phys;
		}
	fail_msg("too many runs");
	return FRAME_NONE;
}

void frame_free_contiguous(uint64_t phys, uint64_t count)
{
	for (int i = 0; i < MAX_RUNS; i++)
		if (runs[i].count && runs[i].phys == phys) {
			assert_int_equal(runs[i].count, count);
			runs[i].count = 0;
			live_runs--;
			free(phys_to_virt(phys));
			return;
		}
	fail_msg("frame run 0x%lx freed but never allocated (or twice)", phys);
}

/* ---- Page tables ---- */

#define PAGE_LIST_MAX ((int)(DMA_OWNER_MAX_BYTES / PAGE_SIZE) + 16)
#include "tests/unit/stubs/page_list.h"

int vm_map(struct addr_space *as, uint64_t va, uint64_t pa, uint64_t size, unsigned flags)
{
	for (uint64_t off = 0; off < size; off += PAGE_SIZE)
		if (find_pte(as, va + off))
			return -SIETCH_EEXIST;
	for (uint64_t off = 0; off < size; off += PAGE_SIZE)
		add_pte(as, va + off, pa + off, flags);
	return 0;
}

int vm_unmap(struct addr_space *as, uint64_t va, uint64_t size, bool free_frames)
{
	assert_false(free_frames); /* DMA frames are the owner's */
	for (uint64_t off = 0; off < size; off += PAGE_SIZE) {
		struct fake_pte *pte = find_pte(as, va + off);
		if (pte)
			*pte = ptes[--pte_count];
	}
	return 0;
}

bool vm_translate(struct addr_space *as, uint64_t va, uint64_t *pa, uint64_t *pte_out)
{
	assert_int_equal(as->lock.locked, 1);
	struct fake_pte *pte = find_pte(as, va & ~(uint64_t)(PAGE_SIZE - 1));
	if (pte && pa)
		*pa = pte->pa;
	(void)pte_out;
	return pte != NULL;
}

static struct addr_space space_a, space_b;

static int setup(void **state)
{
	(void)state;
	memset(ptes, 0, sizeof(ptes));
	pte_count = 0;
	fail_alloc = false;
	return 0;
}

#define VA 0x10000000ull

static void test_region_is_contiguous_zeroed_and_shared(void **state)
{
	(void)state;
	struct dma_owner owner;
	dma_owner_init(&owner);
	struct sietch_dma_region r;
	assert_int_equal(dma_owner_map(&owner, &space_a, VA, 3 * PAGE_SIZE - 100, &r), 0);
	assert_int_equal(r.address, VA);
	assert_int_equal(r.size, 3 * PAGE_SIZE);
	assert_int_equal(pte_count, 3);
	for (int i = 0; i < 3; i++) {
		struct fake_pte *pte = find_pte(&space_a, VA + i * PAGE_SIZE);
		assert_non_null(pte);
		assert_int_equal(pte->pa, r.bus_address + i * PAGE_SIZE); /* contiguous, bus = physical today */
		assert_int_equal(pte->flags, VM_USER | VM_WRITE | VM_SHARED);
	}
	const uint8_t *bytes = phys_to_virt(r.bus_address);
	for (uint64_t i = 0; i < r.size; i++)
		assert_int_equal(bytes[i], 0);
	assert_int_equal(dma_owner_release(&owner), 3);
	assert_int_equal(pte_count, 0);
	assert_int_equal(live_runs, 0);
}

static void test_bad_sizes_and_limits(void **state)
{
	(void)state;
	struct dma_owner owner;
	dma_owner_init(&owner);
	struct sietch_dma_region r;
	assert_int_equal(dma_owner_map(&owner, &space_a, VA, 0, &r), -SIETCH_EINVAL);
	assert_int_equal(dma_owner_map(&owner, &space_a, VA, DMA_REGION_MAX_SIZE + 1, &r), -SIETCH_EINVAL);
	assert_int_equal(dma_owner_map(&owner, &space_a, VA + 1, PAGE_SIZE, &r), -SIETCH_EINVAL);
	uint64_t va = VA;
	int made = 0;
	while (dma_owner_map(&owner, &space_a, va, DMA_REGION_MAX_SIZE, &r) == 0) {
		va += DMA_REGION_MAX_SIZE + PAGE_SIZE;
		made++;
	}
	assert_int_equal(made, DMA_OWNER_MAX_BYTES / DMA_REGION_MAX_SIZE);
	/* One owner, one space: a grant never spans two processes. */
	dma_owner_release(&owner);
	assert_int_equal(dma_owner_map(&owner, &space_a, VA, PAGE_SIZE, &r), 0);
	assert_int_equal(dma_owner_map(&owner, &space_b, VA, PAGE_SIZE, &r), -SIETCH_ENOMEM);
	dma_owner_release(&owner);
	assert_int_equal(live_runs, 0);
}

static void test_failures_leave_nothing(void **state)
{
	(void)state;
	struct dma_owner owner;
	dma_owner_init(&owner);
	struct sietch_dma_region r;
	fail_alloc = true;
	assert_int_equal(dma_owner_map(&owner, &space_a, VA, PAGE_SIZE, &r), -SIETCH_ENOMEM);
	fail_alloc = false;
	assert_int_equal(dma_owner_map(&owner, &space_a, VA, PAGE_SIZE, &r), 0);
	assert_int_equal(dma_owner_map(&owner, &space_a, VA, PAGE_SIZE, &r), -SIETCH_EEXIST); /* occupied */
	assert_int_equal(owner.count, 1);
	assert_int_equal(live_runs, 1);
	dma_owner_release(&owner);
	assert_int_equal(live_runs, 0);
}

static void test_release_spares_what_the_process_put_there(void **state)
{
	(void)state;
	struct dma_owner owner;
	dma_owner_init(&owner);
	struct sietch_dma_region r;
	assert_int_equal(dma_owner_map(&owner, &space_a, VA, 2 * PAGE_SIZE, &r), 0);
	/* The process unmaps the second page and maps its own frame there. */
	vm_unmap(&space_a, VA + PAGE_SIZE, PAGE_SIZE, false);
	assert_int_equal(vm_map(&space_a, VA + PAGE_SIZE, 0x777000, PAGE_SIZE, VM_USER), 0);
	dma_owner_release(&owner);
	assert_null(find_pte(&space_a, VA));
	assert_non_null(find_pte(&space_a, VA + PAGE_SIZE));
	assert_int_equal(live_runs, 0);
	/* Released twice: nothing left to free. */
	assert_int_equal(dma_owner_release(&owner), 0);
}

/* ---- an IOMMU's bus operations: a fake domain that records what it was told ---- */

struct fake_domain {
	uint64_t next_iova;
	int mapped; /* pages mapped now */
	int unmaps, releases;
	bool frames_live_at_unmap; /* every region's frames were still allocated when it was unmapped */
	bool fail;
};

static long fake_bus_map(void *bus, uint64_t phys, uint64_t size, uint64_t *bus_address)
{
	struct fake_domain *d = bus;
	(void)phys;
	if (d->fail)
		return -SIETCH_ENOMEM;
	*bus_address = d->next_iova;
	d->next_iova += size + PAGE_SIZE;
	d->mapped += (int)(size / PAGE_SIZE);
	return 0;
}

static void fake_bus_unmap(void *bus, uint64_t bus_address, uint64_t size)
{
	struct fake_domain *d = bus;
	(void)bus_address;
	d->unmaps++;
	d->mapped -= (int)(size / PAGE_SIZE);
	d->frames_live_at_unmap &= live_runs > 0;
}

static void fake_bus_release(void *bus) { ((struct fake_domain *)bus)->releases++; }

static const struct dma_bus_ops fake_bus_ops = { fake_bus_map, fake_bus_unmap, fake_bus_release };

static void test_iommu_gives_iovas_and_unmaps_before_freeing(void **state)
{
	(void)state;
	struct dma_owner owner;
	dma_owner_init(&owner);
	struct fake_domain domain = { .next_iova = 1ull << 32, .frames_live_at_unmap = true };
	dma_owner_set_bus(&owner, &fake_bus_ops, &domain);
	struct sietch_dma_region r1, r2;
	assert_int_equal(dma_owner_map(&owner, &space_a, VA, 2 * PAGE_SIZE, &r1), 0);
	assert_int_equal(dma_owner_map(&owner, &space_a, VA + 4 * PAGE_SIZE, PAGE_SIZE, &r2), 0);
	/* the device is given IOVAs; the process still sees its own frames */
	assert_int_equal(r1.bus_address, 1ull << 32);
	assert_int_equal(r2.bus_address, (1ull << 32) + 3 * PAGE_SIZE);
	assert_int_not_equal(find_pte(&space_a, VA)->pa, r1.bus_address);
	assert_int_equal(domain.mapped, 3);
	/* a domain that cannot map: nothing is left behind */
	domain.fail = true;
	assert_int_equal(dma_owner_map(&owner, &space_a, VA + 8 * PAGE_SIZE, PAGE_SIZE, &r2), -SIETCH_ENOMEM);
	assert_null(find_pte(&space_a, VA + 8 * PAGE_SIZE));
	assert_int_equal(live_runs, 2);
	assert_int_equal(dma_owner_release(&owner), 3);
	assert_int_equal(domain.unmaps, 2);
	assert_int_equal(domain.mapped, 0);
	assert_true(domain.frames_live_at_unmap);
	assert_int_equal(domain.releases, 1);
	assert_int_equal(live_runs, 0);
	/* released: the next grant on this owner starts without a domain */
	assert_null(owner.bus_ops);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_region_is_contiguous_zeroed_and_shared, setup),
		cmocka_unit_test_setup(test_bad_sizes_and_limits, setup),
		cmocka_unit_test_setup(test_failures_leave_nothing, setup),
		cmocka_unit_test_setup(test_release_spares_what_the_process_put_there, setup),
		cmocka_unit_test_setup(test_iommu_gives_iovas_and_unmaps_before_freeing, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
