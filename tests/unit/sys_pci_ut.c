/* Host tests for kernel/ctl/sys_pci.c and the snapshot it returns (kernel/pci/info.c), over a stub function table. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/stubs/kernel_base.h"
#include "tests/unit/stubs/user_memory.h"
#include "kernel/pci/info.c"

/* No IOMMU on the host: DMA not remapped. */
uint16_t iommu_domain_of(const struct pci_function *f)
{
	(void)f;
	return 0;
}
#include "kernel/ctl/sys_pci.c"

#define FUNCTIONS 70 /* more than one call returns */

static struct pci_function table[FUNCTIONS];
static size_t table_n;

size_t pci_function_count(void) { return table_n; }
struct pci_function *pci_function_at(size_t i) { return i < table_n ? &table[i] : 0; }

static long list(uint64_t first, void *buf, uint64_t count)
{
	struct syscall_args args = { { first, (uint64_t)buf, count } };
	return sys_pci_list(&args);
}

static int setup(void **state)
{
	(void)state;
	memset(table, 0, sizeof(table));
	table_n = 3;
	/* a root port, an SR-IOV PF below it, and its VF 0 */
	table[0] = (struct pci_function){ .rid = PCI_RID(0, 2, 0), .vendor = 0x1b36, .device = 0x000c,
					  .class_code = 0x060400, .parent = PCI_NO_INDEX, .bar_count = PCI_BRIDGE_BARS,
					  .secondary = 1, .subordinate = 1 };
	table[0].windows.mem = (struct pci_window){ 0xfe200000, 0xfe9fffff };
	table[0].windows.pref = (struct pci_window){ 0xfff00000, 0xfffff }; /* closed */
	table[1] = (struct pci_function){ .rid = PCI_RID(1, 0, 0), .vendor = 0x8086, .device = 0x10c9,
					  .class_code = 0x020000, .parent = 0, .bar_count = PCI_NORMAL_BARS };
	table[1].bar[0] = (struct pci_bar){ 0xfe200000, 0x20000, 0 };
	table[1].sriov = (struct pci_sriov){ .cap = 0x160, .total_vfs = 8, .num_vfs = 1, .vf_offset = 0x80,
					     .vf_stride = 2, .vf_device = 0x10ca };
	table[1].sriov.vf_bar[0] = (struct pci_bar){ 0xfc800000, 0x4000, PCI_BAR_64 | PCI_BAR_PREFETCH };
	table[1].cap_count = 2;
	table[1].cap[0] = (struct pci_cap){ PCI_CAP_ID_MSIX, 0x70 };
	table[1].cap[1] = (struct pci_cap){ PCI_CAP_ID_EXP, 0xa0 };
	table[1].has_msix = true;
	table[1].msix = (struct pci_msix){ .cap = 0x70, .table_size = 10, .table_bar = 3, .pba_bar = 3,
					   .pba_offset = 0x2000 };
	table[2] = (struct pci_function){ .rid = PCI_RID(1, 0x10, 0), .vendor = 0x8086, .device = 0x10ca,
					  .parent = 0, .is_vf = true, .pf = 1, .vf_index = 0, .decodes = true,
					  .owner = 42, .bar_count = PCI_NORMAL_BARS };
	table[2].bar[0] = table[1].sriov.vf_bar[0];
	return 0;
}

static void test_fields(void **state)
{
	(void)state;
	struct sietch_pci_info info[4];
	memset(info, 0xee, sizeof(info));
	assert_int_equal(list(0, info, 4), 3);
	assert_int_equal(info[0].flags, SIETCH_PCI_BRIDGE);
	assert_int_equal(info[0].devfn, PCI_RID(0, 2, 0) & 0xff);
	assert_int_equal(info[0].parent, SIETCH_PCI_NO_INDEX);
	assert_int_equal(info[0].mem_base, 0xfe200000);
	assert_true(info[0].pref_limit < info[0].pref_base);
	assert_int_equal(info[1].flags, SIETCH_PCI_SRIOV | SIETCH_PCI_MSIX);
	assert_int_equal(info[1].bus, 1);
	assert_int_equal(info[1].class_code, 0x020000);
	assert_int_equal(info[1].num_vfs, 1);
	assert_int_equal(info[1].vf_offset, 0x80);
	assert_int_equal(info[1].vf_bar[0].base, 0xfc800000);
	assert_int_equal(info[1].vf_bar[0].flags, SIETCH_PCI_BAR_64 | SIETCH_PCI_BAR_PREFETCH);
	assert_int_equal(info[1].cap_count, 2);
	assert_int_equal(info[1].cap_id[1], PCI_CAP_ID_EXP);
	assert_int_equal(info[1].msix_vectors, 10);
	assert_int_equal(info[1].msix_pba_offset, 0x2000);
	assert_int_equal(info[1].pf, SIETCH_PCI_NO_INDEX);
	assert_int_equal(info[2].flags, SIETCH_PCI_VF | SIETCH_PCI_DECODES);
	assert_int_equal(info[2].pf, 1);
	assert_int_equal(info[2].owner, 42);
	assert_int_equal(info[2].bar[0].size, 0x4000);
	/* nothing of the kernel's is left in the padding or unused fields */
	assert_int_equal(info[2].reserved, 0);
	assert_int_equal(info[2].ecap_count, 0);
	assert_int_equal(info[3].vendor, 0xeeee); /* past what was returned: untouched */
}

static void test_paging_and_ends(void **state)
{
	(void)state;
	struct sietch_pci_info one;
	assert_int_equal(list(2, &one, 1), 1);
	assert_int_equal(one.device, 0x10ca);
	assert_int_equal(list(3, &one, 1), 0);
	assert_int_equal(list(~0ull, &one, 1), 0);
	assert_int_equal(list(0, &one, 0), 0);
}

static void test_count_is_clamped(void **state)
{
	(void)state;
	table_n = FUNCTIONS;
	struct sietch_pci_info *buf = calloc(FUNCTIONS, sizeof(*buf));
	assert_int_equal(list(0, buf, FUNCTIONS), PCI_LIST_MAX);
	assert_int_equal(list(PCI_LIST_MAX, buf, FUNCTIONS), FUNCTIONS - PCI_LIST_MAX);
	free(buf);
}

static void test_bad_buffers(void **state)
{
	(void)state;
	struct sietch_pci_info one;
	assert_int_equal(list(0, 0, 1), -SIETCH_EFAULT);
	assert_int_equal(list(0, (void *)~0ull, 1), -SIETCH_EFAULT);   /* wraps */
	assert_int_equal(list(99, 0, 1), -SIETCH_EFAULT);              /* the pointer is checked first */
	copy_to_user_faults = 1;
	assert_int_equal(list(0, &one, 1), -SIETCH_EFAULT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_fields, setup),
		cmocka_unit_test_setup(test_paging_and_ends, setup),
		cmocka_unit_test_setup(test_count_is_clamped, setup),
		cmocka_unit_test_setup(test_bad_buffers, setup),
	};
	return cmocka_run_group_tests(tests, 0, 0);
}
