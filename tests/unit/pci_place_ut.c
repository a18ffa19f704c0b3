/* Host tests for kernel/pci/place.c: where BARs and VF BARs go in a bridge's windows, over a stub function table. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/stubs/kernel_base.h"
#include "lib/common/pci.c"
#include "lib/common/mmio.c"
#include "kernel/pci/place.c"

/* ---- the stub table: a root port (0), the PF under it (1), a sibling root port (2) ---- */

static struct pci_function table[8];
static size_t table_n;

size_t pci_function_count(void) { return table_n; }
struct pci_function *pci_function_at(size_t i) { return i < table_n ? &table[i] : 0; }
size_t pci_index_of(const struct pci_function *f) { return (size_t)(f - table); }

/* Config space of the PF only, enough for assign_bar: Command and six BARs. */
static uint32_t pf_cfg[16];

static uint32_t cfg_read(void *ctx, uint16_t rid, uint16_t off, unsigned width)
{
	(void)ctx, (void)rid;
	uint32_t v = pf_cfg[off / 4] >> (8 * (off % 4));
	return width == 4 ? v : v & ((1u << (8 * width)) - 1);
}

static void cfg_write(void *ctx, uint16_t rid, uint16_t off, unsigned width, uint32_t value)
{
	(void)ctx, (void)rid;
	uint32_t mask = width == 4 ? ~0u : ((1u << (8 * width)) - 1) << (8 * (off % 4));
	pf_cfg[off / 4] = (pf_cfg[off / 4] & ~mask) | ((value << (8 * (off % 4))) & mask);
}

static const struct pci_cfg cfg = { 0, cfg_read, cfg_write };

static void window(struct pci_window *w, uint64_t base, uint64_t limit)
{
	w->base = base;
	w->limit = limit;
}

static int setup(void **state)
{
	(void)state;
	memset(table, 0, sizeof(table));
	memset(pf_cfg, 0, sizeof(pf_cfg));
	table_n = 3;
	struct pci_function *rp = &table[0], *pf = &table[1], *sib = &table[2];
	rp->parent = sib->parent = PCI_NO_INDEX;
	rp->bar_count = sib->bar_count = PCI_BRIDGE_BARS;
	window(&rp->windows.mem, 0xfe200000, 0xfe9fffff);
	window(&rp->windows.pref, 0xfc800000, 0xfcffffff);
	window(&sib->windows.mem, 0xfea00000, 0xfeafffff);
	window(&sib->windows.pref, 0xfd000000, 0xfd7fffff);
	pf->parent = 0;
	pf->cfg = &cfg;
	pf->rid = 0x0100;
	pf->bar_count = PCI_NORMAL_BARS;
	pf->bar[0] = (struct pci_bar){ 0xfe200000, 0x20000, 0 };
	pf->bar[1] = (struct pci_bar){ 0xfe220000, 0x20000, 0 };
	pf->bar[3] = (struct pci_bar){ 0xfe240000, 0x4000, PCI_BAR_64 };
	pf->bar[4] = (struct pci_bar){ 0, 0, PCI_BAR_UPPER };
	return 0;
}

static void test_prefetchable_goes_to_the_low_prefetchable_window(void **state)
{
	(void)state;
	uint64_t at;
	assert_true(pci_place(&table[1], PCI_BAR_64 | PCI_BAR_PREFETCH, 0x20000, 0x4000, &at));
	assert_int_equal(at, 0xfc800000);
}

static void test_non_prefetchable_goes_to_the_memory_window_past_the_bars(void **state)
{
	(void)state;
	uint64_t at;
	assert_true(pci_place(&table[1], 0, 0x20000, 0x4000, &at));
	assert_int_equal(at, 0xfe244000);
}

static void test_enabled_vf_bars_are_in_use(void **state)
{
	(void)state;
	struct pci_function *pf = &table[1];
	pf->sriov.cap = 0x160;
	pf->sriov.num_vfs = 4;
	pf->sriov.vf_bar[0] = (struct pci_bar){ 0xfc800000, 0x4000, PCI_BAR_64 | PCI_BAR_PREFETCH };
	uint64_t at;
	assert_true(pci_place(pf, PCI_BAR_64 | PCI_BAR_PREFETCH, 0x10000, 0x4000, &at));
	assert_int_equal(at, 0xfc810000); /* past 4 x 16 KiB */
}

