/* Host tests for lib/common/pci.c over a fake configuration space with per-bit write masks. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lib/common/pci.c"
#include "lib/common/mmio.c"

/* ---- the fake: a few functions, each 4 KiB of bytes and a write mask ---- */

#define FAKE_FUNCTIONS 4

struct fake_fn {
	bool present;
	uint16_t rid;
	uint8_t cfg[PCI_CFG_SIZE];
	uint8_t wmask[PCI_CFG_SIZE]; /* 1 bits are writable; the rest keep their value */
};

static struct fake_fn fake[FAKE_FUNCTIONS];
static unsigned writes;

/* Every write, in order, for the tests of write sequences. */
#define WRITE_LOG 64
static struct {
	uint16_t rid, off;
	unsigned width;
	uint32_t value;
} write_log[WRITE_LOG];

/* A PF whose SR-IOV capability sits here changes First VF Offset with ARI Capable Hierarchy, as §9.3.3.9 allows. */
static uint16_t model_sriov_cap;

static struct fake_fn *fake_find(uint16_t rid)
{
	for (int i = 0; i < FAKE_FUNCTIONS; i++)
		if (fake[i].present && fake[i].rid == rid)
			return &fake[i];
	return 0;
}

static uint32_t fake_read(void *ctx, uint16_t rid, uint16_t off, unsigned width)
{
	(void)ctx;
	assert_true(width == 1 || width == 2 || width == 4);
	assert_int_equal(off % width, 0);
	assert_true(off + width <= PCI_CFG_SIZE);
	struct fake_fn *f = fake_find(rid);
	if (!f)
		return width == 4 ? 0xffffffffu : (1u << (8 * width)) - 1;
	uint32_t v = 0;
	for (unsigned i = 0; i < width; i++)
		v |= (uint32_t)f->cfg[off + i] << (8 * i);
	return v;
}

static void fake_write(void *ctx, uint16_t rid, uint16_t off, unsigned width, uint32_t value)
{
	(void)ctx;
	assert_true(width == 1 || width == 2 || width == 4);
	assert_int_equal(off % width, 0);
	struct fake_fn *f = fake_find(rid);
	if (writes < WRITE_LOG)
		write_log[writes] = (typeof(write_log[0])){ rid, off, width, value };
	writes++;
	if (!f)
		return;
	for (unsigned i = 0; i < width; i++) {
		uint8_t m = f->wmask[off + i], b = (uint8_t)(value >> (8 * i));
		f->cfg[off + i] = (uint8_t)((f->cfg[off + i] & ~m) | (b & m));
	}
	if (model_sriov_cap && off == model_sriov_cap + PCI_SRIOV_NUM_VFS) {
		bool ari = f->cfg[model_sriov_cap + PCI_SRIOV_CONTROL] & PCI_SRIOV_CONTROL_ARI;
		f->cfg[model_sriov_cap + PCI_SRIOV_VF_OFFSET] = ari ? 0x01 : 0x80;
	}
}

static const struct pci_cfg cfg = { .ctx = 0, .read = fake_read, .write = fake_write };

static struct fake_fn *fake_add(uint16_t rid)
{
	for (int i = 0; i < FAKE_FUNCTIONS; i++)
		if (!fake[i].present) {
			fake[i].present = true;
			fake[i].rid = rid;
			return &fake[i];
		}
	fail();
	return 0;
}

static void put8(struct fake_fn *f, uint16_t off, uint8_t v) { f->cfg[off] = v; }
static void put16(struct fake_fn *f, uint16_t off, uint16_t v) { memcpy(&f->cfg[off], &v, 2); }
static void put32(struct fake_fn *f, uint16_t off, uint32_t v) { memcpy(&f->cfg[off], &v, 4); }
static uint32_t get32(struct fake_fn *f, uint16_t off)
{
	uint32_t v;
	memcpy(&v, &f->cfg[off], 4);
	return v;
}
static void mask32(struct fake_fn *f, uint16_t off, uint32_t m) { memcpy(&f->wmask[off], &m, 4); }

/* A BAR of this size: address bits below the size read 0 (PCIe §7.5.1.2.1). */
static void fake_bar32(struct fake_fn *f, uint16_t off, uint32_t type, uint32_t size, uint32_t base)
{
	put32(f, off, base | type);
	mask32(f, off, ~(size - 1) & ~0xfu);
}

static void fake_bar64(struct fake_fn *f, uint16_t off, uint32_t type, uint64_t size, uint64_t base)
{
	put32(f, off, (uint32_t)base | type | PCI_BAR_MEM_TYPE_64);
	put32(f, off + 4, (uint32_t)(base >> 32));
	uint64_t m = ~(size - 1);
	mask32(f, off, (uint32_t)m & ~0xfu);
	mask32(f, off + 4, (uint32_t)(m >> 32));
}

