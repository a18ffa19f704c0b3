/* Configuration-space logic shared by the kernel and host tests (lib/common/pci.h). */
#include "lib/common/pci.h"

#include "lib/common/mmio.h"

/* ---- capabilities ---- */

/* Capabilities live after the 64-byte header, dword aligned (PCIe §7.5.1.1.11). */
static bool cap_offset_ok(uint16_t off) { return off >= 0x40 && off < PCI_CFG_LEGACY_SIZE && !(off & 3); }

size_t pci_caps_walk(const struct pci_cfg *cfg, uint16_t rid, struct pci_cap *out, size_t max)
{
	/* A VF reads 0xffff as its vendor ID (§9.3.4.1.1) yet has capabilities: an absent function reads all ones in Status too. */
	uint16_t status = pci_read16(cfg, rid, PCI_STATUS);
	if (status == 0xffff || !(status & PCI_STATUS_CAP_LIST))
		return 0;
	size_t n = 0;
	uint16_t off = pci_read8(cfg, rid, PCI_CAP_PTR) & 0xfc; /* the low two bits are reserved */
	while (cap_offset_ok(off) && n < PCI_CAPS_MAX) {
		uint16_t header = pci_read16(cfg, rid, off); /* ID in 7:0, next pointer in 15:8 */
		if (n < max)
			out[n] = (struct pci_cap){ .id = header & 0xff, .offset = off };
		n++;
		off = (header >> 8) & 0xfc;
	}
	return n;
}

size_t pci_ecaps_walk(const struct pci_cfg *cfg, uint16_t rid, struct pci_cap *out, size_t max)
{
	size_t n = 0;
	uint16_t off = PCI_ECAP_START;
	while (off >= PCI_ECAP_START && off < PCI_CFG_SIZE && n < PCI_CAPS_MAX) {
		uint32_t header = pci_read32(cfg, rid, off);
		/* PCIe §7.6.3: all zeros, or all ones from a conventional function, means no list */
		if (header == 0 || header == 0xffffffffu)
			break;
		if (n < max)
			out[n] = (struct pci_cap){ .id = PCI_ECAP_ID(header), .offset = off };
		n++;
		off = PCI_ECAP_NEXT(header);
	}
	return n;
}

/* The offset of the first of n walked capabilities with this ID, or 0. */
static uint16_t cap_offset_of(const struct pci_cap *caps, size_t n, uint16_t id)
{
	for (size_t i = 0; i < n && i < PCI_CAPS_MAX; i++)
		if (caps[i].id == id)
			return caps[i].offset;
	return 0;
}

uint16_t pci_cap_find(const struct pci_cfg *cfg, uint16_t rid, uint8_t id)
{
	struct pci_cap caps[PCI_CAPS_MAX];
	return cap_offset_of(caps, pci_caps_walk(cfg, rid, caps, PCI_CAPS_MAX), id);
}

uint16_t pci_ecap_find(const struct pci_cfg *cfg, uint16_t rid, uint16_t id)
{
	struct pci_cap caps[PCI_CAPS_MAX];
	return cap_offset_of(caps, pci_ecaps_walk(cfg, rid, caps, PCI_CAPS_MAX), id);
}

/* ---- BARs ---- */

uint64_t pci_bar_size_from_mask(uint32_t lo, uint32_t hi)
{
	uint64_t mask;
	if (lo & PCI_BAR_SPACE_IO)
		mask = lo & (uint32_t)PCI_BAR_IO_MASK; /* bits 31:16 may read 0 where only 16 bits decode */
	else if ((lo & PCI_BAR_MEM_TYPE_MASK) == PCI_BAR_MEM_TYPE_64)
		mask = ((uint64_t)hi << 32) | (lo & (uint32_t)PCI_BAR_MEM_MASK);
	else
		mask = lo & (uint32_t)PCI_BAR_MEM_MASK;
	/* the lowest writable address bit is the size, a power of two; none writable: not implemented */
	return mask & -mask;
}