static void test_a_full_prefetchable_window_falls_back_to_memory(void **state)
{
	(void)state;
	window(&table[0].windows.pref, 0xfc800000, 0xfc8fffff); /* 1 MiB */
	uint64_t at;
	assert_true(pci_place(&table[1], PCI_BAR_PREFETCH, 0x200000, 0x4000, &at));
	assert_true(at >= 0xfe244000 && at + 0x200000 - 1 <= 0xfe9fffff);
}

static void test_above_4gib_only_for_64bit_prefetchable(void **state)
{
	(void)state;
	window(&table[0].windows.pref, 0xe000000000ull, 0xe0003fffffull);
	window(&table[0].windows.mem, 0xfe200000, 0xfe2fffff); /* 1 MiB, most of it taken */
	uint64_t at;
	/* the memory window (below 4 GiB) wins while it has room */
	assert_true(pci_place(&table[1], PCI_BAR_64 | PCI_BAR_PREFETCH, 0x10000, 0x4000, &at));
	assert_int_equal(at, 0xfe244000);
	/* too large for it: the 64-bit window above 4 GiB, for a 64-bit prefetchable BAR only */
	assert_true(pci_place(&table[1], PCI_BAR_64 | PCI_BAR_PREFETCH, 0x200000, 0x4000, &at));
	assert_int_equal(at, 0xe000000000ull);
	assert_false(pci_place(&table[1], PCI_BAR_PREFETCH, 0x200000, 0x4000, &at));
	assert_false(pci_place(&table[1], PCI_BAR_64, 0x200000, 0x4000, &at));
}

static void test_sibling_windows_are_in_use(void **state)
{
	(void)state;
	/* an overlapping sibling window (as a broken firmware might leave) is avoided */
	window(&table[2].windows.mem, 0xfe240000, 0xfe2fffff);
	uint64_t at;
	assert_true(pci_place(&table[1], 0, 0x10000, 0x10000, &at));
	assert_int_equal(at, 0xfe300000);
}

static void test_root_bus_function_has_no_window(void **state)
{
	(void)state;
	uint64_t at;
	assert_false(pci_place(&table[0], 0, 0x1000, 0x1000, &at));
}

static void test_assign_unassigned_bar(void **state)
{
	(void)state;
	struct pci_function *pf = &table[1];
	pf->bar[3].base = 0; /* firmware left the 64-bit BAR3 at 0 */
	pf_cfg[PCI_BAR0 / 4 + 3] = PCI_BAR_MEM_TYPE_64;
	pf_cfg[PCI_COMMAND / 4] = PCI_COMMAND_MASTER;
	pci_assign_unassigned(pf);
	assert_int_equal(pf->bar[3].base, 0xfe240000);
	assert_int_equal(pf_cfg[PCI_BAR0 / 4 + 3], 0xfe240000 | PCI_BAR_MEM_TYPE_64);
	assert_int_equal(pf_cfg[PCI_BAR0 / 4 + 4], 0);
	assert_int_equal(pf_cfg[PCI_COMMAND / 4] & 0xffff, PCI_COMMAND_MASTER | PCI_COMMAND_MEMORY);
	assert_false(place_lock.locked);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_prefetchable_goes_to_the_low_prefetchable_window, setup),
		cmocka_unit_test_setup(test_non_prefetchable_goes_to_the_memory_window_past_the_bars, setup),
		cmocka_unit_test_setup(test_enabled_vf_bars_are_in_use, setup),
		cmocka_unit_test_setup(test_a_full_prefetchable_window_falls_back_to_memory, setup),
		cmocka_unit_test_setup(test_above_4gib_only_for_64bit_prefetchable, setup),
		cmocka_unit_test_setup(test_sibling_windows_are_in_use, setup),
		cmocka_unit_test_setup(test_root_bus_function_has_no_window, setup),
		cmocka_unit_test_setup(test_assign_unassigned_bar, setup),
	};
	return cmocka_run_group_tests(tests, 0, 0);
}
