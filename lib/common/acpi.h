/*
 * Reading the ACPI tables the kernel needs (ACPI 6.4 §5.2): finding tables
 * from the RSDP, and decoding the MADT (CPUs, I/O APICs, interrupt source
 * overrides), the MCFG (PCI Express ECAM windows) and the FADT plus the
 * DSDT's \_S5_ object (soft-off).
 *
 * Physical memory is reached through a map callback, so the kernel passes
 * its direct map and host tests pass recorded tables. Every length is
 * checked before it is used.
 *
 * Real firmware gets things wrong that QEMU's does not, and Sietch boots
 * anyway where it safely can, saying what it tolerated: a table whose
 * checksum is wrong is used (acpi_table_checksum_ok tells the caller, which
 * logs it); an XSDT that is missing, empty or has a wrong checksum gives way
 * to the RSDT (acpi_root_describe says why); MADT entries of unknown types or
 * too short for their type are skipped and counted, and a MADT whose entries
 * run past its end is read up to there; bytes after the last whole entry of a
 * root table or the MCFG are ignored and counted. The RSDP itself must be
 * right: it is how everything else is found.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Returns a pointer to len readable bytes at phys, or NULL if it cannot. */
typedef const void *(*acpi_map_fn)(void *ctx, uint64_t phys, size_t len);

/* §5.2.5.3. 20 bytes in ACPI 1.0 (revision 0), 36 from 2.0. */
struct acpi_rsdp {
	char signature[8]; /* "RSD PTR " */
	uint8_t checksum;  /* bytes 0..19 sum to 0 */
	char oem_id[6];
	uint8_t revision;  /* 0 for ACPI 1.0, 2 from ACPI 2.0 */
	uint32_t rsdt_address;
	uint32_t length;   /* of the whole RSDP, from revision 2 */
	uint64_t xsdt_address;
	uint8_t extended_checksum; /* all `length` bytes sum to 0 */
	uint8_t reserved[3];
} __attribute__((packed));

#define ACPI_RSDP_V1_LEN 20
#define ACPI_RSDP_V2_LEN 36
_Static_assert(offsetof(struct acpi_rsdp, rsdt_address) == 16, "ACPI §5.2.5.3");
_Static_assert(offsetof(struct acpi_rsdp, length) == ACPI_RSDP_V1_LEN, "ACPI §5.2.5.3");
_Static_assert(offsetof(struct acpi_rsdp, xsdt_address) == 24, "ACPI §5.2.5.3");
_Static_assert(sizeof(struct acpi_rsdp) == ACPI_RSDP_V2_LEN, "ACPI §5.2.5.3");

/* §5.2.6: the header of every system description table. */
struct acpi_sdt_header {
	char signature[4];
	uint32_t length; /* of the whole table, header included */
	uint8_t revision;
	uint8_t checksum; /* all `length` bytes sum to 0 */
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	uint32_t creator_id;
	uint32_t creator_revision;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_sdt_header) == 36, "ACPI §5.2.6");

/* §5.2.3.2: Generic Address Structure. */
struct acpi_gas {
	uint8_t space_id; /* 0 system memory, 1 system I/O */
	uint8_t bit_width;
	uint8_t bit_offset;
	uint8_t access_size;
	uint64_t address;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_gas) == 12, "ACPI §5.2.3.2");
#define ACPI_GAS_SYSTEM_IO 1

/* §5.2.9: the Fixed ACPI Description Table ("FACP"). Older
 * firmware gives shorter tables; check header.length before each field. */
