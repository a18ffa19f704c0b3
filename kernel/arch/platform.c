#include "kernel/arch/platform.h"
#include "kernel/arch/cpu.h"
#include "kernel/arch/timer.h"
#include "kernel/console.h"
#include "lib/common/multiboot2.h"

/* ACPI 6.4 §4.8.3.2.1: SLP_TYPx in bits 10-12 of PM1 control, SLP_EN bit 13 */
#define PM1_SLP_TYP_SHIFT 10
#define PM1_SLP_EN (1u << 13)

struct platform platform;

/* A table by signature; one line when its checksum is wrong (used all the same: acpi.h). */
static const struct acpi_sdt_header *platform_table(const void *rsdp, acpi_map_fn acpi_map, const char *sig)
{
	const struct acpi_sdt_header *t = acpi_find_table(rsdp, acpi_map, 0, sig, 0);
	if (t && !acpi_table_checksum_ok(t))
		kprintf("acpi: the %s table's checksum is wrong (OEM \"%.6s\" \"%.8s\"); used anyway\n", sig, t->oem_id,
			t->oem_table_id);
	return t;
}

/* What was odd about the root table, one line each (nothing on a machine whose firmware is right). */
static void platform_root_report(const void *rsdp, acpi_map_fn acpi_map)
{
	struct acpi_root_info root;
	if (!acpi_root_describe(rsdp, acpi_map, 0, &root))
		return;
	const char *name = root.xsdt ? "XSDT" : "RSDT";
	if (root.fallback)
		kprintf("acpi: using the RSDT: %s\n", root.fallback);
	if (root.checksum_bad)
		kprintf("acpi: the %s's checksum is wrong; used anyway\n", name);
	if (root.trailing_bytes)
		kprintf("acpi: the %s has %u bytes after its last entry; ignored\n", name, root.trailing_bytes);
}

static void platform_madt_report(const struct acpi_madt_info *madt)
{
	if (madt->entries_unknown || madt->entries_malformed)
		kprintf("acpi: MADT: %u entries of types not used here and %u too short for their type skipped\n",
			madt->entries_unknown, madt->entries_malformed);
	if (madt->truncated_at)
		kprintf("acpi: MADT: an entry at offset %u runs past the table; read up to there\n", madt->truncated_at);
}

/* PCI segment 0 only (docs/bare-metal.md): the windows of other segments are dropped, once said. */
static void platform_mcfg_report(struct acpi_mcfg_info *mcfg)
{
	if (mcfg->trailing_bytes || mcfg->dropped)
		kprintf("acpi: MCFG: %u bytes after its last entry ignored, %u entries beyond %u ignored\n",
			mcfg->trailing_bytes, mcfg->dropped, ACPI_MAX_MCFG);
	uint16_t other;
	uint32_t removed = acpi_mcfg_keep_segment0(mcfg, &other);
	if (removed)
		kprintf("pci: the MCFG lists PCI segment %u too (%u windows not in segment 0): only segment 0 is used, "
			"devices in other segments stay untouched\n",
			other, removed);
}

void platform_init(const void *info, acpi_map_fn acpi_map)
{
	size_t rsdp_len;
	const void *rsdp = mb2_rsdp(info, &rsdp_len);
	if (!rsdp)
		panic("platform: the boot loader passed no ACPI RSDP");
	platform_root_report(rsdp, acpi_map);
	const struct acpi_sdt_header *madt = platform_table(rsdp, acpi_map, "APIC");
	if (!madt || !acpi_parse_madt(madt, &platform.madt) || platform.madt.cpu_count == 0)
		panic("platform: no usable ACPI MADT");
	platform_madt_report(&platform.madt);
	const struct acpi_sdt_header *mcfg = platform_table(rsdp, acpi_map, "MCFG");
	platform.have_mcfg = mcfg && acpi_parse_mcfg(mcfg, &platform.mcfg);
	if (platform.have_mcfg)
		platform_mcfg_report(&platform.mcfg);
	const struct acpi_sdt_header *fadt = platform_table(rsdp, acpi_map, "FACP");
	platform.have_power = fadt && acpi_parse_power(fadt, acpi_map, 0, &platform.power);
	platform.dmar = platform_table(rsdp, acpi_map, "DMAR");

	kprintf("acpi: %u cpus, %u ioapics, lapic 0x%lx", platform.madt.cpu_count, platform.madt.ioapic_count,
		platform.madt.lapic_phys);
	if (platform.have_mcfg && platform.mcfg.count)
		kprintf(", ecam 0x%lx buses %u-%u", platform.mcfg.region[0].base, platform.mcfg.region[0].bus_start,
			platform.mcfg.region[0].bus_end);
	kprintf("\n");
	if (platform.madt.cpus_dropped)
		kprintf("acpi: %u cpus, using %u\n", platform.madt.cpu_count + platform.madt.cpus_dropped,
			platform.madt.cpu_count);
	if (platform.have_power && platform.power.s5_found)
		kprintf("acpi: power off through PM1a_CNT 0x%x, S5 type %u\n", platform.power.pm1a_cnt,
			platform.power.slp_typa);
	else
		kprintf("acpi: no S5 sleep state found; power off will only halt\n");
}

_Noreturn void platform_poweroff(void)
{
	kprintf("sietch: power off\n");
	interrupts_disable();
	if (platform.have_power && platform.power.s5_found && platform.power.pm1a_cnt) {
		outw((uint16_t)platform.power.pm1a_cnt,
		     (uint16_t)((platform.power.slp_typa << PM1_SLP_TYP_SHIFT) | PM1_SLP_EN));
		if (platform.power.pm1b_cnt)
			outw((uint16_t)platform.power.pm1b_cnt,
			     (uint16_t)((platform.power.slp_typb << PM1_SLP_TYP_SHIFT) | PM1_SLP_EN));
	}
	/* QEMU powers off asynchronously: give it a moment before the fallback. */
	timer_delay_us(500000);
	/* No ACPI S5 (or it did not take): fall back to the test device, then halt. */
	system_exit(EXIT_PASS);
}