static int setup(void **state)
{
	(void)state;
	memset(fake, 0, sizeof(fake));
	writes = 0;
	model_sriov_cap = 0;
	return 0;
}

/* ---- capabilities ---- */

static void chain_caps(struct fake_fn *f)
{
	put16(f, PCI_STATUS, PCI_STATUS_CAP_LIST);
	put8(f, PCI_CAP_PTR, 0x40);
	put16(f, 0x40, PCI_CAP_ID_PM | (0x50 << 8));
	put16(f, 0x50, PCI_CAP_ID_MSI | (0x70 << 8));
	put16(f, 0x70, PCI_CAP_ID_MSIX | (0xa0 << 8));
	put16(f, 0xa0, PCI_CAP_ID_EXP | (0x00 << 8));
}

static void test_caps_walk_in_order(void **state)
{
	(void)state;
	struct fake_fn *f = fake_add(0x0100);
	chain_caps(f);
	struct pci_cap caps[8];
	assert_int_equal(pci_caps_walk(&cfg, 0x0100, caps, 8), 4);
	assert_int_equal(caps[0].id, PCI_CAP_ID_PM);
	assert_int_equal(caps[1].offset, 0x50);
	assert_int_equal(caps[3].id, PCI_CAP_ID_EXP);
	assert_int_equal(pci_cap_find(&cfg, 0x0100, PCI_CAP_ID_MSIX), 0x70);
	assert_int_equal(pci_cap_find(&cfg, 0x0100, PCI_CAP_ID_VENDOR), 0);
	/* a short buffer still counts them all */
	assert_int_equal(pci_caps_walk(&cfg, 0x0100, caps, 1), 4);
}

static void test_caps_walk_without_list_bit(void **state)
{
	(void)state;
	struct fake_fn *f = fake_add(0x0100);
	chain_caps(f);
	put16(f, PCI_STATUS, 0);
	struct pci_cap caps[8];
	assert_int_equal(pci_caps_walk(&cfg, 0x0100, caps, 8), 0);
}

static void test_caps_walk_stops_on_loop_and_bad_pointer(void **state)
{
	(void)state;
	struct fake_fn *f = fake_add(0x0100);
	put16(f, PCI_STATUS, PCI_STATUS_CAP_LIST);
	put8(f, PCI_CAP_PTR, 0x40);
	put16(f, 0x40, PCI_CAP_ID_PM | (0x48 << 8));
	put16(f, 0x48, PCI_CAP_ID_MSI | (0x40 << 8)); /* back to the first */
	struct pci_cap caps[PCI_CAPS_MAX];
	assert_int_equal(pci_caps_walk(&cfg, 0x0100, caps, PCI_CAPS_MAX), PCI_CAPS_MAX);
	put16(f, 0x48, PCI_CAP_ID_MSI | (0x20 << 8)); /* into the header: not a capability */
	assert_int_equal(pci_caps_walk(&cfg, 0x0100, caps, PCI_CAPS_MAX), 2);
	put8(f, PCI_CAP_PTR, 0x43); /* reserved low bits are ignored */
	assert_int_equal(pci_caps_walk(&cfg, 0x0100, caps, PCI_CAPS_MAX), 2);
}

static void test_caps_of_vf_reading_ffff_ids(void **state)
{
	(void)state;
	struct fake_fn *f = fake_add(0x0180);
	chain_caps(f);
	put16(f, PCI_VENDOR_ID, 0xffff); /* a VF (PCIe §9.3.4.1.1) */
	put16(f, PCI_DEVICE_ID, 0xffff);
	assert_int_equal(pci_cap_find(&cfg, 0x0180, PCI_CAP_ID_MSIX), 0x70);
}

static void test_caps_of_absent_function(void **state)
{
	(void)state;
	struct pci_cap caps[4];
	assert_int_equal(pci_caps_walk(&cfg, 0x0300, caps, 4), 0);
	assert_int_equal(pci_ecaps_walk(&cfg, 0x0300, caps, 4), 0);
}

