/* Host tests for lib/common/x86_walk.c: a table of cases per paging mode
 * over a fake physical memory, fault error codes, accessed/dirty setting, and
 * a guest walk composed through a nested (host) map. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/common/x86_walk.c"

/* Physical memory [0, MEM_SIZE); anything above is "not memory". */
#define MEM_SIZE (0x100ull * PAGE_SIZE)

struct fake_phys {
	uint8_t *bytes;
	int writes;
};

static int fake_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	struct fake_phys *m = ctx;
	if (addr >= MEM_SIZE || len > MEM_SIZE - addr)
		return -1;
	memcpy(buf, m->bytes + addr, len);
	return 0;
}

static int fake_write(void *ctx, uint64_t addr, const void *buf, size_t len)
{
	struct fake_phys *m = ctx;
	if (addr >= MEM_SIZE || len > MEM_SIZE - addr)
		return -1;
	memcpy(m->bytes + addr, buf, len);
	m->writes++;
	return 0;
}

static struct fake_phys phys;
static struct x86_mem mem = { &phys, fake_read, fake_write };

static int setup(void **state)
{
	(void)state;
	phys.bytes = calloc(1, MEM_SIZE);
	phys.writes = 0;
	return phys.bytes ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(phys.bytes);
	return 0;
}

static void put32(uint64_t addr, uint32_t v)
{
	memcpy(phys.bytes + addr, &v, 4);
}

static void put64(uint64_t addr, uint64_t v)
{
	memcpy(phys.bytes + addr, &v, 8);
}

static uint64_t get64(uint64_t addr)
{
	uint64_t v;
	memcpy(&v, phys.bytes + addr, 8);
	return v;
}

#include "tests/unit/stubs/pte_letters.h"
#define R X86_ACCESS_READ
#define WR X86_ACCESS_WRITE
#define US X86_ACCESS_USER
#define EX X86_ACCESS_FETCH

struct walk_case {
	uint64_t lin;
	unsigned access;
	int rc;
	uint64_t phys;      /* rc 0 */
	uint64_t page_size; /* rc 0 */
	uint32_t ec;        /* rc X86_FAULT: the #PF error code */
	int line;
};

#define OK(lin, acc, ph, size) { lin, acc, 0, ph, size, 0, __LINE__ }
#define PF(lin, acc, ec) { lin, acc, X86_FAULT, 0, 0, ec, __LINE__ }

static void run_cases(const struct x86_paging *pg, const struct walk_case *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct x86_walk_result r;
		struct x86_fault f = { 0 };
		int rc = x86_walk(&mem, pg, c[i].lin, c[i].access | X86_ACCESS_NO_AD, &r, &f);
		if (rc != c[i].rc)
			fail_msg("case at line %d: rc %d, want %d", c[i].line, rc, c[i].rc);
		if (rc == 0 && (r.phys != c[i].phys || r.page_size != c[i].page_size))
			fail_msg("case at line %d: phys %#llx size %#llx", c[i].line,
				 (unsigned long long)r.phys, (unsigned long long)r.page_size);
		if (rc == X86_FAULT && (f.vector != X86_EXC_PF || f.error_code != c[i].ec ||
					f.address != c[i].lin))
			fail_msg("case at line %d: vector %u ec %#x addr %#llx", c[i].line, f.vector,
				 f.error_code, (unsigned long long)f.address);
	}
}

static void test_mode_selection(void **state)
{
	(void)state;
	struct x86_paging pg = { 0 };
	assert_int_equal(x86_paging_mode(&pg), X86_PAGING_OFF);
	pg.cr0 = X86_CR0_PE | X86_CR0_PG;
	assert_int_equal(x86_paging_mode(&pg), X86_PAGING_32);
	pg.cr4 = X86_CR4_PAE;
	assert_int_equal(x86_paging_mode(&pg), X86_PAGING_PAE);
	pg.efer = X86_EFER_LME; /* LME without LMA: still PAE until the CPU activates long mode */
	assert_int_equal(x86_paging_mode(&pg), X86_PAGING_PAE);
	pg.efer |= X86_EFER_LMA;
	assert_int_equal(x86_paging_mode(&pg), X86_PAGING_4LEVEL);
}

static void test_paging_off(void **state)
{
	(void)state;
	struct x86_paging pg = { .cr0 = X86_CR0_PE };
	static const struct walk_case cases[] = {
		OK(0x1234, R, 0x1234, 0),
		OK(0xfffff000, WR | US | EX, 0xfffff000, 0),
		OK(0x100001000ull, R, 0x1000, 0), /* linear addresses wrap at 4 GiB */
	};
	run_cases(&pg, cases, sizeof(cases) / sizeof(cases[0]));
	assert_int_equal(phys.writes, 0);
}

/* 32-bit paging: PD at 0x1000, PT at 0x2000. */
static void build_32(void)
{
	put32(0x1000 + 0 * 4, 0x2000 | P | W | U);
	put32(0x2000 + 1 * 4, 0x5000 | P | W | U);         /* 0x1000: user read-write */
	put32(0x2000 + 2 * 4, 0x6000 | P);                 /* 0x2000: supervisor read-only */
	put32(0x2000 + 4 * 4, 0x7000 | P | U);             /* 0x4000: user read-only */
	put32(0x1000 + 1 * 4, 0x00400000 | P | W | PS);    /* 0x400000: 4 MiB supervisor */
	put32(0x1000 + 2 * 4, 0x00c00000 | (3u << 13) | P | PS | U); /* PSE-36: phys 0x3_00c00000 */
	put32(0x1000 + 3 * 4, 0x01000000 | (1u << 21) | P | PS);     /* bit 21 reserved */
}

