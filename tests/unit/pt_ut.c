/* Host tests for lib/common/pt.c in the CPU's own format, over the fake
 * physical memory of tests/unit/stubs/fake_tables.h. The other formats are
 * tested in pt_format_ut.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/common/pt.c"
#include "lib/common/pt_format.c"
#include "tests/unit/stubs/fake_tables.h"

#define X86 (&pt_format_x86_64)

static void test_index_and_canonical(void **state)
{
	(void)state;
	uint64_t va = (0x1aull << 39) | (0x2bull << 30) | (0x3cull << 21) | (0x4dull << 12) | 0x123;
	assert_int_equal(pt_index(va, 4), 0x1a);
	assert_int_equal(pt_index(va, 3), 0x2b);
	assert_int_equal(pt_index(va, 2), 0x3c);
	assert_int_equal(pt_index(va, 1), 0x4d);
	assert_int_equal(pt_index(0xffffffff80000000ull, 4), 511);
	assert_int_equal(pt_index(0xffffffff80000000ull, 3), 510);

	assert_true(pt_is_canonical(0));
	assert_true(pt_is_canonical(0x00007fffffffffffull));
	assert_true(pt_is_canonical(0xffff800000000000ull));
	assert_true(pt_is_canonical(0xffffffffffffffffull));
	assert_false(pt_is_canonical(0x0000800000000000ull));
	assert_false(pt_is_canonical(0xffff7fffffffffffull));
	assert_false(pt_is_canonical(0x0001000000000000ull));
}

static void test_map_walk_unmap_4k(void **state)
{
	struct fixture *f = *state;
	struct pt_walk_result r;
	uint64_t va = 0x400000, pa = 0x12345000, old = 0;

	assert_int_equal(pt_walk(X86, &f->ops, f->root, va, &r), -SIETCH_ENOENT);
	assert_int_equal(pt_map(X86, &f->ops, f->root, va, pa, PAGE_SIZE, PTE_WRITE | PTE_USER | PTE_NX), 0);
	assert_int_equal(live_tables(f), 3); /* PDPT, PD, PT */

	assert_int_equal(pt_walk(X86, &f->ops, f->root, va + 0x567, &r), 0);
	assert_int_equal(r.phys, pa + 0x567);
	assert_int_equal(r.level, 1);
	assert_int_equal(r.page_size, PAGE_SIZE);
	assert_int_equal(r.pte, pa | PTE_PRESENT | PTE_WRITE | PTE_USER | PTE_NX);
	assert_int_equal(pt_walk(X86, &f->ops, f->root, va + PAGE_SIZE, &r), -SIETCH_ENOENT);

	/* the tables above a user page are user and writable */
	uint64_t *pml4 = fake_phys_to_ptr(&f->mem, f->root);
	assert_int_equal(pml4[0] & (PTE_PRESENT | PTE_WRITE | PTE_USER | PTE_NX),
			 PTE_PRESENT | PTE_WRITE | PTE_USER);

	assert_int_equal(pt_unmap(X86, &f->ops, f->root, va, LARGE_PAGE_SIZE, &old), -SIETCH_ENOENT);
	assert_int_equal(pt_unmap(X86, &f->ops, f->root, va, PAGE_SIZE, &old), 0);
	assert_int_equal(old, pa);
	assert_int_equal(pt_walk(X86, &f->ops, f->root, va, &r), -SIETCH_ENOENT);
	assert_int_equal(pt_unmap(X86, &f->ops, f->root, va, PAGE_SIZE, &old), -SIETCH_ENOENT);
	assert_int_equal(live_tables(f), 0);
	assert_int_equal(pml4[0], 0);
}

static void test_kernel_mapping_not_user(void **state)
{
	struct fixture *f = *state;
	uint64_t va = 0xffffffff80200000ull;

	assert_int_equal(pt_map(X86, &f->ops, f->root, va, 0x200000, PAGE_SIZE, PTE_GLOBAL), 0);
	uint64_t *pml4 = fake_phys_to_ptr(&f->mem, f->root);
	assert_int_equal(pml4[511] & (PTE_PRESENT | PTE_USER), PTE_PRESENT);

	struct pt_walk_result r;
	assert_int_equal(pt_walk(X86, &f->ops, f->root, va, &r), 0);
	assert_int_equal(r.pte, 0x200000 | PTE_PRESENT | PTE_GLOBAL);
	assert_int_equal(pt_unmap(X86, &f->ops, f->root, va, PAGE_SIZE, NULL), 0);
	assert_int_equal(live_tables(f), 0);
}

