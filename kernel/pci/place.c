/*
 * Giving addresses to BARs that firmware left unassigned (kernel/pci/pci.h):
 * a free, naturally aligned range inside a window of the bridge above, clear
 * of every BAR, VF BAR and sibling bridge window already decoded there. The
 * arithmetic is pci_range_place (lib/common/pci.c); this file gathers what
 * is in use. Bridge windows themselves are never moved.
 */
#include "kernel/arch/spinlock.h"
#include "kernel/console.h"
#include "kernel/pci/pci.h"

#define MAX_USED_RANGES (PCI_MAX_FUNCTIONS * 2)
#define FOUR_GIB (1ull << 32)

static struct spinlock place_lock = SPINLOCK_INIT("pci placement");
static struct pci_range used[MAX_USED_RANGES]; /* under place_lock */

void pci_place_lock(void) { spin_lock(&place_lock); }
void pci_place_unlock(void) { spin_unlock(&place_lock); }

static bool is_ancestor(uint16_t maybe, uint16_t of)
{
	for (uint16_t i = of; i != PCI_NO_INDEX; i = pci_function_at(i)->parent)
		if (i == maybe)
			return true;
	return false;
}

static void add_range(size_t *n, uint64_t base, uint64_t size)
{
	if (base && size && *n < MAX_USED_RANGES)
		used[(*n)++] = (struct pci_range){ base, size };
}

static void add_window(size_t *n, const struct pci_window *w)
{
	if (w->limit >= w->base)
		add_range(n, w->base, w->limit - w->base + 1);
}

/* Every memory range decoded now that a new one below f's bridge must not overlap. */
static size_t collect_used(const struct pci_function *f)
{
	size_t n = 0, count = pci_function_count(), self = pci_index_of(f);
	for (size_t i = 0; i < count; i++) {
		const struct pci_function *g = pci_function_at(i);
		for (unsigned b = 0; b < g->bar_count; b++)
			if (!(g->bar[b].flags & (PCI_BAR_IO | PCI_BAR_UPPER)))
				add_range(&n, g->bar[b].base, g->bar[b].size);
		for (unsigned b = 0; g->sriov.cap && g->sriov.num_vfs && b < PCI_NORMAL_BARS; b++)
			add_range(&n, g->sriov.vf_bar[b].base,
				  pci_sriov_vf_bar_span(g->sriov.vf_bar[b].size, g->sriov.num_vfs));
		/* a sibling bridge's windows belong to what is behind it; f's own ancestors' contain f */
		if (g->bar_count == PCI_BRIDGE_BARS && i != self && !is_ancestor((uint16_t)i, (uint16_t)self)) {
			add_window(&n, &g->windows.mem);
			add_window(&n, &g->windows.pref);
		}
	}
	return n;
}

bool pci_place(const struct pci_function *f, uint32_t bar_flags, uint64_t span, uint64_t align, uint64_t *at)
{
	if (f->parent == PCI_NO_INDEX)
		return false; /* a root-bus function: the host bridge's windows are in ACPI's _CRS, which is not read */
	const struct pci_bridge_windows *w = &pci_function_at(f->parent)->windows;
	size_t n = collect_used(f);
	struct pci_window low = w->pref, high = w->pref;
	if (low.limit >= FOUR_GIB)
		low.limit = FOUR_GIB - 1;
	if (high.base < FOUR_GIB)
		high.base = FOUR_GIB;
	/* A prefetchable BAR may live in the memory window too (PCIe §7.5.1.2.1); a non-prefetchable one only there. */
	bool pref = bar_flags & PCI_BAR_PREFETCH;
	if (pref && pci_range_place(low, used, n, span, align, at))
		return true;
	if (pci_range_place(w->mem, used, n, span, align, at))
		return true;
	return pref && (bar_flags & PCI_BAR_64) && pci_range_place(high, used, n, span, align, at);
}

/* A BAR of f that firmware left at 0: placed, programmed with decoding off, then Memory Space on. */
static void assign_bar(struct pci_function *f, unsigned b)
{
	struct pci_bar *bar = &f->bar[b];
	uint64_t at;
	kprintf("pci: %02x:%02x.%u: BAR%u (0x%lx bytes) ", PCI_RID_BUS(f->rid), PCI_RID_DEV(f->rid),
		PCI_RID_FN(f->rid), b, bar->size);
	if (!pci_place(f, bar->flags, bar->size, bar->size, &at)) {
		kprintf(f->parent == PCI_NO_INDEX ? "was left unassigned on a root bus, whose windows are not known; it stays off\n" :
			"was left unassigned and no window of the bridge above has room; it stays off\n");
		return;
	}
	uint16_t command = pci_read16(f->cfg, f->rid, PCI_COMMAND);
	pci_write16(f->cfg, f->rid, PCI_COMMAND, command & ~PCI_COMMAND_MEMORY);
	pci_bar_assign(f->cfg, f->rid, (uint16_t)(PCI_BAR0 + 4 * b), bar, at);
	bar->base = at;
	pci_write16(f->cfg, f->rid, PCI_COMMAND, command | PCI_COMMAND_MEMORY);
	kprintf("was left unassigned: placed at 0x%lx\n", at);
}

void pci_assign_unassigned(struct pci_function *f)
{
	pci_place_lock();
	for (unsigned b = 0; b < f->bar_count; b++)
		if (f->bar[b].size && !f->bar[b].base && !(f->bar[b].flags & (PCI_BAR_IO | PCI_BAR_UPPER)))
			assign_bar(f, b);
	pci_place_unlock();
}