static void test_32bit(void **state)
{
	(void)state;
	build_32();
	struct x86_paging pg = {
		.cr0 = X86_CR0_PE | X86_CR0_PG, .cr3 = 0x1000, .cr4 = X86_CR4_PSE, .maxphyaddr = 40,
	};
	static const struct walk_case cases[] = {
		OK(0x1234, R | US, 0x5234, PAGE_SIZE),
		OK(0x1234, WR | US, 0x5234, PAGE_SIZE),
		OK(0x1234, EX | US, 0x5234, PAGE_SIZE), /* no execute-disable in 32-bit paging */
		PF(0x2010, R | US, X86_PF_P | X86_PF_U),
		OK(0x2010, WR, 0x6010, PAGE_SIZE), /* CR0.WP=0: the supervisor writes anything */
		PF(0x4000, WR | US, X86_PF_P | X86_PF_W | X86_PF_U),
		PF(0x3000, R, 0),
		PF(0x3000, EX | US, X86_PF_U), /* no I bit without NX */
		OK(0x400123, R, 0x400123, 4ull << 20),
		PF(0x400123, R | US, X86_PF_P | X86_PF_U),
		OK(0x800010, R | US, 0x300c00010ull, 4ull << 20),
		PF(0xc00000, R, X86_PF_P | X86_PF_RSVD),
		PF(0x1000000, WR, X86_PF_W), /* PDE 4 is empty */
	};
	run_cases(&pg, cases, sizeof(cases) / sizeof(cases[0]));

	pg.cr0 |= X86_CR0_WP;
	static const struct walk_case wp[] = {
		PF(0x2010, WR, X86_PF_P | X86_PF_W),
		OK(0x1010, WR, 0x5010, PAGE_SIZE),
	};
	run_cases(&pg, wp, sizeof(wp) / sizeof(wp[0]));

	/* Without CR4.PSE, PS is ignored: the 4 MiB PDE points at a "page table"
	 * at 0x400000, which is not memory here. */
	pg.cr4 = 0;
	struct x86_walk_result r;
	struct x86_fault f;
	assert_int_equal(x86_walk(&mem, &pg, 0x400123, R, &r, &f), X86_NOMEM);
	assert_int_equal(f.address, 0x400000);
	/* And with M=36 the PSE-36 PDE's bits 20:17 become reserved. */
	pg.cr4 = X86_CR4_PSE;
	pg.maxphyaddr = 36;
	put32(0x1000 + 2 * 4, 0x00c00000 | (0x10u << 13) | P | PS | U);
	assert_int_equal(x86_walk(&mem, &pg, 0x800010, R, &r, &f), X86_FAULT);
	assert_int_equal(f.error_code, X86_PF_P | X86_PF_RSVD);
}

/* PAE: PDPT at 0x1020 (32-byte aligned), PD at 0x2000, PT at 0x3000. */
static void build_pae(void)
{
	put64(0x1020 + 0 * 8, 0x2000 | P);
	put64(0x1020 + 2 * 8, 0x4000 | P | W); /* R/W is reserved in a PAE PDPTE */
	put64(0x2000 + 0 * 8, 0x3000 | P | W | U);
	put64(0x3000 + 0 * 8, 0x7000 | P | W | U | NX);
	put64(0x3000 + 1 * 8, 0x8000 | P | U);
	put64(0x2000 + 1 * 8, 0x00200000 | P | W | PS);
	put64(0x2000 + 2 * 8, 0x00400000 | (1u << 13) | P | PS); /* bit 13 reserved in a 2 MiB PDE */
	put64(0x2000 + 3 * 8, 0x3000 | P | W | U | NX);          /* the same PT, no execute */
	put64(0x3000 + 2 * 8, 0x9000 | P | W | U | (1ull << 40)); /* above M=36 */
}

static void test_pae(void **state)
{
	(void)state;
	build_pae();
	struct x86_paging pg = {
		.cr0 = X86_CR0_PE | X86_CR0_PG | X86_CR0_WP, .cr3 = 0x1020, .cr4 = X86_CR4_PAE,
		.efer = X86_EFER_NXE, .maxphyaddr = 36,
	};
	static const struct walk_case cases[] = {
		OK(0x10, R | US, 0x7010, PAGE_SIZE),
		OK(0x10, WR | US, 0x7010, PAGE_SIZE),
		PF(0x10, EX | US, X86_PF_P | X86_PF_U | X86_PF_I),
		PF(0x10, EX, X86_PF_P | X86_PF_I),
		OK(0x1010, EX | US, 0x8010, PAGE_SIZE),
		PF(0x1010, WR | US, X86_PF_P | X86_PF_W | X86_PF_U),
		PF(0x1010, WR, X86_PF_P | X86_PF_W),
		OK(0x200005, R, 0x200005, LARGE_PAGE_SIZE),
		PF(0x200005, R | US, X86_PF_P | X86_PF_U),
		PF(0x400000, R, X86_PF_P | X86_PF_RSVD),
		PF(0x601010, EX, X86_PF_P | X86_PF_I), /* NX in the PDE covers the page */
		PF(0x3000, EX | US, X86_PF_U | X86_PF_I), /* not present */
		PF(0x40000000, R, 0),                    /* PDPTE 1 not present */
		PF(0x80000000, R, X86_PF_P | X86_PF_RSVD),
		PF(0x2010, R, X86_PF_P | X86_PF_RSVD), /* physical bit 40 with M=36 */
	};
	run_cases(&pg, cases, sizeof(cases) / sizeof(cases[0]));

	/* Without EFER.NXE bit 63 is reserved. */
	pg.efer = 0;
	static const struct walk_case nonx[] = {
		PF(0x10, R, X86_PF_P | X86_PF_RSVD),
		OK(0x1010, EX | US, 0x8010, PAGE_SIZE),
	};
	run_cases(&pg, nonx, sizeof(nonx) / sizeof(nonx[0]));
}

