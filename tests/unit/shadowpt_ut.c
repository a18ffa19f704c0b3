/* Host tests for kernel/shadowpt/shadowpt.c: a guest's tables in a fake
 * guest-physical memory, composed with a VM map (gpa + HOST_OFFSET) into
 * shadow tables in the fake frames of tests/unit/stubs/fake_memory.h; a
 * table of cases per guest paging mode, fault reflection, accessed/dirty
 * emulation, large pages both ways, INVLPG and CR3 resynchronisation, and
 * the root cache with its memory bound. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

/* pt.c and x86_walk.c each have a static is_leaf and destroy_table: one
 * translation unit needs one of each renamed. */
#define is_leaf pt_is_leaf
#define destroy_table pt_destroy_table
#include "lib/common/pt.c"
#undef is_leaf
#undef destroy_table
#include "lib/common/pt_format.c"
#include "lib/common/x86_walk.c"
#include "kernel/shadowpt/shadowpt.c"

/* Shadow-table frames at host physical FAKE_BASE + i*4096, clear of the guest RAM's host range. */
#define FAKE_BASE 0x10000000ull
#include "tests/unit/stubs/fake_memory.h"

/* Guest RAM [0, GUEST_RAM); the guest's tables live in its first GMEM_SIZE
 * bytes (the rest is never read). A host 2 MiB page backs HOST_LARGE_GPA. */
#define GMEM_SIZE (64 * PAGE_SIZE)
#define GUEST_RAM (16ull << 20)
#define HOST_OFFSET 0x100000000ull
#define HOST_LARGE_GPA 0x800000ull
#define HOST_LARGE_HPA 0x7fe00000ull
#define READONLY_GPA 0x30000ull /* the VM maps this page without write */
#define MMIO_GPA 0xfee00000ull

static uint8_t *gmem;
static struct fake_mem frames;
static struct x86_mem guest_mem;
static struct shadow_env env;
static struct shadow sh;

static int gread(void *ctx, uint64_t addr, void *buf, size_t len)
{
	(void)ctx;
	if (addr >= GMEM_SIZE || len > GMEM_SIZE - addr)
		return -1;
	memcpy(buf, gmem + addr, len);
	return 0;
}

static int gwrite(void *ctx, uint64_t addr, const void *buf, size_t len)
{
	(void)ctx;
	if (addr >= GMEM_SIZE || len > GMEM_SIZE - addr)
		return -1;
	memcpy(gmem + addr, buf, len);
	return 0;
}

static int map(void *ctx, uint64_t gpa, uint64_t *hpa, bool *writable)
{
	(void)ctx;
	assert_int_equal(gpa & (PAGE_SIZE - 1), 0);
	if (gpa >= GUEST_RAM)
		return -1;
	*writable = gpa != READONLY_GPA;
	if (gpa >= HOST_LARGE_GPA && gpa < HOST_LARGE_GPA + LARGE_PAGE_SIZE)
		*hpa = HOST_LARGE_HPA + (gpa - HOST_LARGE_GPA); /* one host 2 MiB frame */
	else
		*hpa = gpa + HOST_OFFSET;
	return 0;
}

static int setup(void **state)
{
	(void)state;
	gmem = calloc(1, GMEM_SIZE);
	memset(&frames, 0, sizeof(frames));
	frames.frames = calloc(FAKE_FRAMES, PAGE_SIZE);
	frames.fail_after = -1;
	guest_mem = (struct x86_mem){ NULL, gread, gwrite };
	env = (struct shadow_env){
		.guest_phys = &guest_mem,
		.gpa_to_hpa = map,
		.tables = { &frames, fake_phys_to_ptr, fake_alloc, fake_free },
	};
	shadow_init(&sh, &env, FAKE_FRAMES);
	return gmem && frames.frames ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	shadow_destroy(&sh);
	assert_int_equal(sh.frames, 0);
	assert_int_equal(frames.allocs, frames.frees); /* every table frame went back */
	free(gmem);
	free(frames.frames);
	return 0;
}

