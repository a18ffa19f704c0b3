/*
 * The ACPI tables a guest reads (ACPI 6.4 §5.2): RSDP, XSDT, FADT, DSDT and
 * MADT, written into a buffer that the VMM then places at a guest-physical
 * address. Only what Sietch's own kernel parses (lib/common/acpi.c) and what
 * an OS needs to find the CPUs, the interrupt controllers and the power-off
 * port; no MCFG, so the guest uses no PCI Express configuration space.
 * Freestanding: host-tested against the guest kernel's own parser.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct acpi_tables_config {
	uint32_t cpus;        /* local APIC entries, APIC IDs 0..cpus-1 */
	uint32_t lapic_phys;  /* the local APIC's guest-physical base */
	uint32_t ioapic_phys; /* the one I/O APIC, GSI base 0 */
	uint8_t ioapic_id;
	uint16_t pm1a_cnt;    /* PM1a control port (I/O space) */
	uint8_t s5_slp_typ;   /* SLP_TYP value for soft-off, in \_S5_ */
	uint8_t century;      /* CMOS index of the century, 0 for none */
};

/* Writes the tables into buf, which the guest will see at guest-physical
 * base. Returns the bytes used, or 0 if room is too small (or cpus is 0 or
 * above 255). *rsdp_offset: where the RSDP starts in buf (16-aligned, as
 * ACPI §5.2.5.1 wants it). */
size_t acpi_tables_build(void *buf, size_t room, uint64_t base, const struct acpi_tables_config *cfg,
			 size_t *rsdp_offset);
