/*
 * Host tests for lib/common/vtd_ir.c: the interrupt remapping table entry
 * (VT-d rev 4.1 §9.10), the remappable MSI address (§5.1.5.2) and I/O APIC
 * redirection entry (§5.1.5.1), IRTA and the interrupt entry cache
 * descriptor, bit by bit and against how QEMU 10 reads them
 * (include/hw/i386/intel_iommu.h: VTD_IR_TableEntry, VTD_IR_MSIAddress;
 * hw/intc/ioapic.c: ioapic_entry_parse).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/common/vtd.c"
#include "lib/common/vtd_ir.c"

/* Reserved bits QEMU faults on (reason 0x24): lo 14:12 and 31:24, hi 63:20. */
#define QEMU_IRTE_RSVD_LO 0x00000000ff007000ull
#define QEMU_IRTE_RSVD_HI 0xfffffffffff00000ull
#define QEMU_IEC_RSVD 0xffff000007fff1e0ull

/* QEMU's ioapic_entry_parse: RTE bits 63:48 become MSI address bits 19:4, bit 11 (DM) bit 2. */
static uint64_t qemu_ioapic_msi_address(uint64_t rte)
{
	return 0xfee00000ull | ((rte >> 48) & 0xffff) << 4 | ((rte >> 11) & 1) << 2;
}

static void test_irte_xapic(void **state)
{
	(void)state;
	struct vtd_irte e = vtd_irte_remapped(0x31, 3, false, false, 0x0100);
	assert_int_equal(e.lo, 1ull | 0x31ull << 16 | 3ull << 40); /* P, vector, APIC ID in destination 15:8 */
	assert_int_equal(e.hi, 1ull << 18 | 0x0100);		   /* SVT 01, SQ 00: all 16 bits of 01:00.0 */
	assert_int_equal(e.lo & QEMU_IRTE_RSVD_LO, 0);
	assert_int_equal(e.hi & QEMU_IRTE_RSVD_HI, 0);
	/* an x2APIC-sized ID keeps only its low 8 bits in xAPIC format */
	assert_int_equal(vtd_irte_remapped(0x31, 0x1ff, false, false, 0).lo >> 32, 0xff00);
}

static void test_irte_x2apic_and_level(void **state)
{
	(void)state;
	struct vtd_irte e = vtd_irte_remapped(0xfe, 0x12345678, true, true, 0xff00);
	assert_int_equal(e.lo >> 32, 0x12345678);
	assert_int_equal((e.lo >> 16) & 0xff, 0xfe);
	assert_int_equal(e.lo & 0xffff, 1ull | 1ull << 4); /* P, TM level; DM, RH, DLM, IM all 0 */
	assert_int_equal(e.hi, 1ull << 18 | 0xff00);
	assert_int_equal(e.lo & QEMU_IRTE_RSVD_LO, 0);
}

static void test_msi_remap_address(void **state)
{
	(void)state;
	assert_int_equal(vtd_msi_remap_address(1), 0xfee00030); /* handle 1 in 19:5, format bit 4 */
	assert_int_equal(vtd_msi_remap_address(0), 0xfee00010); /* handle 0: still remappable format */
	assert_int_equal(vtd_msi_remap_address(0x7fff), 0xfeeffff0);
	assert_int_equal(vtd_msi_remap_address(0x8001), 0xfee00034);	/* handle bit 15 in address bit 2 */
	assert_int_equal(vtd_msi_remap_address(0x1234) & (1u << 3), 0); /* SHV 0 */
	assert_int_equal(vtd_msi_remap_data(), 0);
	/* QEMU's decode: index_h << 15 | index_l */
	for (unsigned h = 0; h < 0x10000; h += 0x1111) {
		uint32_t a = (uint32_t)vtd_msi_remap_address((uint16_t)h);
		assert_int_equal((a >> 20), 0xfee);
		assert_int_equal(((a >> 2) & 1) << 15 | ((a >> 5) & 0x7fff), h);
		assert_int_equal((a >> 4) & 1, 1);
	}
}

static void test_ioapic_rte(void **state)
{
	(void)state;
	uint64_t rte = vtd_ioapic_rte_remap(5, 0x24, true, true, true);
	assert_int_equal(rte & 0xff, 0x24);
	assert_true(rte & (1ull << 48)); /* interrupt format */
	assert_true(rte & (1ull << 16)); /* mask */
	assert_true(rte & (1ull << 15)); /* level */
	assert_true(rte & (1ull << 13)); /* active low */
	assert_int_equal(rte >> 49, 5);
	assert_int_equal(rte & 0x0000fffffffe0000ull & ~(1ull << 48), 0); /* bits 47:17 reserved */
	assert_int_equal(vtd_ioapic_rte_remap(7, 0x30, false, false, false), 7ull << 49 | 1ull << 48 | 0x30);
	/* the I/O APIC turns the entry into the same MSI a device would send for that handle */
	for (unsigned h = 1; h < 0x10000; h += 0x0fff)
		assert_int_equal(qemu_ioapic_msi_address(vtd_ioapic_rte_remap((uint16_t)h, 0x40, false, false, false)),
				 vtd_msi_remap_address((uint16_t)h));
}

static void test_irta_and_iec(void **state)
{
	(void)state;
	assert_int_equal(vtd_irta(0x12345000, false), 0x12345007); /* 2^(7+1) = 256 entries */
	assert_int_equal(vtd_irta(0x12345000, true), 0x12345807);  /* EIME */
	assert_int_equal(1u << (VTD_IR_SIZE_FIELD + 1), VTD_IR_ENTRIES);
	struct vtd_inv_desc d = vtd_inv_iec_index(0x00ab);
	assert_int_equal(d.lo, 0x4ull | 1ull << 4 | 0xabull << 32);
	assert_int_equal(d.hi, 0);
	assert_int_equal(d.lo & QEMU_IEC_RSVD, 0);
}

static void test_interrupt_faults(void **state)
{
	(void)state;
	/* §11.4.14: an interrupt fault puts the handle in fault info 63:48 of the low word */
	uint64_t lo = 0x0003ull << 48, hi = VTD_FRCD_F | 0x26ull << VTD_FRCD_FR_SHIFT | 0x0100;
	struct vtd_fault f = vtd_fault_decode(lo, hi);
	assert_true(vtd_fault_is_interrupt(f.reason));
	assert_int_equal(vtd_fault_interrupt_index(f.address), 3);
	assert_int_equal(f.sid, 0x0100);
	assert_string_equal(vtd_fault_reason_name(0x26), "interrupt from a requester the entry does not name");
	assert_string_equal(vtd_fault_reason_name(0x22), "interrupt remapping entry not present");
	assert_string_equal(vtd_fault_reason_name(0x25), "compatibility-format interrupt blocked");
	assert_false(vtd_fault_is_interrupt(0x5));
	assert_false(vtd_fault_is_interrupt(0x27));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_irte_xapic),
		cmocka_unit_test(test_irte_x2apic_and_level),
		cmocka_unit_test(test_msi_remap_address),
		cmocka_unit_test(test_ioapic_rte),
		cmocka_unit_test(test_irta_and_iec),
		cmocka_unit_test(test_interrupt_faults),
	};
	return cmocka_run_group_tests(tests, 0, 0);
}