static void put32(uint64_t a, uint32_t v) { memcpy(gmem + a, &v, 4); }
static void put64(uint64_t a, uint64_t v) { memcpy(gmem + a, &v, 8); }
static uint64_t get64(uint64_t a)
{
	uint64_t v;
	memcpy(&v, gmem + a, 8);
	return v;
}
static uint32_t get32(uint64_t a)
{
	uint32_t v;
	memcpy(&v, gmem + a, 4);
	return v;
}

/* The shadow leaf for lin in the current root, 0 if none. */
static uint64_t shadow_leaf(uint64_t lin)
{
	if (!sh.current)
		return 0;
	uint64_t *slot = leaf_slot(&sh, sh.current, lin, false);
	return slot ? *slot : 0;
}

/* What the processor would see: the same walk over the shadow tables,
 * through the PAE root outside long mode. */
static uint64_t hw_translate(uint64_t lin)
{
	uint64_t cr3 = shadow_hw_cr3(&sh);
	if (sh.current->pae_pdpt) {
		assert_int_equal(cr3 >> 32, 0);
		uint64_t pdpte = ((uint64_t *)fake_phys_to_ptr(&frames, cr3))[(lin >> 30) & 3];
		assert_int_equal(pdpte & ~PTE_ADDR_MASK, PTE_PRESENT); /* only P: the rest is reserved */
		uint64_t pde = ((uint64_t *)fake_phys_to_ptr(&frames, pdpte & PTE_ADDR_MASK))[pt_index(lin, 2)];
		if (!(pde & PTE_PRESENT))
			return 0;
		uint64_t pte = ((uint64_t *)fake_phys_to_ptr(&frames, pde & PTE_ADDR_MASK))[pt_index(lin, 1)];
		return pte & PTE_PRESENT ? (pte & PTE_ADDR_MASK) | (lin & 0xfff) : 0;
	}
	struct pt_walk_result r;
	if (pt_walk(&pt_format_x86_64, &sh.ops, cr3, lin, &r) != 0)
		return 0;
	return r.phys;
}

static enum shadow_fault_kind fault(uint64_t lin, uint32_t ec, struct shadow_fault *out)
{
	return shadow_page_fault(&sh, lin, ec, 0, out);
}

#include "tests/unit/stubs/pte_letters.h"

/* Guest registers per mode; tables at fixed guest-physical pages. */
static struct x86_paging mode_regs(enum x86_paging_mode m, uint64_t cr3)
{
	struct x86_paging g = { .cr0 = X86_CR0_PE | X86_CR0_WP, .cr3 = cr3, .page_1g = true };
	if (m == X86_PAGING_OFF)
		g.cr0 = X86_CR0_PE;
	else
		g.cr0 |= X86_CR0_PG;
	if (m == X86_PAGING_32)
		g.cr4 = X86_CR4_PSE;
	if (m == X86_PAGING_PAE || m == X86_PAGING_4LEVEL)
		g.cr4 = X86_CR4_PAE;
	if (m == X86_PAGING_4LEVEL)
		g.efer = X86_EFER_LME | X86_EFER_LMA | X86_EFER_NXE;
	return g;
}

/* Maps lin -> gpa with flags (4 KiB, or large: 4 MiB / 2 MiB at the PD
 * level) in the tables rooted at gpa 0x1000; lower tables at 0x2000.. */
static void guest_map(enum x86_paging_mode m, uint64_t lin, uint64_t gpa, uint64_t flags, bool large)
{
	if (m == X86_PAGING_32) {
		uint64_t pde = 0x1000 + ((lin >> 22) & 0x3ff) * 4;
		if (large) {
			put32(pde, (uint32_t)(gpa | flags | PS));
			return;
		}
		put32(pde, 0x2000 | P | W | U);
		put32(0x2000 + ((lin >> 12) & 0x3ff) * 4, (uint32_t)(gpa | flags));
		return;
	}
	uint64_t pd;
	if (m == X86_PAGING_PAE) {
		put64(0x1000 + ((lin >> 30) & 3) * 8, 0x3000 | P); /* PDPTE: P only */
		pd = 0x3000;
	} else {
		put64(0x1000 + pt_index(lin, 4) * 8, 0x2000 | P | W | U);
		put64(0x2000 + pt_index(lin, 3) * 8, 0x3000 | P | W | U);
		pd = 0x3000;
	}
	if (large) {
		put64(pd + pt_index(lin, 2) * 8, gpa | flags | PS);
		return;
	}
	put64(pd + pt_index(lin, 2) * 8, 0x4000 | P | W | U);
	put64(0x4000 + pt_index(lin, 1) * 8, gpa | flags);
}