static void test_map_walk_unmap_2m(void **state)
{
	struct fixture *f = *state;
	struct pt_walk_result r;
	uint64_t va = 0x40000000, pa = 0x80000000, old;

	assert_int_equal(pt_map(X86, &f->ops, f->root, va, pa, LARGE_PAGE_SIZE, PTE_WRITE), 0);
	assert_int_equal(live_tables(f), 2); /* PDPT, PD */
	assert_int_equal(pt_walk(X86, &f->ops, f->root, va + 0x1fffff, &r), 0);
	assert_int_equal(r.phys, pa + 0x1fffff);
	assert_int_equal(r.level, 2);
	assert_int_equal(r.page_size, LARGE_PAGE_SIZE);
	assert_int_equal(r.pte, pa | PTE_PRESENT | PTE_WRITE | PTE_LARGE);

	assert_int_equal(pt_unmap(X86, &f->ops, f->root, va, PAGE_SIZE, &old), -SIETCH_ENOENT);
	assert_int_equal(pt_unmap(X86, &f->ops, f->root, va + PAGE_SIZE, LARGE_PAGE_SIZE, &old), -SIETCH_ENOENT);
	assert_int_equal(pt_unmap(X86, &f->ops, f->root, va, LARGE_PAGE_SIZE, &old), 0);
	assert_int_equal(old, pa);
	assert_int_equal(live_tables(f), 0);
}

static void test_overlap_refused(void **state)
{
	struct fixture *f = *state;
	uint64_t big = 0x600000;

	assert_int_equal(pt_map(X86, &f->ops, f->root, big, 0x200000, LARGE_PAGE_SIZE, 0), 0);
	/* a 4 KiB page inside the 2 MiB one */
	assert_int_equal(pt_map(X86, &f->ops, f->root, big + 0x3000, 0x5000, PAGE_SIZE, 0), -SIETCH_EEXIST);
	/* the same 2 MiB page again */
	assert_int_equal(pt_map(X86, &f->ops, f->root, big, 0x400000, LARGE_PAGE_SIZE, 0), -SIETCH_EEXIST);

	/* a 2 MiB page over a table that already holds a 4 KiB page */
	assert_int_equal(pt_map(X86, &f->ops, f->root, 0x801000, 0x5000, PAGE_SIZE, 0), 0);
	assert_int_equal(pt_map(X86, &f->ops, f->root, 0x800000, 0x400000, LARGE_PAGE_SIZE, 0), -SIETCH_EEXIST);
	/* the same 4 KiB page again */
	assert_int_equal(pt_map(X86, &f->ops, f->root, 0x801000, 0x6000, PAGE_SIZE, 0), -SIETCH_EEXIST);

	/* failed maps left nothing behind */
	struct pt_walk_result r;
	assert_int_equal(pt_walk(X86, &f->ops, f->root, 0x800000, &r), -SIETCH_ENOENT);
	assert_int_equal(pt_walk(X86, &f->ops, f->root, big + 0x3000, &r), 0);
	assert_int_equal(r.phys, 0x203000);
	assert_int_equal(live_tables(f), 3);
}

static void test_misaligned_and_invalid(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(pt_map(X86, &f->ops, f->root, 0x400800, 0x1000, PAGE_SIZE, 0), -SIETCH_EINVAL);
	assert_int_equal(pt_map(X86, &f->ops, f->root, 0x400000, 0x1001, PAGE_SIZE, 0), -SIETCH_EINVAL);
	assert_int_equal(pt_map(X86, &f->ops, f->root, 0x401000, 0x200000, LARGE_PAGE_SIZE, 0), -SIETCH_EINVAL);
	assert_int_equal(pt_map(X86, &f->ops, f->root, 0x400000, 0x201000, LARGE_PAGE_SIZE, 0), -SIETCH_EINVAL);
	assert_int_equal(pt_map(X86, &f->ops, f->root, 0x400000, 0x1000, 8192, 0), -SIETCH_EINVAL);
	assert_int_equal(pt_map(X86, &f->ops, f->root, 0x400000, 0x1000, 0, 0), -SIETCH_EINVAL);
	assert_int_equal(pt_map(X86, &f->ops, f->root, 0x0000800000000000ull, 0x1000, PAGE_SIZE, 0), -SIETCH_EINVAL);
	assert_int_equal(pt_map(X86, &f->ops, f->root, 0x400000, 1ull << 52, PAGE_SIZE, 0), -SIETCH_EINVAL);
	assert_int_equal(live_tables(f), 0);

	struct pt_walk_result r;
	assert_int_equal(pt_walk(X86, &f->ops, f->root, 0x0000800000000000ull, &r), -SIETCH_ENOENT);
}