static void test_ecaps_walk(void **state)
{
	(void)state;
	struct fake_fn *f = fake_add(0x0100);
	put32(f, 0x100, PCI_ECAP_ID_AER | (2u << 16) | (0x140u << 20));
	put32(f, 0x140, PCI_ECAP_ID_ARI | (1u << 16) | (0x160u << 20));
	put32(f, 0x160, PCI_ECAP_ID_SRIOV | (1u << 16));
	struct pci_cap caps[8];
	assert_int_equal(pci_ecaps_walk(&cfg, 0x0100, caps, 8), 3);
	assert_int_equal(caps[2].id, PCI_ECAP_ID_SRIOV);
	assert_int_equal(pci_ecap_find(&cfg, 0x0100, PCI_ECAP_ID_SRIOV), 0x160);
	assert_int_equal(pci_ecap_find(&cfg, 0x0100, 0x0023), 0);
	put32(f, 0x160, PCI_ECAP_ID_SRIOV | (1u << 16) | (0x100u << 20)); /* a loop */
	assert_int_equal(pci_ecaps_walk(&cfg, 0x0100, caps, 8), PCI_CAPS_MAX);
	put32(f, 0x140, PCI_ECAP_ID_ARI | (1u << 16) | (0x0c0u << 20)); /* below 0x100: the end */
	assert_int_equal(pci_ecaps_walk(&cfg, 0x0100, caps, 8), 2);
	put32(f, 0x100, 0);
	assert_int_equal(pci_ecaps_walk(&cfg, 0x0100, caps, 8), 0);
}

/* ---- BARs ---- */

static void test_bar_size_from_mask(void **state)
{
	(void)state;
	assert_int_equal(pci_bar_size_from_mask(0xfffe0000u, 0), 0x20000);
	assert_int_equal(pci_bar_size_from_mask(0xffffffe1u, 0), 0x20);       /* I/O, 32 bytes */
	assert_int_equal(pci_bar_size_from_mask(0x0000ffe1u, 0), 0x20);       /* 16-bit I/O decode */
	assert_int_equal(pci_bar_size_from_mask(0xffffc00cu, 0xffffffffu), 0x4000);
	assert_int_equal(pci_bar_size_from_mask(0x0000000cu, 0xfffffffeu), 8ull << 30); /* 8 GiB */
	assert_int_equal(pci_bar_size_from_mask(0, 0), 0);                    /* not implemented */
	assert_int_equal(pci_bar_size_from_mask(0x8, 0), 0);                  /* only type bits read back */
}

static void test_bar_decode(void **state)
{
	(void)state;
	struct pci_bar b;
	pci_bar_decode(0xfe80000cu, 0x1u, &b);
	assert_int_equal(b.base, 0x1fe800000ull);
	assert_int_equal(b.flags, PCI_BAR_64 | PCI_BAR_PREFETCH);
	pci_bar_decode(0xc001u, 0, &b);
	assert_int_equal(b.base, 0xc000);
	assert_int_equal(b.flags, PCI_BAR_IO);
}

static void test_bars_probe_sizes_and_restores(void **state)
{
	(void)state;
	struct fake_fn *f = fake_add(0x0100);
	fake_bar32(f, 0x10, 0, 0x20000, 0xfe800000u);             /* BAR0: 128 KiB */
	/* BAR1 unimplemented: reads 0, nothing writable */
	put32(f, 0x18, 0xc001);                                    /* BAR2: 32 bytes of I/O */
	mask32(f, 0x18, 0xffffffe0u);
	fake_bar64(f, 0x1c, PCI_BAR_MEM_PREFETCH, 0x4000, 0x1fe840000ull); /* BAR3/4 */
	struct pci_bar bars[PCI_NORMAL_BARS];
	pci_bars_probe(&cfg, 0x0100, PCI_BAR0, PCI_NORMAL_BARS, bars);
	assert_int_equal(bars[0].base, 0xfe800000u);
	assert_int_equal(bars[0].size, 0x20000);
	assert_int_equal(bars[0].flags, 0);
	assert_int_equal(bars[1].size, 0);
	assert_int_equal(bars[2].size, 0x20);
	assert_int_equal(bars[2].flags, PCI_BAR_IO);
	assert_int_equal(bars[2].base, 0xc000);
	assert_int_equal(bars[3].size, 0x4000);
	assert_int_equal(bars[3].base, 0x1fe840000ull);
	assert_int_equal(bars[3].flags, PCI_BAR_64 | PCI_BAR_PREFETCH);
	assert_int_equal(bars[4].flags, PCI_BAR_UPPER);
	assert_int_equal(bars[5].size, 0);
	/* every register holds what it held */
	assert_int_equal(get32(f, 0x10), 0xfe800000u);
	assert_int_equal(get32(f, 0x18), 0xc001);
	assert_int_equal(get32(f, 0x1c), 0xfe84000cu);
	assert_int_equal(get32(f, 0x20), 1);
}