struct acpi_fadt {
	struct acpi_sdt_header header;
	uint32_t firmware_ctrl;
	uint32_t dsdt;
	uint8_t reserved0;
	uint8_t preferred_pm_profile;
	uint16_t sci_int;
	uint32_t smi_cmd;
	uint8_t acpi_enable;
	uint8_t acpi_disable;
	uint8_t s4bios_req;
	uint8_t pstate_cnt;
	uint32_t pm1a_evt_blk;
	uint32_t pm1b_evt_blk;
	uint32_t pm1a_cnt_blk;
	uint32_t pm1b_cnt_blk;
	uint32_t pm2_cnt_blk;
	uint32_t pm_tmr_blk;
	uint32_t gpe0_blk;
	uint32_t gpe1_blk;
	uint8_t pm1_evt_len;
	uint8_t pm1_cnt_len;
	uint8_t pm2_cnt_len;
	uint8_t pm_tmr_len;
	uint8_t gpe0_blk_len;
	uint8_t gpe1_blk_len;
	uint8_t gpe1_base;
	uint8_t cst_cnt;
	uint16_t p_lvl2_lat;
	uint16_t p_lvl3_lat;
	uint16_t flush_size;
	uint16_t flush_stride;
	uint8_t duty_offset;
	uint8_t duty_width;
	uint8_t day_alrm;
	uint8_t mon_alrm;
	uint8_t century; /* CMOS RTC index of the century, 0 if none */
	uint16_t iapc_boot_arch;
	uint8_t reserved1;
	uint32_t flags;
	struct acpi_gas reset_reg;
	uint8_t reset_value;
	uint16_t arm_boot_arch;
	uint8_t fadt_minor_version;
	uint64_t x_firmware_ctrl;
	uint64_t x_dsdt;
	struct acpi_gas x_pm1a_evt_blk;
	struct acpi_gas x_pm1b_evt_blk;
	struct acpi_gas x_pm1a_cnt_blk;
	struct acpi_gas x_pm1b_cnt_blk;
	struct acpi_gas x_pm2_cnt_blk;
	struct acpi_gas x_pm_tmr_blk;
	struct acpi_gas x_gpe0_blk;
	struct acpi_gas x_gpe1_blk;
	struct acpi_gas sleep_control_reg;
	struct acpi_gas sleep_status_reg;
	uint64_t hypervisor_vendor_id;
} __attribute__((packed));
_Static_assert(offsetof(struct acpi_fadt, dsdt) == 40, "ACPI §5.2.9");
_Static_assert(offsetof(struct acpi_fadt, pm1a_cnt_blk) == 64, "ACPI §5.2.9");
_Static_assert(offsetof(struct acpi_fadt, pm1b_cnt_blk) == 68, "ACPI §5.2.9");
_Static_assert(offsetof(struct acpi_fadt, century) == 108, "ACPI §5.2.9");
_Static_assert(offsetof(struct acpi_fadt, iapc_boot_arch) == 109, "ACPI §5.2.9");
_Static_assert(offsetof(struct acpi_fadt, flags) == 112, "ACPI §5.2.9");
_Static_assert(offsetof(struct acpi_fadt, reset_reg) == 116, "ACPI §5.2.9");
_Static_assert(offsetof(struct acpi_fadt, x_dsdt) == 140, "ACPI §5.2.9");
_Static_assert(offsetof(struct acpi_fadt, x_pm1a_cnt_blk) == 172, "ACPI §5.2.9");
_Static_assert(offsetof(struct acpi_fadt, x_pm1b_cnt_blk) == 184, "ACPI §5.2.9");
_Static_assert(offsetof(struct acpi_fadt, sleep_control_reg) == 244, "ACPI §5.2.9");
_Static_assert(sizeof(struct acpi_fadt) == 276, "ACPI §5.2.9");

/* FADT flags (§5.2.9) and IA-PC boot architecture flags (§5.2.9.3). */
#define ACPI_FADT_RESET_REG_SUP (1u << 10)
#define ACPI_FADT_HW_REDUCED_ACPI (1u << 20)
#define ACPI_BOOT_ARCH_8042 (1u << 1)

/* PM1 control register fields (§4.8.3.2.1). */
#define ACPI_PM1_SLP_TYP_SHIFT 10
#define ACPI_PM1_SLP_EN (1u << 13)

/* §5.2.12: the Multiple APIC Description Table ("APIC"). */
struct acpi_madt {
	struct acpi_sdt_header header;
	uint32_t lapic_address; /* 32-bit local APIC base for every CPU */
	uint32_t flags;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt) == 44, "ACPI §5.2.12");
#define ACPI_MADT_PCAT_COMPAT (1u << 0) /* dual 8259s present: mask them */

struct acpi_madt_entry {
	uint8_t type;
	uint8_t length;
} __attribute__((packed));

