/* Host tests for lib/common/acpi.c: synthetic tables built here, and the
 * real tables of QEMU's q35 machine replayed from tests/unit/data. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/common/acpi.c"
#include "tests/unit/data/q35_acpi.h"

/* A fake physical address space: a few byte ranges at chosen addresses. */
#define MAX_REGIONS 16
struct fake_phys {
	struct {
		uint64_t phys;
		const uint8_t *bytes;
		size_t len;
		bool owned;
	} r[MAX_REGIONS];
	int n;
};

static const void *fake_map(void *ctx, uint64_t phys, size_t len)
{
	struct fake_phys *m = ctx;
	for (int i = 0; i < m->n; i++) {
		if (phys >= m->r[i].phys && phys - m->r[i].phys <= m->r[i].len &&
		    len <= m->r[i].len - (phys - m->r[i].phys))
			return m->r[i].bytes + (phys - m->r[i].phys);
	}
	return NULL;
}

static void add_region(struct fake_phys *m, uint64_t phys, const void *bytes, size_t len, bool owned)
{
	assert_true(m->n < MAX_REGIONS);
	m->r[m->n].phys = phys;
	m->r[m->n].bytes = bytes;
	m->r[m->n].len = len;
	m->r[m->n].owned = owned;
	m->n++;
}

static void fake_free(struct fake_phys *m)
{
	for (int i = 0; i < m->n; i++) {
		if (m->r[i].owned)
			free((void *)m->r[i].bytes);
	}
	m->n = 0;
}

/* Allocated at its exact length, so the sanitizer catches any overread. */
static uint8_t *new_table(struct fake_phys *m, uint64_t phys, const char *sig, size_t len)
{
	uint8_t *t = calloc(1, len);
	struct acpi_sdt_header h = { .length = (uint32_t)len, .revision = 1 };
	memcpy(h.signature, sig, 4);
	memcpy(h.oem_id, "SIETCH", 6);
	memcpy(t, &h, sizeof(h) <= len ? sizeof(h) : len);
	add_region(m, phys, t, len, true);
	return t;
}

static void fix_checksum(uint8_t *t, size_t len, size_t at)
{
	uint8_t sum = 0;
	t[at] = 0;
	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + t[i]);
	t[at] = (uint8_t)-sum;
}

static void seal(uint8_t *t)
{
	uint32_t len;
	memcpy(&len, t + 4, 4);
	fix_checksum(t, len, offsetof(struct acpi_sdt_header, checksum));
}

static void make_rsdp(struct acpi_rsdp *r, int revision, uint32_t rsdt, uint64_t xsdt)
{
	memset(r, 0, sizeof(*r));
	memcpy(r->signature, "RSD PTR ", 8);
	memcpy(r->oem_id, "SIETCH", 6);
	r->revision = (uint8_t)revision;
	r->rsdt_address = rsdt;
	r->length = ACPI_RSDP_V2_LEN;
	r->xsdt_address = xsdt;
	fix_checksum((uint8_t *)r, ACPI_RSDP_V1_LEN, offsetof(struct acpi_rsdp, checksum));
	fix_checksum((uint8_t *)r, ACPI_RSDP_V2_LEN, offsetof(struct acpi_rsdp, extended_checksum));
}

/* A root table at phys listing the given addresses, 4 or 8 bytes each. */
static uint8_t *new_root(struct fake_phys *m, uint64_t phys, const char *sig, size_t esz,
			 const uint64_t *entries, size_t n)
{
	uint8_t *t = new_table(m, phys, sig, 36 + esz * n);
	for (size_t i = 0; i < n; i++)
		memcpy(t + 36 + i * esz, &entries[i], esz);
	seal(t);
	return t;
}

static void test_checksum(void **state)
{
	(void)state;
	uint8_t b[4] = { 1, 2, 3, 0xfa };
	assert_true(acpi_checksum_ok(b, 4));
	assert_false(acpi_checksum_ok(b, 3));
	assert_true(acpi_checksum_ok(b, 0));
}

