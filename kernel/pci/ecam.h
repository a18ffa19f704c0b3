/*
 * Configuration space through ECAM, the memory-mapped windows ACPI's MCFG
 * describes (PCIe §7.2.2; PCI Firmware 3.2 §4.1.2). One window a segment.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include "lib/common/pci.h"

struct ecam_region {
	uint64_t phys;               /* ECAM base of bus 0 of the segment */
	uint16_t segment;
	uint8_t bus_start, bus_end;
	volatile uint8_t mapped[256]; /* buses whose 1 MiB is mapped */
	struct pci_cfg cfg;          /* config access for this segment; cfg.ctx is the region */
};

/* Reads the MCFG the platform parsed; the number of usable windows. */
unsigned ecam_init(void);
unsigned ecam_region_count(void);
struct ecam_region *ecam_region(unsigned index);
/* The config access of a segment, or NULL when no window covers it. */
const struct pci_cfg *ecam_cfg(uint16_t segment);
