/*
 * A guest's memory at boot, laid out as a PC with a Multiboot2 loader leaves
 * it: the kernel at its ELF physical addresses, the modules after it on page
 * boundaries, the ACPI tables and the boot information in the reserved area
 * below 1 MiB (where a PC's BIOS area is), and a memory map that says so.
 *
 *   0x00000 - 0x9efff   usable (the guest's AP trampoline lives below 1 MiB)
 *   0x9f000 - 0xfffff   reserved: ACPI tables at 0xe0000, boot information at 0xf0000
 *   0x100000 - end      usable, holding the kernel and the modules
 *
 * Freestanding: guest memory is a plain byte array, so this runs on the host.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define GUEST_LOW_RAM_END 0x9f000u
#define GUEST_HIGH_RAM_START 0x100000u
#define GUEST_ACPI_BASE 0xe0000u
#define GUEST_ACPI_ROOM 0x10000u
#define GUEST_BOOT_INFO_BASE 0xf0000u
#define GUEST_BOOT_INFO_ROOM 0x10000u
#define GUEST_LAPIC_BASE 0xfee00000u   /* SDM vol.3 §11.4.1: the default local APIC base */
#define GUEST_IOAPIC_BASE 0xfec00000u  /* 82093AA datasheet §3.0: the default I/O APIC base */
#define GUEST_RAM_MAX 0xc0000000ull    /* 3 GiB: below the APICs */
#define GUEST_RAM_MIN (4ull << 20)
#define GUEST_PM1A_CNT 0x604           /* PM1a control port (the one QEMU's q35 uses) */
#define GUEST_S5_SLP_TYP 5
#define GUEST_CMOS_CENTURY 0x32        /* the century byte's CMOS index on PCs */

struct guest_image {
	const void *data;
	size_t size;
	const char *name; /* the module's string in the boot information */
};

struct guest_boot {
	uint32_t entry;     /* EIP at start */
	uint32_t info_phys; /* EBX at start */
	uint64_t kernel_end, modules_end;
};

/* Loads kernel and modules into ram and writes the ACPI tables and boot
 * information for cpus CPUs and cmdline. 0, or -1 with *why set. */
int guest_boot_prepare(uint8_t *ram, uint64_t ram_size, uint32_t cpus, const struct guest_image *kernel,
		       const struct guest_image *modules, size_t module_count, const char *cmdline,
		       struct guest_boot *out, const char **why);
