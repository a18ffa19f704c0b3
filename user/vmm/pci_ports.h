/*
 * PCI configuration mechanism #1 (PCI Local Bus spec 3.0 §3.2.2.3.2): the
 * address port 0xcf8 and the data ports 0xcfc-0xcff. The guest has no PCI
 * devices, so every configuration read answers all-ones ("no function
 * here"), writes are dropped, and the address port reads back.
 */
#pragma once

#include <stdint.h>

#define PCI_PORT_ADDRESS 0xcf8
#define PCI_PORT_DATA 0xcfc

struct pci_ports {
	uint32_t address;
};

/* size is 1, 2 or 4 bytes. */
uint32_t pci_ports_read(struct pci_ports *p, uint16_t port, unsigned size);
void pci_ports_write(struct pci_ports *p, uint16_t port, unsigned size, uint32_t value);