void pci_bar_decode(uint32_t lo, uint32_t hi, struct pci_bar *out)
{
	if (lo & PCI_BAR_SPACE_IO) {
		out->flags = PCI_BAR_IO;
		out->base = lo & PCI_BAR_IO_MASK & 0xffffffffu;
		return;
	}
	out->flags = 0;
	out->base = lo & PCI_BAR_MEM_MASK & 0xffffffffu;
	if ((lo & PCI_BAR_MEM_TYPE_MASK) == PCI_BAR_MEM_TYPE_64) {
		out->flags |= PCI_BAR_64;
		out->base |= (uint64_t)hi << 32;
	}
	if (lo & PCI_BAR_MEM_PREFETCH)
		out->flags |= PCI_BAR_PREFETCH;
}

/* One BAR register (two for a 64-bit one); returns the registers it took. */
static unsigned bar_probe_one(const struct pci_cfg *cfg, uint16_t rid, uint16_t reg, bool room_for_upper,
			      struct pci_bar *out)
{
	uint32_t lo = pci_read32(cfg, rid, reg), hi = 0, lo_mask, hi_mask = 0;
	bool is_64 = !(lo & PCI_BAR_SPACE_IO) && (lo & PCI_BAR_MEM_TYPE_MASK) == PCI_BAR_MEM_TYPE_64 && room_for_upper;
	if (is_64)
		hi = pci_read32(cfg, rid, (uint16_t)(reg + 4));
	pci_write32(cfg, rid, reg, 0xffffffffu);
	lo_mask = pci_read32(cfg, rid, reg);
	pci_write32(cfg, rid, reg, lo);
	if (is_64) {
		pci_write32(cfg, rid, (uint16_t)(reg + 4), 0xffffffffu);
		hi_mask = pci_read32(cfg, rid, (uint16_t)(reg + 4));
		pci_write32(cfg, rid, (uint16_t)(reg + 4), hi);
	}
	pci_bar_decode(lo, hi, out);
	out->size = lo == 0xffffffffu ? 0 : pci_bar_size_from_mask(lo_mask, hi_mask); /* all ones: no function */
	if (!is_64)
		out->flags &= ~PCI_BAR_64;
	return is_64 ? 2 : 1;
}

void pci_bars_probe(const struct pci_cfg *cfg, uint16_t rid, uint16_t first, unsigned count, struct pci_bar *out)
{
	for (unsigned i = 0; i < count;) {
		unsigned used = bar_probe_one(cfg, rid, (uint16_t)(first + 4 * i), i + 1 < count, &out[i]);
		if (used == 2)
			out[i + 1] = (struct pci_bar){ .flags = PCI_BAR_UPPER };
		i += used;
	}
}

void pci_bar_assign(const struct pci_cfg *cfg, uint16_t rid, uint16_t reg, const struct pci_bar *bar, uint64_t base)
{
	uint32_t type = pci_read32(cfg, rid, reg) & 0xfu; /* the read-only type bits */
	pci_write32(cfg, rid, reg, (uint32_t)base | type);
	if (bar->flags & PCI_BAR_64)
		pci_write32(cfg, rid, (uint16_t)(reg + 4), (uint32_t)(base >> 32));
}

/* ---- bridge windows ---- */

void pci_bridge_windows_read(const struct pci_cfg *cfg, uint16_t rid, struct pci_bridge_windows *out)
{
	/* §7.5.1.3.6: I/O base/limit bits 7:4 are address bits 15:12; low nibble 1 means 32-bit I/O */
	uint8_t io_base = pci_read8(cfg, rid, PCI_IO_BASE), io_limit = pci_read8(cfg, rid, PCI_IO_LIMIT);
	out->io.base = (uint64_t)(io_base & 0xf0) << 8;
	out->io.limit = ((uint64_t)(io_limit & 0xf0) << 8) | 0xfff;
	/* §7.5.1.3.8: memory base/limit bits 15:4 are address bits 31:20, limit inclusive to a 1 MiB boundary */
	uint16_t mem_base = pci_read16(cfg, rid, PCI_MEMORY_BASE), mem_limit = pci_read16(cfg, rid, PCI_MEMORY_LIMIT);
	out->mem.base = (uint64_t)(mem_base & 0xfff0) << 16;
	out->mem.limit = ((uint64_t)(mem_limit & 0xfff0) << 16) | 0xfffff;
	/* §7.5.1.3.9: the same, with the upper 32 bits in separate registers when the low nibble is 1 */
	uint16_t pref_base = pci_read16(cfg, rid, PCI_PREF_MEMORY_BASE);
	uint16_t pref_limit = pci_read16(cfg, rid, PCI_PREF_MEMORY_LIMIT);
	out->pref_64 = (pref_base & 0xf) == 1;
	out->pref.base = (uint64_t)(pref_base & 0xfff0) << 16;
	out->pref.limit = ((uint64_t)(pref_limit & 0xfff0) << 16) | 0xfffff;
	if (out->pref_64) {
		out->pref.base |= (uint64_t)pci_read32(cfg, rid, PCI_PREF_BASE_UPPER32) << 32;
		out->pref.limit |= (uint64_t)pci_read32(cfg, rid, PCI_PREF_LIMIT_UPPER32) << 32;
	}
}

