/*
 * PCI configuration ports with nothing behind them; see pci_ports.h.
 */
#include "user/vmm/pci_ports.h"

static uint32_t all_ones(unsigned size) { return size >= 4 ? 0xffffffffu : (1u << (size * 8)) - 1; }

uint32_t pci_ports_read(struct pci_ports *p, uint16_t port, unsigned size)
{
	if (port == PCI_PORT_ADDRESS && size == 4)
		return p->address;
	return all_ones(size);
}

void pci_ports_write(struct pci_ports *p, uint16_t port, unsigned size, uint32_t value)
{
	if (port == PCI_PORT_ADDRESS && size == 4)
		p->address = value; /* only a dword access reaches the address register (§3.2.2.3.2) */
}