static void test_find_via_xsdt(void **state)
{
	(void)state;
	struct fake_phys m = { 0 };
	struct acpi_rsdp rsdp;

	seal(new_table(&m, 0x3000, "APIC", 44));
	seal(new_table(&m, 0x4000, "SSDT", 40));
	seal(new_table(&m, 0x5000, "SSDT", 50));
	uint8_t *bad = new_table(&m, 0x6000, "SSDT", 60);
	seal(bad);
	bad[50] ^= 1; /* checksum now wrong: found all the same, and said to be wrong */
	seal(new_table(&m, 0x7000, "MCFG", 44));
	uint64_t xsdt_list[] = { 0x3000, 0x9000000, 0x4000, 0x6000, 0x5000 };
	new_root(&m, 0x1003, "XSDT", 8, xsdt_list, 5);
	uint64_t rsdt_list[] = { 0x7000 };
	new_root(&m, 0x2000, "RSDT", 4, rsdt_list, 1);
	make_rsdp(&rsdp, 2, 0x2000, 0x1003);

	const struct acpi_sdt_header *h = acpi_find_table(&rsdp, fake_map, &m, "APIC", 0);
	assert_ptr_equal(h, fake_map(&m, 0x3000, 1));
	assert_ptr_equal(acpi_find_table(&rsdp, fake_map, &m, "SSDT", 0), fake_map(&m, 0x4000, 1));
	assert_ptr_equal(acpi_find_table(&rsdp, fake_map, &m, "SSDT", 1), fake_map(&m, 0x6000, 1));
	assert_false(acpi_table_checksum_ok(acpi_find_table(&rsdp, fake_map, &m, "SSDT", 1)));
	assert_true(acpi_table_checksum_ok(acpi_find_table(&rsdp, fake_map, &m, "SSDT", 0)));
	assert_ptr_equal(acpi_find_table(&rsdp, fake_map, &m, "SSDT", 2), fake_map(&m, 0x5000, 1));
	assert_null(acpi_find_table(&rsdp, fake_map, &m, "SSDT", 3));
	assert_null(acpi_find_table(&rsdp, fake_map, &m, "APIC", -1));
	/* only in the RSDT, which the XSDT supersedes */
	assert_null(acpi_find_table(&rsdp, fake_map, &m, "MCFG", 0));
	fake_free(&m);
}

static void test_rsdt_used(void **state)
{
	(void)state;
	struct fake_phys m = { 0 };
	struct acpi_rsdp rsdp;

	seal(new_table(&m, 0x3000, "APIC", 44));
	seal(new_table(&m, 0x7000, "MCFG", 44));
	uint64_t xsdt_list[] = { 0x3000 };
	uint8_t *xsdt = new_root(&m, 0x1000, "XSDT", 8, xsdt_list, 1);
	uint64_t rsdt_list[] = { 0x7000 };
	new_root(&m, 0x2000, "RSDT", 4, rsdt_list, 1);

	make_rsdp(&rsdp, 0, 0x2000, 0x1000); /* ACPI 1.0: no XSDT */
	assert_non_null(acpi_find_table(&rsdp, fake_map, &m, "MCFG", 0));
	assert_null(acpi_find_table(&rsdp, fake_map, &m, "APIC", 0));

	make_rsdp(&rsdp, 2, 0x2000, 0); /* no XSDT address */
	assert_non_null(acpi_find_table(&rsdp, fake_map, &m, "MCFG", 0));

	make_rsdp(&rsdp, 2, 0x2000, 0x1000);
	rsdp.extended_checksum++; /* extended checksum wrong */
	assert_non_null(acpi_find_table(&rsdp, fake_map, &m, "MCFG", 0));

	make_rsdp(&rsdp, 2, 0x2000, 0x1000);
	assert_non_null(acpi_find_table(&rsdp, fake_map, &m, "APIC", 0));
	xsdt[40]++; /* XSDT checksum wrong: fall back */
	assert_non_null(acpi_find_table(&rsdp, fake_map, &m, "MCFG", 0));
	fake_free(&m);
}

static void test_bad_rsdp_and_roots(void **state)
{
	(void)state;
	struct fake_phys m = { 0 };
	struct acpi_rsdp rsdp;

	seal(new_table(&m, 0x3000, "APIC", 44));
	uint64_t list[] = { 0x3000 };
	new_root(&m, 0x2000, "RSDT", 4, list, 1);

	make_rsdp(&rsdp, 0, 0x2000, 0);
	assert_non_null(acpi_find_table(&rsdp, fake_map, &m, "APIC", 0));
	rsdp.checksum++;
	assert_null(acpi_find_table(&rsdp, fake_map, &m, "APIC", 0));
	make_rsdp(&rsdp, 0, 0x2000, 0);
	rsdp.signature[0] = 'X';
	assert_null(acpi_find_table(&rsdp, fake_map, &m, "APIC", 0));
	assert_null(acpi_find_table(NULL, fake_map, &m, "APIC", 0));

	make_rsdp(&rsdp, 0, 0x3000, 0); /* points at something that is not an RSDT */
	assert_null(acpi_find_table(&rsdp, fake_map, &m, "APIC", 0));
	make_rsdp(&rsdp, 0, 0x8000, 0); /* points nowhere */
	assert_null(acpi_find_table(&rsdp, fake_map, &m, "APIC", 0));

	/* a root whose length runs past what is mapped */
	uint8_t *rsdt = new_table(&m, 0x10000, "RSDT", 40);
	memcpy(rsdt + 36, &list[0], 4);
	uint32_t len = 4000;
	memcpy(rsdt + 4, &len, 4);
	make_rsdp(&rsdp, 0, 0x10000, 0);
	assert_null(acpi_find_table(&rsdp, fake_map, &m, "APIC", 0));

	/* a table claiming to be shorter than its header */
	uint8_t *tiny = new_table(&m, 0x20000, "APIC", 36);
	len = 8;
	memcpy(tiny + 4, &len, 4);
	uint64_t list2[] = { 0x20000 };
	new_root(&m, 0x21000, "RSDT", 4, list2, 1);
	make_rsdp(&rsdp, 0, 0x21000, 0);
	assert_null(acpi_find_table(&rsdp, fake_map, &m, "APIC", 0));
	fake_free(&m);
}