/* ---- placing a range in a window ---- */

static bool align_up(uint64_t v, uint64_t align, uint64_t *out)
{
	uint64_t r = (v + align - 1) & ~(align - 1);
	if (r < v)
		return false;
	*out = r;
	return true;
}

bool pci_range_place(struct pci_window window, const struct pci_range *used, size_t n_used, uint64_t size,
		     uint64_t align, uint64_t *out)
{
	if (size == 0 || align == 0 || (align & (align - 1)) || window.limit < window.base)
		return false;
	uint64_t at;
	if (!align_up(window.base, align, &at))
		return false;
	/* Each pass moves past at least one used range for good, since at only grows: n_used + 1 passes at most. */
	for (size_t pass = 0; pass <= n_used; pass++) {
		if (at + size - 1 < at || at + size - 1 > window.limit)
			return false;
		bool moved = false;
		for (size_t i = 0; i < n_used; i++) {
			const struct pci_range *r = &used[i];
			/* inclusive ends, so a range that ends at the top of the address space does not wrap */
			uint64_t r_last = r->base + r->size - 1;
			if (r->size == 0 || r_last < r->base || r_last < at || r->base > at + size - 1)
				continue;
			if (r_last == UINT64_MAX || !align_up(r_last + 1, align, &at))
				return false;
			moved = true;
			break;
		}
		if (!moved) {
			*out = at;
			return true;
		}
	}
	return false;
}

/* ---- SR-IOV ---- */

void pci_sriov_read(const struct pci_cfg *cfg, uint16_t rid, uint16_t cap, struct pci_sriov *out)
{
	*out = (struct pci_sriov){ .cap = cap };
	out->control = pci_read16(cfg, rid, (uint16_t)(cap + PCI_SRIOV_CONTROL));
	out->initial_vfs = pci_read16(cfg, rid, (uint16_t)(cap + PCI_SRIOV_INITIAL_VFS));
	out->total_vfs = pci_read16(cfg, rid, (uint16_t)(cap + PCI_SRIOV_TOTAL_VFS));
	out->num_vfs = pci_read16(cfg, rid, (uint16_t)(cap + PCI_SRIOV_NUM_VFS));
	out->vf_offset = pci_read16(cfg, rid, (uint16_t)(cap + PCI_SRIOV_VF_OFFSET));
	out->vf_stride = pci_read16(cfg, rid, (uint16_t)(cap + PCI_SRIOV_VF_STRIDE));
	out->vf_device = pci_read16(cfg, rid, (uint16_t)(cap + PCI_SRIOV_VF_DEVICE));
	out->page_sizes = pci_read32(cfg, rid, (uint16_t)(cap + PCI_SRIOV_PAGE_SIZES));
}

void pci_sriov_prepare(const struct pci_cfg *cfg, uint16_t rid, struct pci_sriov *s, uint16_t num_vfs, uint16_t ari)
{
	if (s->page_sizes & PCI_SRIOV_PAGE_4K)
		pci_write32(cfg, rid, (uint16_t)(s->cap + PCI_SRIOV_SYSTEM_PAGE), PCI_SRIOV_PAGE_4K);
	if (ari)
		pci_write16(cfg, rid, (uint16_t)(s->cap + PCI_SRIOV_CONTROL), ari & PCI_SRIOV_CONTROL_ARI);
	pci_write16(cfg, rid, (uint16_t)(s->cap + PCI_SRIOV_NUM_VFS), num_vfs);
	pci_sriov_read(cfg, rid, s->cap, s);
}

void pci_sriov_commit(const struct pci_cfg *cfg, uint16_t rid, struct pci_sriov *s, uint16_t ari)
{
	pci_write16(cfg, rid, (uint16_t)(s->cap + PCI_SRIOV_CONTROL),
		    (ari & PCI_SRIOV_CONTROL_ARI) | PCI_SRIOV_CONTROL_VFE | PCI_SRIOV_CONTROL_MSE);
	s->control = pci_read16(cfg, rid, (uint16_t)(s->cap + PCI_SRIOV_CONTROL));
}