/* 4-level: PML4 0x1000, PDPT 0x2000, PD 0x3000, PT 0x4000; PML4[511] -> PDPT 0x5000. */
static void build_4level(void)
{
	put64(0x1000 + 0 * 8, 0x2000 | P | W | U);
	put64(0x2000 + 0 * 8, 0x3000 | P | W | U);
	put64(0x3000 + 0 * 8, 0x4000 | P | W | U);
	put64(0x4000 + 0 * 8, 0x9000 | P | W | U);
	put64(0x4000 + 1 * 8, 0xa000 | P | U | NX);
	put64(0x3000 + 1 * 8, 0x200000 | P | W | PS);
	put64(0x2000 + 1 * 8, 0x40000000 | P | W | U | PS);
	put64(0x2000 + 2 * 8, 0x80000000 | (1u << 20) | P | PS); /* bit 20 reserved in a 1 GiB PDPTE */
	put64(0x1000 + 1 * 8, 0x6000 | P | PS);                   /* PS reserved in a PML4E */
	put64(0x1000 + 511 * 8, 0x5000 | P | W);
	put64(0x5000 + 511 * 8, 0x80000000 | P | W | PS);
	put64(0x1000 + 2 * 8, 0x7000 | P | W | U);
	put64(0x7000 + 0 * 8, 0x8000 | P | U); /* read-only PDPTE over a writable PD */
	put64(0x8000 + 0 * 8, 0x600000 | P | W | U | PS);
}

static struct x86_paging pg_4level(void)
{
	return (struct x86_paging){
		.cr0 = X86_CR0_PE | X86_CR0_PG | X86_CR0_WP,
		.cr3 = 0x1000,
		.cr4 = X86_CR4_PAE,
		.efer = X86_EFER_LME | X86_EFER_LMA | X86_EFER_NXE,
		.maxphyaddr = 48,
		.page_1g = true,
	};
}

static void test_4level(void **state)
{
	(void)state;
	build_4level();
	struct x86_paging pg = pg_4level();
	static const struct walk_case cases[] = {
		OK(0x123, R | US, 0x9123, PAGE_SIZE),
		OK(0x123, WR | US | EX, 0x9123, PAGE_SIZE),
		OK(0x1123, R | US, 0xa123, PAGE_SIZE),
		PF(0x1123, EX | US, X86_PF_P | X86_PF_U | X86_PF_I),
		PF(0x1123, WR, X86_PF_P | X86_PF_W),
		OK(0x2abcde, WR, 0x2abcde, LARGE_PAGE_SIZE),
		PF(0x2abcde, R | US, X86_PF_P | X86_PF_U),
		OK(0x40001234, WR | US, 0x40001234, HUGE_PAGE_SIZE),
		PF(0x80000000, R, X86_PF_P | X86_PF_RSVD),
		PF(0x8000000000ull, R, X86_PF_P | X86_PF_RSVD),
		OK(0xffffffffc0000010ull, WR | EX, 0x80000010, HUGE_PAGE_SIZE),
		PF(0xffffffffc0000010ull, R | US, X86_PF_P | X86_PF_U),
		PF(0xffffff8000000000ull, R, 0),
		OK(0x10000012345ull, R | US, 0x612345, LARGE_PAGE_SIZE),
		PF(0x10000012345ull, WR | US, X86_PF_P | X86_PF_W | X86_PF_U),
		PF(0x3000, WR | US, X86_PF_W | X86_PF_U), /* PTE 3 empty */
	};
	run_cases(&pg, cases, sizeof(cases) / sizeof(cases[0]));

	/* Non-canonical: #GP(0), not #PF. */
	struct x86_walk_result r;
	struct x86_fault f;
	assert_int_equal(x86_walk(&mem, &pg, 0x0000800000000000ull, R, &r, &f), X86_FAULT);
	assert_int_equal(f.vector, X86_EXC_GP);
	assert_int_equal(f.error_code, 0);

	/* CR0.WP=0: the supervisor writes read-only pages, the user still cannot. */
	pg.cr0 &= ~X86_CR0_WP;
	static const struct walk_case nowp[] = {
		OK(0x1123, WR, 0xa123, PAGE_SIZE),
		OK(0x10000012345ull, WR, 0x612345, LARGE_PAGE_SIZE),
		PF(0x1123, WR | US, X86_PF_P | X86_PF_W | X86_PF_U),
	};
	run_cases(&pg, nowp, sizeof(nowp) / sizeof(nowp[0]));

	/* Without 1 GiB pages, PS in a PDPTE is reserved. */
	pg = pg_4level();
	pg.page_1g = false;
	static const struct walk_case no1g[] = {
		PF(0x40001234, R, X86_PF_P | X86_PF_RSVD),
		OK(0x123, R, 0x9123, PAGE_SIZE),
	};
	run_cases(&pg, no1g, sizeof(no1g) / sizeof(no1g[0]));

	/* MAXPHYADDR below an entry's address bits: reserved. */
	pg = pg_4level();
	put64(0x4000 + 5 * 8, (1ull << 48) | 0xb000 | P);
	static const struct walk_case narrow[] = {
		PF(0x5000, R, X86_PF_P | X86_PF_RSVD),
	};
	run_cases(&pg, narrow, 1);
	pg.maxphyaddr = 52;
	static const struct walk_case wide[] = {
		OK(0x5000, R, (1ull << 48) | 0xb000, PAGE_SIZE),
	};
	run_cases(&pg, wide, 1);
}

