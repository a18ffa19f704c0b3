/* Self-tests of kernel/pci on the machine tools/run builds: q35 with root ports rp0 and rp1, and what the test attaches. */
#include "kernel/console.h"
#include "kernel/pci/pci.h"
#include "kernel/test/ktest.h"
#include "lib/common/mmio.h"

#define QEMU_ROOT_PORT_VENDOR 0x1b36 /* QEMU's pcie-root-port: Red Hat 1b36:000c */
#define QEMU_ROOT_PORT_DEVICE 0x000c
#define ROOT_PORT_MIN_WINDOW (8ull << 20) /* tools/run's mem-reserve */
#define IGB_VENDOR 0x8086
#define IGB_PF_DEVICE 0x10c9
#define IGB_VF_DEVICE 0x10ca
#define IGB_VF_STATUS 0x0008 /* 82576 datasheet §8.28.2: the VF's mirror of STATUS */
#define IGB_KTEST_VFS 2

/* Both root ports are found, with bus numbers and a memory window at least as large as the reserve asked for. */
KTEST(pci_root_ports)
{
	for (unsigned i = 0; i < 2; i++) {
		const struct pci_function *rp = pci_find(QEMU_ROOT_PORT_VENDOR, QEMU_ROOT_PORT_DEVICE, i);
		KTEST_EXPECT(rp, "root port %u not found", i);
		KTEST_EXPECT(rp->bar_count == PCI_BRIDGE_BARS, "root port %u is not a type 1 header", i);
		KTEST_EXPECT(rp->secondary > PCI_RID_BUS(rp->rid) && rp->subordinate >= rp->secondary,
			     "root port %u has buses %u-%u", i, rp->secondary, rp->subordinate);
		uint64_t window = rp->windows.mem.limit - rp->windows.mem.base + 1;
		KTEST_EXPECT(rp->windows.mem.limit > rp->windows.mem.base && window >= ROOT_PORT_MIN_WINDOW,
			     "root port %u memory window 0x%lx-0x%lx is smaller than the reserve", i,
			     rp->windows.mem.base, rp->windows.mem.limit);
		KTEST_EXPECT(pci_cap_find(rp->cfg, rp->rid, PCI_CAP_ID_EXP), "root port %u has no PCIe capability", i);
	}
	return 0;
}

#define IGB_RDBAL0 0x2800 /* 82576: queue 0 receive ring base, 0 after reset */

/* FLR of the igb PF: its registers go back to their reset values, its BARs and Command stay as they were. */
KTEST(pci_function_reset)
{
	struct pci_function *pf = pci_find(IGB_VENDOR, IGB_PF_DEVICE, 0);
	if (!pf) {
		kprintf("pci-test: no igb (%04x:%04x) attached; nothing to check\n", IGB_VENDOR, IGB_PF_DEVICE);
		return 0;
	}
	if (pf->sriov.num_vfs) {
		KTEST_EXPECT(pci_function_reset(pf) == -SIETCH_EBUSY, "reset of a PF with VFs on was not refused");
		return 0;
	}
	volatile void *regs = pci_bar_map(pf, 0);
	KTEST_EXPECT(regs, "igb BAR0 not mapped");
	uint32_t bar0 = pci_read32(pf->cfg, pf->rid, PCI_BAR0);
	uint16_t command = pci_read16(pf->cfg, pf->rid, PCI_COMMAND);
	mmio_write32(mmio_at(regs, IGB_RDBAL0), 0x12345000u);
	KTEST_EXPECT(mmio_read32(mmio_at(regs, IGB_RDBAL0)) == 0x12345000u, "RDBAL0 did not take a value");
	KTEST_EXPECT(pci_function_reset(pf) == 0, "pci_function_reset");
	KTEST_EXPECT(pci_read32(pf->cfg, pf->rid, PCI_BAR0) == bar0, "BAR0 not restored");
	KTEST_EXPECT(pci_read16(pf->cfg, pf->rid, PCI_COMMAND) == command, "Command not restored");
	KTEST_EXPECT(mmio_read32(mmio_at(regs, IGB_VF_STATUS)) != 0xffffffffu, "STATUS does not answer after the reset");
	uint32_t rdbal = mmio_read32(mmio_at(regs, IGB_RDBAL0));
	KTEST_EXPECT(rdbal == 0, "RDBAL0 reads 0x%x after the reset: no reset happened", rdbal);
	kprintf("pci-test: igb PF reset: registers back to their reset values, BAR0 0x%x and Command 0x%x kept\n", bar0,
		command);
	return 0;
}