/* Appends a MADT entry. */
static size_t put(uint8_t *t, size_t off, const void *entry, size_t len)
{
	memcpy(t + off, entry, len);
	return off + len;
}

static void test_madt_synthetic(void **state)
{
	(void)state;
	struct fake_phys m = { 0 };
	struct acpi_madt_info info;
	uint8_t *t = new_table(&m, 0x1000, "APIC", 44 + 8 * 4 + 16 * 2 + 12 + 10 * 2 + 6 + 12 + 4);
	struct acpi_madt hdr;
	memcpy(&hdr, t, 36);
	hdr.lapic_address = 0xfee00000;
	hdr.flags = ACPI_MADT_PCAT_COMPAT;
	memcpy(t, &hdr, sizeof(hdr));

	size_t off = 44;
	struct acpi_madt_lapic l0 = { 0, 8, 0, 0, ACPI_MADT_CPU_ENABLED };
	struct acpi_madt_lapic l1 = { 0, 8, 1, 2, 0 }; /* disabled, not online capable */
	struct acpi_madt_lapic l2 = { 0, 8, 2, 4, ACPI_MADT_CPU_ONLINE_CAPABLE };
	struct acpi_madt_lapic l3 = { 0, 8, 3, 6, ACPI_MADT_CPU_ENABLED };
	struct acpi_madt_x2apic x0 = { 9, 16, 0, 6, ACPI_MADT_CPU_ENABLED, 3 }; /* same CPU as l3 */
	struct acpi_madt_x2apic x1 = { 9, 16, 0, 300, ACPI_MADT_CPU_ENABLED, 4 };
	struct acpi_madt_ioapic io = { 1, 12, 2, 0, 0xfec00000, 0 };
	struct acpi_madt_iso iso0 = { 2, 10, 0, 0, 2, 0 };
	struct acpi_madt_iso iso9 = { 2, 10, 0, 9, 9, ACPI_INTI_ACTIVE_HIGH | ACPI_INTI_LEVEL };
	struct acpi_madt_lapic_nmi nmi = { 4, 6, 0xff, 0x5, 1 };
	struct acpi_madt_lapic_override lo = { 5, 12, 0, 0x1fee00000ull };
	uint8_t unknown[4] = { 0x7f, 4, 0xaa, 0xbb };
	off = put(t, off, &l0, 8);
	off = put(t, off, &l1, 8);
	off = put(t, off, &l2, 8);
	off = put(t, off, &l3, 8);
	off = put(t, off, &x0, 16);
	off = put(t, off, &x1, 16);
	off = put(t, off, &io, 12);
	off = put(t, off, &iso0, 10);
	off = put(t, off, &iso9, 10);
	off = put(t, off, &nmi, 6);
	off = put(t, off, &lo, 12);
	off = put(t, off, unknown, 4);
	seal(t);

	assert_true(acpi_parse_madt(fake_map(&m, 0x1000, 36), &info));
	assert_int_equal(info.lapic_phys, 0x1fee00000ull);
	assert_int_equal(info.flags, ACPI_MADT_PCAT_COMPAT);
	assert_int_equal(info.cpu_count, 4);
	assert_int_equal(info.apic_id[0], 0);
	assert_int_equal(info.apic_id[1], 4);
	assert_int_equal(info.apic_id[2], 6);
	assert_int_equal(info.apic_id[3], 300);
	assert_int_equal(info.ioapic_count, 1);
	assert_int_equal(info.ioapic[0].id, 2);
	assert_int_equal(info.ioapic[0].phys, 0xfec00000);
	assert_int_equal(info.ioapic[0].gsi_base, 0);
	assert_int_equal(info.override_count, 2);
	assert_int_equal(info.override[0].irq, 0);
	assert_int_equal(info.override[0].gsi, 2);
	assert_int_equal(info.override[1].irq, 9);
	assert_int_equal(info.override[1].flags, ACPI_INTI_ACTIVE_HIGH | ACPI_INTI_LEVEL);
	assert_int_equal(info.nmi_count, 1);
	assert_int_equal(info.nmi[0].processor_uid, 0xff);
	assert_int_equal(info.nmi[0].flags, 5);
	assert_int_equal(info.nmi[0].lint, 1);
	fake_free(&m);
}