/* MADT entry types (§5.2.12). */
#define ACPI_MADT_LAPIC 0
#define ACPI_MADT_IOAPIC 1
#define ACPI_MADT_ISO 2
#define ACPI_MADT_LAPIC_NMI 4
#define ACPI_MADT_LAPIC_OVERRIDE 5
#define ACPI_MADT_X2APIC 9

/* Local APIC flags (§5.2.12.2); bit 1 is new in ACPI 6.3. */
#define ACPI_MADT_CPU_ENABLED (1u << 0)
#define ACPI_MADT_CPU_ONLINE_CAPABLE (1u << 1)

struct acpi_madt_lapic { /* §5.2.12.2 */
	uint8_t type, length;
	uint8_t processor_uid;
	uint8_t apic_id;
	uint32_t flags;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_lapic) == 8, "ACPI §5.2.12.2");

struct acpi_madt_ioapic { /* §5.2.12.3 */
	uint8_t type, length;
	uint8_t ioapic_id;
	uint8_t reserved;
	uint32_t address;
	uint32_t gsi_base;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_ioapic) == 12, "ACPI §5.2.12.3");

struct acpi_madt_iso { /* §5.2.12.5 */
	uint8_t type, length;
	uint8_t bus; /* 0: ISA */
	uint8_t source; /* the ISA IRQ */
	uint32_t gsi;
	uint16_t flags; /* MPS INTI flags */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_iso) == 10, "ACPI §5.2.12.5");

/* MPS INTI flags (§5.2.12.5): polarity bits 1:0, trigger mode bits 3:2. */
#define ACPI_INTI_POLARITY_MASK 0x3u
#define ACPI_INTI_ACTIVE_HIGH 0x1u
#define ACPI_INTI_ACTIVE_LOW 0x3u
#define ACPI_INTI_TRIGGER_MASK 0xcu
#define ACPI_INTI_EDGE 0x4u
#define ACPI_INTI_LEVEL 0xcu

struct acpi_madt_lapic_nmi { /* §5.2.12.7 */
	uint8_t type, length;
	uint8_t processor_uid; /* 0xff: all processors */
	uint16_t flags;
	uint8_t lint; /* LINT0 or LINT1 */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_lapic_nmi) == 6, "ACPI §5.2.12.7");

struct acpi_madt_lapic_override { /* §5.2.12.8 */
	uint8_t type, length;
	uint16_t reserved;
	uint64_t address;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_lapic_override) == 12, "ACPI §5.2.12.8");

struct acpi_madt_x2apic { /* §5.2.12.12 */
	uint8_t type, length;
	uint16_t reserved;
	uint32_t x2apic_id;
	uint32_t flags; /* as for the local APIC */
	uint32_t processor_uid;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_x2apic) == 16, "ACPI §5.2.12.12");

/* PCI Firmware spec 3.2 §4.1.2: "MCFG". */
struct acpi_mcfg {
	struct acpi_sdt_header header;
	uint8_t reserved[8];
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_mcfg) == 44, "PCI FW 3.2 §4.1.2");

struct acpi_mcfg_entry {
	uint64_t base; /* ECAM base for bus 0 of the segment */
	uint16_t segment;
	uint8_t bus_start;
	uint8_t bus_end;
	uint32_t reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_mcfg_entry) == 16, "PCI FW 3.2 §4.1.2");

bool acpi_checksum_ok(const void *p, size_t len);
/* Whether a table's own `length` bytes sum to 0. */
bool acpi_table_checksum_ok(const struct acpi_sdt_header *table);

/* Which root table acpi_find_table reads, and what was odd about it, for the boot log. */
struct acpi_root_info {
	bool xsdt;		 /* the XSDT, else the RSDT */
	bool checksum_bad;	 /* used all the same */
	const char *fallback;	 /* why the RSDP's XSDT was not used; NULL if it was, or there is none */
	uint32_t entries;	 /* tables listed */
	uint32_t entry_size;	 /* 8 or 4 */
	uint32_t trailing_bytes; /* after the last whole entry: ignored */
};

/* False when no root table can be read (the RSDP is wrong, or neither root is there). */
bool acpi_root_describe(const void *rsdp, acpi_map_fn map, void *ctx, struct acpi_root_info *out);

