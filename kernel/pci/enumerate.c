/*
 * Finding every function at boot (kernel/pci/pci.h): a depth-first walk from
 * each segment's first bus through the bridges' secondary buses, as firmware
 * numbered them.
 */
#include "kernel/pci/pci.h"

#include "kernel/arch/spinlock.h"
#include "kernel/console.h"
#include "kernel/mm/vm.h"
#include "kernel/pci/ecam.h"
#include "lib/common/cmdline.h"
#include "lib/common/mmio.h"
#include "lib/common/string.h"

#define PCI_DEVICES 32
#define PCI_FUNCTIONS 8
#define PCI_MAX_DEPTH 32 /* bridges under bridges; a loop of bus numbers ends here */

static struct pci_function table[PCI_MAX_FUNCTIONS];
static size_t table_count; /* published with release: entries below it are complete */

size_t pci_function_count(void) { return __atomic_load_n(&table_count, __ATOMIC_ACQUIRE); }

struct pci_function *pci_function_at(size_t index) { return index < pci_function_count() ? &table[index] : 0; }

size_t pci_index_of(const struct pci_function *f) { return (size_t)(f - table); }

struct pci_function *pci_table_append(const struct pci_function *f)
{
	static struct spinlock append_lock = SPINLOCK_INIT("pci table");
	struct pci_function *slot = 0;
	spin_lock(&append_lock);
	if (table_count < PCI_MAX_FUNCTIONS) {
		slot = &table[table_count];
		*slot = *f;
		__atomic_store_n(&table_count, table_count + 1, __ATOMIC_RELEASE);
	}
	spin_unlock(&append_lock);
	return slot;
}

struct pci_function *pci_find(uint16_t vendor, uint16_t device, unsigned nth)
{
	size_t n = pci_function_count();
	for (size_t i = 0; i < n; i++)
		if (table[i].vendor == vendor && table[i].device == device && nth-- == 0)
			return &table[i];
	return 0;
}

struct pci_function *pci_vf(const struct pci_function *pf, uint16_t index)
{
	size_t n = pci_function_count(), pf_index = pci_index_of(pf);
	for (size_t i = 0; i < n; i++)
		if (table[i].is_vf && table[i].pf == pf_index && table[i].vf_index == index)
			return &table[i];
	return 0;
}

volatile void *pci_bar_map(const struct pci_function *f, unsigned bar)
{
	if (bar >= PCI_NORMAL_BARS)
		return 0;
	const struct pci_bar *b = &f->bar[bar];
	if (!b->size || !b->base || (b->flags & (PCI_BAR_IO | PCI_BAR_UPPER)) || !kmap_phys_reachable(b->base, b->size))
		return 0;
	return kmap_mmio(b->base, b->size);
}

volatile void *pci_msix_table(const struct pci_function *f)
{
	if (!f->has_msix)
		return 0;
	volatile void *bar = pci_bar_map(f, f->msix.table_bar);
	uint64_t end = (uint64_t)f->msix.table_offset + (uint64_t)f->msix.table_size * PCI_MSIX_ENTRY_SIZE;
	return bar && end <= f->bar[f->msix.table_bar].size ? mmio_at(bar, f->msix.table_offset) : 0;
}