/* PDPTEs are registers loaded with CR3: a later write to the PDPT is not
 * seen until the next load, and a reserved bit faults the load (#GP). */
static void test_pae_pdpte_registers(void **state)
{
	(void)state;
	build_pae();
	uint64_t pdptes[4];
	struct x86_fault f;
	/* PDPTE 2 has R/W set: reserved, so the load faults. */
	assert_int_equal(x86_pae_load_pdptes(&mem, 0x1020, 36, pdptes, &f), X86_FAULT);
	assert_int_equal(f.vector, X86_EXC_GP);
	assert_int_equal(f.error_code, 0);
	put64(0x1020 + 2 * 8, 0x4000 | P);
	assert_int_equal(x86_pae_load_pdptes(&mem, 0x1020, 36, pdptes, &f), 0);
	assert_int_equal(pdptes[0], 0x2000 | P);
	assert_int_equal(x86_pae_load_pdptes(&mem, 0x200000, 36, pdptes, &f), X86_NOMEM);

	assert_int_equal(x86_pae_load_pdptes(&mem, 0x1020, 36, pdptes, &f), 0);
	struct x86_paging pg = {
		.cr0 = X86_CR0_PE | X86_CR0_PG, .cr3 = 0x1020, .cr4 = X86_CR4_PAE,
		.efer = X86_EFER_NXE, .maxphyaddr = 36, .pdptes = pdptes,
	};
	put64(0x1020, 0); /* the guest clears PDPTE 0 without reloading CR3 */
	struct x86_walk_result r;
	assert_int_equal(x86_walk(&mem, &pg, 0x10, R, &r, &f), 0);
	assert_int_equal(r.phys, 0x7010);
	assert_int_equal(r.entry_addr[0], 0x1020);
	pg.pdptes = NULL; /* read from memory: now not present */
	assert_int_equal(x86_walk(&mem, &pg, 0x10, R, &r, &f), X86_FAULT);
	assert_int_equal(f.error_code, 0);
}

static void test_smep_smap(void **state)
{
	(void)state;
	build_4level();
	struct x86_paging pg = pg_4level();
	pg.cr4 |= X86_CR4_SMEP | X86_CR4_SMAP;
	static const struct walk_case cases[] = {
		PF(0x123, EX, X86_PF_P | X86_PF_I),    /* SMEP: no supervisor fetch from a user page */
		PF(0x123, R, X86_PF_P),                /* SMAP: no supervisor read of a user page */
		PF(0x123, WR, X86_PF_P | X86_PF_W),
		OK(0x123, R | X86_ACCESS_SMAP_EXEMPT, 0x9123, PAGE_SIZE), /* RFLAGS.AC=1 */
		OK(0x123, WR | US | EX, 0x9123, PAGE_SIZE),              /* the user is unaffected */
		OK(0x2abcde, WR | EX, 0x2abcde, LARGE_PAGE_SIZE),        /* supervisor pages are fine */
		/* A page is a user page only if U/S=1 at every level. */
		OK(0xffffffffc0000010ull, R | EX, 0x80000010, HUGE_PAGE_SIZE),
	};
	run_cases(&pg, cases, sizeof(cases) / sizeof(cases[0]));

	/* SMEP applies to 32-bit paging too, and brings the I bit there. */
	memset(phys.bytes, 0, MEM_SIZE);
	build_32();
	struct x86_paging pg32 = {
		.cr0 = X86_CR0_PE | X86_CR0_PG, .cr3 = 0x1000, .cr4 = X86_CR4_PSE | X86_CR4_SMEP,
	};
	static const struct walk_case cases32[] = {
		PF(0x1234, EX, X86_PF_P | X86_PF_I),
		PF(0x3000, EX | US, X86_PF_U | X86_PF_I),
		OK(0x1234, R, 0x5234, PAGE_SIZE),
	};
	run_cases(&pg32, cases32, sizeof(cases32) / sizeof(cases32[0]));
}

