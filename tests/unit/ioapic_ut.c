/*
 * Host tests for kernel/arch/ioapic.c: redirection entries in compatibility
 * format (82093AA §3.2.4) and, once interrupt remapping is installed, in
 * remappable format (VT-d §5.1.5.1) with the vector and CPU moved into the
 * remapping entry; moving lines off a CPU rewrites entries, not the pins.
 * The I/O APIC's index/data window is emulated by redirecting the MMIO
 * accessors ioapic.c uses.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/arch/cpu.h"
#include "lib/common/mmio.h"

/* An I/O APIC with 24 pins: IOREGSEL at 0x00, IOWIN at 0x10. */
#define PINS 24
static struct {
	uint32_t select;
	uint32_t reg[0x10 + 2 * PINS];
} chip;
static uint32_t window[8]; /* the "MMIO page": only its address matters */

static uint32_t fake_read32(const volatile void *addr)
{
	if ((const volatile uint8_t *)addr == (const volatile uint8_t *)window + 0x10) {
		if (chip.select == 0x01)
			return (PINS - 1) << 16; /* version register: maximum redirection entry */
		return chip.reg[chip.select];
	}
	return 0;
}
static void fake_write32(volatile void *addr, uint32_t value)
{
	if ((volatile uint8_t *)addr == (volatile uint8_t *)window)
		chip.select = value;
	else
		chip.reg[chip.select] = value;
}
static void fake_outb(uint16_t port, uint8_t value)
{
	(void)port;
	(void)value;
}
#define mmio_read32 fake_read32
#define mmio_write32 fake_write32
#define outb fake_outb

#include "kernel/arch/ioapic.c"
#include "lib/common/vtd_ir.c"

#include "tests/unit/stubs/kernel_base.h"

static void *map(uint64_t phys, size_t len)
{
	(void)phys;
	(void)len;
	return window;
}

static uint64_t entry(uint32_t pin)
{
	return (uint64_t)chip.reg[0x10 + 2 * pin + 1] << 32 | chip.reg[0x10 + 2 * pin];
}

/* A remapping table of 8 entries, as the tests see it. */
static struct {
	bool used, level;
	uint8_t vector;
	uint32_t apic_id;
	int32_t sid;
} irte[8];
static int sets;
static int fake_alloc(void)
{
	for (int h = 1; h < 8; h++)
		if (!irte[h].used) {
			irte[h].used = true;
			return h;
		}
	return -SIETCH_ENOSPC;
}
static void fake_free(uint16_t h) { irte[h].used = false; }
static void fake_set(uint16_t h, uint8_t vector, uint32_t apic_id, bool level, int32_t sid)
{
	assert_true(irte[h].used);
	irte[h].vector = vector;
	irte[h].apic_id = apic_id;
	irte[h].level = level;
	irte[h].sid = sid;
	sets++;
}
static int32_t fake_source(uint32_t id) { return id == 0 ? 0xf0f8 : -1; }
static const struct interrupt_remapper fake = { fake_alloc, fake_free, fake_set, fake_source };

static int setup(void **state)
{
	(void)state;
	memset(&chip, 0, sizeof(chip));
	memset(irte, 0, sizeof(irte));
	memset(ioapics, 0, sizeof(ioapics));
	ioapic_count = 0;
	remapper = 0;
	sets = 0;
	struct acpi_madt_info madt = { .ioapic_count = 1 };
	madt.ioapic[0].id = 0;
	ioapic_init(&madt, map);
	return 0;
}

static void test_compatibility_format(void **state)
{
	(void)state;
	assert_int_equal(entry(4), 1ull << 16); /* every pin masked at init */
	ioapic_route_gsi(4, 0x30, 1, 0, false);
	assert_int_equal(entry(4), 1ull << 56 | 0x30); /* destination in 63:56, vector, unmasked */
	ioapic_route_gsi(9, 0x31, 0, INTERRUPT_LEVEL | INTERRUPT_ACTIVE_LOW, true);
	assert_int_equal(entry(9), 1ull << 16 | 1ull << 15 | 1ull << 13 | 0x31);
	ioapic_retarget(1, 2);
	assert_int_equal(entry(4), 2ull << 56 | 0x30);
	assert_int_equal(ioapic_lines_to(2), 1);
}

static void test_remapped_lines(void **state)
{
	(void)state;
	ioapic_route_gsi(4, 0x30, 1, 0, false);
	ioapic_route_gsi(9, 0x31, 0, INTERRUPT_LEVEL | INTERRUPT_ACTIVE_LOW, true);
	assert_int_equal(ioapic_remap_prepare(&fake), 0);
	/* entries for the two routed lines only, verified against the I/O APIC's requester ID */
	assert_int_equal(sets, 2);
	assert_true(irte[1].used && irte[2].used && !irte[3].used);
	assert_int_equal(irte[1].vector, 0x30);
	assert_int_equal(irte[1].apic_id, 1);
	assert_int_equal(irte[1].sid, 0xf0f8);
	assert_true(irte[2].level);
	ioapic_remap_commit();
	assert_int_equal(entry(4), vtd_ioapic_rte_remap(1, 0x30, false, false, false));
	assert_int_equal(entry(9), vtd_ioapic_rte_remap(2, 0x31, true, true, true)); /* still masked */
	assert_int_equal(entry(4) >> 56 & 1, 0);				     /* no compatibility destination left */

	/* masking flips bit 16 only */
	ioapic_mask_gsi(4, true);
	assert_int_equal(entry(4), vtd_ioapic_rte_remap(1, 0x30, false, false, true));
	assert_true(ioapic_gsi_masked(4));

	/* moving lines off CPU 1 rewrites the remapping entry; the pin keeps its handle */
	uint64_t before = entry(4);
	ioapic_retarget(1, 3);
	assert_int_equal(irte[1].apic_id, 3);
	assert_int_equal(entry(4), before);
	assert_int_equal(ioapic_lines_to(3), 1);
	assert_int_equal(ioapic_lines_to(1), 0);

	/* a line routed afterwards gets an entry of its own; routing again reuses it */
	ioapic_route_gsi(12, 0x32, 0, 0, false);
	assert_int_equal(entry(12), vtd_ioapic_rte_remap(3, 0x32, false, false, false));
	ioapic_route_gsi(12, 0x33, 2, 0, false);
	assert_int_equal(irte[3].vector, 0x33);
	assert_int_equal(irte[3].apic_id, 2);
	assert_false(irte[4].used);
}

static void test_prepare_out_of_entries(void **state)
{
	(void)state;
	for (uint32_t gsi = 0; gsi < 9; gsi++)
		ioapic_route_gsi(gsi, (uint8_t)(0x30 + gsi), 0, 0, false);
	assert_int_equal(ioapic_remap_prepare(&fake), -SIETCH_ENOSPC);
	assert_int_equal(entry(0), 0x30); /* nothing moved to remappable format */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_compatibility_format, setup),
		cmocka_unit_test_setup(test_remapped_lines, setup),
		cmocka_unit_test_setup(test_prepare_out_of_entries, setup),
	};
	return cmocka_run_group_tests_name("ioapic", tests, NULL, NULL);
}
