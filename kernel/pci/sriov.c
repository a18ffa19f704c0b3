/*
 * Turning on SR-IOV virtual functions (PCIe §9.2.1, §9.3.3; kernel/pci/pci.h).
 *
 * SeaBIOS sizes no VF BAR, so each VF BAR (one VF's size times NumVFs,
 * §9.3.3.14) is placed here in a window of the bridge above the PF
 * (pci_place). Bridge windows are not moved: where one is too small the log
 * says so and the VFs stay off.
 */
#include "kernel/arch/timer.h"
#include "kernel/console.h"
#include "kernel/mm/vm.h"
#include "kernel/pci/pci.h"
#include "lib/common/mmio.h"
#include "lib/common/string.h"

static void print_rid(const char *prefix, const struct pci_function *f)
{
	kprintf("%s%02x:%02x.%u", prefix, PCI_RID_BUS(f->rid), PCI_RID_DEV(f->rid), PCI_RID_FN(f->rid));
}

/*
 * A place for one VF BAR's span: below 4 GiB when a window has room there
 * (pci_place), since QEMU 10.0.2 decodes a VF BAR with its low 32 bits only
 * (its VF BARs placed at 0xe000020000 showed at 0x20000, over RAM), so a VF
 * BAR above 4 GiB works on hardware but not there.
 */
static bool place_vf_bar(const struct pci_function *pf, const struct pci_bar *bar, uint64_t span, uint64_t *at)
{
	if (!pci_place(pf, bar->flags, span, bar->size, at))
		return false;
	if (*at + span - 1 > 0xffffffffull) {
		print_rid("pci: ", pf);
		kprintf(": VF BAR at 0x%lx, above 4 GiB, where QEMU 10.0.2 does not decode VF BARs\n", *at);
	}
	return true;
}

/* Why the VFs stay off: which BAR, how much it needs, and the windows it did not fit in. */
static void report_no_room(const struct pci_function *pf, unsigned b, const struct pci_bar *bar, uint64_t span,
			   uint16_t num_vfs)
{
	print_rid("pci: ", pf);
	if (pf->parent == PCI_NO_INDEX) {
		kprintf(": VF BAR%u needs 0x%lx bytes (%u x 0x%lx) and the PF sits on a root bus, whose windows are not "
			"known; VFs stay off\n", b, span, num_vfs, bar->size);
		return;
	}
	const struct pci_function *br = pci_function_at(pf->parent);
	kprintf(": VF BAR%u needs 0x%lx bytes (%u x 0x%lx, aligned to 0x%lx) and no free range is left in the windows "
		"of bridge %02x:%02x.%u (memory 0x%lx-0x%lx, prefetchable 0x%lx-0x%lx); VFs stay off: give the bridge a "
		"larger reserve (pcie-root-port mem-reserve)\n", b, span, num_vfs, bar->size, bar->size,
		PCI_RID_BUS(br->rid), PCI_RID_DEV(br->rid), PCI_RID_FN(br->rid), br->windows.mem.base,
		br->windows.mem.limit, br->windows.pref.base, br->windows.pref.limit);
}

/*
 * Sizes the VF BARs and gives an address to each that firmware left at 0 (or
 * put above 4 GiB, when there is room below); -SIETCH_ENOSPC if one does not fit.
 */
static int assign_vf_bars(struct pci_function *pf, uint16_t num_vfs)
{
	struct pci_sriov *s = &pf->sriov;
	pci_bars_probe(pf->cfg, pf->rid, (uint16_t)(s->cap + PCI_SRIOV_VF_BAR0), PCI_NORMAL_BARS, s->vf_bar);
	for (unsigned b = 0; b < PCI_NORMAL_BARS; b++) {
		struct pci_bar *bar = &s->vf_bar[b];
		uint64_t span = pci_sriov_vf_bar_span(bar->size, num_vfs), at;
		if (!bar->size || (bar->flags & (PCI_BAR_IO | PCI_BAR_UPPER)))
			continue;
		/* firmware's placement stands below 4 GiB; above, it moves down where a window has room (see place_vf_bar) */
		if (bar->base && bar->base + span - 1 <= 0xffffffffull)
			continue;
		bool placed = span && place_vf_bar(pf, bar, span, &at);
		if (!placed && bar->base) {
			print_rid("pci: ", pf);
			kprintf(": VF BAR%u stays where firmware put it, 0x%lx, above 4 GiB, where QEMU 10.0.2 does not "
				"decode VF BARs\n", b, bar->base);
			continue;
		}
		if (!placed) {
			report_no_room(pf, b, bar, span, num_vfs);
			return -SIETCH_ENOSPC;
		}
		pci_bar_assign(pf->cfg, pf->rid, (uint16_t)(s->cap + PCI_SRIOV_VF_BAR0 + 4 * b), bar, at);
		bar->base = at; /* the next VF BAR's placement sees this one: NumVFs is already set */
	}
	return 0;
}