static void test_bars_probe_64bit_in_last_slot(void **state)
{
	(void)state;
	struct fake_fn *f = fake_add(0x0100);
	fake_bar64(f, 0x10, 0, 0x4000, 0);
	struct pci_bar bar;
	pci_bars_probe(&cfg, 0x0100, PCI_BAR0, 1, &bar); /* no upper register to take */
	assert_int_equal(bar.size, 0x4000);
	assert_int_equal(bar.flags, 0);
}

static void test_bar_assign(void **state)
{
	(void)state;
	struct fake_fn *f = fake_add(0x0100);
	fake_bar64(f, 0x10, PCI_BAR_MEM_PREFETCH, 0x4000, 0);
	struct pci_bar bars[2];
	pci_bars_probe(&cfg, 0x0100, PCI_BAR0, 2, bars);
	pci_bar_assign(&cfg, 0x0100, PCI_BAR0, &bars[0], 0x2fe844000ull);
	assert_int_equal(get32(f, 0x10), 0xfe84400cu);
	assert_int_equal(get32(f, 0x14), 2);
	pci_bars_probe(&cfg, 0x0100, PCI_BAR0, 2, bars);
	assert_int_equal(bars[0].base, 0x2fe844000ull);
}

/* ---- bridge windows ---- */

static void test_bridge_windows(void **state)
{
	(void)state;
	struct fake_fn *f = fake_add(0x0010);
	put8(f, PCI_IO_BASE, 0xc0);
	put8(f, PCI_IO_LIMIT, 0xc0);
	put16(f, PCI_MEMORY_BASE, 0xfe80);
	put16(f, PCI_MEMORY_LIMIT, 0xfe90);
	put16(f, PCI_PREF_MEMORY_BASE, 0xfe21);
	put16(f, PCI_PREF_MEMORY_LIMIT, 0xfe31);
	put32(f, PCI_PREF_BASE_UPPER32, 0x3);
	put32(f, PCI_PREF_LIMIT_UPPER32, 0x3);
	struct pci_bridge_windows w;
	pci_bridge_windows_read(&cfg, 0x0010, &w);
	assert_int_equal(w.io.base, 0xc000);
	assert_int_equal(w.io.limit, 0xcfff);
	assert_int_equal(w.mem.base, 0xfe800000u);
	assert_int_equal(w.mem.limit, 0xfe9fffffu);
	assert_true(w.pref_64);
	assert_int_equal(w.pref.base, 0x3fe200000ull);
	assert_int_equal(w.pref.limit, 0x3fe3fffffull);
	/* a closed window: base above limit */
	put16(f, PCI_PREF_MEMORY_BASE, 0xfff0);
	put16(f, PCI_PREF_MEMORY_LIMIT, 0x0000);
	pci_bridge_windows_read(&cfg, 0x0010, &w);
	assert_false(w.pref_64);
	assert_true(w.pref.limit < w.pref.base);
}

/* ---- placement ---- */

static void test_range_place_finds_the_first_gap(void **state)
{
	(void)state;
	struct pci_window win = { 0xfe800000u, 0xfe9fffffu };
	/* the igb PF behind QEMU's rp0: BAR0, BAR1, BAR3 (MSI-X) as SeaBIOS leaves them */
	struct pci_range used[] = { { 0xfe820000u, 0x20000 }, { 0xfe800000u, 0x20000 }, { 0xfe840000u, 0x4000 } };
	uint64_t at;
	/* igb VF BAR0: 16 KiB per VF, 8 VFs, aligned to 16 KiB */
	assert_true(pci_range_place(win, used, 3, pci_sriov_vf_bar_span(0x4000, 8), 0x4000, &at));
	assert_int_equal(at, 0xfe844000u);
	/* a 1 MiB-aligned request skips to the next megabyte */
	assert_true(pci_range_place(win, used, 3, 0x100000, 0x100000, &at));
	assert_int_equal(at, 0xfe900000u);
	/* too large for what is left */
	assert_false(pci_range_place(win, used, 3, 0x200000, 0x4000, &at));
	/* an empty window takes it at its base */
	assert_true(pci_range_place(win, used, 0, 0x200000, 0x4000, &at));
	assert_int_equal(at, 0xfe800000u);
}