static void test_madt_many_cpus(void **state)
{
	(void)state;
	struct fake_phys m = { 0 };
	struct acpi_madt_info info;
	size_t n = ACPI_MAX_CPUS + 6;
	uint8_t *t = new_table(&m, 0x1000, "APIC", 44 + 16 * n);

	for (size_t i = 0; i < n; i++) {
		struct acpi_madt_x2apic x = { 9, 16, 0, (uint32_t)i, ACPI_MADT_CPU_ENABLED, (uint32_t)i };
		put(t, 44 + 16 * i, &x, 16);
	}
	seal(t);
	assert_true(acpi_parse_madt(fake_map(&m, 0x1000, 36), &info));
	assert_int_equal(info.cpu_count, ACPI_MAX_CPUS);
	assert_int_equal(info.cpus_dropped, 6);
	assert_int_equal(info.apic_id[ACPI_MAX_CPUS - 1], ACPI_MAX_CPUS - 1);
	fake_free(&m);
}

/* Firmware's MADT mistakes: the entries before a bad one are kept, a bad one ends the walk
 * only when its length cannot be trusted to find the next. */
static void test_madt_malformed(void **state)
{
	(void)state;
	struct fake_phys m = { 0 };
	struct acpi_madt_info info;
	struct acpi_madt_lapic l0 = { 0, 8, 0, 0, ACPI_MADT_CPU_ENABLED };
	struct acpi_madt_lapic l1 = { 0, 8, 1, 1, ACPI_MADT_CPU_ENABLED };

	/* an entry of length 0 would loop forever: the walk ends there */
	uint8_t *t = new_table(&m, 0x1000, "APIC", 44 + 8 + 2);
	put(t, 44, &l0, 8);
	t[44 + 8] = 1;
	t[44 + 9] = 0;
	assert_true(acpi_parse_madt((const void *)t, &info));
	assert_int_equal(info.cpu_count, 1); /* what came before is kept */
	assert_int_equal(info.truncated_at, 52);

	/* an entry running past the table */
	t = new_table(&m, 0x2000, "APIC", 44 + 8 + 4);
	put(t, 44, &l0, 8);
	uint8_t io[4] = { 1, 12, 0, 0 };
	put(t, 52, io, 4);
	assert_true(acpi_parse_madt((const void *)t, &info));
	assert_int_equal(info.cpu_count, 1);
	assert_int_equal(info.ioapic_count, 0);
	assert_int_equal(info.truncated_at, 52);

	/* an entry too short for its type is skipped; the next is still read */
	t = new_table(&m, 0x3000, "APIC", 44 + 6 + 8);
	uint8_t shortl[6] = { 0, 6, 0, 0, 1, 0 };
	put(t, 44, shortl, 6);
	put(t, 50, &l1, 8);
	assert_true(acpi_parse_madt((const void *)t, &info));
	assert_int_equal(info.entries_malformed, 1);
	assert_int_equal(info.cpu_count, 1);
	assert_int_equal(info.apic_id[0], 1);
	assert_int_equal(info.truncated_at, 0);

	/* entries of types Sietch does not read (x2APIC NMI 0xa, GIC 0xb, a future 0x80),
	 * longer ones too, are skipped and counted */
	t = new_table(&m, 0x8000, "APIC", 44 + 12 + 80 + 3 + 8);
	uint8_t x2nmi[12] = { 0xa, 12 }, gicc[80] = { 0xb, 80 }, future[3] = { 0x80, 3, 0xff };
	size_t off = put(t, 44, x2nmi, 12);
	off = put(t, off, gicc, 80);
	off = put(t, off, future, 3);
	put(t, off, &l0, 8);
	assert_true(acpi_parse_madt((const void *)t, &info));
	assert_int_equal(info.entries_unknown, 3);
	assert_int_equal(info.cpu_count, 1);

	/* one byte left over: the end of what is read */
	t = new_table(&m, 0x4000, "APIC", 44 + 1);
	assert_true(acpi_parse_madt((const void *)t, &info));
	assert_int_equal(info.truncated_at, 44);

	t = new_table(&m, 0x5000, "APIC", 40); /* no room for the fixed part: refused */
	assert_false(acpi_parse_madt((const void *)t, &info));
	t = new_table(&m, 0x6000, "APIX", 44);
	assert_false(acpi_parse_madt((const void *)t, &info));
	assert_false(acpi_parse_madt(NULL, &info));

	t = new_table(&m, 0x7000, "APIC", 44); /* empty is fine */
	assert_true(acpi_parse_madt((const void *)t, &info));
	assert_int_equal(info.cpu_count, 0);
	fake_free(&m);
}

