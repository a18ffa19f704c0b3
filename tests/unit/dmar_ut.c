/*
 * Host tests for lib/common/dmar.c: a DMAR table laid out as QEMU 10's q35
 * builds it (hw/i386/acpi-build.c, build_dmar_q35: one DRHD at 0xfed90000
 * without INCLUDE_PCI_ALL, the I/O APIC's scope, then one scope per root-bus
 * device, type 2 for bridges) for the machine tools/run --iommu --net makes,
 * plus RMRRs, an INCLUDE_PCI_ALL unit and malformed tables.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/common/dmar.c"

struct builder {
	uint8_t b[1024];
	size_t len;
};

static void put(struct builder *t, uint64_t v, size_t bytes)
{
	for (size_t i = 0; i < bytes; i++)
		t->b[t->len++] = (uint8_t)(v >> (8 * i));
}

static void begin_table(struct builder *t, uint8_t haw_minus_1, uint8_t flags)
{
	memset(t, 0, sizeof(*t));
	memcpy(t->b, "DMAR", 4);
	t->len = sizeof(struct acpi_sdt_header);
	put(t, haw_minus_1, 1);
	put(t, flags, 1);
	t->len += 10;
}

static void end_table(struct builder *t)
{
	uint32_t len = (uint32_t)t->len;
	memcpy(t->b + 4, &len, 4);
}

/* A structure header whose length is patched by end_struct. */
static size_t begin_struct(struct builder *t, uint16_t type)
{
	size_t at = t->len;
	put(t, type, 2);
	put(t, 0, 2);
	return at;
}

static void end_struct(struct builder *t, size_t at)
{
	uint16_t len = (uint16_t)(t->len - at);
	memcpy(t->b + at + 2, &len, 2);
}

static void scope(struct builder *t, uint8_t type, uint8_t enum_id, uint8_t bus, const uint8_t *path, unsigned steps)
{
	put(t, type, 1);
	put(t, 6 + 2 * steps, 1);
	put(t, 0, 2);
	put(t, enum_id, 1);
	put(t, bus, 1);
	for (unsigned i = 0; i < 2 * steps; i++)
		put(t, path[i], 1);
}

static void drhd_header(struct builder *t, uint8_t flags, uint64_t base)
{
	put(t, flags, 1);
	put(t, 0, 1);
	put(t, 0, 2); /* segment */
	put(t, base, 8);
}

/* QEMU's q35 with two root ports (00:02.0 -> bus 1, 00:03.0 -> bus 2) and the igb behind the first. */
static void build_q35(struct builder *t)
{
	begin_table(t, 47, DMAR_FLAG_INTR_REMAP);
	size_t at = begin_struct(t, DMAR_TYPE_DRHD);
	drhd_header(t, 0, 0xfed90000);
	scope(t, DMAR_SCOPE_IOAPIC, 0, 0xff, (const uint8_t[]){ 0x1e, 0 }, 1);
	static const uint8_t devices[][3] = { { 1, 0, 0 }, { 1, 1, 0 }, { 2, 2, 0 }, { 2, 3, 0 }, { 1, 0x1f, 0 }, { 1, 0x1f, 2 }, { 1, 0x1f, 3 } };
	for (unsigned i = 0; i < 7; i++)
		scope(t, devices[i][0], 0, 0, &devices[i][1], 1);
	end_struct(t, at);
	end_table(t);
}

/* The bridges of that machine. */
static bool q35_bridge(void *ctx, uint16_t segment, uint8_t bus, uint8_t devfn, uint8_t *secondary,
		       uint8_t *subordinate)
{
	(void)ctx;
	if (segment != 0 || bus != 0)
		return false;
	if (devfn == (2 << 3) || devfn == (3 << 3)) {
		*secondary = *subordinate = (uint8_t)(devfn >> 3) - 1;
		return true;
	}
	return false;
}

static struct dmar_info info;