static void test_range_place_rejects_bad_requests(void **state)
{
	(void)state;
	uint64_t at;
	struct pci_window closed = { 0xfff00000u, 0xfffff };
	assert_false(pci_range_place(closed, 0, 0, 0x1000, 0x1000, &at));
	struct pci_window win = { 0x1000, 0x1fff };
	assert_false(pci_range_place(win, 0, 0, 0, 0x1000, &at));      /* size 0 */
	assert_false(pci_range_place(win, 0, 0, 0x1000, 0x1800, &at)); /* not a power of two */
	struct pci_window top = { 0xfffffffffffff000ull, 0xffffffffffffffffull };
	assert_true(pci_range_place(top, 0, 0, 0x1000, 0x1000, &at));
	assert_int_equal(at, 0xfffffffffffff000ull);
	assert_false(pci_range_place(top, 0, 0, 0x2000, 0x1000, &at)); /* would wrap */
	struct pci_range all = { 0xfffffffffffff000ull, 0x1000 };
	assert_false(pci_range_place(top, &all, 1, 0x1000, 0x1000, &at)); /* moving past it wraps */
}

static void test_vf_bar_span(void **state)
{
	(void)state;
	assert_int_equal(pci_sriov_vf_bar_span(0x4000, 8), 0x20000);
	assert_int_equal(pci_sriov_vf_bar_span(0x4000, 0), 0);
	assert_int_equal(pci_sriov_vf_bar_span(1ull << 60, 64), 0); /* overflow */
	struct pci_bar b = { .base = 0xfe844000u, .size = 0x4000 };
	assert_int_equal(pci_sriov_vf_bar_addr(&b, 3), 0xfe850000u);
}

/* ---- SR-IOV ---- */

static void test_sriov_vf_rids(void **state)
{
	(void)state;
	uint16_t rid;
	/* igb: PF 01:00.0, First VF Offset 0x80, VF Stride 2 -> 01:10.0, 01:10.2 ... 01:11.6 */
	assert_true(pci_sriov_vf_rid(0x0100, 0x80, 2, 8, 0, &rid));
	assert_int_equal(rid, PCI_RID(1, 0x10, 0));
	assert_true(pci_sriov_vf_rid(0x0100, 0x80, 2, 8, 3, &rid));
	assert_int_equal(rid, PCI_RID(1, 0x10, 6));
	assert_true(pci_sriov_vf_rid(0x0100, 0x80, 2, 8, 7, &rid));
	assert_int_equal(rid, PCI_RID(1, 0x11, 6));
	assert_false(pci_sriov_vf_rid(0x0100, 0x80, 2, 8, 8, &rid)); /* past NumVFs */
	/* NVMe: offset 1, stride 1 -> PF.1, PF.2 */
	assert_true(pci_sriov_vf_rid(0x0200, 1, 1, 2, 1, &rid));
	assert_int_equal(rid, PCI_RID(2, 0, 2));
	/* a VF may sit on a later bus than its PF */
	assert_true(pci_sriov_vf_rid(PCI_RID(1, 0x1f, 0), 0x8, 1, 4, 0, &rid));
	assert_int_equal(PCI_RID_BUS(rid), 2);
	assert_false(pci_sriov_vf_rid(0xff00, 0x100, 1, 1, 0, &rid)); /* beyond bus 255 */
}

static void test_rid_reachable(void **state)
{
	(void)state;
	/* below a root port with buses 1-1: device 0 always, device 0x10 only with ARI forwarding */
	assert_true(pci_rid_reachable(PCI_RID(1, 0, 1), 1, 1, true, false));
	assert_false(pci_rid_reachable(PCI_RID(1, 0x10, 0), 1, 1, true, false));
	assert_true(pci_rid_reachable(PCI_RID(1, 0x10, 0), 1, 1, true, true));
	/* below a PCI-to-PCI bridge that is not a port, any device number */
	assert_true(pci_rid_reachable(PCI_RID(1, 0x10, 0), 1, 1, false, false));
	/* a VF on a later bus needs the subordinate number to cover it */
	assert_false(pci_rid_reachable(PCI_RID(2, 0, 0), 1, 1, true, true));
	assert_true(pci_rid_reachable(PCI_RID(2, 3, 0), 1, 2, true, false)); /* not the secondary bus */
	assert_false(pci_rid_reachable(PCI_RID(0, 0, 0), 1, 2, true, true));
}