/* Root tables as real firmware gets them wrong. */
static void test_root_quirks(void **state)
{
	(void)state;
	struct fake_phys m = { 0 };
	struct acpi_rsdp rsdp;
	struct acpi_root_info info;

	seal(new_table(&m, 0x3000, "APIC", 44));
	seal(new_table(&m, 0x7000, "MCFG", 44));
	uint64_t xsdt_list[] = { 0, 0x3000 }; /* a null entry first */
	uint8_t *xsdt = new_root(&m, 0x1000, "XSDT", 8, xsdt_list, 2);
	uint64_t rsdt_list[] = { 0x7000 };
	uint8_t *rsdt = new_root(&m, 0x2000, "RSDT", 4, rsdt_list, 1);
	make_rsdp(&rsdp, 2, 0x2000, 0x1000);

	assert_true(acpi_root_describe(&rsdp, fake_map, &m, &info));
	assert_true(info.xsdt);
	assert_null(info.fallback);
	assert_int_equal(info.entries, 2);
	assert_non_null(acpi_find_table(&rsdp, fake_map, &m, "APIC", 0)); /* past the null entry */

	/* the XSDT's checksum wrong, the RSDT's right: the RSDT, and why */
	xsdt[9]++;
	assert_true(acpi_root_describe(&rsdp, fake_map, &m, &info));
	assert_false(info.xsdt);
	assert_string_equal(info.fallback, "the XSDT's checksum is wrong");
	assert_false(info.checksum_bad);
	/* both wrong: the XSDT all the same, said to be wrong */
	rsdt[9]++;
	assert_true(acpi_root_describe(&rsdp, fake_map, &m, &info));
	assert_true(info.xsdt);
	assert_true(info.checksum_bad);
	assert_null(info.fallback);
	assert_non_null(acpi_find_table(&rsdp, fake_map, &m, "APIC", 0));

	/* an empty XSDT (it happens): the RSDT, with its wrong checksum */
	new_root(&m, 0x4000, "XSDT", 8, NULL, 0);
	make_rsdp(&rsdp, 2, 0x2000, 0x4000);
	assert_true(acpi_root_describe(&rsdp, fake_map, &m, &info));
	assert_false(info.xsdt);
	assert_string_equal(info.fallback, "the XSDT is missing, empty or not an XSDT");
	assert_true(info.checksum_bad);
	assert_non_null(acpi_find_table(&rsdp, fake_map, &m, "MCFG", 0));

	/* an XSDT address that points at something else */
	make_rsdp(&rsdp, 2, 0x2000, 0x3000);
	assert_true(acpi_root_describe(&rsdp, fake_map, &m, &info));
	assert_false(info.xsdt);

	/* a root of an odd length: the whole entries read, the rest counted */
	uint8_t *odd = new_table(&m, 0x5000, "XSDT", 36 + 8 + 3);
	memcpy(odd + 36, &xsdt_list[1], 8);
	seal(odd);
	make_rsdp(&rsdp, 2, 0x2000, 0x5000);
	assert_true(acpi_root_describe(&rsdp, fake_map, &m, &info));
	assert_true(info.xsdt);
	assert_int_equal(info.entries, 1);
	assert_int_equal(info.trailing_bytes, 3);
	assert_non_null(acpi_find_table(&rsdp, fake_map, &m, "APIC", 0));

	/* the RSDP's own checksum is never overlooked */
	rsdp.checksum++;
	assert_false(acpi_root_describe(&rsdp, fake_map, &m, &info));
	assert_false(acpi_root_describe(NULL, fake_map, &m, &info));
	fake_free(&m);
}

static void test_mcfg_synthetic(void **state)
{
	(void)state;
	struct fake_phys m = { 0 };
	struct acpi_mcfg_info info;
	struct acpi_mcfg_entry e0 = { 0xb0000000, 0, 0, 255, 0 };
	struct acpi_mcfg_entry e1 = { 0x4000000000ull, 1, 16, 31, 0 };

	uint8_t *t = new_table(&m, 0x1000, "MCFG", 44 + 32 + 5); /* trailing partial entry */
	put(t, 44, &e0, 16);
	put(t, 60, &e1, 16);
	assert_true(acpi_parse_mcfg((const void *)t, &info));
	assert_int_equal(info.count, 2);
	assert_int_equal(info.region[0].base, 0xb0000000);
	assert_int_equal(info.region[0].bus_end, 255);
	assert_int_equal(info.region[1].base, 0x4000000000ull);
	assert_int_equal(info.region[1].segment, 1);
	assert_int_equal(info.region[1].bus_start, 16);
	assert_int_equal(info.region[1].bus_end, 31);

	assert_int_equal(info.trailing_bytes, 5);
	assert_int_equal(info.dropped, 0);

	t = new_table(&m, 0x2000, "MCFG", 44 + 16 * (ACPI_MAX_MCFG + 2));
	assert_true(acpi_parse_mcfg((const void *)t, &info));
	assert_int_equal(info.count, ACPI_MAX_MCFG);
	assert_int_equal(info.dropped, 2);

	t = new_table(&m, 0x3000, "MCFG", 43);
	assert_false(acpi_parse_mcfg((const void *)t, &info));
	t = new_table(&m, 0x4000, "APIC", 60);
	assert_false(acpi_parse_mcfg((const void *)t, &info));
	assert_false(acpi_parse_mcfg(NULL, &info));
	fake_free(&m);
}