static int check_igb_vf(const struct pci_function *vf, char *why, size_t why_size)
{
	KTEST_EXPECT(vf->bar[0].base && vf->bar[0].size, "VF %u BAR0 is not assigned", vf->vf_index);
	uint16_t command = pci_read16(vf->cfg, vf->rid, PCI_COMMAND);
	KTEST_EXPECT((command & (PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER)) == (PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER),
		     "VF %u command 0x%x lacks Memory Space or Bus Master", vf->vf_index, command);
	KTEST_EXPECT(pci_read16(vf->cfg, vf->rid, PCI_VENDOR_ID) == PCI_VENDOR_NONE,
		     "VF %u vendor ID is not 0xffff (SR-IOV §9.3.4.1.1)", vf->vf_index);
	volatile void *regs = pci_bar_map(vf, 0);
	KTEST_EXPECT(regs, "VF %u BAR0 at 0x%lx cannot be mapped", vf->vf_index, vf->bar[0].base);
	uint32_t status = mmio_read32(mmio_at(regs, IGB_VF_STATUS));
	kprintf("pci-test: igb VF %u at %02x:%02x.%u: BAR0 0x%lx STATUS 0x%08x\n", vf->vf_index, PCI_RID_BUS(vf->rid),
		PCI_RID_DEV(vf->rid), PCI_RID_FN(vf->rid), vf->bar[0].base, status);
	KTEST_EXPECT(status != 0xffffffffu && status != 0, "VF %u STATUS reads 0x%x: BAR0 does not decode",
		     vf->vf_index, status);
	KTEST_EXPECT(vf->decodes, "VF %u MSI-X table does not read back masked entries", vf->vf_index);
	/* an entry programmed with an address/data pair reads back (PCIe §7.7.2.5-§7.7.2.8), MSI-X on; then masked, off */
	struct pci_function *w = pci_function_at(pci_index_of(vf));
	KTEST_EXPECT(pci_msix_set(w, 0, 0xfee00000ull, 0x4f) == 0, "pci_msix_set on VF %u", vf->vf_index);
	KTEST_EXPECT(pci_msix_set(w, vf->msix.table_size, 0xfee00000ull, 0x4f) == -SIETCH_EINVAL,
		     "an entry past the table was accepted");
	volatile uint32_t *entry = pci_msix_table(vf);
	uint16_t control = pci_read16(vf->cfg, vf->rid, (uint16_t)(vf->msix.cap + PCI_MSIX_CONTROL));
	KTEST_EXPECT(entry[0] == 0xfee00000u && entry[1] == 0 && entry[2] == 0x4f && entry[3] == 0,
		     "VF %u MSI-X entry 0 reads %x %x %x %x", vf->vf_index, entry[0], entry[1], entry[2], entry[3]);
	KTEST_EXPECT((control & (PCI_MSIX_CONTROL_ENABLE | PCI_MSIX_CONTROL_FUNCTION_MASK)) == PCI_MSIX_CONTROL_ENABLE,
		     "VF %u MSI-X control 0x%x", vf->vf_index, control);
	pci_msix_mask(w, 0, true);
	pci_msix_disable(vf->cfg, vf->rid, &vf->msix);
	return 0;
}