static void test_accessed_dirty(void **state)
{
	(void)state;
	build_4level();
	struct x86_paging pg = pg_4level();
	struct x86_walk_result r;
	struct x86_fault f;

	/* A fault sets nothing. */
	assert_int_equal(x86_walk(&mem, &pg, 0x1123, WR | US, &r, &f), X86_FAULT);
	assert_int_equal(phys.writes, 0);
	/* A read sets A at every level, D nowhere. */
	assert_int_equal(x86_walk(&mem, &pg, 0x123, R, &r, &f), 0);
	assert_int_equal(r.levels, 4);
	assert_int_equal(r.entry_addr[3], 0x4000);
	assert_int_equal(r.entry[3] & A, 0); /* the entries as read, before the update */
	assert_int_equal(get64(0x1000), 0x2000 | P | W | U | A);
	assert_int_equal(get64(0x2000), 0x3000 | P | W | U | A);
	assert_int_equal(get64(0x3000), 0x4000 | P | W | U | A);
	assert_int_equal(get64(0x4000), 0x9000 | P | W | U | A);
	/* A write sets D in the leaf only; entries already marked are not rewritten. */
	int before = phys.writes;
	assert_int_equal(x86_walk(&mem, &pg, 0x123, WR, &r, &f), 0);
	assert_int_equal(phys.writes, before + 1);
	assert_int_equal(get64(0x4000), 0x9000 | P | W | U | A | D);
	assert_int_equal(get64(0x3000) & D, 0);
	/* A large leaf gets D; NX (bit 63) survives the 4-byte update. */
	assert_int_equal(x86_walk(&mem, &pg, 0x200000, WR, &r, &f), 0);
	assert_int_equal(get64(0x3000 + 8), 0x200000 | P | W | PS | A | D);
	assert_int_equal(x86_walk(&mem, &pg, 0x1000, R, &r, &f), 0);
	assert_int_equal(get64(0x4000 + 8), 0xa000 | P | U | NX | A);
	/* A probe changes nothing. */
	before = phys.writes;
	assert_int_equal(x86_walk(&mem, &pg, 0x40000000, WR | X86_ACCESS_NO_AD, &r, &f), 0);
	assert_int_equal(phys.writes, before);
}

static void test_accessed_pae_32(void **state)
{
	(void)state;
	build_pae();
	struct x86_paging pg = {
		.cr0 = X86_CR0_PE | X86_CR0_PG, .cr3 = 0x1020, .cr4 = X86_CR4_PAE,
		.efer = X86_EFER_NXE, .maxphyaddr = 36,
	};
	struct x86_walk_result r;
	struct x86_fault f;
	assert_int_equal(x86_walk(&mem, &pg, 0x10, WR, &r, &f), 0);
	assert_int_equal(get64(0x1020), 0x2000 | P); /* a PDPTE has no A bit */
	assert_int_equal(get64(0x2000), 0x3000 | P | W | U | A);
	assert_int_equal(get64(0x3000), 0x7000 | P | W | U | NX | A | D);

	memset(phys.bytes, 0, MEM_SIZE);
	build_32();
	struct x86_paging pg32 = { .cr0 = X86_CR0_PE | X86_CR0_PG, .cr3 = 0x1000, .cr4 = X86_CR4_PSE };
	assert_int_equal(x86_walk(&mem, &pg32, 0x1004, WR, &r, &f), 0);
	uint32_t pde, pte;
	memcpy(&pde, phys.bytes + 0x1000, 4);
	memcpy(&pte, phys.bytes + 0x2004, 4);
	assert_int_equal(pde, 0x2000 | P | W | U | A);
	assert_int_equal(pte, 0x5000 | P | W | U | A | D);
	assert_int_equal(get64(0x2008) & 0xffffffff, 0x6000 | P); /* the neighbour untouched */
}

static void test_table_not_in_memory(void **state)
{
	(void)state;
	build_4level();
	struct x86_paging pg = pg_4level();
	put64(0x1000 + 3 * 8, 0x7fff000ull | P); /* beyond the fake memory */
	struct x86_walk_result r;
	struct x86_fault f;
	assert_int_equal(x86_walk(&mem, &pg, 3ull << 39, R, &r, &f), X86_NOMEM);
	assert_int_equal(f.address, 0x7fff000);
}

/*
 * Nested paging in software: the guest's own 4-level tables live in
 * guest-physical memory, which a nested table in host memory maps to
 * scattered host pages. Guest-physical page g (g < 16) is host page
 * 0x80 + 15 - g; the nested tables themselves sit at host 0x10000..0x13000.
 */
#define NPT_ROOT 0x10000ull

static uint64_t host_of(uint64_t gpa)
{
	return (0x80 + 15 - gpa / PAGE_SIZE) * PAGE_SIZE + (gpa & (PAGE_SIZE - 1));
}