/*
 * PCIe §6.13, §9.3.3.3.5: VFs use function numbers past 7 (the igb's sit at
 * devfn 0x80 and up), which a Root or Downstream Port forwards only with ARI
 * Forwarding Enable. Where the port supports it and the PF has the ARI
 * capability, turn it on; the PF then gets ARI Capable Hierarchy (only
 * function 0 has it), which may change First VF Offset and VF Stride and so
 * goes in before NumVFs.
 */
static uint16_t ari_setup(const struct pci_function *pf)
{
	if (pf->parent == PCI_NO_INDEX || !pci_ecap_find(pf->cfg, pf->rid, PCI_ECAP_ID_ARI))
		return 0;
	const struct pci_function *br = pci_function_at(pf->parent);
	uint16_t exp = pci_cap_find(br->cfg, br->rid, PCI_CAP_ID_EXP);
	if (!exp || !(pci_read32(br->cfg, br->rid, (uint16_t)(exp + PCI_EXP_DEVCAP2)) & PCI_EXP_DEVCAP2_ARI))
		return 0;
	uint16_t devctl2 = pci_read16(br->cfg, br->rid, (uint16_t)(exp + PCI_EXP_DEVCTL2));
	pci_write16(br->cfg, br->rid, (uint16_t)(exp + PCI_EXP_DEVCTL2), devctl2 | PCI_EXP_DEVCTL2_ARI);
	return PCI_RID_FN(pf->rid) == 0 ? PCI_SRIOV_CONTROL_ARI : 0;
}

/* The bridge above pf forwards configuration requests for every VF (§9.2.1.2 VF discovery). */
static int check_vf_rids(const struct pci_function *pf, uint16_t num_vfs)
{
	const struct pci_sriov *s = &pf->sriov;
	uint8_t secondary = PCI_RID_BUS(pf->rid), subordinate = secondary;
	bool below_port = false, ari = false;
	if (pf->parent != PCI_NO_INDEX) {
		const struct pci_function *br = pci_function_at(pf->parent);
		uint16_t exp = pci_cap_find(br->cfg, br->rid, PCI_CAP_ID_EXP);
		unsigned type = exp ? PCI_EXP_TYPE(pci_read16(br->cfg, br->rid, (uint16_t)(exp + PCI_EXP_FLAGS))) : 0;
		below_port = type == PCI_EXP_TYPE_ROOT_PORT || type == PCI_EXP_TYPE_DOWNSTREAM;
		ari = exp && (pci_read16(br->cfg, br->rid, (uint16_t)(exp + PCI_EXP_DEVCTL2)) & PCI_EXP_DEVCTL2_ARI);
		subordinate = br->subordinate;
	}
	for (uint16_t i = 0; i < num_vfs; i++) {
		uint16_t rid = 0;
		if (!pci_sriov_vf_rid(pf->rid, s->vf_offset, s->vf_stride, num_vfs, i, &rid) ||
		    !pci_rid_reachable(rid, secondary, subordinate, below_port, ari)) {
			print_rid("pci: ", pf);
			kprintf(": VF %u at %02x:%02x.%u cannot be reached through the bridge above (buses %u-%u%s); "
				"VFs stay off\n", i, PCI_RID_BUS(rid), PCI_RID_DEV(rid), PCI_RID_FN(rid), secondary,
				subordinate, below_port && !ari ? ", no ARI forwarding" : "");
			return -SIETCH_EINVAL;
		}
	}
	return 0;
}

/*
 * A VF joins the table with the PF's vendor ID and the VF Device ID, since
 * its own ID registers read 0xffff (§9.3.4.1.1-2), and its BARs computed from
 * the VF BARs. QEMU decodes a VF's BARs only with Memory Space in the VF's own
 * Command register, and does its DMA only with the VF's own Bus Master, although
 * for memory space §9.3.4.1.3 leaves that bit to the PF's VF MSE: set both.
 */
