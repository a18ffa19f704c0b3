/* Host tests of the page-table formats in lib/common/pt_format.c, each
 * driven through the one engine in lib/common/pt.c over the fake physical
 * memory of tests/unit/stubs/fake_tables.h. */
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

static const struct pt_format *const every_format[] = {
	&pt_format_x86_64, &pt_format_npt, &pt_format_ept, &pt_format_vtd3, &pt_format_vtd4,
};
#define FORMATS (sizeof(every_format) / sizeof(every_format[0]))

static uint64_t *table_of(struct fixture *f, uint64_t entry, const struct pt_format *fmt)
{
	return fake_phys_to_ptr(&f->mem, entry & fmt->addr_mask);
}

/* The same life of a 4 KiB and a 2 MiB page in every format: mapped, found,
 * refused twice, unmapped, and no table left behind. */
static void test_every_format_map_walk_unmap(void **state)
{
	struct fixture *f = *state;

	for (size_t i = 0; i < FORMATS; i++) {
		const struct pt_format *fmt = every_format[i];
		uint64_t rw = pt_attr_bits(fmt, PT_ATTR_READ | PT_ATTR_WRITE), old = 0;
		struct pt_walk_result r;

		assert_int_equal(pt_map(fmt, &f->ops, f->root, 0x400000, 0x12345000, PAGE_SIZE, rw), 0);
		assert_int_equal(live_tables(f), fmt->levels - 1);
		assert_int_equal(pt_walk(fmt, &f->ops, f->root, 0x400abc, &r), 0);
		assert_int_equal(r.phys, 0x12345abc);
		assert_int_equal(r.level, 1);
		assert_int_equal(pt_entry_attrs(fmt, r.pte) & (PT_ATTR_READ | PT_ATTR_WRITE | PT_ATTR_EXEC),
				 PT_ATTR_READ | PT_ATTR_WRITE);
		assert_int_equal(pt_map(fmt, &f->ops, f->root, 0x400000, 0x5000, PAGE_SIZE, rw), -SIETCH_EEXIST);

		assert_int_equal(pt_map(fmt, &f->ops, f->root, 0x40000000, 0x80000000, LARGE_PAGE_SIZE, rw), 0);
		assert_int_equal(pt_walk(fmt, &f->ops, f->root, 0x40012345, &r), 0);
		assert_int_equal(r.level, 2);
		assert_int_equal(r.phys, 0x80012345);
		assert_true(r.pte & fmt->large);
		assert_int_equal(pt_map(fmt, &f->ops, f->root, 0x40001000, 0x5000, PAGE_SIZE, rw), -SIETCH_EEXIST);

		assert_int_equal(pt_unmap(fmt, &f->ops, f->root, 0x400000, PAGE_SIZE, &old), 0);
		assert_int_equal(old, 0x12345000);
		assert_int_equal(pt_unmap(fmt, &f->ops, f->root, 0x40000000, LARGE_PAGE_SIZE, &old), 0);
		assert_int_equal(old, 0x80000000);
		assert_int_equal(pt_walk(fmt, &f->ops, f->root, 0x400000, &r), -SIETCH_ENOENT);
		assert_int_equal(live_tables(f), 0);
	}
}

/* A split keeps every bit but the large one, in every format. */
static void test_every_format_split_keeps_bits(void **state)
{
	struct fixture *f = *state;

	for (size_t i = 0; i < FORMATS; i++) {
		const struct pt_format *fmt = every_format[i];
		uint64_t bits = pt_attr_bits(fmt, PT_ATTR_READ | PT_ATTR_WRITE | PT_ATTR_UNCACHED | PT_ATTR_SHARED);
		struct pt_walk_result big, small;

		assert_int_equal(pt_map(fmt, &f->ops, f->root, 0x600000, 0x200000, LARGE_PAGE_SIZE, bits), 0);
		assert_int_equal(pt_walk(fmt, &f->ops, f->root, 0x600000, &big), 0);
		assert_int_equal(pt_split_large(fmt, &f->ops, f->root, 0x600000), 0);
		assert_int_equal(pt_walk(fmt, &f->ops, f->root, 0x7ff000, &small), 0);
		assert_int_equal(small.level, 1);
		assert_int_equal(small.phys, 0x3ff000);
		assert_int_equal(small.pte & ~fmt->addr_mask, big.pte & ~fmt->addr_mask & ~fmt->large);
		pt_destroy(fmt, &f->ops, f->root, PT_ENTRIES, NULL);
		assert_int_equal(live_tables(f), 0);
	}
}