/* The index-th table with signature sig listed in the root table
 * (acpi_root_describe: the XSDT, or the RSDT), whatever its checksum says.
 * rsdp points at a readable RSDP (20 bytes, or 36 when its revision is >= 2);
 * its checksum is verified. "DSDT", which neither lists, is followed from the
 * FADT. NULL if not found. */
const struct acpi_sdt_header *acpi_find_table(const void *rsdp, acpi_map_fn map, void *ctx,
					      const char sig[4], int index);

#define ACPI_MAX_CPUS 64
#define ACPI_MAX_IOAPICS 8
#define ACPI_MAX_OVERRIDES 16
#define ACPI_MAX_NMIS 8

struct acpi_madt_info {
	uint64_t lapic_phys;
	uint32_t cpu_count;
	uint32_t apic_id[ACPI_MAX_CPUS]; /* in MADT order; the BSP is usually first */
	uint32_t ioapic_count;
	struct {
		uint32_t id, phys, gsi_base;
	} ioapic[ACPI_MAX_IOAPICS];
	uint32_t override_count;
	struct {
		uint8_t irq;
		uint32_t gsi;
		uint16_t flags; /* ACPI_INTI_* */
	} override[ACPI_MAX_OVERRIDES];
	uint32_t nmi_count;
	struct {
		uint32_t processor_uid; /* 0xff (or 0xffffffff for x2APIC): all */
		uint16_t flags;
		uint8_t lint;
	} nmi[ACPI_MAX_NMIS];
	uint32_t flags;           /* MADT flags: ACPI_MADT_PCAT_COMPAT */
	uint32_t cpus_dropped;    /* usable CPUs beyond ACPI_MAX_CPUS */
	uint32_t entries_unknown;   /* of types not read here: skipped */
	uint32_t entries_malformed; /* too short for their type: skipped */
	uint32_t truncated_at;      /* 0, or the offset of an entry that ran past the table: the end of what was read */
};

/* Collects the CPUs that are enabled or online-capable (local APIC and
 * x2APIC entries, each APIC ID once), the I/O APICs, ISA interrupt source
 * overrides, local APIC NMIs and the local APIC address (the 64-bit override
 * when present). False only if madt is not an "APIC" table with its fixed
 * part; odd entries are skipped or end the walk, counted in *out. */
bool acpi_parse_madt(const struct acpi_sdt_header *madt, struct acpi_madt_info *out);

#define ACPI_MAX_MCFG 8
struct acpi_mcfg_info {
	uint32_t count;
	uint32_t dropped;	 /* entries beyond ACPI_MAX_MCFG */
	uint32_t trailing_bytes; /* after the last whole entry: ignored */
	struct {
		uint64_t base;
		uint16_t segment;
		uint8_t bus_start, bus_end;
	} region[ACPI_MAX_MCFG];
};

/* False if mcfg is not a well-formed "MCFG" table. */
bool acpi_parse_mcfg(const struct acpi_sdt_header *mcfg, struct acpi_mcfg_info *out);

/* Sietch uses PCI segment 0 only: removes the windows of other segments (the order of the
 * rest kept) and returns how many went; *other is the first other segment seen. */
uint32_t acpi_mcfg_keep_segment0(struct acpi_mcfg_info *info, uint16_t *other);

struct acpi_power_info {
	uint32_t pm1a_cnt, pm1b_cnt; /* I/O ports, 0 if absent */
	uint16_t slp_typa, slp_typb; /* SLP_TYP values for S5, from \_S5_ */
	bool s5_found;
	uint8_t century; /* CMOS RTC index of the century, 0 if none */
};

/* Reads PM1a/PM1b_CNT_BLK and the century index from the FADT, then looks
 * for the \_S5_ package in the DSDT (X_DSDT when set). To enter S5, write
 * (slp_typ << ACPI_PM1_SLP_TYP_SHIFT) | ACPI_PM1_SLP_EN to each PM1 control
 * port (§4.8.3.2.1, §7.4.2). False if fadt is not a well-formed "FACP";
 * s5_found says whether the DSDT part worked. */
bool acpi_parse_power(const struct acpi_sdt_header *fadt, acpi_map_fn map, void *ctx,
		      struct acpi_power_info *out);
