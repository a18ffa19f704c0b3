/*
 * A guest's memory at boot; see guest_boot.h.
 */
#include "user/vmm/guest_boot.h"

#include <string.h>

#include "user/vmm/acpi_tables.h"
#include "user/vmm/boot_info.h"
#include "user/vmm/guest_elf.h"

#define PAGE 4096ull
#define BOOT_LOADER_NAME "sietch vmm"

static uint64_t page_up(uint64_t v) { return (v + PAGE - 1) & ~(PAGE - 1); }

static int refuse(const char **why, const char *text)
{
	*why = text;
	return -1;
}

/* Copies the modules after the kernel, page-aligned as GRUB places them. */
static int modules_place(uint8_t *ram, uint64_t ram_size, uint64_t from, const struct guest_image *modules,
			 size_t count, uint32_t *starts, uint64_t *end, const char **why)
{
	uint64_t at = page_up(from);
	for (size_t i = 0; i < count; i++) {
		if (modules[i].size > ram_size || at > ram_size - modules[i].size)
			return refuse(why, "the modules do not fit in the guest's memory");
		memcpy(ram + at, modules[i].data, modules[i].size);
		starts[i] = (uint32_t)at;
		at = page_up(at + modules[i].size);
	}
	*end = at;
	return 0;
}

static size_t acpi_place(uint8_t *ram, uint32_t cpus, size_t *rsdp_offset)
{
	struct acpi_tables_config cfg = {
		.cpus = cpus,
		.lapic_phys = GUEST_LAPIC_BASE,
		.ioapic_phys = GUEST_IOAPIC_BASE,
		.ioapic_id = (uint8_t)cpus, /* after the CPUs' APIC IDs */
		.pm1a_cnt = GUEST_PM1A_CNT,
		.s5_slp_typ = GUEST_S5_SLP_TYP,
		.century = GUEST_CMOS_CENTURY,
	};
	return acpi_tables_build(ram + GUEST_ACPI_BASE, GUEST_ACPI_ROOM, GUEST_ACPI_BASE, &cfg, rsdp_offset);
}

static size_t info_write(uint8_t *ram, uint64_t ram_size, const char *cmdline, const struct guest_image *modules,
			 const uint32_t *starts, size_t count, const void *rsdp)
{
	struct boot_info b;
	boot_info_init(&b, ram + GUEST_BOOT_INFO_BASE, GUEST_BOOT_INFO_ROOM);
	boot_info_string(&b, MB2_TAG_CMDLINE, cmdline);
	boot_info_string(&b, MB2_TAG_BOOTLOADER_NAME, BOOT_LOADER_NAME);
	boot_info_meminfo(&b, GUEST_LOW_RAM_END / 1024, (uint32_t)((ram_size - GUEST_HIGH_RAM_START) / 1024));
	struct mb2_mmap_entry map[] = {
		{ 0, GUEST_LOW_RAM_END, MB2_MEMORY_AVAILABLE, 0 },
		{ GUEST_LOW_RAM_END, GUEST_HIGH_RAM_START - GUEST_LOW_RAM_END, MB2_MEMORY_RESERVED, 0 },
		{ GUEST_HIGH_RAM_START, ram_size - GUEST_HIGH_RAM_START, MB2_MEMORY_AVAILABLE, 0 },
	};
	boot_info_mmap(&b, map, sizeof(map) / sizeof(map[0]));
	for (size_t i = 0; i < count; i++)
		boot_info_module(&b, starts[i], (uint32_t)(starts[i] + modules[i].size), modules[i].name);
	boot_info_rsdp(&b, rsdp, 36);
	return boot_info_finish(&b);
}

int guest_boot_prepare(uint8_t *ram, uint64_t ram_size, uint32_t cpus, const struct guest_image *kernel,
		       const struct guest_image *modules, size_t module_count, const char *cmdline,
		       struct guest_boot *out, const char **why)
{
	uint32_t starts[module_count ? module_count : 1];
	if (ram_size < GUEST_RAM_MIN || ram_size > GUEST_RAM_MAX || (ram_size & (PAGE - 1)))
		return refuse(why, "guest memory must be a multiple of 4 KiB from 4 MiB to 3 GiB");
	if (cpus == 0 || cpus > 255)
		return refuse(why, "the guest needs 1 to 255 CPUs");
	memset(ram + GUEST_LOW_RAM_END, 0, GUEST_HIGH_RAM_START - GUEST_LOW_RAM_END);
	int err = guest_elf_load(kernel->data, kernel->size, ram, ram_size, &out->entry, &out->kernel_end);
	if (err)
		return refuse(why, guest_elf_strerror(err));
	if (out->kernel_end < GUEST_HIGH_RAM_START)
		return refuse(why, "the kernel loads below 1 MiB, over the boot information");
	if (modules_place(ram, ram_size, out->kernel_end, modules, module_count, starts, &out->modules_end, why))
		return -1;
	size_t rsdp_offset;
	if (!acpi_place(ram, cpus, &rsdp_offset))
		return refuse(why, "the ACPI tables do not fit");
	if (!info_write(ram, ram_size, cmdline, modules, starts, module_count, ram + GUEST_ACPI_BASE + rsdp_offset))
		return refuse(why, "the boot information does not fit (command line too long?)");
	out->info_phys = GUEST_BOOT_INFO_BASE;
	return 0;
}