static uint64_t guest_pte_addr(enum x86_paging_mode m, uint64_t lin)
{
	return m == X86_PAGING_32 ? 0x2000 + ((lin >> 12) & 0x3ff) * 4 : 0x4000 + pt_index(lin, 1) * 8;
}

static uint64_t guest_pte(enum x86_paging_mode m, uint64_t lin)
{
	uint64_t a = guest_pte_addr(m, lin);
	return m == X86_PAGING_32 ? get32(a) : get64(a);
}

/* One composition case per mode: lin -> gpa in the guest, gpa -> hpa in the
 * VM's map, as one shadow leaf. */
struct compose_case {
	enum x86_paging_mode mode;
	uint64_t lin, gpa;
	uint64_t flags;
	bool large;
	uint64_t probe; /* an address in the page to fault on */
};

static const struct compose_case compose_cases[] = {
	{ X86_PAGING_OFF, 0, 0, 0, false, 0x12345 },
	{ X86_PAGING_32, 0x00400000, 0x5000, P | W, false, 0x00400abc },
	{ X86_PAGING_32, 0x00c00000, 0x400000, P | W | U, true, 0x00d23456 }, /* 4 MiB page, split */
	{ X86_PAGING_PAE, 0x40000000, 0x6000, P | W | U, false, 0x40000010 },
	{ X86_PAGING_PAE, 0xc0200000, 0x200000, P | W, true, 0xc03ff000 }, /* 2 MiB page, split */
	{ X86_PAGING_4LEVEL, 0xffff800000001000ull, 0x7000, P | W, false, 0xffff800000001ff8ull },
	{ X86_PAGING_4LEVEL, 0x00007f0000200000ull, 0x600000, P | W | U, true, 0x00007f00002fe000ull },
	{ X86_PAGING_4LEVEL, 0x00007f0000000000ull, HOST_LARGE_GPA + 0x3000, P | U, false, 0x00007f0000000008ull },
};

static void test_compose_every_mode(void **state)
{
	for (size_t i = 0; i < sizeof(compose_cases) / sizeof(compose_cases[0]); i++) {
		const struct compose_case *c = &compose_cases[i];
		teardown(state);
		setup(state);
		if (c->mode != X86_PAGING_OFF)
			guest_map(c->mode, c->lin, c->gpa, c->flags, c->large);
		struct x86_paging g = mode_regs(c->mode, 0x1000);
		assert_int_equal(shadow_sync(&sh, &g), 0);
		/* The hardware always pages, in long mode only with the guest. */
		assert_true(shadow_hw_cr0(&sh) & X86_CR0_PG);
		assert_true(shadow_hw_cr4(&sh) & X86_CR4_PAE);
		assert_int_equal(!!(shadow_hw_efer(&sh) & X86_EFER_LME), c->mode == X86_PAGING_4LEVEL);
		assert_int_equal(sh.current->pae_pdpt != 0, c->mode != X86_PAGING_4LEVEL);
		assert_int_equal(hw_translate(c->probe), 0);

		struct shadow_fault out;
		assert_int_equal(fault(c->probe, 0, &out), SHADOW_FIXED);
		uint64_t gpa = c->mode == X86_PAGING_OFF ? c->probe : c->gpa + (c->probe - c->lin);
		uint64_t hpa;
		bool wr;
		map(NULL, gpa & ~0xfffull, &hpa, &wr);
		assert_int_equal(hw_translate(c->probe), hpa + (c->probe & 0xfff));
		uint64_t leaf = shadow_leaf(c->probe);
		assert_true(leaf & A);
		/* user as the guest says; read-only until dirtied (paging off: no dirty bits) */
		assert_int_equal(!!(leaf & U), c->mode == X86_PAGING_OFF || !!(c->flags & U));
		assert_int_equal(!!(leaf & W), c->mode == X86_PAGING_OFF);
		/* a large guest page is shadowed 4 KiB at a time: the next page is not there yet */
		if (c->large)
			assert_int_equal(hw_translate(c->probe + PAGE_SIZE), 0);
	}
}