static int add_vf(struct pci_function *pf, uint16_t index)
{
	struct pci_function vf;
	memset(&vf, 0, sizeof(vf));
	vf.segment = pf->segment;
	pci_sriov_vf_rid(pf->rid, pf->sriov.vf_offset, pf->sriov.vf_stride, pf->sriov.num_vfs, index, &vf.rid);
	vf.cfg = pf->cfg;
	vf.parent = pf->parent;
	vf.vendor = pf->vendor;
	vf.device = pf->sriov.vf_device;
	uint32_t rev_class = pci_read32(vf.cfg, vf.rid, PCI_REVISION);
	vf.revision = (uint8_t)rev_class;
	vf.class_code = rev_class >> 8;
	vf.header_type = pci_read8(vf.cfg, vf.rid, PCI_HEADER_TYPE);
	vf.is_vf = true;
	vf.pf = (uint16_t)pci_index_of(pf);
	vf.vf_index = index;
	vf.bar_count = PCI_NORMAL_BARS;
	for (unsigned b = 0; b < PCI_NORMAL_BARS; b++) {
		vf.bar[b] = pf->sriov.vf_bar[b];
		if (vf.bar[b].size && !(vf.bar[b].flags & PCI_BAR_UPPER))
			vf.bar[b].base = pci_sriov_vf_bar_addr(&pf->sriov.vf_bar[b], index);
	}
	pci_enable_memory_and_master(&vf);
	pci_function_read_caps(&vf);
	struct pci_function *added = pci_table_append(&vf);
	if (!added)
		return -SIETCH_ENOMEM;
	/* PCIe §7.7.2.8: every MSI-X entry is masked out of reset, so reading its Vector Control proves the BAR decodes */
	volatile void *table = pci_msix_table(added);
	if (table)
		added->decodes = mmio_read32(mmio_at(table, PCI_MSIX_ENTRY_VECTOR_CONTROL)) == PCI_MSIX_ENTRY_MASKED;
	pci_function_print(added);
	return 0;
}

static int sriov_enable_locked(struct pci_function *pf, uint16_t num_vfs)
{
	struct pci_sriov *s = &pf->sriov;
	const struct pci_cfg *cfg = pf->cfg;
	if (num_vfs == 0 || num_vfs > s->total_vfs)
		return -SIETCH_EINVAL;
	if (pci_read16(cfg, pf->rid, (uint16_t)(s->cap + PCI_SRIOV_CONTROL)) & PCI_SRIOV_CONTROL_VFE)
		return -SIETCH_EBUSY;
	uint16_t ari = ari_setup(pf);
	pci_sriov_prepare(cfg, pf->rid, s, num_vfs, ari);
	int err = check_vf_rids(pf, num_vfs);
	if (!err) {
		pci_place_lock();
		err = assign_vf_bars(pf, num_vfs);
		pci_place_unlock();
	}
	if (err) {
		pci_sriov_abort(cfg, pf->rid, s);
		return err;
	}
	pci_sriov_commit(cfg, pf->rid, s, ari);
	timer_delay_us(PCI_SRIOV_ENABLE_WAIT_US); /* §9.3.3.3.1: before the first request to a VF */
	print_rid("pci: ", pf);
	kprintf(": %u of %u VFs enabled (offset 0x%x, stride %u, device %04x)\n", num_vfs, s->total_vfs, s->vf_offset,
		s->vf_stride, s->vf_device);
	for (uint16_t i = 0; i < num_vfs; i++)
		if ((err = add_vf(pf, i)) != 0)
			return err;
	return 0;
}

int pci_sriov_enable(struct pci_function *pf, uint16_t num_vfs)
{
	if (!pf || pf->is_vf || !pf->sriov.cap) {
		if (pf) {
			print_rid("pci: ", pf);
			kprintf(": no SR-IOV capability\n");
		}
		return -SIETCH_EINVAL;
	}
	if (__atomic_exchange_n(&pf->sriov_busy, 1, __ATOMIC_ACQUIRE))
		return -SIETCH_EBUSY;
	int err = sriov_enable_locked(pf, num_vfs);
	if (err == -SIETCH_EINVAL && (num_vfs == 0 || num_vfs > pf->sriov.total_vfs)) {
		print_rid("pci: ", pf);
		kprintf(": %u VFs asked for, %u at most\n", num_vfs, pf->sriov.total_vfs);
	}
	/* the flag stays set once VFs are on: they are never turned off again */
	if (err)
		__atomic_store_n(&pf->sriov_busy, 0, __ATOMIC_RELEASE);
	return err;
}