static void test_q35_table(void **state)
{
	(void)state;
	struct builder t;
	build_q35(&t);
	assert_true(dmar_parse((const struct acpi_sdt_header *)t.b, &info));
	assert_int_equal(info.host_address_width, 48);
	assert_int_equal(info.flags, DMAR_FLAG_INTR_REMAP);
	assert_int_equal(info.unit_count, 1);
	assert_int_equal(info.unit[0].base, 0xfed90000);
	assert_int_equal(info.unit[0].flags, 0);
	assert_int_equal(info.unit[0].register_pages, 1);
	assert_int_equal(info.unit[0].scopes.count, 8);
	assert_int_equal(info.scope_count, 8);
	assert_int_equal(info.rmrr_count, 0);
	const struct dmar_scope *ioapic = &info.scope[0];
	assert_int_equal(ioapic->type, DMAR_SCOPE_IOAPIC);
	assert_int_equal(ioapic->start_bus, 0xff);
	assert_int_equal(ioapic->path[0], 0x1e << 3);
	assert_int_equal(info.scope[3].type, DMAR_SCOPE_BRIDGE);
	assert_int_equal(info.scope[3].path[0], 2 << 3);
}

static void test_q35_coverage(void **state)
{
	(void)state;
	struct builder t;
	build_q35(&t);
	assert_true(dmar_parse((const struct acpi_sdt_header *)t.b, &info));
	/* endpoints on the root bus, each by its own scope */
	assert_int_equal(dmar_unit_for(&info, 0, 0x00fa, q35_bridge, NULL), 0); /* 00:1f.2 */
	assert_int_equal(dmar_unit_for(&info, 0, 0x0008, q35_bridge, NULL), 0); /* 00:01.0 */
	/* the root port itself and what is behind it: the PF and a VF (01:10.2) */
	assert_int_equal(dmar_unit_for(&info, 0, 0x0010, q35_bridge, NULL), 0);
	assert_int_equal(dmar_unit_for(&info, 0, 0x0100, q35_bridge, NULL), 0);
	assert_int_equal(dmar_unit_for(&info, 0, 0x0182, q35_bridge, NULL), 0);
	assert_int_equal(dmar_unit_for(&info, 0, 0x0200, q35_bridge, NULL), 0);
	/* not listed: a slot nobody filled, a bus no bridge forwards, another segment */
	assert_int_equal(dmar_unit_for(&info, 0, 0x0028, q35_bridge, NULL), -1);
	assert_int_equal(dmar_unit_for(&info, 0, 0x0300, q35_bridge, NULL), -1);
	assert_int_equal(dmar_unit_for(&info, 1, 0x0100, q35_bridge, NULL), -1);
	/* the I/O APIC's scope is not a PCI requester */
	assert_int_equal(dmar_unit_for(&info, 0, 0xfff0, q35_bridge, NULL), -1);
}