/* With an igb attached: SR-IOV on (unless pci.sriov= did it), and every VF's registers answer. */
KTEST(pci_igb_vf_registers)
{
	struct pci_function *pf = pci_find(IGB_VENDOR, IGB_PF_DEVICE, 0);
	if (!pf) {
		kprintf("pci-test: no igb (%04x:%04x) attached; nothing to check\n", IGB_VENDOR, IGB_PF_DEVICE);
		return 0;
	}
	KTEST_EXPECT(pf->sriov.cap, "the igb PF has no SR-IOV capability");
	KTEST_EXPECT(pf->sriov.total_vfs == 8, "TotalVFs %u, QEMU's igb has 8", pf->sriov.total_vfs);
	if (!pf->sriov.num_vfs) {
		int err = pci_sriov_enable(pf, IGB_KTEST_VFS);
		KTEST_EXPECT(err == 0, "pci_sriov_enable: %d", err);
	}
	KTEST_EXPECT(pci_sriov_enable(pf, 1) == -SIETCH_EBUSY, "a second enable was not refused");
	/* the VFs sit at device 0x10 behind a root port: ARI forwarding on, ARI Capable Hierarchy in the PF */
	const struct pci_function *rp = pci_function_at(pf->parent);
	uint16_t exp = pci_cap_find(rp->cfg, rp->rid, PCI_CAP_ID_EXP);
	KTEST_EXPECT(pci_read16(rp->cfg, rp->rid, (uint16_t)(exp + PCI_EXP_DEVCTL2)) & PCI_EXP_DEVCTL2_ARI,
		     "ARI Forwarding Enable is off in the root port");
	uint16_t control = pci_read16(pf->cfg, pf->rid, (uint16_t)(pf->sriov.cap + PCI_SRIOV_CONTROL));
	KTEST_EXPECT(control == (PCI_SRIOV_CONTROL_VFE | PCI_SRIOV_CONTROL_MSE | PCI_SRIOV_CONTROL_ARI),
		     "SR-IOV Control reads 0x%x", control);
	struct pci_function *vf0 = pci_function_at(pci_function_count() - 1);
	KTEST_EXPECT(pci_claim(vf0, 7) && !pci_claim(vf0, 8) && vf0->owner == 7, "claiming a VF twice");
	pci_release(vf0, 8);
	KTEST_EXPECT(vf0->owner == 7, "a release by another pid counted");
	pci_release(vf0, 7);
	KTEST_EXPECT(vf0->owner == 0 && !pci_claim(vf0, 0), "release, or a claim for pid 0");
	for (uint16_t i = 0; i < pf->sriov.num_vfs; i++) {
		const struct pci_function *vf = pci_vf(pf, i);
		KTEST_EXPECT(vf, "VF %u of NumVFs %u is not in the table", i, pf->sriov.num_vfs);
		KTEST_EXPECT(vf->device == IGB_VF_DEVICE, "VF device %04x", vf->device);
		if (check_igb_vf(vf, why, why_size))
			return -1;
	}
	KTEST_EXPECT(!pci_vf(pf, pf->sriov.num_vfs), "a VF past NumVFs is in the table");
	return 0;
}

/*
 * A BAR firmware left unassigned gets an address: the igb PF's MSI-X BAR is
 * cleared to stand for one, then placed again; its table must read back
 * masked entries (PCIe §7.7.2.8) at the new address, inside rp0's windows.
 */
KTEST(pci_bar_assign_unassigned)
{
	struct pci_function *pf = pci_find(IGB_VENDOR, IGB_PF_DEVICE, 0);
	if (!pf) {
		kprintf("pci-test: no igb (%04x:%04x) attached; nothing to check\n", IGB_VENDOR, IGB_PF_DEVICE);
		return 0;
	}
	const unsigned b = pf->msix.table_bar;
	KTEST_EXPECT(pf->has_msix && pf->bar[b].size && (pf->bar[b].flags & PCI_BAR_64), "no 64-bit MSI-X BAR");
	uint16_t command = pci_read16(pf->cfg, pf->rid, PCI_COMMAND);
	pci_write16(pf->cfg, pf->rid, PCI_COMMAND, command & ~PCI_COMMAND_MEMORY);
	pci_bar_assign(pf->cfg, pf->rid, (uint16_t)(PCI_BAR0 + 4 * b), &pf->bar[b], 0);
	pci_write16(pf->cfg, pf->rid, PCI_COMMAND, command);
	pf->bar[b].base = 0;
	pci_assign_unassigned(pf);
	uint64_t base = pf->bar[b].base, size = pf->bar[b].size;
	KTEST_EXPECT(base && !(base & (size - 1)), "BAR%u placed at 0x%lx", b, base);
	const struct pci_bridge_windows *w = &pci_function_at(pf->parent)->windows;
	bool in_mem = base >= w->mem.base && base + size - 1 <= w->mem.limit;
	bool in_pref = base >= w->pref.base && base + size - 1 <= w->pref.limit;
	KTEST_EXPECT(in_mem || in_pref, "BAR%u at 0x%lx is outside the root port's windows", b, base);
	for (unsigned other = 0; other < pf->bar_count; other++) {
		const struct pci_bar *o = &pf->bar[other];
		KTEST_EXPECT(other == b || !o->size || (o->flags & (PCI_BAR_IO | PCI_BAR_UPPER)) ||
				     o->base + o->size <= base || base + size <= o->base,
			     "BAR%u overlaps BAR%u", b, other);
	}
	struct pci_bar probed[PCI_NORMAL_BARS];
	pci_bars_probe(pf->cfg, pf->rid, PCI_BAR0, PCI_NORMAL_BARS, probed);
	KTEST_EXPECT(probed[b].base == base, "BAR%u register reads 0x%lx, not 0x%lx", b, probed[b].base, base);
	volatile void *table = pci_msix_table(pf);
	KTEST_EXPECT(table && mmio_read32(mmio_at(table, PCI_MSIX_ENTRY_VECTOR_CONTROL)) == PCI_MSIX_ENTRY_MASKED,
		     "the MSI-X table does not answer at 0x%lx", base);
	return 0;
}