/* A machine with several PCI segments: only segment 0's windows stay, in their order. */
static void test_mcfg_other_segments(void **state)
{
	(void)state;
	struct fake_phys m = { 0 };
	struct acpi_mcfg_info info;
	struct acpi_mcfg_entry e[] = {
		{ 0x4000000000ull, 1, 0, 255, 0 },
		{ 0xb0000000, 0, 0, 127, 0 },
		{ 0x5000000000ull, 2, 0, 255, 0 },
		{ 0xc0000000, 0, 128, 255, 0 },
	};
	uint8_t *t = new_table(&m, 0x1000, "MCFG", 44 + sizeof(e));
	memcpy(t + 44, e, sizeof(e));
	seal(t);
	assert_true(acpi_parse_mcfg((const void *)t, &info));
	assert_int_equal(info.count, 4);
	uint16_t other = 0;
	assert_int_equal(acpi_mcfg_keep_segment0(&info, &other), 2);
	assert_int_equal(other, 1);
	assert_int_equal(info.count, 2);
	assert_int_equal(info.region[0].base, 0xb0000000);
	assert_int_equal(info.region[0].bus_end, 127);
	assert_int_equal(info.region[1].base, 0xc0000000);
	assert_int_equal(info.region[1].bus_start, 128);
	/* one segment 0 only: nothing removed */
	assert_int_equal(acpi_mcfg_keep_segment0(&info, &other), 0);
	assert_int_equal(other, 0);
	assert_int_equal(info.count, 2);
	fake_free(&m);
}

/* A FADT at 0x1000 of the given length whose DSDT (at 0x2000, through
 * X_DSDT when the FADT is long enough) holds aml after its header. */
static uint8_t *power_tables(struct fake_phys *m, size_t fadt_len, const uint8_t *aml, size_t aml_len)
{
	uint8_t *f = new_table(m, 0x1000, "FACP", fadt_len);
	uint32_t pm1a = 0x604, pm1b = 0x608, dsdt32 = 0x2000;
	uint64_t x_dsdt = 0x2000;
	memcpy(f + 40, &dsdt32, 4);
	memcpy(f + 64, &pm1a, 4);
	memcpy(f + 68, &pm1b, 4);
	if (fadt_len > 108)
		f[108] = 0x32;
	if (fadt_len >= 148)
		memcpy(f + 140, &x_dsdt, 8);
	seal(f);
	uint8_t *d = new_table(m, 0x2000, "DSDT", 36 + aml_len);
	memcpy(d + 36, aml, aml_len);
	seal(d);
	return f;
}

static void test_power_synthetic(void **state)
{
	(void)state;
	struct fake_phys m = { 0 };
	struct acpi_power_info p;
	/* Name(\_S5, Package(4){5, 0x1234, Zero, Zero}) after some noise */
	const uint8_t aml[] = { 0x10, 0x05, '_', 'S', '5', '_', 0x00,             /* a bare mention */
				0x08, 0x5c, '_', 'S', '5', '_', 0x12, 0x09, 0x04, /* NameOp \_S5_ Package */
				0x0a, 0x05, 0x0b, 0x34, 0x12, 0x00, 0x00 };

	uint8_t *f = power_tables(&m, 244, aml, sizeof(aml));
	assert_true(acpi_parse_power((const void *)f, fake_map, &m, &p));
	assert_int_equal(p.pm1a_cnt, 0x604);
	assert_int_equal(p.pm1b_cnt, 0x608);
	assert_int_equal(p.century, 0x32);
	assert_true(p.s5_found);
	assert_int_equal(p.slp_typa, 5);
	assert_int_equal(p.slp_typb, 0x1234);
	fake_free(&m);

	/* an ACPI 1.0 FADT (116 bytes): 32-bit DSDT, no X_ fields */
	const uint8_t aml_one[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x02, 0x01, 0x00 };
	f = power_tables(&m, 116, aml_one, sizeof(aml_one));
	assert_true(acpi_parse_power((const void *)f, fake_map, &m, &p));
	assert_true(p.s5_found);
	assert_int_equal(p.slp_typa, 1);
	assert_int_equal(p.slp_typb, 0);
	assert_int_equal(p.century, 0x32);
	fake_free(&m);
}

static void test_power_pm1_from_gas(void **state)
{
	(void)state;
	struct fake_phys m = { 0 };
	struct acpi_power_info p;
	const uint8_t aml[] = { 0x00 };

	uint8_t *f = power_tables(&m, 244, aml, sizeof(aml));
	memset(f + 64, 0, 8); /* no 32-bit ports */
	struct acpi_gas gas = { ACPI_GAS_SYSTEM_IO, 16, 0, 2, 0x1804 };
	memcpy(f + 172, &gas, sizeof(gas));
	seal(f);
	assert_true(acpi_parse_power((const void *)f, fake_map, &m, &p));
	assert_int_equal(p.pm1a_cnt, 0x1804);
	assert_int_equal(p.pm1b_cnt, 0);
	assert_false(p.s5_found);
	fake_free(&m);
}