static void test_x86_attrs_and_1g_leaves(void **state)
{
	struct fixture *f = *state;
	const struct pt_format *fmt = &pt_format_x86_64;
	struct pt_walk_result r;

	/* not executable is spelled NX; read has no bit: a present page is readable */
	assert_int_equal(pt_attr_bits(fmt, PT_ATTR_READ | PT_ATTR_WRITE | PT_ATTR_USER),
			 PTE_WRITE | PTE_USER | PTE_NX);
	assert_int_equal(pt_attr_bits(fmt, PT_ATTR_READ | PT_ATTR_EXEC | PT_ATTR_GLOBAL), PTE_GLOBAL);
	assert_int_equal(pt_attr_bits(fmt, PT_ATTR_READ | PT_ATTR_UNCACHED | PT_ATTR_SHARED),
			 PTE_PCD | PTE_PWT | PTE_NX | PTE_SHARED);
	assert_int_equal(pt_entry_attrs(fmt, PTE_PRESENT | PTE_USER), PT_ATTR_READ | PT_ATTR_EXEC | PT_ATTR_USER);
	assert_int_equal(pt_entry_attrs(fmt, PTE_USER | PTE_WRITE), 0);

	assert_int_equal(pt_map(fmt, &f->ops, f->root, 0x40000000, 0xc0000000, HUGE_PAGE_SIZE, PTE_WRITE), 0);
	assert_int_equal(live_tables(f), 1); /* the PDPT only */
	assert_int_equal(pt_walk(fmt, &f->ops, f->root, 0x7fffffff, &r), 0);
	assert_int_equal(r.level, 3);
	assert_int_equal(r.phys, 0xffffffff);
	assert_int_equal(pt_map(fmt, &f->ops, f->root, 0x40000000, 0, HUGE_PAGE_SIZE, 0), -SIETCH_EEXIST);
	assert_int_equal(pt_map(fmt, &f->ops, f->root, 0x80001000, 0x1000, HUGE_PAGE_SIZE, 0), -SIETCH_EINVAL);
	assert_int_equal(pt_unmap(fmt, &f->ops, f->root, 0x40000000, HUGE_PAGE_SIZE, NULL), 0);
	/* a PML4 entry is never a leaf (PS is reserved there) */
	assert_int_equal(pt_map(fmt, &f->ops, f->root, 0, 0, 512 * HUGE_PAGE_SIZE, 0), -SIETCH_EINVAL);
	assert_int_equal(live_tables(f), 0);
}

/* Shadow tables are the CPU's format with the whole root owned: the upper
 * half goes too when they are destroyed. */
static void test_shadow_tables_destroy_both_halves(void **state)
{
	struct fixture *f = *state;
	const struct pt_format *fmt = &pt_format_x86_64;

	assert_int_equal(pt_map(fmt, &f->ops, f->root, 0x400000, 0x10000, PAGE_SIZE, PTE_USER), 0);
	assert_int_equal(pt_map(fmt, &f->ops, f->root, 0xffffffff80000000ull, 0x11000, PAGE_SIZE, 0), 0);
	pt_destroy(fmt, &f->ops, f->root, PT_USER_SLOTS, count_page);
	assert_int_equal(f->mem.pages_freed, 1);
	assert_int_equal(live_tables(f), 3);
	pt_destroy(fmt, &f->ops, f->root, PT_ENTRIES, count_page);
	assert_int_equal(f->mem.pages_freed, 2);
	assert_int_equal(live_tables(f), 0);
}

/* AMD APM vol.2 §15.25.5: U at every level of a nested walk, even for a
 * mapping asked without it, and no protect can take it away. */
static void test_npt_user_at_every_level(void **state)
{
	struct fixture *f = *state;
	const struct pt_format *fmt = &pt_format_npt;
	uint64_t gpa = 0x0000812345678000ull; /* bit 47 set: guest-physical, not sign-extended */

	assert_int_equal(pt_map(fmt, &f->ops, f->root, gpa, 0x1000, PAGE_SIZE, PTE_WRITE), 0);
	uint64_t *table = fake_phys_to_ptr(&f->mem, f->root);
	for (int level = fmt->levels; level >= 1; level--) {
		uint64_t e = table[pt_index(gpa, level)];
		assert_int_equal(e & (PTE_PRESENT | PTE_USER), PTE_PRESENT | PTE_USER);
		if (level > 1)
			table = table_of(f, e, fmt);
	}
	assert_int_equal(pt_protect(fmt, &f->ops, f->root, gpa, PTE_NX), 0);
	struct pt_walk_result r;
	assert_int_equal(pt_walk(fmt, &f->ops, f->root, gpa, &r), 0);
	assert_int_equal(r.pte, 0x1000 | PTE_PRESENT | PTE_USER | PTE_NX);

	assert_int_equal(pt_map(fmt, &f->ops, f->root, 0x200000, 0x400000, LARGE_PAGE_SIZE, 0), 0);
	assert_int_equal(pt_walk(fmt, &f->ops, f->root, 0x200000, &r), 0);
	assert_int_equal(r.pte, 0x400000 | PTE_PRESENT | PTE_USER | PTE_LARGE);

	assert_int_equal(pt_map(fmt, &f->ops, f->root, 0xffff800000000000ull, 0x1000, PAGE_SIZE, 0),
			 -SIETCH_EINVAL);
	assert_int_equal(pt_map(fmt, &f->ops, f->root, 1ull << 48, 0x1000, PAGE_SIZE, 0), -SIETCH_EINVAL);
}