/* MSI with an address/data pair on the igb PF (PCIe §7.7.1): the registers read back, MSI on, MSI-X and INTx off. */
KTEST(pci_msi_program)
{
	struct pci_function *pf = pci_find(IGB_VENDOR, IGB_PF_DEVICE, 0);
	if (!pf) {
		kprintf("pci-test: no igb (%04x:%04x) attached; nothing to check\n", IGB_VENDOR, IGB_PF_DEVICE);
		return 0;
	}
	struct pci_msi msi;
	KTEST_EXPECT(pci_msi_read(pf->cfg, pf->rid, pf->msi_cap, &msi), "the igb PF has no MSI capability");
	KTEST_EXPECT(pci_msi_set(pf, 0xfee01000ull, 0x4e) == 0, "pci_msi_set");
	uint16_t data_reg = (uint16_t)(msi.cap + (msi.is_64 ? PCI_MSI_DATA_64 : PCI_MSI_DATA_32));
	KTEST_EXPECT(pci_read32(pf->cfg, pf->rid, (uint16_t)(msi.cap + PCI_MSI_ADDRESS_LO)) == 0xfee01000u,
		     "MSI address reads back wrong");
	KTEST_EXPECT(pci_read16(pf->cfg, pf->rid, data_reg) == 0x4e, "MSI data reads back wrong");
	uint16_t control = pci_read16(pf->cfg, pf->rid, (uint16_t)(msi.cap + PCI_MSI_CONTROL));
	KTEST_EXPECT((control & (PCI_MSI_CONTROL_ENABLE | PCI_MSI_CONTROL_MME_MASK)) == PCI_MSI_CONTROL_ENABLE,
		     "MSI control 0x%x", control);
	KTEST_EXPECT(!(pci_read16(pf->cfg, pf->rid, (uint16_t)(pf->msix.cap + PCI_MSIX_CONTROL)) & PCI_MSIX_CONTROL_ENABLE),
		     "MSI-X stayed on beside MSI");
	KTEST_EXPECT(pci_read16(pf->cfg, pf->rid, PCI_COMMAND) & PCI_COMMAND_INTX_DISABLE, "INTx stayed on");
	pci_msi_disable(pf->cfg, pf->rid, &msi);
	return 0;
}

#define QEMU_NVME_VENDOR 0x1b36
#define QEMU_NVME_DEVICE 0x0010
#define NVME_VS 0x08   /* NVMe 1.4 §3.1.2: Version, major in 31:16 */
#define NVME_CSTS 0x1c /* NVMe 1.4 §3.1.6: Controller Status */
#define NVME_CSTS_CFS (1u << 1)

/*
 * With pci.sriov= naming QEMU's NVMe: every VF (offset 1, stride 1) answers
 * through its BAR0. Until the PF brings a VF controller online (Virtualization
 * Management, NVMe 1.4 §8.5) QEMU reads 0 from its registers but CSTS, which
 * shows Controller Fatal Status: either that or a real version proves decoding.
 */
KTEST(pci_nvme_vf_registers)
{
	struct pci_function *pf = pci_find(QEMU_NVME_VENDOR, QEMU_NVME_DEVICE, 0);
	if (!pf || !pf->sriov.num_vfs) {
		kprintf("pci-test: no NVMe PF with VFs on; nothing to check\n");
		return 0;
	}
	for (uint16_t i = 0; i < pf->sriov.num_vfs; i++) {
		const struct pci_function *vf = pci_vf(pf, i);
		KTEST_EXPECT(vf && vf->rid == pf->rid + 1 + i, "VF %u is not at PF + %u", i, 1 + i);
		volatile void *regs = pci_bar_map(vf, 0);
		KTEST_EXPECT(regs, "VF %u BAR0 not mapped", i);
		uint32_t vs = mmio_read32(mmio_at(regs, NVME_VS)), csts = mmio_read32(mmio_at(regs, NVME_CSTS));
		kprintf("pci-test: NVMe VF %u at %02x:%02x.%u: BAR0 0x%lx VS 0x%08x CSTS 0x%08x\n", i,
			PCI_RID_BUS(vf->rid), PCI_RID_DEV(vf->rid), PCI_RID_FN(vf->rid), vf->bar[0].base, vs, csts);
		KTEST_EXPECT(csts != 0xffffffffu && (vs >> 16 == 1 || (vs == 0 && (csts & NVME_CSTS_CFS))),
			     "VF %u reads VS 0x%x CSTS 0x%x: no NVMe register file", i, vs, csts);
	}
	return 0;
}