static void test_accessed_dirty(void **state)
{
	(void)state;
	const enum x86_paging_mode modes[] = { X86_PAGING_32, X86_PAGING_PAE, X86_PAGING_4LEVEL };
	for (size_t i = 0; i < 3; i++) {
		enum x86_paging_mode m = modes[i];
		memset(gmem, 0, GMEM_SIZE);
		shadow_flush_all(&sh);
		uint64_t lin = 0x00400000;
		guest_map(m, lin, 0x9000, P | W, false);
		struct x86_paging g = mode_regs(m, 0x1000);
		assert_int_equal(shadow_sync(&sh, &g), 0);
		struct shadow_fault out;
		/* a read sets A, not D, and the shadow is read-only */
		assert_int_equal(fault(lin, 0, &out), SHADOW_FIXED);
		assert_true(guest_pte(m, lin) & A);
		assert_false(guest_pte(m, lin) & D);
		assert_false(shadow_leaf(lin) & W);
		/* the first write faults (P|W), sets D and makes the shadow writable */
		assert_int_equal(fault(lin, X86_PF_P | X86_PF_W, &out), SHADOW_FIXED);
		assert_true(guest_pte(m, lin) & D);
		assert_true(shadow_leaf(lin) & (W | D));
		/* a page already dirty is writable from the first fill */
		uint64_t lin2 = lin + PAGE_SIZE;
		guest_map(m, lin2, 0xa000, P | W | A | D, false);
		assert_int_equal(fault(lin2, 0, &out), SHADOW_FIXED);
		assert_true(shadow_leaf(lin2) & W);
	}
}

static void test_guest_faults_reflected(void **state)
{
	(void)state;
	enum x86_paging_mode m = X86_PAGING_4LEVEL;
	guest_map(m, 0x1000000, 0x9000, P, false);		/* supervisor, read-only */
	guest_map(m, 0x1001000, 0xa000, P | U | W | NX, false); /* user, no execute */
	struct x86_paging g = mode_regs(m, 0x1000);
	assert_int_equal(shadow_sync(&sh, &g), 0);
	struct shadow_fault out;
	/* not present: error code 0 plus the access, CR2 the address */
	assert_int_equal(fault(0x2000000, X86_PF_W, &out), SHADOW_GUEST_FAULT);
	assert_int_equal(out.fault.vector, X86_EXC_PF);
	assert_int_equal(out.fault.error_code, X86_PF_W);
	assert_int_equal(out.fault.address, 0x2000000);
	/* user read of a supervisor page: P|U */
	assert_int_equal(fault(0x1000010, X86_PF_U, &out), SHADOW_GUEST_FAULT);
	assert_int_equal(out.fault.error_code, X86_PF_P | X86_PF_U);
	assert_int_equal(out.fault.address, 0x1000010);
	/* supervisor write with CR0.WP: P|W */
	assert_int_equal(fault(0x1000000, X86_PF_W, &out), SHADOW_GUEST_FAULT);
	assert_int_equal(out.fault.error_code, X86_PF_P | X86_PF_W);
	/* fetch from an NX page: P|U|I */
	assert_int_equal(fault(0x1001000, X86_PF_U | X86_PF_I, &out), SHADOW_GUEST_FAULT);
	assert_int_equal(out.fault.error_code, X86_PF_P | X86_PF_U | X86_PF_I);
	/* but the host resolves a read of it, and the shadow leaf keeps NX */
	assert_int_equal(fault(0x1001000, X86_PF_U, &out), SHADOW_FIXED);
	assert_true(shadow_leaf(0x1001000) & NX);
	assert_int_equal(sh.stats.guest_faults, 4);
	assert_int_equal(sh.stats.fills, 1);
	/* A fault the guest takes sets no accessed bit (the walk failed). */
	assert_false(guest_pte(m, 0x1000000) & A);
}

