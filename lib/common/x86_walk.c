/*
 * Software page walks of a guest's tables (see x86_walk.h). One loop serves
 * the three paged modes; what differs between them (entry width, index
 * bits, which bits are reserved, where a leaf may stop the walk) is asked of
 * small functions per mode.
 */
#include "lib/common/x86_walk.h"
#include "lib/common/pt.h"

#include <stddef.h>

#define BIT(n) (1ull << (n))
/* Bits hi..lo set. */
#define BITS(hi, lo) ((~0ull >> (63 - (hi))) & ~(BIT(lo) - 1))

/* 32-bit paging entries (§4.3, Tables 4-4..4-6): the same low bits as pt.h's. */
#define PDE32_ADDR_4K 0xfffff000ull
#define PDE32_ADDR_4M 0xffc00000ull
/* PAE CR3 holds the 32-byte-aligned PDPT (§4.4.1, Table 4-7). */
#define CR3_PAE_PDPT_MASK 0xffffffe0ull

enum x86_paging_mode x86_paging_mode(const struct x86_paging *pg)
{
	if (!(pg->cr0 & X86_CR0_PG))
		return X86_PAGING_OFF;
	if (!(pg->cr4 & X86_CR4_PAE))
		return X86_PAGING_32;
	return (pg->efer & X86_EFER_LMA) ? X86_PAGING_4LEVEL : X86_PAGING_PAE;
}

static unsigned maxphyaddr(const struct x86_paging *pg)
{
	return pg->maxphyaddr ? pg->maxphyaddr : 52;
}

static int mode_levels(enum x86_paging_mode mode)
{
	return mode == X86_PAGING_32 ? 2 : mode == X86_PAGING_PAE ? 3 : 4;
}

static unsigned mode_index(enum x86_paging_mode mode, uint64_t lin, int level)
{
	if (mode == X86_PAGING_32)
		return (unsigned)(lin >> (12 + 10 * (level - 1))) & 0x3ff;
	return pt_index(lin, level);
}

static uint64_t mode_root(enum x86_paging_mode mode, const struct x86_paging *pg)
{
	if (mode == X86_PAGING_32)
		return pg->cr3 & PDE32_ADDR_4K;
	if (mode == X86_PAGING_PAE)
		return pg->cr3 & CR3_PAE_PDPT_MASK;
	return pg->cr3 & PTE_ADDR_MASK & (BIT(maxphyaddr(pg)) - 1);
}

/* Whether entry (present) ends the walk at this level: a PTE always, a PDE
 * or 4-level PDPTE with PS (§4.3: PS in a PDE counts only with CR4.PSE). */
static bool is_leaf(enum x86_paging_mode mode, const struct x86_paging *pg, uint64_t entry,
		    int level)
{
	if (level == 1)
		return true;
	if (!(entry & PTE_LARGE))
		return false;
	if (mode == X86_PAGING_32)
		return level == 2 && (pg->cr4 & X86_CR4_PSE);
	if (mode == X86_PAGING_PAE)
		return level == 2;
	return level == 2 || (level == 3 && pg->page_1g);
}

/* A PAE PDPTE's reserved bits (§4.4.1, Table 4-8). */
static uint64_t pdpte_reserved(unsigned m)
{
	return BITS(63, m) | BITS(8, 5) | BITS(2, 1);
}

/* The bits that must be 0 in a present entry (§4.3 Table 4-4 for PSE-36;
 * §4.4 Tables 4-8..4-11; §4.5 Tables 4-14..4-20; AMD APM vol.2 §5.3.1). */
static uint64_t reserved_bits(enum x86_paging_mode mode, const struct x86_paging *pg,
			      uint64_t entry, int level)
{
	unsigned m = maxphyaddr(pg);
	uint64_t nx = (pg->efer & X86_EFER_NXE) ? 0 : PTE_NX;
	bool leaf = is_leaf(mode, pg, entry, level);

	if (mode == X86_PAGING_32) {
		/* A 4 MiB PDE carries physical bits (min(M,40)-1):32 in 20:13 (PSE-36). */
		unsigned high = (m > 40 ? 40 : m) - 32;
		return (level == 2 && leaf) ? BITS(21, 13 + high) : 0;
	}
	if (mode == X86_PAGING_PAE) {
		if (level == 3) /* a PDPTE has no R/W, U/S, A or XD */
			return pdpte_reserved(m);
		return BITS(62, m) | nx | ((level == 2 && leaf) ? BITS(20, 13) : 0);
	}
	uint64_t r = (m < 52 ? BITS(51, m) : 0) | nx;
	if (level == 4)
		r |= PTE_LARGE;
	else if (level == 3 && (entry & PTE_LARGE))
		r |= pg->page_1g ? BITS(29, 13) : PTE_LARGE;
	else if (level == 2 && leaf)
		r |= BITS(20, 13);
	return r;
}