static void test_sriov_read_and_vf_bars(void **state)
{
	(void)state;
	struct fake_fn *f = fake_add(0x0100);
	uint16_t c = 0x160;
	put32(f, c, PCI_ECAP_ID_SRIOV | (1u << 16));
	put16(f, c + PCI_SRIOV_INITIAL_VFS, 8);
	put16(f, c + PCI_SRIOV_TOTAL_VFS, 8);
	put16(f, c + PCI_SRIOV_VF_OFFSET, 0x80);
	put16(f, c + PCI_SRIOV_VF_STRIDE, 2);
	put16(f, c + PCI_SRIOV_VF_DEVICE, 0x10ca);
	put32(f, c + PCI_SRIOV_PAGE_SIZES, 0x553);
	fake_bar64(f, c + PCI_SRIOV_VF_BAR0, PCI_BAR_MEM_PREFETCH, 0x4000, 0);
	fake_bar64(f, c + PCI_SRIOV_VF_BAR0 + 12, PCI_BAR_MEM_PREFETCH, 0x4000, 0);
	struct pci_sriov s;
	pci_sriov_read(&cfg, 0x0100, c, &s);
	assert_int_equal(s.total_vfs, 8);
	assert_int_equal(s.num_vfs, 0);
	assert_int_equal(s.vf_offset, 0x80);
	assert_int_equal(s.vf_stride, 2);
	assert_int_equal(s.vf_device, 0x10ca);
	assert_int_equal(s.page_sizes, 0x553);
	pci_bars_probe(&cfg, 0x0100, c + PCI_SRIOV_VF_BAR0, PCI_NORMAL_BARS, s.vf_bar);
	assert_int_equal(s.vf_bar[0].size, 0x4000);
	assert_int_equal(s.vf_bar[0].base, 0);
	assert_int_equal(s.vf_bar[1].flags, PCI_BAR_UPPER);
	assert_int_equal(s.vf_bar[2].size, 0);
	assert_int_equal(s.vf_bar[3].size, 0x4000);
}

/* A PF with an SR-IOV capability at 0x160 whose control, NumVFs and System Page Size are writable. */
static struct fake_fn *sriov_pf(uint32_t page_sizes)
{
	struct fake_fn *f = fake_add(0x0100);
	uint16_t c = 0x160;
	model_sriov_cap = c;
	put32(f, c, PCI_ECAP_ID_SRIOV | (1u << 16));
	put16(f, c + PCI_SRIOV_TOTAL_VFS, 8);
	put16(f, c + PCI_SRIOV_VF_OFFSET, 0x80);
	put16(f, c + PCI_SRIOV_VF_STRIDE, 2);
	put32(f, c + PCI_SRIOV_PAGE_SIZES, page_sizes);
	put32(f, c + PCI_SRIOV_SYSTEM_PAGE, 1);
	f->wmask[c + PCI_SRIOV_CONTROL] = PCI_SRIOV_CONTROL_VFE | PCI_SRIOV_CONTROL_MSE | PCI_SRIOV_CONTROL_ARI;
	mask32(f, c + PCI_SRIOV_NUM_VFS, 0xffff);
	mask32(f, c + PCI_SRIOV_SYSTEM_PAGE, page_sizes);
	return f;
}

static unsigned writes_to(uint16_t off)
{
	unsigned n = 0;
	for (unsigned i = 0; i < writes && i < WRITE_LOG; i++)
		n += write_log[i].off == off;
	return n;
}

static void test_sriov_enable_sequence(void **state)
{
	(void)state;
	sriov_pf(0x553);
	uint16_t c = 0x160;
	struct pci_sriov s;
	pci_sriov_read(&cfg, 0x0100, c, &s);
	pci_sriov_prepare(&cfg, 0x0100, &s, 4, PCI_SRIOV_CONTROL_ARI);
	/* System Page Size, then ARI Capable Hierarchy without VF Enable, then NumVFs */
	assert_int_equal(writes, 3);
	assert_int_equal(write_log[0].off, c + PCI_SRIOV_SYSTEM_PAGE);
	assert_int_equal(write_log[0].value, PCI_SRIOV_PAGE_4K);
	assert_int_equal(write_log[1].off, c + PCI_SRIOV_CONTROL);
	assert_int_equal(write_log[1].value, PCI_SRIOV_CONTROL_ARI);
	assert_int_equal(write_log[2].off, c + PCI_SRIOV_NUM_VFS);
	assert_int_equal(write_log[2].value, 4);
	/* First VF Offset read again after NumVFs: the device moved it for ARI */
	assert_int_equal(s.num_vfs, 4);
	assert_int_equal(s.vf_offset, 1);
	pci_sriov_commit(&cfg, 0x0100, &s, PCI_SRIOV_CONTROL_ARI);
	/* VF Enable written once, with VF MSE and ARI, after NumVFs */
	assert_int_equal(writes, 4);
	assert_int_equal(write_log[3].off, c + PCI_SRIOV_CONTROL);
	assert_int_equal(write_log[3].width, 2);
	assert_int_equal(write_log[3].value, PCI_SRIOV_CONTROL_VFE | PCI_SRIOV_CONTROL_MSE | PCI_SRIOV_CONTROL_ARI);
	assert_int_equal(s.control, PCI_SRIOV_CONTROL_VFE | PCI_SRIOV_CONTROL_MSE | PCI_SRIOV_CONTROL_ARI);
}

