/* What the firmware told us about the machine: CPUs, interrupt controllers, PCIe ECAM, power-off. */
#pragma once

#include "lib/common/acpi.h"

struct platform {
	struct acpi_madt_info madt;
	struct acpi_mcfg_info mcfg;
	struct acpi_power_info power;
	bool have_mcfg, have_power;
	const struct acpi_sdt_header *dmar; /* VT-d's table for kernel/iommu; NULL when there is none */
};

extern struct platform platform;

/* Reads ACPI tables through acpi_map (the kernel passes its direct map). */
void platform_init(const void *multiboot_info, acpi_map_fn acpi_map);
_Noreturn void platform_poweroff(void);