static uint64_t leaf_phys(enum x86_paging_mode mode, uint64_t entry, int level, uint64_t lin)
{
	if (mode == X86_PAGING_32) {
		if (level == 1)
			return (entry & PDE32_ADDR_4K) | (lin & 0xfff);
		/* PSE-36: PDE bits 20:13 are physical bits 39:32 (§4.3, Table 4-4). */
		return (entry & PDE32_ADDR_4M) | (((entry >> 13) & 0xff) << 32) | (lin & 0x3fffff);
	}
	if (level == 1)
		return (entry & PTE_ADDR_MASK) | (lin & (PAGE_SIZE - 1));
	if (level == 2)
		return (entry & PTE_ADDR_MASK_2M) | (lin & (LARGE_PAGE_SIZE - 1));
	return (entry & PTE_ADDR_MASK_1G) | (lin & (HUGE_PAGE_SIZE - 1));
}

static uint64_t leaf_size(enum x86_paging_mode mode, int level)
{
	if (level == 1)
		return PAGE_SIZE;
	if (level == 2)
		return mode == X86_PAGING_32 ? (4ull << 20) : LARGE_PAGE_SIZE;
	return HUGE_PAGE_SIZE;
}

static int read_entry(const struct x86_mem *mem, uint64_t addr, unsigned size, uint64_t *entry,
		      struct x86_fault *fault)
{
	uint64_t e = 0;
	if (mem->read(mem->ctx, addr, &e, size) != 0) {
		fault->vector = 0;
		fault->error_code = 0;
		fault->address = addr;
		return X86_NOMEM;
	}
	*entry = e; /* x86 is little-endian: a 4-byte entry lands in the low half */
	return 0;
}

int x86_pae_load_pdptes(const struct x86_mem *mem, uint64_t cr3, unsigned maxphyaddr_bits,
			uint64_t pdptes[4], struct x86_fault *fault)
{
	uint64_t base = cr3 & CR3_PAE_PDPT_MASK;
	unsigned m = maxphyaddr_bits ? maxphyaddr_bits : 52;
	for (int i = 0; i < 4; i++) {
		int rc = read_entry(mem, base + 8 * (uint64_t)i, 8, &pdptes[i], fault);
		if (rc != 0)
			return rc;
		if ((pdptes[i] & PTE_PRESENT) && (pdptes[i] & pdpte_reserved(m))) {
			*fault = (struct x86_fault){ .vector = X86_EXC_GP };
			return X86_FAULT;
		}
	}
	return 0;
}

/* The #PF for access at lin (§4.7). I is reported only where a fetch can
 * be refused: with CR4.SMEP, or PAE or 4-level paging with EFER.NXE. */
static int page_fault(enum x86_paging_mode mode, const struct x86_paging *pg, uint64_t lin,
		      unsigned access, uint32_t why, struct x86_fault *fault)
{
	uint32_t ec = why;
	if (access & X86_ACCESS_WRITE)
		ec |= X86_PF_W;
	if (access & X86_ACCESS_USER)
		ec |= X86_PF_U;
	if ((access & X86_ACCESS_FETCH) &&
	    ((pg->cr4 & X86_CR4_SMEP) || (mode != X86_PAGING_32 && (pg->efer & X86_EFER_NXE))))
		ec |= X86_PF_I;
	fault->vector = X86_EXC_PF;
	fault->error_code = ec;
	fault->address = lin;
	return X86_FAULT;
}

/* The access-rights rules of §4.6 on the rights combined over all levels;
 * SMEP and SMAP keep the supervisor off user pages (§4.6.1). */
static bool access_allowed(const struct x86_paging *pg, const struct x86_walk_result *r,
			   unsigned access)
{
	bool user = access & X86_ACCESS_USER;
	bool fetch = access & X86_ACCESS_FETCH;
	if (user && !r->user)
		return false;
	if (!user && r->user) {
		if (fetch && (pg->cr4 & X86_CR4_SMEP))
			return false;
		if (!fetch && (pg->cr4 & X86_CR4_SMAP) && !(access & X86_ACCESS_SMAP_EXEMPT))
			return false;
	}
	if ((access & X86_ACCESS_WRITE) && !r->writable && (user || (pg->cr0 & X86_CR0_WP)))
		return false;
	if (fetch && !r->executable)
		return false;
	return true;
}

/* §4.8: A in every entry used, D in the leaf of a write; PAE PDPTEs have
 * neither. Only the low 4 bytes are written: A and D live there, and the
 * guest's other bits are not rewritten. */
