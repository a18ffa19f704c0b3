/*
 * The ACPI DMA Remapping table ("DMAR", Intel VT-d spec rev 4.1 §8): which
 * remapping units (DRHD) exist, which PCI devices each translates (device
 * scopes), and which memory ranges firmware-owned devices keep using (RMRR).
 *
 * Freestanding: the caller hands in the table's bytes, and a callback that
 * reads a bridge's secondary and subordinate bus numbers when a scope's path
 * has to be followed through bridges (§8.3.1.1), so host tests replay a
 * recorded or constructed table.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/common/acpi.h"

/* §8.1: the DMAR header after the common ACPI header. */
struct acpi_dmar {
	struct acpi_sdt_header header;
	uint8_t host_address_width; /* the machine's physical address width minus 1 */
	uint8_t flags;
	uint8_t reserved[10];
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_dmar) == 48, "VT-d §8.1");
#define DMAR_FLAG_INTR_REMAP (1u << 0)
#define DMAR_FLAG_X2APIC_OPT_OUT (1u << 1)

/* §8.2: every remapping structure starts with its type and length. */
struct dmar_struct_header {
	uint16_t type;
	uint16_t length;
} __attribute__((packed));
#define DMAR_TYPE_DRHD 0
#define DMAR_TYPE_RMRR 1

/* §8.3: DMA Remapping Hardware Unit Definition; device scopes follow. */
struct dmar_drhd {
	uint16_t type, length;
	uint8_t flags;
	uint8_t size; /* register set: 2^size 4 KiB pages (rev 3 and later; 0 before) */
	uint16_t segment;
	uint64_t register_base;
} __attribute__((packed));
_Static_assert(sizeof(struct dmar_drhd) == 16, "VT-d §8.3");
#define DMAR_DRHD_INCLUDE_PCI_ALL (1u << 0)

/* §8.4: Reserved Memory Region Reporting; device scopes follow. */
struct dmar_rmrr {
	uint16_t type, length;
	uint16_t reserved;
	uint16_t segment;
	uint64_t base;	/* 4 KiB aligned */
	uint64_t limit; /* last byte, inclusive */
} __attribute__((packed));
_Static_assert(sizeof(struct dmar_rmrr) == 24, "VT-d §8.4");

/* §8.3.1: Device Scope; (device, function) path pairs follow. */
struct dmar_scope_header {
	uint8_t type;
	uint8_t length;
	uint8_t flags;
	uint8_t reserved;
	uint8_t enumeration_id;
	uint8_t start_bus;
} __attribute__((packed));
_Static_assert(sizeof(struct dmar_scope_header) == 6, "VT-d §8.3.1");
#define DMAR_SCOPE_ENDPOINT 1 /* a PCI endpoint */
#define DMAR_SCOPE_BRIDGE 2   /* a PCI-PCI bridge or root port and everything behind it */
#define DMAR_SCOPE_IOAPIC 3
#define DMAR_SCOPE_HPET 4
#define DMAR_SCOPE_ACPI_DEVICE 5

#define DMAR_MAX_UNITS 8
#define DMAR_MAX_RMRR 8
#define DMAR_MAX_SCOPES 128
#define DMAR_MAX_PATH 8 /* bridges deep */

struct dmar_scope {
	uint8_t type, enumeration_id, start_bus;
	uint8_t path_len;
	uint8_t path[DMAR_MAX_PATH]; /* devfn at each step: device << 3 | function */
};

/* A span of info->scope. */
struct dmar_scope_list {
	uint16_t first, count;
};

struct dmar_info {
	uint8_t host_address_width; /* bits, not minus 1 */
	uint8_t flags;
	uint32_t unit_count;
	struct {
		uint64_t base;
		uint16_t segment;
		uint8_t flags;
		uint32_t register_pages;
		struct dmar_scope_list scopes;
	} unit[DMAR_MAX_UNITS];
	uint32_t rmrr_count;
	struct {
		uint64_t base, limit;
		uint16_t segment;
		struct dmar_scope_list scopes;
	} rmrr[DMAR_MAX_RMRR];
	uint32_t scope_count;
	struct dmar_scope scope[DMAR_MAX_SCOPES];
	uint32_t skipped; /* structures of other types (ATSR, RHSA, ANDD, SATC, SIDP) */
};

/* False if dmar is not a well-formed "DMAR" table (length, a structure or scope overrunning its parent, too many entries). */
bool dmar_parse(const struct acpi_sdt_header *dmar, struct dmar_info *out);

/*
 * Reads the bridge at (bus, devfn) of the segment: its secondary and
 * subordinate bus. False if there is no bridge there.
 */
typedef bool (*dmar_bridge_fn)(void *ctx, uint16_t segment, uint8_t bus, uint8_t devfn, uint8_t *secondary,
			       uint8_t *subordinate);

/*
 * Where a scope's path ends (§8.3.1.1: each step but the last is a bridge
 * whose secondary bus the next step is on): *bus and *devfn of the device.
 * False if a bridge on the way is missing.
 */
bool dmar_scope_resolve(const struct dmar_scope *scope, uint16_t segment, dmar_bridge_fn bridge, void *ctx,
			uint8_t *bus, uint8_t *devfn);

/*
 * Whether the PCI requester ID rid (bus << 8 | devfn) of segment is in the
 * list: an endpoint scope names exactly one function, a bridge scope the
 * bridge and every bus from its secondary to its subordinate.
 */
bool dmar_scopes_cover(const struct dmar_info *info, struct dmar_scope_list list, uint16_t segment, uint16_t rid,
		       dmar_bridge_fn bridge, void *ctx);

/*
 * The index of the unit that translates rid: one whose scopes name it, else
 * the segment's INCLUDE_PCI_ALL unit (§8.3: firmware lists that one last).
 * -1 when none does (the device's DMA is not remapped).
 */
int dmar_unit_for(const struct dmar_info *info, uint16_t segment, uint16_t rid, dmar_bridge_fn bridge, void *ctx);