static void test_mmio_and_readonly_memory(void **state)
{
	(void)state;
	enum x86_paging_mode m = X86_PAGING_4LEVEL;
	guest_map(m, 0x1000000, MMIO_GPA, P | W, false);
	guest_map(m, 0x1001000, READONLY_GPA, P | W | D, false);
	struct x86_paging g = mode_regs(m, 0x1000);
	assert_int_equal(shadow_sync(&sh, &g), 0);
	struct shadow_fault out;
	assert_int_equal(fault(0x1000030, X86_PF_W, &out), SHADOW_MMIO);
	assert_int_equal(out.gpa, MMIO_GPA + 0x30);
	assert_true(out.write);
	/* memory the VM maps read-only: reads are shadowed read-only, a write is the VMM's */
	assert_int_equal(fault(0x1001000, 0, &out), SHADOW_FIXED);
	assert_false(shadow_leaf(0x1001000) & W);
	assert_int_equal(fault(0x1001008, X86_PF_P | X86_PF_W, &out), SHADOW_MMIO);
	assert_int_equal(out.gpa, READONLY_GPA + 8);
	/* paging off: the same, linear = guest physical */
	g = mode_regs(X86_PAGING_OFF, 0);
	assert_int_equal(shadow_sync(&sh, &g), 0);
	assert_int_equal(fault(MMIO_GPA + 0x300, 0, &out), SHADOW_MMIO);
	assert_int_equal(out.gpa, MMIO_GPA + 0x300);
}

static void test_wp_clear_supervisor_write(void **state)
{
	(void)state;
	enum x86_paging_mode m = X86_PAGING_PAE;
	guest_map(m, 0x400000, 0x9000, P | U, false); /* read-only user page */
	struct x86_paging g = mode_regs(m, 0x1000);
	g.cr0 &= ~X86_CR0_WP;
	assert_int_equal(shadow_sync(&sh, &g), 0);
	struct shadow_fault out;
	assert_int_equal(fault(0x400000, X86_PF_W, &out), SHADOW_FIXED);
	uint64_t leaf = shadow_leaf(0x400000);
	assert_true(leaf & W);
	assert_false(leaf & U); /* user code still may not write it */
	assert_int_equal(fault(0x400000, X86_PF_U | X86_PF_W | X86_PF_P, &out), SHADOW_GUEST_FAULT);
	/* WP back on changes what entries mean: every root goes */
	g.cr0 |= X86_CR0_WP;
	assert_int_equal(shadow_sync(&sh, &g), 0);
	assert_int_equal(sh.stats.mode_changes, 1);
	assert_int_equal(shadow_leaf(0x400000), 0);
}

static void test_invlpg(void **state)
{
	(void)state;
	enum x86_paging_mode m = X86_PAGING_4LEVEL;
	guest_map(m, 0x400000, 0x9000, P | W | D, false);
	struct x86_paging g = mode_regs(m, 0x1000);
	assert_int_equal(shadow_sync(&sh, &g), 0);
	struct shadow_fault out;
	assert_int_equal(fault(0x400000, 0, &out), SHADOW_FIXED);
	assert_int_equal(hw_translate(0x400000), 0x9000 + HOST_OFFSET);
	shadow_take_tlb_flush(&sh);
	/* the guest remaps the page: until INVLPG the shadow (its TLB) keeps the old one */
	guest_map(m, 0x400000, 0xa000, P | W | D, false);
	assert_int_equal(hw_translate(0x400000), 0x9000 + HOST_OFFSET);
	shadow_invlpg(&sh, 0x400123);
	assert_true(shadow_take_tlb_flush(&sh));
	assert_int_equal(hw_translate(0x400000), 0);
	assert_int_equal(fault(0x400000, 0, &out), SHADOW_FIXED);
	assert_int_equal(hw_translate(0x400000), 0xa000 + HOST_OFFSET);
	shadow_invlpg(&sh, 0x8000000000000000ull); /* non-canonical: nothing */
	assert_int_equal(sh.stats.invlpgs, 2);
}