void pci_sriov_abort(const struct pci_cfg *cfg, uint16_t rid, struct pci_sriov *s)
{
	pci_write16(cfg, rid, (uint16_t)(s->cap + PCI_SRIOV_NUM_VFS), 0);
	s->num_vfs = 0;
}

bool pci_sriov_vf_rid(uint16_t pf_rid, uint16_t offset, uint16_t stride, uint16_t num_vfs, uint16_t index,
		      uint16_t *out)
{
	if (index >= num_vfs)
		return false;
	uint32_t rid = (uint32_t)pf_rid + offset + (uint32_t)index * stride;
	if (rid > 0xffff)
		return false;
	*out = (uint16_t)rid;
	return true;
}

bool pci_rid_reachable(uint16_t rid, uint8_t secondary, uint8_t subordinate, bool below_port, bool ari_forwarding)
{
	uint8_t bus = PCI_RID_BUS(rid);
	if (bus < secondary || bus > subordinate)
		return false;
	return !below_port || ari_forwarding || bus != secondary || PCI_RID_DEV(rid) == 0;
}

uint64_t pci_sriov_vf_bar_span(uint64_t size, uint16_t num_vfs)
{
	if (num_vfs && size > UINT64_MAX / num_vfs)
		return 0;
	return size * num_vfs;
}

/* ---- MSI and MSI-X ---- */

bool pci_msi_read(const struct pci_cfg *cfg, uint16_t rid, uint16_t cap, struct pci_msi *out)
{
	if (!cap)
		return false;
	uint16_t control = pci_read16(cfg, rid, (uint16_t)(cap + PCI_MSI_CONTROL));
	unsigned mmc = (control >> PCI_MSI_CONTROL_MMC_SHIFT) & 7; /* §7.7.1.2: log2 of the vectors, 0..5 */
	*out = (struct pci_msi){
		.cap = cap,
		.is_64 = control & PCI_MSI_CONTROL_64BIT,
		.maskable = control & PCI_MSI_CONTROL_MASKABLE,
		.vectors = (uint8_t)(1u << (mmc > 5 ? 5 : mmc)),
	};
	return true;
}

void pci_msi_program(const struct pci_cfg *cfg, uint16_t rid, const struct pci_msi *msi, uint64_t address,
		     uint32_t data)
{
	uint16_t control_reg = (uint16_t)(msi->cap + PCI_MSI_CONTROL);
	uint16_t control = pci_read16(cfg, rid, control_reg);
	pci_write16(cfg, rid, control_reg, (uint16_t)(control & ~PCI_MSI_CONTROL_ENABLE));
	pci_write32(cfg, rid, (uint16_t)(msi->cap + PCI_MSI_ADDRESS_LO), (uint32_t)address);
	if (msi->is_64) {
		pci_write32(cfg, rid, (uint16_t)(msi->cap + PCI_MSI_ADDRESS_HI), (uint32_t)(address >> 32));
		pci_write16(cfg, rid, (uint16_t)(msi->cap + PCI_MSI_DATA_64), (uint16_t)data);
	} else {
		pci_write16(cfg, rid, (uint16_t)(msi->cap + PCI_MSI_DATA_32), (uint16_t)data);
	}
	control &= (uint16_t)~PCI_MSI_CONTROL_MME_MASK; /* one vector */
	pci_write16(cfg, rid, control_reg, (uint16_t)(control | PCI_MSI_CONTROL_ENABLE));
}

void pci_msi_disable(const struct pci_cfg *cfg, uint16_t rid, const struct pci_msi *msi)
{
	uint16_t control_reg = (uint16_t)(msi->cap + PCI_MSI_CONTROL);
	pci_write16(cfg, rid, control_reg, (uint16_t)(pci_read16(cfg, rid, control_reg) & ~PCI_MSI_CONTROL_ENABLE));
}