/* SDM vol.3C §29.3.2: present means any of R/W/X; tables carry R|W|X and no
 * memory type; leaves keep theirs. */
static void test_ept_present_and_memory_type(void **state)
{
	struct fixture *f = *state;
	const struct pt_format *fmt = &pt_format_ept;
	struct pt_walk_result r;
	uint64_t leaf = EPT_READ | EPT_EXEC | EPT_MEMTYPE_WB | EPT_IGNORE_PAT;

	assert_int_equal(pt_attr_bits(fmt, PT_ATTR_READ | PT_ATTR_EXEC), EPT_READ | EPT_EXEC | EPT_MEMTYPE_WB);
	assert_int_equal(pt_attr_bits(fmt, PT_ATTR_READ | PT_ATTR_WRITE | PT_ATTR_UNCACHED | PT_ATTR_USER),
			 EPT_READ | EPT_WRITE | EPT_MEMTYPE_UC | EPT_IGNORE_PAT);

	assert_int_equal(pt_map(fmt, &f->ops, f->root, 0x1000, 0x2000, PAGE_SIZE, leaf), 0);
	uint64_t *table = fake_phys_to_ptr(&f->mem, f->root);
	for (int level = fmt->levels; level > 1; level--) {
		uint64_t e = table[pt_index(0x1000, level)];
		assert_int_equal(e & ~fmt->addr_mask, EPT_READ | EPT_WRITE | EPT_EXEC);
		table = table_of(f, e, fmt);
	}
	assert_int_equal(table[1], 0x2000 | leaf);

	/* execute-only is present (whether the CPU allows it is the caller's to check) */
	assert_int_equal(pt_protect(fmt, &f->ops, f->root, 0x1000, EPT_EXEC), 0);
	assert_int_equal(pt_walk(fmt, &f->ops, f->root, 0x1000, &r), 0);
	assert_int_equal(r.pte, 0x2000 | EPT_EXEC | EPT_MEMTYPE_WB | EPT_IGNORE_PAT);
	assert_int_equal(pt_entry_attrs(fmt, r.pte), PT_ATTR_EXEC);
	/* taking every right away would make the leaf vanish with its address: refused */
	assert_int_equal(pt_protect(fmt, &f->ops, f->root, 0x1000, 0), -SIETCH_EINVAL);
	assert_int_equal(pt_map(fmt, &f->ops, f->root, 0x3000, 0x4000, PAGE_SIZE, EPT_MEMTYPE_WB),
			 -SIETCH_EINVAL);
}

/* SDM vol.3C §29.3.3.1: write without read is an EPT misconfiguration. */
static void test_ept_write_without_read_refused(void **state)
{
	struct fixture *f = *state;
	const struct pt_format *fmt = &pt_format_ept;
	struct pt_walk_result r;

	assert_int_equal(pt_map(fmt, &f->ops, f->root, 0x1000, 0x2000, PAGE_SIZE, EPT_WRITE), -SIETCH_EINVAL);
	assert_int_equal(pt_map(fmt, &f->ops, f->root, 0x200000, 0x200000, LARGE_PAGE_SIZE,
				EPT_WRITE | EPT_EXEC),
			 -SIETCH_EINVAL);
	assert_int_equal(live_tables(f), 0); /* refused before any table was made */
	assert_int_equal(pt_attr_bits(fmt, PT_ATTR_WRITE) & (EPT_READ | EPT_WRITE), EPT_WRITE);

	assert_int_equal(pt_map(fmt, &f->ops, f->root, 0x1000, 0x2000, PAGE_SIZE, EPT_READ | EPT_WRITE), 0);
	assert_int_equal(pt_protect(fmt, &f->ops, f->root, 0x1000, EPT_WRITE), -SIETCH_EINVAL);
	assert_int_equal(pt_walk(fmt, &f->ops, f->root, 0x1000, &r), 0);
	assert_int_equal(r.pte & (EPT_READ | EPT_WRITE), EPT_READ | EPT_WRITE); /* unchanged */
	assert_int_equal(pt_protect(fmt, &f->ops, f->root, 0x1000, EPT_READ), 0);
}