static void test_include_all_and_rmrr(void **state)
{
	(void)state;
	struct builder t;
	begin_table(&t, 38, 0);
	size_t at = begin_struct(&t, DMAR_TYPE_DRHD); /* a unit for the device at 00:02.0 and below */
	drhd_header(&t, 0, 0xfed91000);
	scope(&t, DMAR_SCOPE_BRIDGE, 0, 0, (const uint8_t[]){ 2, 0 }, 1);
	end_struct(&t, at);
	at = begin_struct(&t, DMAR_TYPE_DRHD); /* the catch-all, last */
	drhd_header(&t, DMAR_DRHD_INCLUDE_PCI_ALL, 0xfed90000);
	end_struct(&t, at);
	at = begin_struct(&t, DMAR_TYPE_RMRR); /* a USB controller's BIOS buffer, reached through the bridge */
	put(&t, 0, 2);
	put(&t, 0, 2);
	put(&t, 0x7d000000, 8);
	put(&t, 0x7d0fffff, 8);
	scope(&t, DMAR_SCOPE_ENDPOINT, 0, 0, (const uint8_t[]){ 2, 0, 0, 1 }, 2);
	end_struct(&t, at);
	at = begin_struct(&t, 2); /* an ATSR: skipped */
	put(&t, 0, 4);
	end_struct(&t, at);
	end_table(&t);
	assert_true(dmar_parse((const struct acpi_sdt_header *)t.b, &info));
	assert_int_equal(info.host_address_width, 39);
	assert_int_equal(info.unit_count, 2);
	assert_int_equal(info.skipped, 1);
	assert_int_equal(dmar_unit_for(&info, 0, 0x0101, q35_bridge, NULL), 0);
	assert_int_equal(dmar_unit_for(&info, 0, 0x00f8, q35_bridge, NULL), 1);
	assert_int_equal(info.rmrr_count, 1);
	assert_int_equal(info.rmrr[0].base, 0x7d000000);
	assert_int_equal(info.rmrr[0].limit, 0x7d0fffff);
	uint8_t bus, devfn;
	assert_true(dmar_scope_resolve(&info.scope[info.rmrr[0].scopes.first], 0, q35_bridge, NULL, &bus, &devfn));
	assert_int_equal(bus, 1);
	assert_int_equal(devfn, 1);
	assert_true(dmar_scopes_cover(&info, info.rmrr[0].scopes, 0, 0x0101, q35_bridge, NULL));
	assert_false(dmar_scopes_cover(&info, info.rmrr[0].scopes, 0, 0x0100, q35_bridge, NULL));
}

static void test_malformed(void **state)
{
	(void)state;
	struct builder t;
	build_q35(&t);
	struct builder bad = t;
	memcpy(bad.b, "APIC", 4);
	assert_false(dmar_parse((const struct acpi_sdt_header *)bad.b, &info));
	/* a scope longer than its DRHD */
	bad = t;
	bad.b[48 + 16 + 1] = 200;
	assert_false(dmar_parse((const struct acpi_sdt_header *)bad.b, &info));
	/* a scope with no path */
	bad = t;
	bad.b[48 + 16 + 1] = 6;
	assert_false(dmar_parse((const struct acpi_sdt_header *)bad.b, &info));
	/* a device number over 31 */
	bad = t;
	bad.b[48 + 16 + 6] = 32;
	assert_false(dmar_parse((const struct acpi_sdt_header *)bad.b, &info));
	/* a structure of length 0, which would never end */
	bad = t;
	bad.b[48 + 2] = 0;
	bad.b[48 + 3] = 0;
	assert_false(dmar_parse((const struct acpi_sdt_header *)bad.b, &info));
	/* a table cut inside its DRHD */
	bad = t;
	uint32_t cut = 48 + 10;
	memcpy(bad.b + 4, &cut, 4);
	assert_false(dmar_parse((const struct acpi_sdt_header *)bad.b, &info));
	/* shorter than its own header */
	cut = 40;
	memcpy(bad.b + 4, &cut, 4);
	assert_false(dmar_parse((const struct acpi_sdt_header *)bad.b, &info));
}

static void test_too_many_scopes(void **state)
{
	(void)state;
	static struct builder t; /* large */
	begin_table(&t, 47, 0);
	size_t at = begin_struct(&t, DMAR_TYPE_DRHD);
	drhd_header(&t, 0, 0xfed90000);
	for (unsigned i = 0; i < 100; i++)
		scope(&t, DMAR_SCOPE_ENDPOINT, 0, 0, (const uint8_t[]){ (uint8_t)(i % 32), (uint8_t)(i / 32) }, 1);
	end_struct(&t, at);
	end_table(&t);
	assert_true(dmar_parse((const struct acpi_sdt_header *)t.b, &info));
	assert_int_equal(info.scope_count, 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_q35_table),
		cmocka_unit_test(test_q35_coverage),
		cmocka_unit_test(test_include_all_and_rmrr),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_too_many_scopes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