/* Each case: AML after the DSDT header, and what \_S5_ decoding must give. */
static void test_s5_malformed(void **state)
{
	(void)state;
	static const struct {
		uint8_t aml[16];
		size_t len;
		bool found;
	} cases[] = {
		{ { 0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x0a }, 9, false },  /* cut in a BytePrefix */
		{ { 0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x00 }, 9, false },  /* one element only */
		{ { 0x08, '_', 'S', '5', '_', 0x12, 0x06 }, 7, false },              /* cut in the header */
		{ { 0x08, '_', 'S', '5', '_', 0x12, 0x46, 0x00 }, 8, false },        /* 2-byte PkgLength cut */
		{ { 0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x01, 0x00, 0x00 }, 10, false }, /* 1 element */
		{ { 0x08, '_', 'S', '5', '_', 0x14, 0x06, 0x04, 0x00, 0x00 }, 10, false }, /* MethodOp */
		{ { 0x09, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x00, 0x00 }, 10, false }, /* not NameOp */
		{ { 0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x0d, 0x00 }, 10, false }, /* a string */
		{ { 0x08, '_', 'S', '5', '_' }, 5, false },
		{ { '_', 'S', '5' }, 3, false },
		{ { 0x08, '_', 'S', '5', '_', 0x12, 0x47, 0x00, 0x04, 0x0c, 7, 0, 0, 0, 0x01 }, 15, true },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fake_phys m = { 0 };
		struct acpi_power_info p;
		uint8_t *f = power_tables(&m, 244, cases[i].aml, cases[i].len);
		assert_true(acpi_parse_power((const void *)f, fake_map, &m, &p));
		assert_int_equal(p.s5_found, cases[i].found);
		if (cases[i].found) {
			assert_int_equal(p.slp_typa, 7);
			assert_int_equal(p.slp_typb, 1);
		}
		fake_free(&m);
	}
}

static void test_power_bad_tables(void **state)
{
	(void)state;
	struct fake_phys m = { 0 };
	struct acpi_power_info p;
	const uint8_t aml[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x02, 0x01, 0x01 };

	uint8_t *f = power_tables(&m, 244, aml, sizeof(aml));
	uint8_t *d = (uint8_t *)fake_map(&m, 0x2000, 36);
	d[40]++; /* DSDT checksum wrong: the FADT part still works */
	assert_true(acpi_parse_power((const void *)f, fake_map, &m, &p));
	assert_int_equal(p.pm1a_cnt, 0x604);
	assert_false(p.s5_found);
	fake_free(&m);

	f = new_table(&m, 0x1000, "FACP", 70); /* too short for PM1b_CNT_BLK */
	assert_false(acpi_parse_power((const void *)f, fake_map, &m, &p));
	f = new_table(&m, 0x2000, "APIC", 244);
	assert_false(acpi_parse_power((const void *)f, fake_map, &m, &p));
	assert_false(acpi_parse_power(NULL, fake_map, &m, &p));
	fake_free(&m);
}

/* The recorded q35 tables, mapped at their real physical addresses. */
static void q35_memory(struct fake_phys *m)
{
	m->n = 0;
	for (size_t i = 0; i < sizeof(q35_tables) / sizeof(q35_tables[0]); i++)
		add_region(m, q35_tables[i].phys, q35_tables[i].bytes, q35_tables[i].len, false);
}

static void test_q35_find(void **state)
{
	(void)state;
	struct fake_phys m;
	q35_memory(&m);
	const void *rsdp = fake_map(&m, Q35_RSDP_PHYS, ACPI_RSDP_V1_LEN);

	assert_ptr_equal(acpi_find_table(rsdp, fake_map, &m, "APIC", 0), q35_apic);
	assert_ptr_equal(acpi_find_table(rsdp, fake_map, &m, "MCFG", 0), q35_mcfg);
	assert_ptr_equal(acpi_find_table(rsdp, fake_map, &m, "FACP", 0), q35_facp);
	assert_ptr_equal(acpi_find_table(rsdp, fake_map, &m, "HPET", 0), q35_hpet);
	assert_ptr_equal(acpi_find_table(rsdp, fake_map, &m, "WAET", 0), q35_waet);
	assert_ptr_equal(acpi_find_table(rsdp, fake_map, &m, "DSDT", 0), q35_dsdt);
	assert_null(acpi_find_table(rsdp, fake_map, &m, "DSDT", 1));
	assert_null(acpi_find_table(rsdp, fake_map, &m, "APIC", 1));
	assert_null(acpi_find_table(rsdp, fake_map, &m, "SSDT", 0));
	for (size_t i = 1; i < sizeof(q35_tables) / sizeof(q35_tables[0]); i++)
		assert_true(acpi_checksum_ok(q35_tables[i].bytes, q35_tables[i].len));
}

