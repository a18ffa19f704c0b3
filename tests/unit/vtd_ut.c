/*
 * Host tests for lib/common/vtd.c: root and context entries, invalidation
 * descriptors and fault records, bit by bit against the VT-d spec (rev 4.1
 * §9.1, §9.3, §6.5.2, §11.4.14), and against the reserved-bit masks QEMU 10
 * checks them with (hw/i386/intel_iommu_internal.h), so none trips its
 * "invalid descriptor" path.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/common/vtd.c"
#include "lib/common/pt.h"

/* QEMU's reserved bits (intel_iommu_internal.h, VTD_INV_DESC_*_RSVD, VTD_CONTEXT_ENTRY_RSVD_HI). */
#define QEMU_CC_RSVD 0xfffc00000000f1c0ull
#define QEMU_IOTLB_RSVD_LO 0xffffffff0000f100ull
#define QEMU_IOTLB_RSVD_HI 0xf80ull
#define QEMU_IEC_RSVD 0xffff000007fff1e0ull
#define QEMU_WAIT_RSVD_LO 0xfffff180ull /* with SW the data bits 63:32 are not reserved */
#define QEMU_WAIT_RSVD_HI 3ull
#define QEMU_CONTEXT_RSVD_HI 0xffffffffff000080ull
#define QEMU_ROOT_RSVD_LO 0xffeull

static void test_root_entry(void **state)
{
	(void)state;
	struct vtd_root_entry r = vtd_root_entry(0x12345000);
	assert_int_equal(r.lo, 0x12345001);
	assert_int_equal(r.hi, 0);
	assert_int_equal(r.lo & QEMU_ROOT_RSVD_LO, 0);
}

static void test_context_entries(void **state)
{
	(void)state;
	struct vtd_context_entry c = vtd_context_translate(0xabcde000, 48, 7);
	assert_int_equal(c.lo, 0xabcde000 | VTD_CTX_P); /* TT 00: second-level translation */
	assert_int_equal(c.hi, 2 | 7 << 8);		/* AW 2: 4 levels; DID in 23:8 */
	assert_int_equal(c.hi & QEMU_CONTEXT_RSVD_HI, 0);
	c = vtd_context_translate(0x1000, 39, 0xffff);
	assert_int_equal(c.hi, 1 | 0xffff << 8);
	assert_int_equal(c.hi & QEMU_CONTEXT_RSVD_HI, 0);
	c = vtd_context_pass(48, 1);
	assert_int_equal(c.lo, VTD_CTX_P | 2 << 2); /* TT 10: pass-through */
	assert_int_equal(c.hi, 2 | 1 << 8);
	assert_int_equal(vtd_context_aw(57), -1);
}

static void test_invalidation_descriptors(void **state)
{
	(void)state;
	struct vtd_inv_desc d = vtd_inv_context_global();
	assert_int_equal(d.lo, 0x11);
	d = vtd_inv_context_device(3, 0x0182);
	assert_int_equal(d.lo, 0x1 | 3 << 4 | 3ull << 16 | 0x0182ull << 32);
	assert_int_equal(d.lo & QEMU_CC_RSVD, 0);
	d = vtd_inv_iotlb_domain(9);
	assert_int_equal(d.lo, 0x2 | 2 << 4 | 1 << 6 | 1 << 7 | 9ull << 16);
	assert_int_equal(d.lo & QEMU_IOTLB_RSVD_LO, 0);
	d = vtd_inv_iotlb_global();
	assert_int_equal(d.lo & 0x3f, 0x12);
	d = vtd_inv_iotlb_pages(4, 0x100002000, 1);
	assert_int_equal(d.lo & 0x30, 0x30);
	assert_int_equal(d.hi, 0x100002001);
	assert_int_equal(d.hi & QEMU_IOTLB_RSVD_HI, 0);
	d = vtd_inv_iec_global();
	assert_int_equal(d.lo, 0x4);
	assert_int_equal(d.lo & QEMU_IEC_RSVD, 0);
	d = vtd_inv_wait(0x7654320, 0xdeadbeef);
	assert_int_equal(d.lo, 0x5 | 1 << 5 | 0xdeadbeefull << 32);
	assert_int_equal(d.hi, 0x7654320);
	assert_int_equal(d.lo & QEMU_WAIT_RSVD_LO, 0);
	assert_int_equal(d.hi & QEMU_WAIT_RSVD_HI, 0);
}