static void test_cr3_reload_resyncs(void **state)
{
	(void)state;
	enum x86_paging_mode m = X86_PAGING_4LEVEL;
	guest_map(m, 0x400000, 0x9000, P | W | D, false);
	guest_map(m, 0x401000, 0xa000, P | W | D, false);
	guest_map(m, 0x402000, 0xb000, P | W | D, false);
	struct x86_paging g = mode_regs(m, 0x1000);
	assert_int_equal(shadow_sync(&sh, &g), 0);
	struct shadow_fault out;
	for (int i = 0; i < 3; i++)
		assert_int_equal(fault(0x400000 + i * PAGE_SIZE, X86_PF_W, &out), SHADOW_FIXED);
	/* the guest unmaps one page, write-protects another, then reloads CR3 */
	put64(guest_pte_addr(m, 0x400000), 0);
	put64(guest_pte_addr(m, 0x401000), 0xa000 | P | D);
	shadow_guest_cr3_write(&sh);
	assert_int_equal(shadow_sync(&sh, &g), 0);
	assert_int_equal(shadow_leaf(0x400000), 0);
	assert_int_equal(shadow_leaf(0x401000), 0);
	assert_true(shadow_leaf(0x402000) & W); /* unchanged: kept */
	assert_int_equal(sh.stats.zapped, 2);
	assert_int_equal(sh.stats.revalidated, 3);
	assert_true(shadow_take_tlb_flush(&sh));
	/* the guest cleared D to track writes: the shadow must fault the next write */
	put64(guest_pte_addr(m, 0x402000), 0xb000 | P | W | A);
	shadow_guest_cr3_write(&sh);
	assert_int_equal(shadow_sync(&sh, &g), 0);
	assert_int_equal(shadow_leaf(0x402000), 0);
}

static void test_global_pages(void **state)
{
	(void)state;
	enum x86_paging_mode m = X86_PAGING_4LEVEL;
	guest_map(m, 0x400000, 0x9000, P | W | D | PTE_GLOBAL, false);
	guest_map(m, 0x401000, 0xa000, P | W | D, false);
	struct x86_paging g = mode_regs(m, 0x1000);
	g.cr4 |= SHADOW_CR4_PGE;
	assert_int_equal(shadow_sync(&sh, &g), 0);
	struct shadow_fault out;
	assert_int_equal(fault(0x400000, 0, &out), SHADOW_FIXED);
	assert_int_equal(fault(0x401000, 0, &out), SHADOW_FIXED);
	/* both unmapped by the guest; a CR3 load drops only the non-global one (§4.10.4.1) */
	put64(guest_pte_addr(m, 0x400000), 0);
	put64(guest_pte_addr(m, 0x401000), 0);
	shadow_guest_cr3_write(&sh);
	assert_int_equal(shadow_sync(&sh, &g), 0);
	assert_true(shadow_leaf(0x400000) & P);
	assert_int_equal(shadow_leaf(0x401000), 0);
	/* a CR4.PGE toggle drops it too */
	shadow_guest_flush_all(&sh);
	assert_int_equal(shadow_sync(&sh, &g), 0);
	assert_int_equal(shadow_leaf(0x400000), 0);
	/* and INVLPG of a global page reaches every cached root */
	guest_map(m, 0x400000, 0x9000, P | W | D | PTE_GLOBAL, false);
	assert_int_equal(fault(0x400000, 0, &out), SHADOW_FIXED);
	memcpy(gmem + 0x5000, gmem + 0x1000, PAGE_SIZE);
	struct x86_paging b = g;
	b.cr3 = 0x5000;
	shadow_guest_cr3_write(&sh);
	assert_int_equal(shadow_sync(&sh, &b), 0);
	shadow_invlpg(&sh, 0x400000);
	shadow_guest_cr3_write(&sh);
	assert_int_equal(shadow_sync(&sh, &g), 0);
	assert_int_equal(shadow_leaf(0x400000), 0);
}