/* VT-d §3.7: a 39-bit width walks 3 levels from an SL-PDPT, 48 bits 4 from
 * an SL-PML4. */
static void test_vtd_levels_by_address_width(void **state)
{
	struct fixture *f = *state;
	const struct pt_format *three = pt_format_vtd(39), *four = pt_format_vtd(48);
	uint64_t rw = VTD_SL_READ | VTD_SL_WRITE, iova = 0x7fc0201000ull; /* bit 38 set */
	struct pt_walk_result r;

	assert_ptr_equal(three, &pt_format_vtd3);
	assert_ptr_equal(four, &pt_format_vtd4);
	assert_null(pt_format_vtd(57));
	assert_null(pt_format_vtd(0));

	assert_int_equal(pt_map(three, &f->ops, f->root, iova, 0x5000, PAGE_SIZE, rw), 0);
	assert_int_equal(live_tables(f), 2); /* SL-PD and SL-PT under the SL-PDPT root */
	uint64_t *root = fake_phys_to_ptr(&f->mem, f->root);
	assert_int_equal(root[pt_index(iova, 3)] & ~three->addr_mask, rw);
	assert_int_equal(pt_walk(three, &f->ops, f->root, iova + 0x10, &r), 0);
	assert_int_equal(r.phys, 0x5010);
	assert_int_equal(pt_map(three, &f->ops, f->root, 1ull << 39, 0x5000, PAGE_SIZE, rw), -SIETCH_EINVAL);
	assert_int_equal(pt_walk(three, &f->ops, f->root, 1ull << 39, &r), -SIETCH_ENOENT);

	/* the root of a 3-level table holds 1 GiB leaves (SL-PDPE with PS) */
	assert_int_equal(pt_map(three, &f->ops, f->root, 0x40000000, 0x80000000, HUGE_PAGE_SIZE, VTD_SL_READ),
			 0);
	assert_int_equal(live_tables(f), 2);
	assert_int_equal(pt_walk(three, &f->ops, f->root, 0x40000123, &r), 0);
	assert_int_equal(r.level, 3);
	assert_int_equal(pt_entry_attrs(three, r.pte), PT_ATTR_READ);
	pt_destroy(three, &f->ops, f->root, PT_ENTRIES, count_page);
	assert_int_equal(f->mem.pages_freed, 1 + HUGE_PAGE_SIZE / PAGE_SIZE);
	assert_int_equal(live_tables(f), 0);

	assert_int_equal(pt_map(four, &f->ops, f->root, 1ull << 39, 0x5000, PAGE_SIZE, rw), 0);
	assert_int_equal(live_tables(f), 3); /* SL-PDPT, SL-PD, SL-PT under the SL-PML4 */
	assert_int_equal(pt_map(four, &f->ops, f->root, 1ull << 48, 0x5000, PAGE_SIZE, rw), -SIETCH_EINVAL);
	/* write-only is allowed in VT-d, unlike EPT */
	assert_int_equal(pt_protect(four, &f->ops, f->root, 1ull << 39, VTD_SL_WRITE), 0);
	assert_int_equal(pt_protect(four, &f->ops, f->root, 1ull << 39, 0), -SIETCH_EINVAL);
}

/* Frames marked shared in a format's own ignored bit survive pt_destroy. */
static void test_every_format_destroy_keeps_shared(void **state)
{
	struct fixture *f = *state;

	for (size_t i = 0; i < FORMATS; i++) {
		const struct pt_format *fmt = every_format[i];
		uint64_t r = pt_attr_bits(fmt, PT_ATTR_READ);
		f->mem.pages_freed = 0;
		assert_int_equal(pt_map(fmt, &f->ops, f->root, 0x400000, 0x10000, PAGE_SIZE, r), 0);
		assert_int_equal(pt_map(fmt, &f->ops, f->root, 0x401000, 0x11000, PAGE_SIZE,
					r | pt_attr_bits(fmt, PT_ATTR_SHARED)),
				 0);
		pt_destroy(fmt, &f->ops, f->root, PT_ENTRIES, count_page);
		assert_int_equal(f->mem.pages_freed, 1);
		assert_int_equal(f->mem.last_page_freed, 0x10000);
		assert_int_equal(live_tables(f), 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_every_format_map_walk_unmap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_format_split_keeps_bits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_format_destroy_keeps_shared, setup, teardown),
		cmocka_unit_test_setup_teardown(test_x86_attrs_and_1g_leaves, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shadow_tables_destroy_both_halves, setup, teardown),
		cmocka_unit_test_setup_teardown(test_npt_user_at_every_level, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ept_present_and_memory_type, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ept_write_without_read_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vtd_levels_by_address_width, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