static int set_accessed_dirty(const struct x86_mem *mem, enum x86_paging_mode mode,
			      const struct x86_walk_result *r, unsigned access,
			      struct x86_fault *fault)
{
	for (int i = 0; i < r->levels; i++) {
		if (mode == X86_PAGING_PAE && i == 0)
			continue;
		uint64_t want = PTE_ACCESSED;
		if (i == r->levels - 1 && (access & X86_ACCESS_WRITE))
			want |= PTE_DIRTY;
		if ((r->entry[i] & want) == want)
			continue;
		uint32_t low = (uint32_t)(r->entry[i] | want);
		if (mem->write(mem->ctx, r->entry_addr[i], &low, sizeof(low)) != 0) {
			fault->vector = 0;
			fault->error_code = 0;
			fault->address = r->entry_addr[i];
			return X86_NOMEM;
		}
	}
	return 0;
}

static void walk_unpaged(uint64_t lin, struct x86_walk_result *out)
{
	*out = (struct x86_walk_result){
		.phys = lin, .writable = true, .user = true, .executable = true,
	};
}

/* The entry at level for lin in table: from the PDPTE registers where PAE
 * has them, else from memory. */
static int fetch_entry(const struct x86_mem *mem, const struct x86_paging *pg,
		       enum x86_paging_mode mode, uint64_t table, uint64_t lin, int level,
		       struct x86_walk_result *r, struct x86_fault *fault)
{
	unsigned index = mode_index(mode, lin, level);
	unsigned size = mode == X86_PAGING_32 ? 4 : 8;
	uint64_t addr = table + (uint64_t)index * size;
	uint64_t e;
	if (mode == X86_PAGING_PAE && level == 3 && pg->pdptes) {
		e = pg->pdptes[index];
	} else {
		int rc = read_entry(mem, addr, size, &e, fault);
		if (rc != 0)
			return rc;
	}
	r->entry_addr[r->levels] = addr;
	r->entry[r->levels++] = e;
	return 0;
}

/* Follows the tables from the root to the leaf, combining rights on the way
 * (§4.6: the access is allowed only if every level allows it). */
static int walk_tables(const struct x86_mem *mem, const struct x86_paging *pg,
		       enum x86_paging_mode mode, uint64_t lin, unsigned access,
		       struct x86_walk_result *r, struct x86_fault *fault)
{
	uint64_t table = mode_root(mode, pg);
	for (int level = mode_levels(mode); level >= 1; level--) {
		int rc = fetch_entry(mem, pg, mode, table, lin, level, r, fault);
		if (rc != 0)
			return rc;
		uint64_t e = r->entry[r->levels - 1];
		if (!(e & PTE_PRESENT))
			return page_fault(mode, pg, lin, access, 0, fault);
		if (e & reserved_bits(mode, pg, e, level))
			return page_fault(mode, pg, lin, access, X86_PF_P | X86_PF_RSVD, fault);
		if (!(mode == X86_PAGING_PAE && level == 3)) {
			r->writable &= (e & PTE_WRITE) != 0;
			r->user &= (e & PTE_USER) != 0;
			if (pg->efer & X86_EFER_NXE)
				r->executable &= !(e & PTE_NX);
		}
		if (is_leaf(mode, pg, e, level)) {
			r->phys = leaf_phys(mode, e, level, lin);
			r->page_size = leaf_size(mode, level);
			return 0;
		}
		table = e & (mode == X86_PAGING_32 ? PDE32_ADDR_4K : PTE_ADDR_MASK);
	}
	return 0; /* not reached: level 1 is always a leaf */
}

int x86_walk(const struct x86_mem *mem, const struct x86_paging *pg, uint64_t lin,
	     unsigned access, struct x86_walk_result *out, struct x86_fault *fault)
{
	enum x86_paging_mode mode = x86_paging_mode(pg);

	if (!(pg->efer & X86_EFER_LMA))
		lin &= 0xffffffffull; /* outside long mode linear addresses are 32 bits */
	if (mode == X86_PAGING_OFF) {
		walk_unpaged(lin, out);
		return 0;
	}
	if (!pt_is_canonical(lin)) {
		/* SDM vol.3A §3.3.7.1: a non-canonical address is a #GP, never a #PF. */
		*fault = (struct x86_fault){ .vector = X86_EXC_GP };
		return X86_FAULT;
	}
	struct x86_walk_result r = { .writable = true, .user = true, .executable = true };
	int rc = walk_tables(mem, pg, mode, lin, access, &r, fault);
	if (rc != 0)
		return rc;
	if (!access_allowed(pg, &r, access))
		return page_fault(mode, pg, lin, access, X86_PF_P, fault);
	if (!(access & X86_ACCESS_NO_AD)) {
		rc = set_accessed_dirty(mem, mode, &r, access, fault);
		if (rc != 0)
			return rc;
	}
	*out = r;
	return 0;
}

/* --- adapters: memory reached through a page walk, page by page ----------- */

