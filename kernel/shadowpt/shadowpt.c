/*
 * The shadow page-table engine (see shadowpt.h for the design). Freestanding:
 * lib/common only, so the host tests include this file.
 */
#include "kernel/shadowpt/shadowpt.h"

#include <stddef.h>

/* The guest bits that shape a walk or the shadow's meaning: a change drops
 * every root (Intel SDM vol.3A §4.1.1 Table 4-1 for the mode; §4.6 for WP,
 * SMEP, SMAP and NXE, which change what an entry grants). */
#define KEY_CR0 (X86_CR0_PG | X86_CR0_WP)
#define KEY_CR4 (X86_CR4_PSE | X86_CR4_PAE | X86_CR4_SMEP | X86_CR4_SMAP)
#define KEY_EFER (X86_EFER_NXE | X86_EFER_LMA)

/* The table entries the shadow builds: present, writable, user, so that only
 * the leaf decides (the rights are the AND of all levels, §4.6). A PAE PDPTE
 * has only P and the address (§4.4.1, Table 4-8: bits 2:1 are reserved). */
#define TABLE_BITS (PTE_PRESENT | PTE_WRITE | PTE_USER)
#define PAE_PDPTE_BITS PTE_PRESENT
#define PAE_PDPTES 4

/* A leaf whose guest entry is global (G, with the guest's CR4.PGE): bit 11
 * is ignored by the processor (§4.5, Table 4-20), so it can carry this. A
 * global translation survives a CR3 load (§4.10.4.1): the revalidation of a
 * CR3 load skips it, as the TLB keeps it; INVLPG and a CR4.PGE toggle do not. */
#define SHADOW_GUEST_GLOBAL (1ull << 11)

/* The fewest frames a fill may need: a PDPT, a PD and a PT. */
#define FILL_FRAMES 3

/* ---- frames, counted per root ---- */

static uint64_t counted_alloc(void *ctx)
{
	struct shadow *s = ctx;
	uint64_t pa = s->env->tables.alloc_table(s->env->tables.ctx);
	if (pa) {
		s->frames++;
		if (s->accounted)
			s->accounted->frames++;
	}
	return pa;
}

static void counted_free(void *ctx, uint64_t pa)
{
	struct shadow *s = ctx;
	s->env->tables.free_table(s->env->tables.ctx, pa);
	s->frames--;
	if (s->accounted)
		s->accounted->frames--;
}

static void *counted_ptr(void *ctx, uint64_t pa)
{
	struct shadow *s = ctx;
	return s->env->tables.phys_to_ptr(s->env->tables.ctx, pa);
}

static uint64_t *shadow_table(struct shadow *s, uint64_t pa) { return counted_ptr(s, pa); }

void shadow_init(struct shadow *s, const struct shadow_env *env, uint64_t max_frames)
{
	*s = (struct shadow){ .env = env, .max_frames = max_frames < 16 ? 16 : max_frames };
	s->ops = (struct pt_ops){ .ctx = s, .phys_to_ptr = counted_ptr, .alloc_table = counted_alloc, .free_table = counted_free };
}

/* ---- roots ---- */

static bool hw_long_mode(const struct x86_paging *g) { return (g->efer & X86_EFER_LMA) != 0; }

static void root_free(struct shadow *s, struct shadow_root *r)
{
	if (!r->pml4)
		return;
	s->accounted = r;
	pt_destroy(&pt_format_x86_64, &s->ops, r->pml4, PT_ENTRIES, NULL);
	counted_free(s, r->pml4);
	if (r->pae_pdpt)
		counted_free(s, r->pae_pdpt);
	s->accounted = NULL;
	if (s->current == r)
		s->current = NULL;
	*r = (struct shadow_root){ 0 };
	s->tlb_flush = true;
}

