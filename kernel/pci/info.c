/* What the kernel tells about its PCI functions: one boot-log line each, and the pci_list snapshot. */
#include "kernel/console.h"
#include "kernel/iommu/iommu.h"
#include "kernel/pci/pci.h"
#include "lib/common/string.h"

void pci_function_print(const struct pci_function *f)
{
	kprintf("pci: %02x:%02x.%u %04x:%04x class %06x%s", PCI_RID_BUS(f->rid), PCI_RID_DEV(f->rid), PCI_RID_FN(f->rid),
		f->vendor, f->device, f->class_code, f->is_vf ? " vf" : "");
	if (f->bar_count == PCI_BRIDGE_BARS)
		kprintf(" bridge to buses %u-%u", f->secondary, f->subordinate);
	for (unsigned b = 0; b < f->bar_count; b++) {
		const struct pci_bar *bar = &f->bar[b];
		if (bar->size && !(bar->flags & PCI_BAR_UPPER))
			kprintf(" bar%u=0x%lx+0x%lx", b, bar->base, bar->size);
	}
	if (f->sriov.cap)
		kprintf(" sriov=%u/%u", f->sriov.num_vfs, f->sriov.total_vfs);
	if (f->is_vf)
		kprintf(f->decodes ? " decodes" : " msix-table-unread");
	kprintf("\n");
}

static void copy_bar(struct sietch_pci_bar *out, const struct pci_bar *bar)
{
	/* the PCI_BAR_* flags and SIETCH_PCI_BAR_* flags are the same bits */
	_Static_assert(PCI_BAR_IO == SIETCH_PCI_BAR_IO && PCI_BAR_64 == SIETCH_PCI_BAR_64 &&
			       PCI_BAR_PREFETCH == SIETCH_PCI_BAR_PREFETCH && PCI_BAR_UPPER == SIETCH_PCI_BAR_UPPER,
		       "one set of BAR flags");
	*out = (struct sietch_pci_bar){ .base = bar->base, .size = bar->size, .flags = bar->flags };
}

static void fill_caps(struct sietch_pci_info *out, const struct pci_function *f)
{
	_Static_assert(PCI_FN_CAPS == SIETCH_PCI_CAPS, "one capability count");
	out->cap_count = f->cap_count;
	out->ecap_count = f->ecap_count;
	for (unsigned i = 0; i < f->cap_count; i++) {
		out->cap_id[i] = (uint8_t)f->cap[i].id;
		out->cap_offset[i] = f->cap[i].offset;
	}
	for (unsigned i = 0; i < f->ecap_count; i++) {
		out->ecap_id[i] = f->ecap[i].id;
		out->ecap_offset[i] = f->ecap[i].offset;
	}
}

static void fill_info(struct sietch_pci_info *out, const struct pci_function *f)
{
	memset(out, 0, sizeof(*out));
	out->segment = f->segment;
	out->bus = PCI_RID_BUS(f->rid);
	out->devfn = (uint8_t)f->rid;
	out->vendor = f->vendor;
	out->device = f->device;
	out->class_code = f->class_code;
	out->revision = f->revision;
	out->header_type = f->header_type;
	out->parent = f->parent;
	out->pf = f->is_vf ? f->pf : SIETCH_PCI_NO_INDEX;
	out->vf_index = f->vf_index;
	out->owner = __atomic_load_n(&f->owner, __ATOMIC_RELAXED);
	out->flags = (f->bar_count == PCI_BRIDGE_BARS ? SIETCH_PCI_BRIDGE : 0) | (f->is_vf ? SIETCH_PCI_VF : 0) |
		     (f->sriov.cap ? SIETCH_PCI_SRIOV : 0) | (f->has_msix ? SIETCH_PCI_MSIX : 0) |
		     (f->decodes ? SIETCH_PCI_DECODES : 0);
	out->dma_domain = iommu_domain_of(f);
	if (out->dma_domain)
		out->flags |= SIETCH_PCI_DMA_REMAPPED;
	out->secondary = f->secondary;
	out->subordinate = f->subordinate;
	if (f->bar_count == PCI_BRIDGE_BARS) {
		out->mem_base = f->windows.mem.base;
		out->mem_limit = f->windows.mem.limit;
		out->pref_base = f->windows.pref.base;
		out->pref_limit = f->windows.pref.limit;
	}
	for (unsigned b = 0; b < f->bar_count; b++)
		copy_bar(&out->bar[b], &f->bar[b]);
	fill_caps(out, f);
	if (f->sriov.cap) {
		out->sriov_cap = f->sriov.cap;
		out->total_vfs = f->sriov.total_vfs;
		out->num_vfs = f->sriov.num_vfs;
		out->vf_offset = f->sriov.vf_offset;
		out->vf_stride = f->sriov.vf_stride;
		out->vf_device = f->sriov.vf_device;
		for (unsigned b = 0; b < PCI_NORMAL_BARS; b++)
			copy_bar(&out->vf_bar[b], &f->sriov.vf_bar[b]);
	}
	if (f->has_msix) {
		out->msix_vectors = f->msix.table_size;
		out->msix_table_bar = f->msix.table_bar;
		out->msix_table_offset = f->msix.table_offset;
		out->msix_pba_bar = f->msix.pba_bar;
		out->msix_pba_offset = f->msix.pba_offset;
	}
}

size_t pci_info_snapshot(size_t first, struct sietch_pci_info *out, size_t count)
{
	size_t total = pci_function_count(), n = 0;
	for (; first < total && n < count; first++, n++)
		fill_info(&out[n], pci_function_at(first));
	return n;
}