static void test_out_of_memory_frees_partial_tables(void **state)
{
	struct fixture *f = *state;

	for (int budget = 0; budget < 3; budget++) {
		f->mem.fail_after = f->mem.allocs + budget;
		assert_int_equal(pt_map(X86, &f->ops, f->root, 0x400000, 0x1000, PAGE_SIZE, 0), -SIETCH_ENOMEM);
		assert_int_equal(live_tables(f), 0);
	}
	f->mem.fail_after = -1;
	assert_int_equal(pt_map(X86, &f->ops, f->root, 0x400000, 0x1000, PAGE_SIZE, 0), 0);

	/* a failure deeper down keeps the tables that were there before */
	f->mem.fail_after = f->mem.allocs;
	assert_int_equal(pt_map(X86, &f->ops, f->root, 0x40000000, 0x1000, PAGE_SIZE, 0), -SIETCH_ENOMEM);
	assert_int_equal(live_tables(f), 3);
	struct pt_walk_result r;
	assert_int_equal(pt_walk(X86, &f->ops, f->root, 0x400000, &r), 0);
}

static void test_unmap_frees_only_empty_tables(void **state)
{
	struct fixture *f = *state;

	/* two pages sharing a PT, one in another PT of the same PD */
	assert_int_equal(pt_map(X86, &f->ops, f->root, 0x400000, 0x10000, PAGE_SIZE, 0), 0);
	assert_int_equal(pt_map(X86, &f->ops, f->root, 0x401000, 0x11000, PAGE_SIZE, 0), 0);
	assert_int_equal(pt_map(X86, &f->ops, f->root, 0x600000, 0x12000, PAGE_SIZE, 0), 0);
	assert_int_equal(live_tables(f), 4);

	assert_int_equal(pt_unmap(X86, &f->ops, f->root, 0x400000, PAGE_SIZE, NULL), 0);
	assert_int_equal(live_tables(f), 4);
	assert_int_equal(pt_unmap(X86, &f->ops, f->root, 0x401000, PAGE_SIZE, NULL), 0);
	assert_int_equal(live_tables(f), 3); /* first PT gone */
	assert_int_equal(pt_unmap(X86, &f->ops, f->root, 0x600000, PAGE_SIZE, NULL), 0);
	assert_int_equal(live_tables(f), 0);
	assert_int_equal(f->mem.allocs - f->mem.frees, 1); /* only the root */
}

static void test_protect(void **state)
{
	struct fixture *f = *state;
	struct pt_walk_result r;

	assert_int_equal(pt_map(X86, &f->ops, f->root, 0x400000, 0x7000, PAGE_SIZE,
				PTE_WRITE | PTE_PCD | PTE_GLOBAL),
			 0);
	assert_int_equal(pt_protect(X86, &f->ops, f->root, 0x400abc, PTE_USER | PTE_NX), 0);
	assert_int_equal(pt_walk(X86, &f->ops, f->root, 0x400000, &r), 0);
	assert_int_equal(r.pte, 0x7000 | PTE_PRESENT | PTE_USER | PTE_NX | PTE_PCD | PTE_GLOBAL);
	/* the tables above now let user mode through */
	uint64_t *pml4 = fake_phys_to_ptr(&f->mem, f->root);
	assert_true(pml4[0] & PTE_USER);

	assert_int_equal(pt_map(X86, &f->ops, f->root, 0x800000, 0x200000, LARGE_PAGE_SIZE, PTE_NX), 0);
	assert_int_equal(pt_protect(X86, &f->ops, f->root, 0x9fffff, PTE_WRITE), 0);
	assert_int_equal(pt_walk(X86, &f->ops, f->root, 0x800000, &r), 0);
	assert_int_equal(r.pte, 0x200000 | PTE_PRESENT | PTE_LARGE | PTE_WRITE);

	assert_int_equal(pt_protect(X86, &f->ops, f->root, 0xa00000, PTE_WRITE), -SIETCH_ENOENT);
}