bool pci_claim(struct pci_function *f, uint32_t pid)
{
	uint32_t none = 0;
	return pid && __atomic_compare_exchange_n(&f->owner, &none, pid, false, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
}

void pci_release(struct pci_function *f, uint32_t pid)
{
	__atomic_compare_exchange_n(&f->owner, &pid, 0, false, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
}

void pci_enable_memory_and_master(const struct pci_function *f)
{
	uint16_t command = pci_read16(f->cfg, f->rid, PCI_COMMAND);
	pci_write16(f->cfg, f->rid, PCI_COMMAND, command | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
}

void pci_function_read_caps(struct pci_function *f)
{
	struct pci_cap caps[PCI_CAPS_MAX];
	size_t n = pci_caps_walk(f->cfg, f->rid, caps, PCI_CAPS_MAX);
	f->cap_count = (uint8_t)(n < PCI_FN_CAPS ? n : PCI_FN_CAPS);
	memcpy(f->cap, caps, f->cap_count * sizeof(caps[0]));
	for (size_t i = 0; i < n && i < PCI_CAPS_MAX; i++) {
		if (caps[i].id == PCI_CAP_ID_MSI && !f->msi_cap)
			f->msi_cap = caps[i].offset;
		if (caps[i].id == PCI_CAP_ID_MSIX && !f->has_msix)
			f->has_msix = pci_msix_read(f->cfg, f->rid, caps[i].offset, &f->msix);
	}
	/* Extended capabilities exist only where ECAM reaches offsets past 0xff: a PCIe function (§7.6). */
	n = pci_ecaps_walk(f->cfg, f->rid, caps, PCI_CAPS_MAX);
	f->ecap_count = (uint8_t)(n < PCI_FN_CAPS ? n : PCI_FN_CAPS);
	memcpy(f->ecap, caps, f->ecap_count * sizeof(caps[0]));
	for (size_t i = 0; i < n && i < PCI_CAPS_MAX; i++)
		if (caps[i].id == PCI_ECAP_ID_SRIOV && !f->is_vf && !f->sriov.cap) {
			pci_sriov_read(f->cfg, f->rid, caps[i].offset, &f->sriov);
			/* safe while VF MSE is off: the VF BARs decode nothing yet */
			if (!(f->sriov.control & PCI_SRIOV_CONTROL_MSE))
				pci_bars_probe(f->cfg, f->rid, (uint16_t)(caps[i].offset + PCI_SRIOV_VF_BAR0),
					       PCI_NORMAL_BARS, f->sriov.vf_bar);
		}
}

/* Sizes the BARs with decoding off for the moment (PCIe §7.5.1.2.1 implementation note). */
static void read_bars(struct pci_function *f)
{
	f->bar_count = (f->header_type & PCI_HEADER_LAYOUT_MASK) == PCI_HEADER_TYPE_BRIDGE ? PCI_BRIDGE_BARS :
		(f->header_type & PCI_HEADER_LAYOUT_MASK) == PCI_HEADER_TYPE_NORMAL ? PCI_NORMAL_BARS : 0;
	if (!f->bar_count)
		return;
	uint16_t command = pci_read16(f->cfg, f->rid, PCI_COMMAND);
	pci_write16(f->cfg, f->rid, PCI_COMMAND, command & ~(PCI_COMMAND_IO | PCI_COMMAND_MEMORY));
	pci_bars_probe(f->cfg, f->rid, PCI_BAR0, f->bar_count, f->bar);
	pci_write16(f->cfg, f->rid, PCI_COMMAND, command);
}

static void read_function(const struct pci_cfg *cfg, uint16_t segment, uint16_t rid, uint16_t parent,
			  struct pci_function *f)
{
	memset(f, 0, sizeof(*f));
	f->segment = segment;
	f->rid = rid;
	f->cfg = cfg;
	f->parent = parent;
	f->pf = PCI_NO_INDEX;
	f->vendor = pci_read16(cfg, rid, PCI_VENDOR_ID);
	f->device = pci_read16(cfg, rid, PCI_DEVICE_ID);
	uint32_t rev_class = pci_read32(cfg, rid, PCI_REVISION);
	f->revision = (uint8_t)rev_class;
	f->class_code = rev_class >> 8;
	f->header_type = pci_read8(cfg, rid, PCI_HEADER_TYPE);
	read_bars(f);
	if ((f->header_type & PCI_HEADER_LAYOUT_MASK) == PCI_HEADER_TYPE_BRIDGE) {
		f->secondary = pci_read8(cfg, rid, PCI_SECONDARY_BUS);
		f->subordinate = pci_read8(cfg, rid, PCI_SUBORDINATE_BUS);
		pci_bridge_windows_read(cfg, rid, &f->windows);
	}
	pci_function_read_caps(f);
}

static void scan_bus(struct ecam_region *r, uint8_t bus, uint16_t parent, unsigned depth);

static void add_function(struct ecam_region *r, uint16_t rid, uint16_t parent, unsigned depth)
{
	struct pci_function f;
	read_function(&r->cfg, r->segment, rid, parent, &f);
	struct pci_function *added = pci_table_append(&f);
	if (!added) {
		kprintf("pci: more than %u functions; %02x:%02x.%u and later are not listed\n", PCI_MAX_FUNCTIONS,
			PCI_RID_BUS(rid), PCI_RID_DEV(rid), PCI_RID_FN(rid));
		return;
	}
	pci_function_print(added);
	if ((f.header_type & PCI_HEADER_LAYOUT_MASK) != PCI_HEADER_TYPE_BRIDGE)
		return;
	/* PCIe §7.5.1.3.3-4: firmware numbered the buses below; a bridge it left at 0 stays unexplored */
	if (f.secondary <= PCI_RID_BUS(rid) || f.secondary > r->bus_end || f.subordinate < f.secondary) {
		kprintf("pci: bridge %02x:%02x.%u has no usable bus numbers (secondary %u, subordinate %u); not followed\n",
			PCI_RID_BUS(rid), PCI_RID_DEV(rid), PCI_RID_FN(rid), f.secondary, f.subordinate);
		return;
	}
	scan_bus(r, f.secondary, (uint16_t)pci_index_of(added), depth + 1);
}

static void scan_bus(struct ecam_region *r, uint8_t bus, uint16_t parent, unsigned depth)
{
	if (depth > PCI_MAX_DEPTH)
		return;
	for (uint8_t dev = 0; dev < PCI_DEVICES; dev++) {
		uint16_t rid0 = PCI_RID(bus, dev, 0);
		if (pci_read16(&r->cfg, rid0, PCI_VENDOR_ID) == PCI_VENDOR_NONE)
			continue;
		/* §7.5.1.1.9: functions 1-7 exist only in a multi-function device */
		bool multi = pci_read8(&r->cfg, rid0, PCI_HEADER_TYPE) & PCI_HEADER_MULTIFUNCTION;
		for (uint8_t fn = 0; fn < (multi ? PCI_FUNCTIONS : 1); fn++) {
			uint16_t rid = PCI_RID(bus, dev, fn);
			/* VFs read 0xffff here too (§9.3.4.1.1): they are found through their PF, not by scanning */
			if (pci_read16(&r->cfg, rid, PCI_VENDOR_ID) != PCI_VENDOR_NONE)
				add_function(r, rid, parent, depth);
		}
	}
}

/* "pci.sriov=VVVV:DDDD:N[,...]": enable N VFs on every PF with that vendor and device ID. */
static void sriov_from_cmdline(const char *list)
{
	const char *p = list;
	uint16_t vendor, device, vfs;
	while (*p) {
		if (!pci_sriov_word_next(&p, &vendor, &device, &vfs)) {
			kprintf("pci: pci.sriov=%s: expected VVVV:DDDD:N[,...]; ignored from '%s'\n", list, p);
			return;
		}
		struct pci_function *pf;
		unsigned found = 0;
		while ((pf = pci_find(vendor, device, found)) != 0) {
			found++;
			if (!pf->is_vf)
				pci_sriov_enable(pf, vfs);
		}
		if (!found)
			kprintf("pci: pci.sriov: no function %04x:%04x\n", vendor, device);
	}
}

void pci_init(const char *cmdline)
{
	if (!ecam_init()) {
		kprintf("pci: no ECAM window in ACPI's MCFG; no PCI functions\n");
		return;
	}
	for (unsigned i = 0; i < ecam_region_count(); i++) {
		struct ecam_region *r = ecam_region(i);
		scan_bus(r, r->bus_start, PCI_NO_INDEX, 0);
	}
	for (size_t i = 0; i < pci_function_count(); i++)
		pci_assign_unassigned(pci_function_at(i));
	kprintf("pci: %lu functions\n", (uint64_t)pci_function_count());
	char value[256];
	if (cmdline_get(cmdline, "pci.sriov", value, sizeof(value)))
		sriov_from_cmdline(value);
}