bool pci_msix_read(const struct pci_cfg *cfg, uint16_t rid, uint16_t cap, struct pci_msix *out)
{
	if (!cap)
		return false;
	uint16_t control = pci_read16(cfg, rid, (uint16_t)(cap + PCI_MSIX_CONTROL));
	uint32_t table = pci_read32(cfg, rid, (uint16_t)(cap + PCI_MSIX_TABLE));
	uint32_t pba = pci_read32(cfg, rid, (uint16_t)(cap + PCI_MSIX_PBA));
	/* §7.7.2.3, §7.7.2.4: BIR in bits 2:0, a qword-aligned offset in the rest */
	*out = (struct pci_msix){
		.cap = cap,
		.table_size = (uint16_t)((control & PCI_MSIX_CONTROL_SIZE_MASK) + 1),
		.table_bar = table & PCI_MSIX_BIR_MASK,
		.table_offset = table & ~PCI_MSIX_BIR_MASK,
		.pba_bar = pba & PCI_MSIX_BIR_MASK,
		.pba_offset = pba & ~PCI_MSIX_BIR_MASK,
	};
	return true;
}

void pci_msix_enable(const struct pci_cfg *cfg, uint16_t rid, const struct pci_msix *msix, bool function_mask)
{
	uint16_t reg = (uint16_t)(msix->cap + PCI_MSIX_CONTROL);
	uint16_t control = pci_read16(cfg, rid, reg) | PCI_MSIX_CONTROL_ENABLE;
	if (function_mask)
		control |= PCI_MSIX_CONTROL_FUNCTION_MASK;
	else
		control &= (uint16_t)~PCI_MSIX_CONTROL_FUNCTION_MASK;
	pci_write16(cfg, rid, reg, control);
}

void pci_msix_disable(const struct pci_cfg *cfg, uint16_t rid, const struct pci_msix *msix)
{
	uint16_t reg = (uint16_t)(msix->cap + PCI_MSIX_CONTROL);
	pci_write16(cfg, rid, reg, (uint16_t)(pci_read16(cfg, rid, reg) & ~PCI_MSIX_CONTROL_ENABLE));
}

static volatile void *msix_entry(volatile void *table, unsigned index, unsigned field)
{
	return mmio_at(table, (uint64_t)index * PCI_MSIX_ENTRY_SIZE + field);
}

int pci_msix_entry_mask(volatile void *table, const struct pci_msix *msix, unsigned index, bool masked)
{
	if (index >= msix->table_size)
		return -1;
	volatile void *vc = msix_entry(table, index, PCI_MSIX_ENTRY_VECTOR_CONTROL);
	uint32_t v = mmio_read32(vc);
	mmio_write32(vc, masked ? v | PCI_MSIX_ENTRY_MASKED : v & ~PCI_MSIX_ENTRY_MASKED);
	return 0;
}

int pci_msix_entry_program(volatile void *table, const struct pci_msix *msix, unsigned index, uint64_t address,
			   uint32_t data)
{
	if (pci_msix_entry_mask(table, msix, index, true))
		return -1;
	mmio_write32(msix_entry(table, index, PCI_MSIX_ENTRY_ADDR_LO), (uint32_t)address);
	mmio_write32(msix_entry(table, index, PCI_MSIX_ENTRY_ADDR_HI), (uint32_t)(address >> 32));
	mmio_write32(msix_entry(table, index, PCI_MSIX_ENTRY_DATA), data);
	return pci_msix_entry_mask(table, msix, index, false);
}

/* ---- the pci.sriov= boot word ---- */

static int digit_value(char c, unsigned base)
{
	int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : 99;
	return v < (int)base ? v : -1;
}

/* A number of at least one digit, at most 0xffff, ending at one of the stop characters (NUL included). */
static bool word_number(const char **p, unsigned base, const char *stops, uint16_t *out)
{
	uint32_t v = 0;
	const char *s = *p;
	int d;
	for (; (d = digit_value(*s, base)) >= 0; s++) {
		v = v * base + (uint32_t)d;
		if (v > 0xffff)
			return false;
	}
	if (s == *p)
		return false;
	for (const char *stop = stops;; stop++) {
		if (*s == *stop)
			break;
		if (!*stop)
			return false;
	}
	*out = (uint16_t)v;
	*p = *s ? s + 1 : s;
	return true;
}

bool pci_sriov_word_next(const char **p, uint16_t *vendor, uint16_t *device, uint16_t *num_vfs)
{
	return word_number(p, 16, ":", vendor) && word_number(p, 16, ":", device) && word_number(p, 10, ",", num_vfs);
}