static void test_q35_madt(void **state)
{
	(void)state;
	struct fake_phys m;
	struct acpi_madt_info info;
	q35_memory(&m);
	const void *rsdp = fake_map(&m, Q35_RSDP_PHYS, ACPI_RSDP_V1_LEN);

	assert_true(acpi_parse_madt(acpi_find_table(rsdp, fake_map, &m, "APIC", 0), &info));
	assert_int_equal(info.lapic_phys, 0xfee00000);
	assert_int_equal(info.flags, ACPI_MADT_PCAT_COMPAT);
	assert_int_equal(info.cpu_count, 2);
	assert_int_equal(info.apic_id[0], 0);
	assert_int_equal(info.apic_id[1], 1);
	assert_int_equal(info.ioapic_count, 1);
	assert_int_equal(info.ioapic[0].id, 0);
	assert_int_equal(info.ioapic[0].phys, 0xfec00000);
	assert_int_equal(info.ioapic[0].gsi_base, 0);
	/* the PIT's IRQ 0 arrives on GSI 2; the PCI links are level, active high */
	assert_int_equal(info.override_count, 5);
	assert_int_equal(info.override[0].irq, 0);
	assert_int_equal(info.override[0].gsi, 2);
	for (int i = 1; i < 5; i++) {
		assert_int_equal(info.override[i].gsi, info.override[i].irq);
		assert_int_equal(info.override[i].flags, ACPI_INTI_ACTIVE_HIGH | ACPI_INTI_LEVEL);
	}
	assert_int_equal(info.nmi_count, 1);
	assert_int_equal(info.nmi[0].processor_uid, 0xff);
	assert_int_equal(info.nmi[0].lint, 1);

	assert_true(acpi_checksum_ok(q35_smp4_apic, sizeof(q35_smp4_apic)));
	assert_true(acpi_parse_madt((const void *)q35_smp4_apic, &info));
	assert_int_equal(info.cpu_count, 4);
	for (uint32_t i = 0; i < 4; i++)
		assert_int_equal(info.apic_id[i], i);
	assert_int_equal(info.ioapic_count, 1);
}

static void test_q35_mcfg(void **state)
{
	(void)state;
	struct fake_phys m;
	struct acpi_mcfg_info info;
	q35_memory(&m);
	const void *rsdp = fake_map(&m, Q35_RSDP_PHYS, ACPI_RSDP_V1_LEN);

	assert_true(acpi_parse_mcfg(acpi_find_table(rsdp, fake_map, &m, "MCFG", 0), &info));
	assert_int_equal(info.count, 1);
	assert_int_equal(info.region[0].base, 0xb0000000);
	assert_int_equal(info.region[0].segment, 0);
	assert_int_equal(info.region[0].bus_start, 0);
	assert_int_equal(info.region[0].bus_end, 255);
}

static void test_q35_power(void **state)
{
	(void)state;
	struct fake_phys m;
	struct acpi_power_info p;
	q35_memory(&m);
	const void *rsdp = fake_map(&m, Q35_RSDP_PHYS, ACPI_RSDP_V1_LEN);

	assert_true(acpi_parse_power(acpi_find_table(rsdp, fake_map, &m, "FACP", 0), fake_map, &m, &p));
	assert_int_equal(p.pm1a_cnt, 0x604);
	assert_int_equal(p.pm1b_cnt, 0);
	assert_true(p.s5_found);
	/* QEMU declares Name(_S5, Package(4){0, 0, 0, 0}) */
	assert_int_equal(p.slp_typa, 0);
	assert_int_equal(p.slp_typb, 0);
	assert_int_equal(p.century, 0x32);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_checksum),
		cmocka_unit_test(test_find_via_xsdt),
		cmocka_unit_test(test_rsdt_used),
		cmocka_unit_test(test_bad_rsdp_and_roots),
		cmocka_unit_test(test_madt_synthetic),
		cmocka_unit_test(test_madt_many_cpus),
		cmocka_unit_test(test_madt_malformed),
		cmocka_unit_test(test_root_quirks),
		cmocka_unit_test(test_mcfg_other_segments),
		cmocka_unit_test(test_mcfg_synthetic),
		cmocka_unit_test(test_power_synthetic),
		cmocka_unit_test(test_power_pm1_from_gas),
		cmocka_unit_test(test_s5_malformed),
		cmocka_unit_test(test_power_bad_tables),
		cmocka_unit_test(test_q35_find),
		cmocka_unit_test(test_q35_madt),
		cmocka_unit_test(test_q35_mcfg),
		cmocka_unit_test(test_q35_power),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