/* The least recently used root but keep (NULL if there is none). */
static struct shadow_root *lru_root(struct shadow *s, const struct shadow_root *keep)
{
	struct shadow_root *best = NULL;
	for (int i = 0; i < SHADOW_ROOTS; i++) {
		struct shadow_root *r = &s->roots[i];
		if (r->pml4 && r != keep && (!best || r->last_use < best->last_use))
			best = r;
	}
	return best;
}

/* Frees roots, least recently used first, until need more frames fit. */
static void make_room(struct shadow *s, uint64_t need, const struct shadow_root *keep)
{
	struct shadow_root *victim;
	while (s->frames + need > s->max_frames && (victim = lru_root(s, keep))) {
		root_free(s, victim);
		s->stats.evictions++;
	}
}

/*
 * A root's fixed part: the PML4 and, for PAE hardware mode, slot 0's PDPT,
 * its first four PDs and the 4-entry PDPT the processor loads, which so
 * never changes while the root lives (the CPU may hold PDPTEs from the CR3
 * load, §4.4.1). 0, or -1 out of frames.
 */
static int root_build(struct shadow *s, struct shadow_root *r, bool long_mode)
{
	s->accounted = r;
	r->pml4 = counted_alloc(s);
	if (!r->pml4)
		goto fail;
	if (!long_mode) {
		r->pae_pdpt = s->env->alloc_low ? s->env->alloc_low(s->env->ctx) : s->env->tables.alloc_table(s->env->tables.ctx);
		if (!r->pae_pdpt)
			goto fail;
		s->frames++;
		r->frames++;
		uint64_t pdpt = counted_alloc(s);
		if (!pdpt)
			goto fail;
		shadow_table(s, r->pml4)[0] = pdpt | TABLE_BITS;
		for (int i = 0; i < PAE_PDPTES; i++) {
			uint64_t pd = counted_alloc(s);
			if (!pd)
				goto fail;
			shadow_table(s, pdpt)[i] = pd | TABLE_BITS;
			shadow_table(s, r->pae_pdpt)[i] = pd | PAE_PDPTE_BITS;
		}
	}
	s->accounted = NULL;
	return 0;
fail:
	s->accounted = NULL;
	root_free(s, r);
	return -1;
}

static struct shadow_root *root_find(struct shadow *s, uint64_t cr3)
{
	for (int i = 0; i < SHADOW_ROOTS; i++)
		if (s->roots[i].pml4 && s->roots[i].guest_cr3 == cr3)
			return &s->roots[i];
	return NULL;
}

static struct shadow_root *root_new(struct shadow *s, uint64_t cr3)
{
	make_room(s, 8, s->current);
	struct shadow_root *r = NULL;
	for (int i = 0; i < SHADOW_ROOTS && !r; i++)
		if (!s->roots[i].pml4)
			r = &s->roots[i];
	if (!r) {
		r = lru_root(s, s->current);
		if (!r)
			return NULL;
		root_free(s, r);
		s->stats.evictions++;
	}
	if (root_build(s, r, hw_long_mode(&s->guest)))
		return NULL;
	r->guest_cr3 = cr3;
	return r;
}

/* ---- what a leaf should be ---- */

/* The linear address of slot (i4, i3, i2, i1), sign-extended (§3.3.7.1). */
static uint64_t slot_address(unsigned i4, unsigned i3, unsigned i2, unsigned i1)
{
	uint64_t lin = (uint64_t)i4 << 39 | (uint64_t)i3 << 30 | (uint64_t)i2 << 21 | (uint64_t)i1 << 12;
	return (uint64_t)((int64_t)(lin << 16) >> 16);
}

/*
 * The shadow leaf for lin after the guest walk w, for an access (X86_ACCESS_*):
 * the host frame, user and no-execute as the guest's entries say, writable
 * only if the guest and the VM's map allow it and the guest's page is dirty
 * (or this access dirties it). With the guest's CR0.WP clear a supervisor
 * may write a read-only page (§4.6): that write gets a writable entry
 * without U, so user code still cannot (KVM does the same).
 */
