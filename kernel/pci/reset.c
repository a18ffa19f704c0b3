/*
 * Function Level Reset (PCIe §6.6.2), for drivers whose bring-up needs one
 * (an NVMe PF applies its Virtualization Management allocation only through
 * it). The reset clears the header a driver relies on, BARs and Command
 * included, so it is saved before and written back after.
 */
#include "kernel/arch/timer.h"
#include "kernel/console.h"
#include "kernel/pci/pci.h"

#define HEADER_DWORDS 16        /* the 64-byte type 0/1 header (PCIe §7.5.1) */
#define PENDING_POLLS 10        /* §6.6.2: wait for outstanding completions, then reset anyway */
#define PENDING_POLL_US 10000

int pci_function_reset(struct pci_function *f)
{
	uint16_t exp = pci_cap_find(f->cfg, f->rid, PCI_CAP_ID_EXP);
	if (!exp || !(pci_read32(f->cfg, f->rid, (uint16_t)(exp + PCI_EXP_DEVCAP)) & PCI_EXP_DEVCAP_FLR))
		return -SIETCH_EINVAL;
	/* a PF's reset takes its VFs with it (§9.2.2.3), behind the backs of their owners and of the table */
	if (f->sriov.cap && (pci_read16(f->cfg, f->rid, (uint16_t)(f->sriov.cap + PCI_SRIOV_CONTROL)) & PCI_SRIOV_CONTROL_VFE))
		return -SIETCH_EBUSY;
	uint32_t header[HEADER_DWORDS];
	for (unsigned i = 0; i < HEADER_DWORDS; i++)
		header[i] = pci_read32(f->cfg, f->rid, (uint16_t)(4 * i));
	uint16_t devctl = pci_read16(f->cfg, f->rid, (uint16_t)(exp + PCI_EXP_DEVCTL));
	/* stop new DMA, then give what is in flight a moment to complete */
	pci_write16(f->cfg, f->rid, PCI_COMMAND, (uint16_t)(header[1] & ~PCI_COMMAND_MASTER));
	for (unsigned i = 0; i < PENDING_POLLS; i++) {
		if (!(pci_read16(f->cfg, f->rid, (uint16_t)(exp + PCI_EXP_DEVSTA)) & PCI_EXP_DEVSTA_TRPND))
			break;
		timer_delay_us(PENDING_POLL_US);
	}
	pci_write16(f->cfg, f->rid, (uint16_t)(exp + PCI_EXP_DEVCTL), devctl | PCI_EXP_DEVCTL_FLR);
	timer_delay_us(PCI_FLR_WAIT_US);
	/* BARs and the rest of the header first, Command (decoding, bus mastering) last; Status is left alone */
	pci_write16(f->cfg, f->rid, 0x0c, (uint16_t)header[3]); /* cache line size, latency timer; never BIST */
	for (unsigned i = 4; i < HEADER_DWORDS; i++)
		pci_write32(f->cfg, f->rid, (uint16_t)(4 * i), header[i]);
	pci_write16(f->cfg, f->rid, (uint16_t)(exp + PCI_EXP_DEVCTL), devctl);
	pci_write16(f->cfg, f->rid, PCI_COMMAND, (uint16_t)header[1]);
	return 0;
}