static int paged_translate(struct x86_paged_mem *m, uint64_t addr, bool write, uint64_t *phys)
{
	struct x86_walk_result r;
	unsigned access = m->access | (write ? X86_ACCESS_WRITE : 0);
	int rc = x86_walk(m->under, &m->pg, addr, access, &r, &m->fault);
	if (rc != 0) {
		m->status = rc;
		return -1;
	}
	*phys = r.phys;
	return 0;
}

/* Copies into buf (a read) or out of src (a write), a page at a time: the
 * pages need not be contiguous below. */
static int paged_access(struct x86_paged_mem *m, uint64_t addr, void *buf, const void *src,
			size_t len)
{
	const struct x86_mem *under = m->under;
	size_t done = 0;
	while (done < len) {
		uint64_t a = addr + done;
		size_t chunk = PAGE_SIZE - (a & (PAGE_SIZE - 1));
		if (chunk > len - done)
			chunk = len - done;
		uint64_t phys;
		if (paged_translate(m, a, src != NULL, &phys) != 0)
			return -1;
		int rc = src ? under->write(under->ctx, phys, (const uint8_t *)src + done, chunk)
			     : under->read(under->ctx, phys, (uint8_t *)buf + done, chunk);
		if (rc != 0)
			return -1;
		done += chunk;
	}
	return 0;
}

static int paged_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	return paged_access(ctx, addr, buf, NULL, len);
}

static int paged_write(void *ctx, uint64_t addr, const void *buf, size_t len)
{
	return paged_access(ctx, addr, NULL, buf, len);
}

static void paged_init(struct x86_paged_mem *m, struct x86_mem *as_mem, const struct x86_mem *under,
		       const struct x86_paging *pg, unsigned access)
{
	*m = (struct x86_paged_mem){ .under = under, .pg = *pg, .access = access };
	*as_mem = (struct x86_mem){ .ctx = m, .read = paged_read, .write = paged_write };
}

void x86_nested_mem_init(struct x86_paged_mem *n, struct x86_mem *as_mem,
			 const struct x86_mem *host, uint64_t ncr3, unsigned maxphyaddr_bits)
{
	/* AMD APM vol.2 §15.25.5: the nested walk is always 4-level long-mode
	 * paging with NX honoured, whatever the guest's own mode. */
	const struct x86_paging npt = {
		.cr0 = X86_CR0_PE | X86_CR0_PG | X86_CR0_WP,
		.cr3 = ncr3,
		.cr4 = X86_CR4_PAE,
		.efer = X86_EFER_LME | X86_EFER_LMA | X86_EFER_NXE,
		.maxphyaddr = maxphyaddr_bits,
		.page_1g = true,
	};
	paged_init(n, as_mem, host, &npt, X86_ACCESS_USER);
}

void x86_linear_mem_init(struct x86_paged_mem *l, struct x86_mem *as_mem,
			 const struct x86_mem *phys, const struct x86_paging *pg, unsigned access)
{
	paged_init(l, as_mem, phys, pg, access);
}

/* A nested walk that failed: a fault in the nested table is X86_NESTED, a
 * nested table outside host memory stays X86_NOMEM. */
static int nested_outcome(int status, const struct x86_fault *nested, struct x86_fault *fault)
{
	*fault = *nested;
	return status == X86_FAULT ? X86_NESTED : X86_NOMEM;
}

int x86_walk_2d(const struct x86_mem *host, uint64_t ncr3, unsigned maxphyaddr_bits,
		const struct x86_paging *pg, uint64_t lin, unsigned access,
		struct x86_walk_2d_result *out, struct x86_fault *fault)
{
	struct x86_paged_mem n;
	struct x86_mem gpa_mem;
	x86_nested_mem_init(&n, &gpa_mem, host, ncr3, maxphyaddr_bits);
	*out = (struct x86_walk_2d_result){ .nested_in_tables = true };
	int rc = x86_walk(&gpa_mem, pg, lin, access, &out->guest, fault);
	if (rc == X86_NOMEM)
		return nested_outcome(n.status, &n.fault, fault);
	if (rc != 0)
		return rc;
	/* The final access is checked in the nested table as a user access of
	 * the same kind: a write needs W, a fetch needs no NX (§15.25.5). */
	out->nested_in_tables = false;
	unsigned nested_access =
		X86_ACCESS_USER | (access & (X86_ACCESS_WRITE | X86_ACCESS_FETCH | X86_ACCESS_NO_AD));
	struct x86_walk_result h;
	rc = x86_walk(host, &n.pg, out->guest.phys, nested_access, &h, &n.fault);
	if (rc != 0)
		return nested_outcome(rc, &n.fault, fault);
	out->hpa = h.phys;
	out->host_page_size = h.page_size;
	return 0;
}
