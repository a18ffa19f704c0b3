#include "kernel/arch/platform.h"
#include "kernel/arch/cpu.h"
#include "kernel/arch/timer.h"
#include "kernel/console.h"
#include "lib/common/multiboot2.h"

/* ACPI 6.4 §4.8.3.2.1: SLP_TYPx in bits 10-12 of PM1 control, SLP_EN bit 13 */
#define PM1_SLP_TYP_SHIFT 10
#define PM1_SLP_EN (1u << 13)

struct platform platform;

void platform_init(const void *info, acpi_map_fn acpi_map)
{
	size_t rsdp_len;
	const void *rsdp = mb2_rsdp(info, &rsdp_len);
	if (!rsdp)
		panic("platform: the boot loader passed no ACPI RSDP");
	const struct acpi_sdt_header *madt = acpi_find_table(rsdp, acpi_map, 0, "APIC", 0);
	if (!madt || !acpi_parse_madt(madt, &platform.madt) || platform.madt.cpu_count == 0)
		panic("platform: no usable ACPI MADT");
	const struct acpi_sdt_header *mcfg = acpi_find_table(rsdp, acpi_map, 0, "MCFG", 0);
	platform.have_mcfg = mcfg && acpi_parse_mcfg(mcfg, &platform.mcfg);
	const struct acpi_sdt_header *fadt = acpi_find_table(rsdp, acpi_map, 0, "FACP", 0);
	platform.have_power = fadt && acpi_parse_power(fadt, acpi_map, 0, &platform.power);
	platform.dmar = acpi_find_table(rsdp, acpi_map, 0, "DMAR", 0);

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