static uint64_t leaf_for(const struct shadow *s, const struct x86_walk_result *w, uint64_t hpa, bool host_writable,
			 unsigned access)
{
	bool paging = (s->guest.cr0 & X86_CR0_PG) != 0;
	uint64_t leaf = hpa | PTE_PRESENT | PTE_ACCESSED;
	bool user = paging ? w->user : true;
	bool write = (access & X86_ACCESS_WRITE) != 0;
	bool dirty = !paging || write || (w->entry[w->levels - 1] & PTE_DIRTY);
	bool writable = paging ? w->writable : true;
	if (paging && write && !w->writable && !(access & X86_ACCESS_USER) && !(s->guest.cr0 & X86_CR0_WP)) {
		writable = true;
		user = false;
	}
	if (writable && dirty && host_writable)
		leaf |= PTE_WRITE | PTE_DIRTY;
	if (user)
		leaf |= PTE_USER;
	if (!w->executable)
		leaf |= PTE_NX;
	if (paging && (s->guest.cr4 & SHADOW_CR4_PGE) && (w->entry[w->levels - 1] & PTE_GLOBAL))
		leaf |= SHADOW_GUEST_GLOBAL;
	return leaf;
}

/* The slot of lin's 4 KiB leaf in root r; tables on the way are made when
 * make is set (NULL: not there, or out of frames). */
static uint64_t *leaf_slot(struct shadow *s, struct shadow_root *r, uint64_t lin, bool make)
{
	uint64_t table = r->pml4;
	for (int level = PT_LEVELS; level > 1; level--) {
		uint64_t *e = &shadow_table(s, table)[pt_index(lin, level)];
		if (!(*e & PTE_PRESENT)) {
			if (!make)
				return NULL;
			s->accounted = r;
			uint64_t next = counted_alloc(s);
			s->accounted = NULL;
			if (!next)
				return NULL;
			*e = next | TABLE_BITS;
		}
		table = *e & PTE_ADDR_MASK;
	}
	return &shadow_table(s, table)[pt_index(lin, 1)];
}

/* ---- consistency ---- */

/* Whether the shadow leaf for lin still says no more than the guest's
 * tables and the VM's map do now (a probe walk: no A/D set). */
static bool leaf_still_valid(struct shadow *s, uint64_t lin, uint64_t leaf)
{
	struct x86_walk_result w;
	struct x86_fault f;
	if (x86_walk(s->env->guest_phys, &s->guest, lin, X86_ACCESS_READ | X86_ACCESS_NO_AD, &w, &f) != 0)
		return false;
	uint64_t hpa;
	bool host_writable;
	if (s->env->gpa_to_hpa(s->env->ctx, w.phys & ~(PAGE_SIZE - 1), &hpa, &host_writable) != 0)
		return false;
	if ((leaf & PTE_ADDR_MASK) != hpa)
		return false;
	/* What a write fill would give now: the widest this entry may be. */
	uint64_t widest = leaf_for(s, &w, hpa, host_writable, X86_ACCESS_WRITE);
	bool dirty = !(s->guest.cr0 & X86_CR0_PG) || (w.entry[w.levels - 1] & PTE_DIRTY);
	if ((leaf & PTE_WRITE) && (!(widest & PTE_WRITE) || !dirty))
		return false;
	if ((leaf & PTE_USER) && !w.user && (s->guest.cr0 & X86_CR0_PG))
		return false;
	if (!(leaf & PTE_NX) && (widest & PTE_NX))
		return false;
	return true;
}

/* Rechecks the leaves of r against the guest's tables, dropping what
 * changed; the guest's global ones only when all is true. */