static void test_root_cache(void **state)
{
	(void)state;
	enum x86_paging_mode m = X86_PAGING_4LEVEL;
	/* two address spaces sharing lower tables: PML4s at 0x1000 and 0x5000 */
	guest_map(m, 0x400000, 0x9000, P | W | D, false);
	memcpy(gmem + 0x5000, gmem + 0x1000, PAGE_SIZE);
	struct x86_paging a = mode_regs(m, 0x1000), b = mode_regs(m, 0x5000);
	struct shadow_fault out;
	assert_int_equal(shadow_sync(&sh, &a), 0);
	assert_int_equal(fault(0x400000, 0, &out), SHADOW_FIXED);
	uint64_t root_a = shadow_hw_cr3(&sh);
	shadow_guest_cr3_write(&sh);
	assert_int_equal(shadow_sync(&sh, &b), 0);
	assert_true(shadow_hw_cr3(&sh) != root_a);
	assert_int_equal(shadow_leaf(0x400000), 0); /* b's shadow starts empty */
	uint64_t frames = sh.frames;
	/* back to a: its cached root, still filled */
	shadow_guest_cr3_write(&sh);
	assert_int_equal(shadow_sync(&sh, &a), 0);
	assert_int_equal(shadow_hw_cr3(&sh), root_a);
	assert_true(shadow_leaf(0x400000) & P);
	assert_int_equal(sh.frames, frames);
	assert_int_equal(sh.stats.cr3_loads, 2);
	/* syncing with nothing changed keeps everything and flushes nothing */
	shadow_take_tlb_flush(&sh);
	assert_int_equal(shadow_sync(&sh, &a), 0);
	assert_false(shadow_take_tlb_flush(&sh));
}

static void test_root_eviction_bound(void **state)
{
	(void)state;
	shadow_destroy(&sh);
	shadow_init(&sh, &env, 16);
	enum x86_paging_mode m = X86_PAGING_4LEVEL;
	guest_map(m, 0x400000, 0x9000, P | W | D, false);
	struct shadow_fault out;
	/* ten address spaces, each with one page touched (4 frames a root) */
	for (uint64_t i = 0; i < 10; i++) {
		uint64_t cr3 = 0x10000 + i * PAGE_SIZE;
		memcpy(gmem + cr3, gmem + 0x1000, PAGE_SIZE);
		struct x86_paging g = mode_regs(m, cr3);
		shadow_guest_cr3_write(&sh);
		assert_int_equal(shadow_sync(&sh, &g), 0);
		assert_int_equal(fault(0x400000, 0, &out), SHADOW_FIXED);
		assert_true(sh.frames <= 16);
	}
	assert_true(sh.stats.evictions >= 6);
	/* the most recent root survived, the oldest did not */
	assert_non_null(root_find(&sh, 0x10000 + 9 * PAGE_SIZE));
	assert_null(root_find(&sh, 0x10000));
	/* one address space larger than the bound starts over instead of failing */
	struct x86_paging g = mode_regs(m, 0x1000);
	assert_int_equal(shadow_sync(&sh, &g), 0);
	for (uint64_t i = 0; i < 12; i++) {
		uint64_t lin = 0x40000000ull * (i + 1);
		guest_map(m, lin, 0x9000, P | W, false);
		assert_int_equal(fault(lin, 0, &out), SHADOW_FIXED);
		assert_true(sh.frames <= 16);
		assert_int_equal(hw_translate(lin), 0x9000 + HOST_OFFSET);
	}
}

static void test_out_of_frames(void **state)
{
	(void)state;
	frames.fail_after = frames.allocs; /* no frame at all */
	struct x86_paging g = mode_regs(X86_PAGING_4LEVEL, 0x1000);
	assert_int_equal(shadow_sync(&sh, &g), -1);
	struct shadow_fault out;
	assert_int_equal(fault(0x400000, 0, &out), SHADOW_NO_MEMORY);
	frames.fail_after = -1;
	assert_int_equal(shadow_sync(&sh, &g), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_compose_every_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_accessed_dirty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_guest_faults_reflected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mmio_and_readonly_memory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wp_clear_supervisor_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invlpg, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cr3_reload_resyncs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_global_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_root_cache, setup, teardown),
		cmocka_unit_test_setup_teardown(test_root_eviction_bound, setup, teardown),
		cmocka_unit_test_setup_teardown(test_out_of_frames, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
