/*
 * Building the guest's ACPI tables (ACPI 6.4 §5.2); see acpi_tables.h.
 * Layout in the buffer, each 16-aligned: RSDP, XSDT, FADT, MADT, DSDT.
 */
#include "user/vmm/acpi_tables.h"

#include <string.h>

#include "lib/common/acpi.h"

#define TABLE_ALIGN 16
#define OEM_ID "SIETCH"
#define OEM_TABLE_ID "SIETCHVM"
#define CREATOR_ID 0x48435453 /* "STCH" */

/* AML (§20.2): Name(\_S5_, Package(){typ, typ}) with BytePrefix values. */
#define AML_NAME_OP 0x08
#define AML_PACKAGE_OP 0x12
#define AML_BYTE_PREFIX 0x0a

/* The MADT's flags and entry flags (§5.2.12, §5.2.12.2). */
#define MADT_ENTRY_LAPIC_LEN 8
#define MADT_ENTRY_IOAPIC_LEN 12
#define FADT_REVISION 6 /* the 276-byte FADT of ACPI 6.x */
#define PM1_CNT_LEN 2   /* bytes of the PM1 control register (§4.8.3.2.1) */

static size_t table_align(size_t v) { return (v + TABLE_ALIGN - 1) & ~(size_t)(TABLE_ALIGN - 1); }

static uint8_t table_checksum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;
	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + b[i]);
	return (uint8_t)-sum;
}

static void header_fill(struct acpi_sdt_header *h, const char sig[4], uint32_t length, uint8_t revision)
{
	memcpy(h->signature, sig, 4);
	h->length = length;
	h->revision = revision;
	memcpy(h->oem_id, OEM_ID, sizeof(h->oem_id));
	memcpy(h->oem_table_id, OEM_TABLE_ID, sizeof(h->oem_table_id));
	h->oem_revision = 1;
	h->creator_id = CREATOR_ID;
	h->creator_revision = 1;
}

/* Sets the checksum last, when every byte is in place (§5.2.6). */
static void header_seal(struct acpi_sdt_header *h)
{
	h->checksum = 0;
	h->checksum = table_checksum(h, h->length);
}

static size_t dsdt_build(uint8_t *p, const struct acpi_tables_config *cfg)
{
	const uint8_t aml[] = {
		AML_NAME_OP, '\\', '_', 'S', '5', '_',
		AML_PACKAGE_OP, 6 /* PkgLength: itself and the 5 bytes after it */, 2 /* NumElements */,
		AML_BYTE_PREFIX, cfg->s5_slp_typ, AML_BYTE_PREFIX, cfg->s5_slp_typ,
	};
	struct acpi_sdt_header *h = (void *)p;
	memcpy(p + sizeof(*h), aml, sizeof(aml));
	header_fill(h, "DSDT", (uint32_t)(sizeof(*h) + sizeof(aml)), 2);
	header_seal(h);
	return h->length;
}

static size_t fadt_build(uint8_t *p, const struct acpi_tables_config *cfg, uint64_t dsdt_phys)
{
	struct acpi_fadt *f = (void *)p;
	header_fill(&f->header, "FACP", sizeof(*f), FADT_REVISION);
	f->dsdt = (uint32_t)dsdt_phys;
	f->x_dsdt = dsdt_phys;
	f->pm1a_cnt_blk = cfg->pm1a_cnt;
	f->pm1_cnt_len = PM1_CNT_LEN;
	f->x_pm1a_cnt_blk = (struct acpi_gas){ ACPI_GAS_SYSTEM_IO, PM1_CNT_LEN * 8, 0, 2, cfg->pm1a_cnt };
	f->century = cfg->century;
	f->fadt_minor_version = 4;
	header_seal(&f->header);
	return sizeof(*f);
}