/* The blocks a range is split into: aligned to their size, covering it exactly, none over MAMV. */
static void test_iotlb_range(void **state)
{
	(void)state;
	struct vtd_inv_desc d[16];
	/* one aligned 2 MiB region: one descriptor, mask 9 */
	assert_int_equal(vtd_inv_iotlb_range(7, 0x100200000, 2 << 20, 18, d, 16), 1);
	assert_int_equal(d[0].lo, 0x2 | 3 << 4 | 1 << 6 | 1 << 7 | 7ull << 16);
	assert_int_equal(d[0].hi, 0x100200000 | 9);
	assert_int_equal(d[0].lo & QEMU_IOTLB_RSVD_LO, 0);
	assert_int_equal(d[0].hi & QEMU_IOTLB_RSVD_HI, 0);
	/* pages 1..6 (0x1000..0x6fff): 1 page at 1, 2 at 2, 2 at 4, 1 at 6 */
	assert_int_equal(vtd_inv_iotlb_range(3, 0x1000, 6 * 4096, 18, d, 16), 4);
	uint64_t want[][2] = { { 0x1000, 0 }, { 0x2000, 1 }, { 0x4000, 1 }, { 0x6000, 0 } };
	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(d[i].hi & ~0x3full, want[i][0]);
		assert_int_equal(d[i].hi & 0x3f, want[i][1]);
	}
	/* an unaligned start and length round out to whole pages */
	assert_int_equal(vtd_inv_iotlb_range(3, 0x10ff0, 0x20, 18, d, 16), 1);
	assert_int_equal(d[0].hi, 0x10000 | 1);
	assert_int_equal(vtd_inv_iotlb_range(3, 0x11ff0, 0x20, 18, d, 16), 2);
	assert_int_equal(d[0].hi, 0x11000);
	assert_int_equal(d[1].hi, 0x12000);
	/* MAMV 0: one descriptor a page */
	assert_int_equal(vtd_inv_iotlb_range(3, 0x100000000, 8 * 4096, 0, d, 16), 8);
	for (unsigned i = 0; i < 8; i++)
		assert_int_equal(d[i].hi, 0x100000000 + i * 4096ull);
	/* more blocks than room: 0, the caller invalidates the domain */
	assert_int_equal(vtd_inv_iotlb_range(3, 0x100000000, 8 * 4096, 0, d, 4), 0);
	/* every block of an odd range is aligned to its size and they tile it */
	unsigned n = vtd_inv_iotlb_range(3, 0x123457000, 0x89000, 18, d, 16);
	assert_true(n > 0);
	uint64_t at = 0x123457000;
	for (unsigned i = 0; i < n; i++) {
		uint64_t bytes = 4096ull << (d[i].hi & 0x3f);
		assert_int_equal(d[i].hi & ~0x3full, at);
		assert_int_equal(at & (bytes - 1), 0);
		at += bytes;
	}
	assert_int_equal(at, 0x123457000 + 0x89000);
}

static void test_fault_records(void **state)
{
	(void)state;
	/* As QEMU's vtd_report_dmar_fault fills one: a write by 01:10.0 to 0x201000, reason 5. */
	uint64_t lo = 0x201000, hi = VTD_FRCD_F | 5ull << 32 | 0x0180;
	struct vtd_fault f = vtd_fault_decode(lo, hi);
	assert_true(f.valid);
	assert_true(f.write);
	assert_int_equal(f.sid, 0x0180);
	assert_int_equal(f.reason, 5);
	assert_int_equal(f.address, 0x201000);
	/* a read (T set) of a context entry that is not present, address bits 11:0 not recorded */
	f = vtd_fault_decode(0x200abc, VTD_FRCD_F | VTD_FRCD_T | 2ull << 32 | 0x0182);
	assert_false(f.write);
	assert_int_equal(f.reason, 2);
	assert_int_equal(f.address, 0x200000);
	assert_string_equal(vtd_fault_reason_name(2), "context entry not present");
	assert_string_equal(vtd_fault_reason_name(0x42), "unknown");
	assert_false(vtd_fault_decode(0, 0).valid);
}

static void test_capabilities(void **state)
{
	(void)state;
	/* QEMU 10's, field by field as vtd_cap_init sets them for aw-bits 48: FRO 0x220, one
	 * record, ND 6, SAGAW 39|48, MGAW 48, PSI, 2 MiB and 1 GiB leaves, drains */
	uint64_t cap = 0x220ull << 20 | 0ull << 40 | 6 | (uint64_t)(VTD_SAGAW_39 | VTD_SAGAW_48) << 8 | 47ull << 16 |
		       1ull << 39 | 3ull << 34 | 3ull << 54;
	assert_int_equal(vtd_pick_address_width(cap), 48);
	assert_int_equal(VTD_CAP_MGAW(cap), 48);
	assert_int_equal(VTD_CAP_NFR(cap), 1);
	assert_int_equal(VTD_CAP_FRO(cap), 0x220);
	assert_int_equal(VTD_CAP_SLLPS(cap), 3);
	assert_int_equal(VTD_CAP_ND(cap), 6);
	assert_int_equal(vtd_pick_address_width(1ull << 9), 39);
	assert_int_equal(vtd_pick_address_width(1ull << 11), 0); /* 5-level only: not walked */
	/* ECAP: QI and the IOTLB registers at 0xf0 (VTD_ECAP_IRO = 0xf0 << 4) */
	uint64_t ecap = VTD_ECAP_QI | 0xf0ull << 4;
	assert_int_equal(VTD_ECAP_IRO(ecap), 0xf0);
	assert_false(ecap & VTD_ECAP_C); /* no page-walk coherency: the kernel flushes */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_root_entry),
		cmocka_unit_test(test_context_entries),
		cmocka_unit_test(test_invalidation_descriptors),
		cmocka_unit_test(test_iotlb_range),
		cmocka_unit_test(test_fault_records),
		cmocka_unit_test(test_capabilities),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