static void root_revalidate(struct shadow *s, struct shadow_root *r, bool all)
{
	uint64_t *l4 = shadow_table(s, r->pml4);
	for (unsigned i4 = 0; i4 < PT_ENTRIES; i4++) {
		if (!(l4[i4] & PTE_PRESENT))
			continue;
		uint64_t *l3 = shadow_table(s, l4[i4] & PTE_ADDR_MASK);
		for (unsigned i3 = 0; i3 < PT_ENTRIES; i3++) {
			if (!(l3[i3] & PTE_PRESENT))
				continue;
			uint64_t *l2 = shadow_table(s, l3[i3] & PTE_ADDR_MASK);
			for (unsigned i2 = 0; i2 < PT_ENTRIES; i2++) {
				if (!(l2[i2] & PTE_PRESENT))
					continue;
				uint64_t *l1 = shadow_table(s, l2[i2] & PTE_ADDR_MASK);
				for (unsigned i1 = 0; i1 < PT_ENTRIES; i1++) {
					if (!(l1[i1] & PTE_PRESENT) || (!all && (l1[i1] & SHADOW_GUEST_GLOBAL)))
						continue;
					s->stats.revalidated++;
					if (!leaf_still_valid(s, slot_address(i4, i3, i2, i1), l1[i1])) {
						l1[i1] = 0;
						s->stats.zapped++;
						s->tlb_flush = true;
					}
				}
			}
		}
	}
}

static bool same_mode(const struct x86_paging *a, const struct x86_paging *b)
{
	return ((a->cr0 ^ b->cr0) & KEY_CR0) == 0 && ((a->cr4 ^ b->cr4) & KEY_CR4) == 0 &&
	       ((a->efer ^ b->efer) & KEY_EFER) == 0;
}

static void drop_all(struct shadow *s)
{
	for (int i = 0; i < SHADOW_ROOTS; i++)
		root_free(s, &s->roots[i]);
	s->current = NULL;
	s->loaded = false;
}

void shadow_destroy(struct shadow *s) { drop_all(s); }

void shadow_flush_all(struct shadow *s) { drop_all(s); }

/* The cache key: CR3 means nothing with paging off. */
static uint64_t root_key(const struct x86_paging *g) { return (g->cr0 & X86_CR0_PG) ? g->cr3 : 0; }

int shadow_sync(struct shadow *s, const struct x86_paging *guest)
{
	if (s->loaded && !same_mode(&s->guest, guest)) {
		drop_all(s);
		s->stats.mode_changes++;
	}
	bool new_space = !s->loaded || root_key(&s->guest) != root_key(guest);
	s->guest = *guest;
	s->guest.pdptes = NULL;
	if (!new_space && !s->resync && s->current) {
		s->current->last_use = ++s->clock;
		return 0;
	}
	s->resync = false;
	s->loaded = true;
	struct shadow_root *r = root_find(s, root_key(guest));
	if (r) {
		if (r != s->current)
			s->tlb_flush = true;
		root_revalidate(s, r, r->revalidate_all || !(guest->cr4 & SHADOW_CR4_PGE));
		r->revalidate_all = false;
	} else {
		r = root_new(s, root_key(guest));
		if (!r) {
			s->loaded = false;
			return -1;
		}
		s->tlb_flush = true;
	}
	s->current = r;
	r->last_use = ++s->clock;
	return 0;
}

void shadow_guest_cr3_write(struct shadow *s)
{
	s->resync = true;
	s->stats.cr3_loads++;
}

void shadow_guest_flush_all(struct shadow *s)
{
	for (int i = 0; i < SHADOW_ROOTS; i++)
		s->roots[i].revalidate_all = true;
	s->resync = true;
}

/* In every cached root: a global translation of lin may sit in any of them,
 * and INVLPG removes global translations too (§4.10.4.1). */
void shadow_invlpg(struct shadow *s, uint64_t lin)
{
	s->stats.invlpgs++;
	if (!hw_long_mode(&s->guest))
		lin &= 0xffffffffull;
	if (!pt_is_canonical(lin))
		return; /* §3.3.7.1: nothing can be cached there (INVLPG of one is a no-op) */
	for (int i = 0; i < SHADOW_ROOTS; i++) {
		if (!s->roots[i].pml4)
			continue;
		uint64_t *slot = leaf_slot(s, &s->roots[i], lin, false);
		if (slot && *slot) {
			*slot = 0;
			s->tlb_flush = true;
		}
	}
}