static void test_sriov_prepare_without_ari_then_abort(void **state)
{
	(void)state;
	sriov_pf(0x552); /* no 4 KiB page: System Page Size stays */
	uint16_t c = 0x160;
	struct pci_sriov s;
	pci_sriov_read(&cfg, 0x0100, c, &s);
	pci_sriov_prepare(&cfg, 0x0100, &s, 2, 0);
	assert_int_equal(writes, 1); /* NumVFs only */
	assert_int_equal(writes_to(c + PCI_SRIOV_CONTROL), 0);
	assert_int_equal(s.vf_offset, 0x80);
	pci_sriov_abort(&cfg, 0x0100, &s);
	assert_int_equal(s.num_vfs, 0);
	struct pci_sriov again;
	pci_sriov_read(&cfg, 0x0100, c, &again);
	assert_int_equal(again.num_vfs, 0);
	assert_int_equal(writes_to(c + PCI_SRIOV_CONTROL), 0); /* VF Enable never written */
}

/* ---- MSI and MSI-X ---- */

static void test_msi_64bit(void **state)
{
	(void)state;
	struct fake_fn *f = fake_add(0x0100);
	put16(f, 0x50 + PCI_MSI_CONTROL, PCI_MSI_CONTROL_64BIT | PCI_MSI_CONTROL_MASKABLE | (3u << 1) | (2u << 4));
	memset(&f->wmask[0x50], 0xff, 0x18);
	f->wmask[0x52] = 0x71; /* enable and MME only */
	f->wmask[0x53] = 0;
	struct pci_msi msi;
	assert_true(pci_msi_read(&cfg, 0x0100, 0x50, &msi));
	assert_true(msi.is_64);
	assert_true(msi.maskable);
	assert_int_equal(msi.vectors, 8);
	pci_msi_program(&cfg, 0x0100, &msi, 0xfee01000ull, 0x4041);
	assert_int_equal(get32(f, 0x54), 0xfee01000u);
	assert_int_equal(get32(f, 0x58), 0);
	assert_int_equal(get32(f, 0x5c) & 0xffff, 0x4041);
	uint16_t control = (uint16_t)get32(f, 0x52);
	assert_int_equal(control & PCI_MSI_CONTROL_ENABLE, PCI_MSI_CONTROL_ENABLE);
	assert_int_equal(control & PCI_MSI_CONTROL_MME_MASK, 0);
	pci_msi_disable(&cfg, 0x0100, &msi);
	assert_int_equal(get32(f, 0x52) & PCI_MSI_CONTROL_ENABLE, 0);
}

static void test_msi_32bit_puts_data_at_8(void **state)
{
	(void)state;
	struct fake_fn *f = fake_add(0x0100);
	memset(&f->wmask[0x50], 0xff, 0x10);
	struct pci_msi msi;
	assert_true(pci_msi_read(&cfg, 0x0100, 0x50, &msi));
	assert_false(msi.is_64);
	assert_int_equal(msi.vectors, 1);
	pci_msi_program(&cfg, 0x0100, &msi, 0xfee00000ull, 0x30);
	assert_int_equal(get32(f, 0x58) & 0xffff, 0x30);
	assert_false(pci_msi_read(&cfg, 0x0100, 0, &msi)); /* no capability */
}

static void test_msix_read_and_enable(void **state)
{
	(void)state;
	struct fake_fn *f = fake_add(0x0100);
	uint16_t c = 0x70;
	put16(f, c + PCI_MSIX_CONTROL, 9);          /* 10 vectors, as the igb PF */
	put32(f, c + PCI_MSIX_TABLE, 0x0000 | 3);   /* BAR3, offset 0 */
	put32(f, c + PCI_MSIX_PBA, 0x2000 | 3);     /* BAR3, offset 0x2000 */
	f->wmask[c + 3] = 0xc0;
	struct pci_msix m;
	assert_true(pci_msix_read(&cfg, 0x0100, c, &m));
	assert_int_equal(m.table_size, 10);
	assert_int_equal(m.table_bar, 3);
	assert_int_equal(m.table_offset, 0);
	assert_int_equal(m.pba_bar, 3);
	assert_int_equal(m.pba_offset, 0x2000);
	pci_msix_enable(&cfg, 0x0100, &m, true);
	assert_int_equal(get32(f, c) >> 16, 9 | PCI_MSIX_CONTROL_ENABLE | PCI_MSIX_CONTROL_FUNCTION_MASK);
	pci_msix_enable(&cfg, 0x0100, &m, false);
	assert_int_equal(get32(f, c) >> 16, 9 | PCI_MSIX_CONTROL_ENABLE);
	pci_msix_disable(&cfg, 0x0100, &m);
	assert_int_equal(get32(f, c) >> 16, 9);
}