static void build_nested(void)
{
	put64(NPT_ROOT, 0x11000 | P | W | U);
	put64(0x11000, 0x12000 | P | W | U);
	put64(0x12000, 0x13000 | P | W | U);
	for (uint64_t g = 0; g < 16; g++)
		put64(0x13000 + g * 8, host_of(g * PAGE_SIZE) | P | W | U);
	put64(0x13000 + 9 * 8, host_of(9 * PAGE_SIZE) | P | U); /* guest page 9: read-only */
	/* The guest's tables, written at their host locations: guest-physical
	 * 0x1000 PML4, 0x2000 PDPT, 0x3000 PD, 0x4000 PT; guest-virtual
	 * 0x7f0000000000 + 0x6000 maps guest-physical 0x6000. */
	uint64_t va = 0x7f0000006000ull;
	put64(host_of(0x1000) + pt_index(va, 4) * 8, 0x2000 | P | W | U);
	put64(host_of(0x2000) + pt_index(va, 3) * 8, 0x3000 | P | W | U);
	put64(host_of(0x3000) + pt_index(va, 2) * 8, 0x4000 | P | W | U);
	put64(host_of(0x4000) + pt_index(va, 1) * 8, 0x6000 | P | W | U);
	put64(host_of(0x4000) + (pt_index(va, 1) + 1) * 8, 0x9000 | P | W | U);
	put64(host_of(0x4000) + (pt_index(va, 1) + 2) * 8, 0x20000 | P | W | U); /* no host memory */
	memcpy(phys.bytes + host_of(0x6000) + 0x10, "guest data", 11);
}