/* ---- the hardware's registers ---- */

uint64_t shadow_hw_cr0(const struct shadow *s) { return s->guest.cr0 | X86_CR0_PG | X86_CR0_WP; }

uint64_t shadow_hw_cr4(const struct shadow *s) { return s->guest.cr4 | X86_CR4_PAE; }

/* Outside long mode LME must be off underneath, or CR0.PG=1 would be long
 * mode (§9.8.5: LMA = LME && PG); NXE is the guest's: without it the shadow
 * has no NX bits, which would be reserved (§4.4.2). */
uint64_t shadow_hw_efer(const struct shadow *s)
{
	uint64_t efer = s->guest.efer;
	if (!(efer & X86_EFER_LMA))
		efer &= ~X86_EFER_LME;
	return efer;
}

uint64_t shadow_hw_cr3(const struct shadow *s)
{
	if (!s->current)
		return 0;
	return s->current->pae_pdpt ? s->current->pae_pdpt : s->current->pml4;
}

bool shadow_take_tlb_flush(struct shadow *s)
{
	bool flush = s->tlb_flush;
	s->tlb_flush = false;
	return flush;
}

/* ---- page faults ---- */

static unsigned access_of(uint32_t error_code)
{
	unsigned access = X86_ACCESS_READ;
	if (error_code & X86_PF_W)
		access |= X86_ACCESS_WRITE;
	if (error_code & X86_PF_U)
		access |= X86_ACCESS_USER;
	if (error_code & X86_PF_I)
		access |= X86_ACCESS_FETCH;
	return access;
}

enum shadow_fault_kind shadow_page_fault(struct shadow *s, uint64_t lin, uint32_t error_code,
					 unsigned extra_access, struct shadow_fault *out)
{
	unsigned access = access_of(error_code) | extra_access;
	struct x86_walk_result w;
	*out = (struct shadow_fault){ .write = (access & X86_ACCESS_WRITE) != 0,
				      .fetch = (access & X86_ACCESS_FETCH) != 0 };
	if (!s->current)
		return SHADOW_NO_MEMORY;
	if (!hw_long_mode(&s->guest))
		lin &= 0xffffffffull;
	int rc = x86_walk(s->env->guest_phys, &s->guest, lin, access, &w, &out->fault);
	if (rc == X86_FAULT) {
		s->stats.guest_faults++;
		return SHADOW_GUEST_FAULT;
	}
	if (rc != 0) { /* a guest table outside its memory: what nested paging reports as an NPF */
		out->gpa = out->fault.address;
		out->write = out->fetch = false;
		s->stats.mmio++;
		return SHADOW_MMIO;
	}
	uint64_t hpa;
	bool host_writable;
	if (s->env->gpa_to_hpa(s->env->ctx, w.phys & ~(PAGE_SIZE - 1), &hpa, &host_writable) != 0 ||
	    (out->write && !host_writable)) {
		out->gpa = w.phys;
		s->stats.mmio++;
		return SHADOW_MMIO;
	}
	make_room(s, FILL_FRAMES, s->current);
	if (s->frames + FILL_FRAMES > s->max_frames) {
		/* The current root alone fills the bound: start it again. */
		uint64_t key = s->current->guest_cr3;
		root_free(s, s->current);
		s->stats.evictions++;
		struct shadow_root *r = root_new(s, key);
		if (!r)
			return SHADOW_NO_MEMORY;
		s->current = r;
		r->last_use = ++s->clock;
	}
	uint64_t *slot = leaf_slot(s, s->current, lin, true);
	if (!slot)
		return SHADOW_NO_MEMORY;
	/* No flush when this widens an entry: the #PF itself removed what the
	 * TLB held for lin (§4.10.4.3), as it does on a real CPU. */
	*slot = leaf_for(s, &w, hpa, host_writable, access);
	s->stats.fills++;
	return SHADOW_FIXED;
}
