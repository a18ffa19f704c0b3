/*
 * Message-signalled interrupts of a function, given the address/data pair
 * the interrupt code chose (kernel/pci/pci.h). Vectors and their handlers
 * are not this file's business: it only writes what it is given, in the
 * order the spec asks for.
 */
#include "kernel/pci/pci.h"

/* PCIe §6.1.4: MSI and MSI-X never both on; INTx off while either is (Command.Interrupt Disable, §7.5.1.1.3). */
static void intx_off(const struct pci_function *f)
{
	uint16_t command = pci_read16(f->cfg, f->rid, PCI_COMMAND);
	pci_write16(f->cfg, f->rid, PCI_COMMAND, command | PCI_COMMAND_INTX_DISABLE);
}

int pci_msix_set(struct pci_function *f, unsigned index, uint64_t address, uint32_t data)
{
	volatile void *table = pci_msix_table(f);
	if (!table || index >= f->msix.table_size)
		return -SIETCH_EINVAL;
	struct pci_msi msi;
	if (pci_msi_read(f->cfg, f->rid, f->msi_cap, &msi))
		pci_msi_disable(f->cfg, f->rid, &msi);
	intx_off(f);
	/* §7.7.2.2: enable with Function Mask first, so no entry fires half-written, then lift it */
	pci_msix_enable(f->cfg, f->rid, &f->msix, true);
	pci_msix_entry_program(table, &f->msix, index, address, data);
	pci_msix_enable(f->cfg, f->rid, &f->msix, false);
	return 0;
}

int pci_msix_mask(struct pci_function *f, unsigned index, bool masked)
{
	volatile void *table = pci_msix_table(f);
	if (!table || pci_msix_entry_mask(table, &f->msix, index, masked))
		return -SIETCH_EINVAL;
	return 0;
}

int pci_msi_set(struct pci_function *f, uint64_t address, uint32_t data)
{
	struct pci_msi msi;
	if (!pci_msi_read(f->cfg, f->rid, f->msi_cap, &msi))
		return -SIETCH_EINVAL;
	if (f->has_msix)
		pci_msix_disable(f->cfg, f->rid, &f->msix);
	intx_off(f);
	pci_msi_program(f->cfg, f->rid, &msi, address, data);
	return 0;
}