static void test_nested_composition(void **state)
{
	(void)state;
	build_nested();
	struct x86_paged_mem n;
	struct x86_mem gmem;
	x86_nested_mem_init(&n, &gmem, &mem, NPT_ROOT, 48);
	struct x86_paging pg = pg_4level();
	struct x86_walk_result r;
	struct x86_fault f;

	assert_int_equal(x86_walk(&gmem, &pg, 0x7f0000006010ull, WR | US, &r, &f), 0);
	assert_int_equal(r.phys, 0x6010);
	assert_int_equal(r.entry_addr[0], 0x1000 + pt_index(0x7f0000006000ull, 4) * 8);
	/* The guest's A/D bits were set in host memory, where its tables really are. */
	assert_int_equal(get64(host_of(0x4000) + pt_index(0x7f0000006000ull, 1) * 8),
			 0x6000 | P | W | U | A | D);
	/* The nested walks set the nested table's A bits too. */
	assert_true(get64(0x13000 + 1 * 8) & A);

	/* Second step: the guest-physical result through the nested table. */
	struct x86_walk_result h;
	assert_int_equal(x86_walk(&mem, &n.pg, r.phys, X86_ACCESS_USER, &h, &f), 0);
	assert_int_equal(h.phys, host_of(0x6010));
	char buf[11];
	assert_int_equal(gmem.read(gmem.ctx, r.phys, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "guest data");

	/* A guest write to a guest page the nested table makes read-only: the
	 * nested fault is what #VMEXIT(NPF) reports. */
	assert_int_equal(x86_walk(&gmem, &pg, 0x7f0000007000ull, R, &r, &f), 0);
	assert_int_equal(r.phys, 0x9000);
	uint32_t v = 1;
	assert_int_equal(gmem.write(gmem.ctx, r.phys, &v, 4), -1);
	assert_int_equal(n.status, X86_FAULT);
	assert_int_equal(n.fault.error_code, X86_PF_P | X86_PF_W | X86_PF_U);
	assert_int_equal(n.fault.address, 0x9000);

	/* A guest-physical address the nested table does not map. */
	assert_int_equal(x86_walk(&gmem, &pg, 0x7f0000008000ull, R, &r, &f), 0);
	assert_int_equal(gmem.read(gmem.ctx, r.phys, buf, 4), -1);
	assert_int_equal(n.fault.error_code, X86_PF_U);
	assert_int_equal(n.fault.address, 0x20000);

	/* A guest table page the nested table does not map: the guest walk
	 * stops with X86_NOMEM at the guest-physical address of the entry. */
	put64(host_of(0x1000), 0x30000 | P | W | U);
	assert_int_equal(x86_walk(&gmem, &pg, 0x10, R, &r, &f), X86_NOMEM);
	assert_int_equal(f.address, 0x30000);
	assert_int_equal(n.fault.address, 0x30000);
}

/* The guest image built at guest-physical 0..0xffff moves to its host pages,
 * and a nested map for it is built: from then on the guest's tables are only
 * reachable through the nested table. */
static void relocate_behind_nested_map(void)
{
	for (uint64_t g = 0; g < 16; g++)
		memcpy(phys.bytes + host_of(g * PAGE_SIZE), phys.bytes + g * PAGE_SIZE, PAGE_SIZE);
	memset(phys.bytes, 0, 16 * PAGE_SIZE);
	put64(NPT_ROOT, 0x11000 | P | W | U);
	put64(0x11000, 0x12000 | P | W | U);
	put64(0x12000, 0x13000 | P | W | U);
	for (uint64_t g = 0; g < 16; g++)
		put64(0x13000 + g * 8, host_of(g * PAGE_SIZE) | P | W | U);
}

struct probe {
	uint64_t lin;
	unsigned access;
};

/* Every probe walks the same directly over guest-physical memory and
 * composed through the nested map; then a write sets the guest's A/D bits
 * at the host location of its entries. */
static void compare_composed(void (*build)(void), const struct x86_paging *pg,
			     const struct probe *probes, size_t n, uint64_t write_lin)
{
	struct x86_walk_result direct[16], composed;
	struct x86_fault fd[16], fc;
	int rc[16];
	assert_true(n <= 16);
	memset(phys.bytes, 0, MEM_SIZE);
	build();
	for (size_t i = 0; i < n; i++)
		rc[i] = x86_walk(&mem, pg, probes[i].lin, probes[i].access | X86_ACCESS_NO_AD,
				 &direct[i], &fd[i]);
	relocate_behind_nested_map();
	struct x86_paged_mem nm;
	struct x86_mem gmem;
	x86_nested_mem_init(&nm, &gmem, &mem, NPT_ROOT, 48);
	for (size_t i = 0; i < n; i++) {
		int c = x86_walk(&gmem, pg, probes[i].lin, probes[i].access | X86_ACCESS_NO_AD,
				 &composed, &fc);
		if (c != rc[i])
			fail_msg("probe %zu: composed rc %d, direct %d", i, c, rc[i]);
		if (c == 0 && (composed.phys != direct[i].phys ||
			       composed.page_size != direct[i].page_size ||
			       composed.entry_addr[composed.levels - 1] !=
				       direct[i].entry_addr[direct[i].levels - 1]))
			fail_msg("probe %zu: composed phys %#llx", i, (unsigned long long)composed.phys);
		if (c == X86_FAULT && (fc.error_code != fd[i].error_code || fc.address != fd[i].address))
			fail_msg("probe %zu: composed ec %#x", i, fc.error_code);
	}
	struct x86_walk_result w;
	assert_int_equal(x86_walk(&gmem, pg, write_lin, X86_ACCESS_WRITE, &w, &fc), 0);
	uint64_t leaf = host_of(w.entry_addr[w.levels - 1]);
	assert_int_equal(phys.bytes[leaf] & (A | D), A | D);
}

static void test_nested_every_mode(void **state)
{
	(void)state;
	struct x86_paging pg32 = { .cr0 = X86_CR0_PE | X86_CR0_PG, .cr3 = 0x1000, .cr4 = X86_CR4_PSE };
	static const struct probe p32[] = {
		{ 0x1234, R | US }, { 0x2010, R | US }, { 0x2010, WR }, { 0x3000, R },
		{ 0x400123, R }, { 0x800010, R | US }, { 0xc00000, R }, { 0x4000, WR | US },
	};
	compare_composed(build_32, &pg32, p32, sizeof(p32) / sizeof(p32[0]), 0x1234);

	struct x86_paging pae = {
		.cr0 = X86_CR0_PE | X86_CR0_PG | X86_CR0_WP, .cr3 = 0x1020, .cr4 = X86_CR4_PAE,
		.efer = X86_EFER_NXE, .maxphyaddr = 36,
	};
	static const struct probe ppae[] = {
		{ 0x10, R | US }, { 0x10, EX | US }, { 0x1010, WR }, { 0x200005, R },
		{ 0x400000, R }, { 0x601010, EX }, { 0x40000000, R }, { 0x80000000, R },
	};
	compare_composed(build_pae, &pae, ppae, sizeof(ppae) / sizeof(ppae[0]), 0x10);

	struct x86_paging pg4 = pg_4level();
	static const struct probe p4[] = {
		{ 0x123, R | US }, { 0x1123, EX | US }, { 0x2abcde, WR }, { 0x40001234, WR | US },
		{ 0x80000000, R }, { 0xffffffffc0000010ull, WR }, { 0x10000012345ull, WR | US },
		{ 0x3000, R },
	};
	compare_composed(build_4level, &pg4, p4, sizeof(p4) / sizeof(p4[0]), 0x40001234);
}

static void test_walk_2d(void **state)
{
	(void)state;
	build_nested();
	struct x86_paging pg = pg_4level();
	struct x86_walk_2d_result r;
	struct x86_fault f;

	assert_int_equal(x86_walk_2d(&mem, NPT_ROOT, 48, &pg, 0x7f0000006010ull, R | US, &r, &f), 0);
	assert_int_equal(r.guest.phys, 0x6010);
	assert_int_equal(r.hpa, host_of(0x6010));
	assert_int_equal(r.host_page_size, PAGE_SIZE);

	/* The guest's own fault: not present in its tables. */
	assert_int_equal(x86_walk_2d(&mem, NPT_ROOT, 48, &pg, 0x7f0000009000ull, R, &r, &f), X86_FAULT);
	assert_int_equal(f.vector, X86_EXC_PF);
	assert_int_equal(f.error_code, 0);
	assert_true(f.address == 0x7f0000009000ull);

	/* A nested fault on the final address: a write to guest page 9. */
	assert_int_equal(x86_walk_2d(&mem, NPT_ROOT, 48, &pg, 0x7f0000007000ull, WR, &r, &f), X86_NESTED);
	assert_false(r.nested_in_tables);
	assert_int_equal(f.error_code, X86_PF_P | X86_PF_W | X86_PF_U);
	assert_int_equal(f.address, 0x9000);
	/* ... and on a guest-physical address with no memory. */
	assert_int_equal(x86_walk_2d(&mem, NPT_ROOT, 48, &pg, 0x7f0000008000ull, R, &r, &f), X86_NESTED);
	assert_false(r.nested_in_tables);
	assert_int_equal(f.address, 0x20000);

	/* A nested fault while reading the guest's tables. */
	put64(host_of(0x1000), 0x30000 | P | W | U);
	assert_int_equal(x86_walk_2d(&mem, NPT_ROOT, 48, &pg, 0x10, R, &r, &f), X86_NESTED);
	assert_true(r.nested_in_tables);
	assert_int_equal(f.error_code, X86_PF_U);
	assert_int_equal(f.address, 0x30000);

	/* A nested table outside host memory. */
	assert_int_equal(x86_walk_2d(&mem, 0x7000000, 48, &pg, 0x7f0000006010ull, R, &r, &f), X86_NOMEM);
}

static void test_linear_mem(void **state)
{
	(void)state;
	build_4level();
	struct x86_paging pg = pg_4level();
	memcpy(phys.bytes + 0xa000, "efgh", 4);
	struct x86_paged_mem l;
	struct x86_mem lin;
	x86_linear_mem_init(&l, &lin, &mem, &pg, X86_ACCESS_USER);
	char buf[9] = { 0 };
	/* One read across two pages that are not adjacent in physical memory. */
	put64(0x4000, 0xc000 | P | W | U);
	memcpy(phys.bytes + 0xcffc, "ABCD", 4);
	assert_int_equal(lin.read(lin.ctx, 0xffc, buf, 8), 0);
	assert_string_equal(buf, "ABCDefgh");
	/* A user write to the read-only page faults with the #PF the guest takes. */
	assert_int_equal(lin.write(lin.ctx, 0x1000, "x", 1), -1);
	assert_int_equal(l.status, X86_FAULT);
	assert_int_equal(l.fault.error_code, X86_PF_P | X86_PF_W | X86_PF_U);
	assert_int_equal(l.fault.address, 0x1000);
}

/* Random tables, control registers and addresses: every walk ends in one
 * of the three outcomes with a self-consistent result, without undefined
 * behaviour (UBSan) or an access outside memory (the fake memory refuses). */
static void test_random_walks(void **state)
{
	(void)state;
	uint64_t seed = 0x9e3779b97f4a7c15ull;
#define NEXT() (seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17, seed)
	for (int round = 0; round < 200; round++) {
		/* Entries point at the first 16 pages most of the time, so walks go deep. */
		for (uint64_t a = 0; a < 16 * PAGE_SIZE; a += 8) {
			uint64_t r = NEXT();
			uint64_t e = (r & 0x1ff) | ((r >> 20) & 0xf) << 12;
			if ((r & 0xe00) != 0)
				e |= PTE_PRESENT;
			if ((r & 0x7000) == 0)
				e |= r & 0xff00000000000000ull; /* high bits: NX, reserved, ignored */
			if ((r & 0x38000) == 0)
				e |= r & PTE_ADDR_MASK; /* sometimes anywhere */
			put64(a, e);
		}
		for (int i = 0; i < 200; i++) {
			uint64_t r = NEXT();
			struct x86_paging pg = {
				.cr0 = X86_CR0_PE | ((r & 0x301) ? X86_CR0_PG : 0) | ((r & 2) ? X86_CR0_WP : 0),
				.cr3 = (NEXT() & 0xffe0) ,
				.cr4 = ((r & 4) ? X86_CR4_PAE : 0) | ((r & 8) ? X86_CR4_PSE : 0) |
				       ((r & 0x10) ? X86_CR4_SMEP : 0),
				.efer = ((r & 0x20) ? X86_EFER_NXE : 0) |
					((r & 0x44) == 0x44 ? X86_EFER_LME | X86_EFER_LMA : 0),
				.maxphyaddr = (unsigned)(36 + (r >> 8) % 17),
				.page_1g = (r >> 16) & 1,
			};
			uint64_t lin = NEXT();
			if (r & 0x80)
				lin = (uint64_t)((int64_t)(lin << 16) >> 16); /* canonical */
			unsigned access = (unsigned)(r >> 20) & 0xf;
			struct x86_walk_result res;
			struct x86_fault f;
			int rc = x86_walk(&mem, &pg, lin, access, &res, &f);
			if (rc == 0) {
				uint64_t l = (pg.efer & X86_EFER_LMA) ? lin : (lin & 0xffffffff);
				assert_true(res.levels <= 4);
				if (res.page_size)
					assert_int_equal(res.phys & (res.page_size - 1),
							 l & (res.page_size - 1));
				else
					assert_int_equal(res.phys, l);
			} else if (rc == X86_FAULT && f.vector == X86_EXC_PF) {
				assert_int_equal(f.error_code & ~0x1fu, 0);
				assert_int_equal(!!(f.error_code & X86_PF_W), !!(access & X86_ACCESS_WRITE));
				assert_int_equal(!!(f.error_code & X86_PF_U), !!(access & X86_ACCESS_USER));
			} else if (rc == X86_FAULT) {
				assert_int_equal(f.vector, X86_EXC_GP);
			} else {
				assert_int_equal(rc, X86_NOMEM);
				assert_true(f.address >= MEM_SIZE);
			}
		}
	}
#undef NEXT
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mode_selection),
		cmocka_unit_test_setup_teardown(test_paging_off, setup, teardown),
		cmocka_unit_test_setup_teardown(test_32bit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pae, setup, teardown),
		cmocka_unit_test_setup_teardown(test_4level, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pae_pdpte_registers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_smep_smap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_accessed_dirty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_accessed_pae_32, setup, teardown),
		cmocka_unit_test_setup_teardown(test_table_not_in_memory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nested_composition, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nested_every_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_walk_2d, setup, teardown),
		cmocka_unit_test_setup_teardown(test_linear_mem, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_walks, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