static void test_split_large(void **state)
{
	struct fixture *f = *state;
	struct pt_walk_result r;
	uint64_t va = 0x7f0000200000ull, pa = 0x3fe00000;
	uint64_t flags = PTE_WRITE | PTE_USER | PTE_NX | PTE_PWT | PTE_PAT_LARGE;

	assert_int_equal(pt_map(X86, &f->ops, f->root, va, pa, LARGE_PAGE_SIZE, flags), 0);
	assert_int_equal(pt_walk(X86, &f->ops, f->root, va, &r), 0);
	assert_int_equal(r.pte, pa | PTE_PRESENT | PTE_LARGE | flags);

	assert_int_equal(pt_split_large(X86, &f->ops, f->root, va + 0x12345), 0);
	assert_int_equal(live_tables(f), 3);
	for (uint64_t off = 0; off < LARGE_PAGE_SIZE; off += PAGE_SIZE) {
		assert_int_equal(pt_walk(X86, &f->ops, f->root, va + off + 7, &r), 0);
		assert_int_equal(r.level, 1);
		assert_int_equal(r.phys, pa + off + 7);
		assert_int_equal(r.pte, (pa + off) | PTE_PRESENT | PTE_WRITE | PTE_USER | PTE_NX |
						PTE_PWT | PTE_PAT);
	}
	/* it is a 4 KiB mapping now */
	assert_int_equal(pt_split_large(X86, &f->ops, f->root, va), -SIETCH_ENOENT);
	assert_int_equal(pt_unmap(X86, &f->ops, f->root, va, LARGE_PAGE_SIZE, NULL), -SIETCH_ENOENT);
	assert_int_equal(pt_unmap(X86, &f->ops, f->root, va + PAGE_SIZE, PAGE_SIZE, NULL), 0);
	assert_int_equal(pt_walk(X86, &f->ops, f->root, va + PAGE_SIZE, &r), -SIETCH_ENOENT);
	assert_int_equal(pt_walk(X86, &f->ops, f->root, va + 2 * PAGE_SIZE, &r), 0);

	assert_int_equal(pt_split_large(X86, &f->ops, f->root, 0x400000), -SIETCH_ENOENT);

	assert_int_equal(pt_map(X86, &f->ops, f->root, 0x200000, 0x200000, LARGE_PAGE_SIZE, 0), 0);
	f->mem.fail_after = f->mem.allocs;
	assert_int_equal(pt_split_large(X86, &f->ops, f->root, 0x200000), -SIETCH_ENOMEM);
	assert_int_equal(pt_walk(X86, &f->ops, f->root, 0x200000, &r), 0);
	assert_int_equal(r.level, 2);
}

static void test_destroy_user(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(pt_map(X86, &f->ops, f->root, 0x400000, 0x10000, PAGE_SIZE, PTE_USER), 0);
	assert_int_equal(pt_map(X86, &f->ops, f->root, 0x401000, 0x11000, PAGE_SIZE, PTE_USER), 0);
	assert_int_equal(pt_map(X86, &f->ops, f->root, 0x7ffffffff000ull, 0x12000, PAGE_SIZE, PTE_USER), 0);
	assert_int_equal(pt_map(X86, &f->ops, f->root, 0x40000000, 0x400000, LARGE_PAGE_SIZE, PTE_USER), 0);
	/* the kernel half must survive */
	assert_int_equal(pt_map(X86, &f->ops, f->root, 0xffffffff80000000ull, 0x200000, LARGE_PAGE_SIZE, 0), 0);
	int kernel_tables = 2;
	assert_int_equal(live_tables(f), 3 + 3 + 1 + kernel_tables);

	pt_destroy(X86, &f->ops, f->root, PT_USER_SLOTS, count_page);
	assert_int_equal(f->mem.pages_freed, 3 + 512);
	assert_int_equal(live_tables(f), kernel_tables);

	uint64_t *pml4 = fake_phys_to_ptr(&f->mem, f->root);
	for (int i = 0; i < PT_USER_SLOTS; i++)
		assert_int_equal(pml4[i], 0);
	struct pt_walk_result r;
	assert_int_equal(pt_walk(X86, &f->ops, f->root, 0x400000, &r), -SIETCH_ENOENT);
	assert_int_equal(pt_walk(X86, &f->ops, f->root, 0xffffffff80001000ull, &r), 0);
	assert_int_equal(r.phys, 0x201000);

	/* without a page callback only the tables go */
	assert_int_equal(pt_map(X86, &f->ops, f->root, 0x400000, 0x10000, PAGE_SIZE, PTE_USER), 0);
	pt_destroy(X86, &f->ops, f->root, PT_USER_SLOTS, NULL);
	assert_int_equal(live_tables(f), kernel_tables);
	assert_int_equal(f->mem.pages_freed, 3 + 512);

	assert_int_equal(pt_unmap(X86, &f->ops, f->root, 0xffffffff80000000ull, LARGE_PAGE_SIZE, NULL), 0);
	assert_int_equal(f->mem.allocs - f->mem.frees, 1);
}