static size_t madt_build(uint8_t *p, const struct acpi_tables_config *cfg)
{
	struct acpi_madt *m = (void *)p;
	size_t off = sizeof(*m);
	for (uint32_t i = 0; i < cfg->cpus; i++) {
		struct acpi_madt_lapic e = { ACPI_MADT_LAPIC, MADT_ENTRY_LAPIC_LEN, (uint8_t)i, (uint8_t)i,
					     ACPI_MADT_CPU_ENABLED };
		memcpy(p + off, &e, sizeof(e));
		off += sizeof(e);
	}
	struct acpi_madt_ioapic io = { ACPI_MADT_IOAPIC, MADT_ENTRY_IOAPIC_LEN, cfg->ioapic_id, 0, cfg->ioapic_phys, 0 };
	memcpy(p + off, &io, sizeof(io));
	off += sizeof(io);
	header_fill(&m->header, "APIC", (uint32_t)off, 5);
	m->lapic_address = cfg->lapic_phys;
	m->flags = ACPI_MADT_PCAT_COMPAT; /* the 8259s are there (masked): the guest must mask them */
	header_seal(&m->header);
	return off;
}

static size_t xsdt_build(uint8_t *p, const uint64_t *tables, size_t count)
{
	struct acpi_sdt_header *h = (void *)p;
	/* entries sit at offset 36, not 8-aligned: copy them in */
	memcpy(p + sizeof(*h), tables, count * sizeof(uint64_t));
	header_fill(h, "XSDT", (uint32_t)(sizeof(*h) + count * sizeof(uint64_t)), 1);
	header_seal(h);
	return h->length;
}

static void rsdp_build(uint8_t *p, uint64_t xsdt_phys)
{
	struct acpi_rsdp *r = (void *)p;
	memcpy(r->signature, "RSD PTR ", sizeof(r->signature));
	memcpy(r->oem_id, OEM_ID, sizeof(r->oem_id));
	r->revision = 2;
	r->rsdt_address = 0; /* XSDT only: every table is reached through it */
	r->length = ACPI_RSDP_V2_LEN;
	r->xsdt_address = xsdt_phys;
	r->checksum = table_checksum(r, ACPI_RSDP_V1_LEN);
	r->extended_checksum = 0;
	r->extended_checksum = table_checksum(r, ACPI_RSDP_V2_LEN);
}

/* The bytes the tables need for cfg: each table at its largest, aligned. */
static size_t tables_size(const struct acpi_tables_config *cfg)
{
	return table_align(sizeof(struct acpi_rsdp)) + table_align(sizeof(struct acpi_sdt_header) + 2 * 8) +
	       table_align(sizeof(struct acpi_fadt)) +
	       table_align(sizeof(struct acpi_madt) + cfg->cpus * MADT_ENTRY_LAPIC_LEN + MADT_ENTRY_IOAPIC_LEN) +
	       table_align(sizeof(struct acpi_sdt_header) + 16);
}

size_t acpi_tables_build(void *buf, size_t room, uint64_t base, const struct acpi_tables_config *cfg,
			 size_t *rsdp_offset)
{
	uint8_t *p = buf;
	if (cfg->cpus == 0 || cfg->cpus > 255 || tables_size(cfg) > room || (base & (TABLE_ALIGN - 1)))
		return 0;
	memset(buf, 0, tables_size(cfg));
	size_t rsdp = 0, xsdt = table_align(rsdp + sizeof(struct acpi_rsdp));
	size_t fadt = table_align(xsdt + sizeof(struct acpi_sdt_header) + 2 * 8);
	size_t madt = table_align(fadt + sizeof(struct acpi_fadt));
	size_t dsdt = table_align(madt + madt_build(p + madt, cfg));
	size_t end = dsdt + dsdt_build(p + dsdt, cfg);
	fadt_build(p + fadt, cfg, base + dsdt);
	uint64_t listed[2] = { base + fadt, base + madt };
	xsdt_build(p + xsdt, listed, 2);
	rsdp_build(p + rsdp, base + xsdt);
	*rsdp_offset = rsdp;
	return end;
}