static void test_msix_entry_program(void **state)
{
	(void)state;
	uint32_t table[3 * 4];
	for (int i = 0; i < 3; i++) {
		table[4 * i + 0] = table[4 * i + 1] = table[4 * i + 2] = 0;
		table[4 * i + 3] = PCI_MSIX_ENTRY_MASKED; /* masked out of reset (§7.7.2.8) */
	}
	struct pci_msix m = { .cap = 0x70, .table_size = 3 };
	assert_int_equal(pci_msix_entry_program(table, &m, 1, 0x1fee02000ull, 0x4051), 0);
	assert_int_equal(table[4], 0xfee02000u);
	assert_int_equal(table[5], 1);
	assert_int_equal(table[6], 0x4051);
	assert_int_equal(table[7], 0);                      /* unmasked */
	assert_int_equal(table[3], PCI_MSIX_ENTRY_MASKED);  /* its neighbours untouched */
	assert_int_equal(table[11], PCI_MSIX_ENTRY_MASKED);
	assert_int_equal(pci_msix_entry_mask(table, &m, 1, true), 0);
	assert_int_equal(table[7], PCI_MSIX_ENTRY_MASKED);
	assert_int_equal(pci_msix_entry_program(table, &m, 3, 0xfee00000ull, 0), -1);
	assert_int_equal(pci_msix_entry_mask(table, &m, 3, false), -1);
}

static void test_sriov_word(void **state)
{
	(void)state;
	const char *p = "8086:10c9:4,1B36:0010:2";
	uint16_t v, d, n;
	assert_true(pci_sriov_word_next(&p, &v, &d, &n));
	assert_int_equal(v, 0x8086);
	assert_int_equal(d, 0x10c9);
	assert_int_equal(n, 4);
	assert_true(pci_sriov_word_next(&p, &v, &d, &n));
	assert_int_equal(v, 0x1b36);
	assert_int_equal(n, 2);
	assert_int_equal(*p, '\0');
	assert_false(pci_sriov_word_next(&p, &v, &d, &n)); /* the end */
	static const char *const bad[] = { "8086:10c9", "8086:10c9:", "8086::4", "x:1:1", "8086:10c9:4x",
					   "18086:10c9:4", "8086:10c9:65536", "8086:10c9:0x4", ":10c9:4" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		p = bad[i];
		assert_false(pci_sriov_word_next(&p, &v, &d, &n));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_caps_walk_in_order, setup),
		cmocka_unit_test_setup(test_caps_walk_without_list_bit, setup),
		cmocka_unit_test_setup(test_caps_walk_stops_on_loop_and_bad_pointer, setup),
		cmocka_unit_test_setup(test_caps_of_vf_reading_ffff_ids, setup),
		cmocka_unit_test_setup(test_caps_of_absent_function, setup),
		cmocka_unit_test_setup(test_sriov_word, setup),
		cmocka_unit_test_setup(test_ecaps_walk, setup),
		cmocka_unit_test_setup(test_bar_size_from_mask, setup),
		cmocka_unit_test_setup(test_bar_decode, setup),
		cmocka_unit_test_setup(test_bars_probe_sizes_and_restores, setup),
		cmocka_unit_test_setup(test_bars_probe_64bit_in_last_slot, setup),
		cmocka_unit_test_setup(test_bar_assign, setup),
		cmocka_unit_test_setup(test_bridge_windows, setup),
		cmocka_unit_test_setup(test_range_place_finds_the_first_gap, setup),
		cmocka_unit_test_setup(test_range_place_rejects_bad_requests, setup),
		cmocka_unit_test_setup(test_vf_bar_span, setup),
		cmocka_unit_test_setup(test_sriov_vf_rids, setup),
		cmocka_unit_test_setup(test_rid_reachable, setup),
		cmocka_unit_test_setup(test_sriov_enable_sequence, setup),
		cmocka_unit_test_setup(test_sriov_prepare_without_ari_then_abort, setup),
		cmocka_unit_test_setup(test_sriov_read_and_vf_bars, setup),
		cmocka_unit_test_setup(test_msi_64bit, setup),
		cmocka_unit_test_setup(test_msi_32bit_puts_data_at_8, setup),
		cmocka_unit_test_setup(test_msix_read_and_enable, setup),
		cmocka_unit_test_setup(test_msix_entry_program, setup),
	};
	return cmocka_run_group_tests(tests, 0, 0);
}