static void test_destroy_user_keeps_shared_frames(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(pt_map(X86, &f->ops, f->root, 0x400000, 0x10000, PAGE_SIZE, PTE_USER), 0);
	assert_int_equal(pt_map(X86, &f->ops, f->root, 0x401000, 0x11000, PAGE_SIZE, PTE_USER | PTE_SHARED), 0);
	struct pt_walk_result r;
	assert_int_equal(pt_walk(X86, &f->ops, f->root, 0x401000, &r), 0);
	assert_true(r.pte & PTE_SHARED);

	pt_destroy(X86, &f->ops, f->root, PT_USER_SLOTS, count_page);
	assert_int_equal(f->mem.pages_freed, 1);
	assert_int_equal(live_tables(f), 0);
}

static void test_walk_huge_page(void **state)
{
	struct fixture *f = *state;
	struct pt_walk_result r;

	/* a 1 GiB leaf, as early boot code may build for the direct map */
	assert_int_equal(pt_map(X86, &f->ops, f->root, 0x40000000, 0x1000, PAGE_SIZE, 0), 0);
	assert_int_equal(pt_unmap(X86, &f->ops, f->root, 0x40000000, PAGE_SIZE, NULL), 0);
	assert_int_equal(pt_map(X86, &f->ops, f->root, 0x0, 0x1000, PAGE_SIZE, 0), 0);
	uint64_t *pml4 = fake_phys_to_ptr(&f->mem, f->root);
	uint64_t *pdpt = fake_phys_to_ptr(&f->mem, pml4[0] & PTE_ADDR_MASK);
	pdpt[1] = 0x80000000 | PTE_PRESENT | PTE_WRITE | PTE_LARGE;

	assert_int_equal(pt_walk(X86, &f->ops, f->root, 0x40000000 + 0x12345678, &r), 0);
	assert_int_equal(r.level, 3);
	assert_int_equal(r.page_size, HUGE_PAGE_SIZE);
	assert_int_equal(r.phys, 0x80000000 + 0x12345678);
	/* nothing can be mapped inside it, and it is not a 2 MiB leaf */
	assert_int_equal(pt_map(X86, &f->ops, f->root, 0x40200000, 0x200000, LARGE_PAGE_SIZE, 0), -SIETCH_EEXIST);
	assert_int_equal(pt_split_large(X86, &f->ops, f->root, 0x40000000), -SIETCH_ENOENT);

	pt_destroy(X86, &f->ops, f->root, PT_USER_SLOTS, count_page);
	assert_int_equal(f->mem.pages_freed, 1 + HUGE_PAGE_SIZE / PAGE_SIZE);
	assert_int_equal(live_tables(f), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_index_and_canonical),
		cmocka_unit_test_setup_teardown(test_map_walk_unmap_4k, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kernel_mapping_not_user, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_walk_unmap_2m, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overlap_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_misaligned_and_invalid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_out_of_memory_frees_partial_tables, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unmap_frees_only_empty_tables, setup, teardown),
		cmocka_unit_test_setup_teardown(test_protect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_split_large, setup, teardown),
		cmocka_unit_test_setup_teardown(test_destroy_user, setup, teardown),
		cmocka_unit_test_setup_teardown(test_destroy_user_keeps_shared_frames, setup, teardown),
		cmocka_unit_test_setup_teardown(test_walk_huge_page, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
