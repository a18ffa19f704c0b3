/* Host tests for lib/common/x86_segment.c: descriptor decoding, the checks
 * of segment-register loads against a GDT/LDT image, and linear addresses
 * with limit, type and long-mode rules. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/common/x86_segment.c"

#define MEM_SIZE 0x2000
#define GDT_BASE 0x1000
#define LDT_BASE 0x800

static uint8_t memory[MEM_SIZE];

static int flat_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	(void)ctx;
	if (addr >= MEM_SIZE || len > MEM_SIZE - addr)
		return -1;
	memcpy(buf, memory + addr, len);
	return 0;
}

static int flat_write(void *ctx, uint64_t addr, const void *buf, size_t len)
{
	(void)ctx;
	if (addr >= MEM_SIZE || len > MEM_SIZE - addr)
		return -1;
	memcpy(memory + addr, buf, len);
	return 0;
}

static const struct x86_mem mem = { NULL, flat_read, flat_write };

/* An 8-byte descriptor from base, a 20-bit limit and VMCB-style attributes. */
static uint64_t desc(uint32_t base, uint32_t limit, uint16_t attr)
{
	return (limit & 0xffff) | (uint64_t)(base & 0xffffff) << 16 | (uint64_t)(attr & 0xff) << 40 |
	       (uint64_t)((limit >> 16) & 0xf) << 48 | (uint64_t)((attr >> 8) & 0xf) << 52 |
	       (uint64_t)(base >> 24) << 56;
}

#define S X86_SEG_S
#define PR X86_SEG_P
#define DPL(n) ((n) << X86_SEG_DPL_SHIFT)
#define G X86_SEG_G
#define DB X86_SEG_DB
#define L X86_SEG_L
#define CODE_RX 0xa /* code, readable */
#define CODE_X 0x8  /* code, execute-only */
#define CODE_CONF 0xe
#define DATA_RW 0x2
#define DATA_RO 0x0
#define DATA_DOWN 0x6

static void put_desc(uint64_t table, unsigned index, uint64_t d)
{
	memcpy(memory + table + index * 8, &d, 8);
}

static struct x86_desc_tables tables;

static int setup(void **state)
{
	(void)state;
	memset(memory, 0, sizeof(memory));
	put_desc(GDT_BASE, 1, desc(0, 0xfffff, CODE_RX | S | PR | DB | G));
	put_desc(GDT_BASE, 2, desc(0, 0xfffff, DATA_RW | S | PR | DB | G));
	put_desc(GDT_BASE, 3, desc(0, 0, CODE_RX | S | PR | L | G));
	put_desc(GDT_BASE, 4, desc(0, 0xfffff, CODE_RX | S | PR | DPL(3) | DB | G));
	put_desc(GDT_BASE, 5, desc(0, 0xfffff, DATA_RW | S | PR | DPL(3) | DB | G));
	put_desc(GDT_BASE, 6, desc(0, 0xffff, DATA_RO | S | PR));
	put_desc(GDT_BASE, 7, desc(0, 0xffff, CODE_X | S | PR));
	put_desc(GDT_BASE, 8, desc(0, 0xffff, CODE_CONF | S | PR));
	put_desc(GDT_BASE, 9, desc(0, 0xffff, DATA_RW | S));        /* not present */
	put_desc(GDT_BASE, 10, desc(0x3000, 0x67, 0x9 | PR));        /* a TSS: S=0 */
	put_desc(GDT_BASE, 11, desc(0x10000, 0x0fff, DATA_DOWN | S | PR));
	put_desc(GDT_BASE, 12, desc(0, 0xfffff, CODE_RX | S | PR | L | DB | G));
	put_desc(GDT_BASE, 13, desc(0x12345678, 0x1234, DATA_RW | S | PR | DB));
	put_desc(LDT_BASE, 0, desc(0x4000, 0xffff, DATA_RW | S | PR | DPL(3)));
	put_desc(LDT_BASE, 1, desc(0x5000, 0xffff, DATA_RW | S | PR | DPL(3)));
	tables = (struct x86_desc_tables){
		.mem = &mem,
		.gdt_base = GDT_BASE,
		.gdt_limit = 14 * 8 - 1,
		.ldtr = { .selector = 0x50, .attr = 0x2 | PR, .limit = 15, .base = LDT_BASE },
	};
	return 0;
}

static void test_decode(void **state)
{
	(void)state;
	struct x86_segment s;
	/* The classic flat 32-bit code descriptor 00cf9a000000ffff. */
	x86_desc_decode(0x00cf9a000000ffffull, 0x08, &s);
	assert_int_equal(s.base, 0);
	assert_int_equal(s.limit, 0xffffffff);
	assert_int_equal(s.attr, 0xc9a);
	/* The 64-bit code descriptor 00af9b000000ffff: L set, D clear. */
	x86_desc_decode(0x00af9b000000ffffull, 0x08, &s);
	assert_int_equal(s.attr, 0xa9b);
	/* Byte granular, every base byte distinct. */
	x86_desc_decode(desc(0x12345678, 0xabcde, DATA_RW | S | PR), 0x10, &s);
	assert_int_equal(s.base, 0x12345678);
	assert_int_equal(s.limit, 0xabcde);
	assert_int_equal(s.attr, DATA_RW | S | PR);
}

enum { MODE_LEGACY, MODE_COMPAT, MODE_64 };

struct load_case {
	enum x86_seg_reg reg;
	uint16_t selector;
	unsigned cpl;
	int mode;
	uint8_t vector; /* 0: the load succeeds */
	uint16_t ec;
	int line;
};

#define LOAD_OK(reg, sel, cpl, mode) { reg, sel, cpl, mode, 0, 0, __LINE__ }
#define LOAD_FAIL(reg, sel, cpl, mode, vec, ec) { reg, sel, cpl, mode, vec, ec, __LINE__ }

static const struct load_case load_cases[] = {
	LOAD_OK(X86_SEG_DS, 0x10, 0, MODE_LEGACY),
	LOAD_OK(X86_SEG_DS, 0x00, 0, MODE_LEGACY), /* null: unusable, no fault yet */
	LOAD_OK(X86_SEG_GS, 0x03, 3, MODE_LEGACY),
	LOAD_FAIL(X86_SEG_SS, 0x00, 0, MODE_LEGACY, X86_EXC_GP, 0),
	LOAD_FAIL(X86_SEG_SS, 0x00, 0, MODE_COMPAT, X86_EXC_GP, 0),
	LOAD_OK(X86_SEG_SS, 0x00, 0, MODE_64), /* 64-bit mode, CPL < 3, RPL = CPL */
	LOAD_FAIL(X86_SEG_SS, 0x03, 3, MODE_64, X86_EXC_GP, 0),
	LOAD_FAIL(X86_SEG_SS, 0x01, 0, MODE_64, X86_EXC_GP, 0),
	LOAD_FAIL(X86_SEG_CS, 0x00, 0, MODE_LEGACY, X86_EXC_GP, 0),
	LOAD_FAIL(X86_SEG_DS, 0x70, 0, MODE_LEGACY, X86_EXC_GP, 0x70), /* beyond the GDT limit */
	LOAD_FAIL(X86_SEG_DS, 0x73, 3, MODE_LEGACY, X86_EXC_GP, 0x70), /* error code drops RPL */
	LOAD_OK(X86_SEG_SS, 0x10, 0, MODE_LEGACY),
	LOAD_OK(X86_SEG_SS, 0x2b, 3, MODE_LEGACY),
	LOAD_FAIL(X86_SEG_SS, 0x2b, 0, MODE_LEGACY, X86_EXC_GP, 0x28), /* RPL != CPL */
	LOAD_FAIL(X86_SEG_SS, 0x28, 0, MODE_LEGACY, X86_EXC_GP, 0x28), /* DPL != CPL */
	LOAD_FAIL(X86_SEG_SS, 0x30, 0, MODE_LEGACY, X86_EXC_GP, 0x30), /* read-only */
	LOAD_FAIL(X86_SEG_SS, 0x08, 0, MODE_LEGACY, X86_EXC_GP, 0x08), /* code */
	LOAD_FAIL(X86_SEG_SS, 0x48, 0, MODE_LEGACY, X86_EXC_SS, 0x48), /* not present */
	LOAD_FAIL(X86_SEG_DS, 0x48, 0, MODE_LEGACY, X86_EXC_NP, 0x48),
	LOAD_FAIL(X86_SEG_DS, 0x38, 0, MODE_LEGACY, X86_EXC_GP, 0x38), /* execute-only code */
	LOAD_OK(X86_SEG_DS, 0x08, 0, MODE_LEGACY),                     /* readable code */
	LOAD_FAIL(X86_SEG_DS, 0x50, 0, MODE_LEGACY, X86_EXC_GP, 0x50), /* a system descriptor */
	LOAD_FAIL(X86_SEG_DS, 0x13, 3, MODE_LEGACY, X86_EXC_GP, 0x10), /* CPL > DPL */
	LOAD_OK(X86_SEG_DS, 0x28, 0, MODE_LEGACY), /* a less privileged data segment */
	LOAD_FAIL(X86_SEG_ES, 0x13, 0, MODE_LEGACY, X86_EXC_GP, 0x10), /* RPL > DPL */
	LOAD_OK(X86_SEG_DS, 0x2b, 3, MODE_LEGACY),
	LOAD_OK(X86_SEG_DS, 0x43, 3, MODE_LEGACY), /* conforming code: no privilege check */
	LOAD_OK(X86_SEG_CS, 0x08, 0, MODE_LEGACY),
	LOAD_FAIL(X86_SEG_CS, 0x0b, 0, MODE_LEGACY, X86_EXC_GP, 0x08), /* RPL > CPL */
	LOAD_FAIL(X86_SEG_CS, 0x23, 0, MODE_LEGACY, X86_EXC_GP, 0x20), /* DPL != CPL */
	LOAD_FAIL(X86_SEG_CS, 0x08, 3, MODE_LEGACY, X86_EXC_GP, 0x08),
	LOAD_OK(X86_SEG_CS, 0x40, 3, MODE_LEGACY), /* conforming, DPL 0 <= CPL 3 */
	LOAD_FAIL(X86_SEG_CS, 0x10, 0, MODE_LEGACY, X86_EXC_GP, 0x10), /* data */
	LOAD_OK(X86_SEG_CS, 0x18, 0, MODE_64),
	LOAD_OK(X86_SEG_CS, 0x60, 0, MODE_LEGACY),                 /* L means nothing outside long mode */
	LOAD_FAIL(X86_SEG_CS, 0x60, 0, MODE_64, X86_EXC_GP, 0x60), /* L and D together */
	LOAD_OK(X86_SEG_DS, 0x0f, 3, MODE_LEGACY),                 /* the LDT */
	LOAD_OK(X86_SEG_DS, 0x07, 3, MODE_LEGACY),                 /* LDT index 0 is not null */
	LOAD_FAIL(X86_SEG_DS, 0x17, 3, MODE_LEGACY, X86_EXC_GP, 0x14), /* beyond the LDT limit */
};

static struct x86_seg_cpu cpu_for(unsigned cpl, int mode)
{
	return (struct x86_seg_cpu){
		.cpl = cpl, .long_mode = mode != MODE_LEGACY, .code64 = mode == MODE_64,
	};
}

static void test_load_checks(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(load_cases) / sizeof(load_cases[0]); i++) {
		const struct load_case *c = &load_cases[i];
		struct x86_seg_cpu cpu = cpu_for(c->cpl, c->mode);
		struct x86_segment seg;
		struct x86_fault f = { 0 };
		int rc = x86_segment_load(&tables, &cpu, c->reg, c->selector, &seg, &f);
		if (c->vector == 0 && rc != 0)
			fail_msg("case at line %d: rc %d vector %u ec %#x", c->line, rc, f.vector,
				 f.error_code);
		if (c->vector != 0 && (rc != X86_FAULT || f.vector != c->vector || f.error_code != c->ec))
			fail_msg("case at line %d: rc %d vector %u ec %#x", c->line, rc, f.vector,
				 f.error_code);
	}
}

static void test_load_results(void **state)
{
	(void)state;
	struct x86_seg_cpu cpu = cpu_for(0, MODE_LEGACY);
	struct x86_segment seg;
	struct x86_fault f;

	/* The accessed bit is set in the GDT and in the loaded attributes. */
	assert_int_equal(memory[GDT_BASE + 2 * 8 + 5] & 1, 0);
	assert_int_equal(x86_segment_load(&tables, &cpu, X86_SEG_DS, 0x10, &seg, &f), 0);
	assert_int_equal(memory[GDT_BASE + 2 * 8 + 5] & 1, 1);
	assert_int_equal(seg.attr, DATA_RW | X86_SEG_TYPE_ACCESSED | S | PR | DB | G);
	assert_int_equal(seg.limit, 0xffffffff);
	assert_int_equal(seg.selector, 0x10);

	/* A null selector leaves DS unusable. */
	assert_int_equal(x86_segment_load(&tables, &cpu, X86_SEG_DS, 0x0, &seg, &f), 0);
	assert_int_equal(seg.attr & X86_SEG_P, 0);

	/* CS keeps the CPL in its RPL (conforming segment, CPL 3). */
	cpu.cpl = 3;
	assert_int_equal(x86_segment_load(&tables, &cpu, X86_SEG_CS, 0x40, &seg, &f), 0);
	assert_int_equal(seg.selector, 0x43);

	/* The LDT's descriptor, not the GDT's. */
	assert_int_equal(x86_segment_load(&tables, &cpu, X86_SEG_ES, 0x0f, &seg, &f), 0);
	assert_int_equal(seg.base, 0x5000);

	/* Without an LDT every TI=1 selector is #GP(selector). */
	tables.ldtr.attr = 0;
	assert_int_equal(x86_segment_load(&tables, &cpu, X86_SEG_ES, 0x0f, &seg, &f), X86_FAULT);
	assert_int_equal(f.vector, X86_EXC_GP);
	assert_int_equal(f.error_code, 0x0c);

	/* A GDT outside memory. */
	tables.gdt_base = 0x10000;
	uint64_t d;
	assert_int_equal(x86_desc_fetch(&tables, 0x10, &d, &f), X86_NOMEM);
	assert_int_equal(f.address, 0x10010);
}

struct linear_case {
	int mode;
	enum x86_seg_reg reg;
	unsigned gdt_index; /* the descriptor loaded (0: an unusable register) */
	uint64_t offset;
	unsigned size, access;
	uint8_t vector; /* 0: ok */
	uint64_t linear;
	int line;
};

#define LIN_OK(mode, reg, idx, off, size, acc, lin) { mode, reg, idx, off, size, acc, 0, lin, __LINE__ }
#define LIN_FAIL(mode, reg, idx, off, size, acc, vec) { mode, reg, idx, off, size, acc, vec, 0, __LINE__ }
#define RD X86_SEG_ACCESS_READ
#define WRT X86_SEG_ACCESS_WRITE
#define FE X86_SEG_ACCESS_FETCH

static const struct linear_case linear_cases[] = {
	LIN_OK(MODE_LEGACY, X86_SEG_DS, 13, 0x1230, 4, RD, 0x123468a8),
	LIN_OK(MODE_LEGACY, X86_SEG_DS, 13, 0x1231, 4, WRT, 0x123468a9), /* last byte at the limit */
	LIN_FAIL(MODE_LEGACY, X86_SEG_DS, 13, 0x1232, 4, RD, X86_EXC_GP),
	LIN_FAIL(MODE_LEGACY, X86_SEG_SS, 13, 0x1232, 4, RD, X86_EXC_SS),
	LIN_FAIL(MODE_LEGACY, X86_SEG_DS, 11, 0x0fff, 1, RD, X86_EXC_GP), /* expand-down: at the limit */
	LIN_OK(MODE_LEGACY, X86_SEG_DS, 11, 0x1000, 4, WRT, 0x11000),
	LIN_OK(MODE_LEGACY, X86_SEG_DS, 11, 0xfffe, 2, RD, 0x1fffe),
	LIN_FAIL(MODE_LEGACY, X86_SEG_DS, 11, 0xffff, 2, RD, X86_EXC_GP), /* beyond 64 KiB with B=0 */
	LIN_FAIL(MODE_LEGACY, X86_SEG_DS, 6, 0x10, 1, WRT, X86_EXC_GP),   /* read-only data */
	LIN_OK(MODE_LEGACY, X86_SEG_DS, 6, 0x10, 1, RD, 0x10),
	LIN_FAIL(MODE_LEGACY, X86_SEG_DS, 7, 0x10, 1, RD, X86_EXC_GP), /* execute-only code */
	LIN_OK(MODE_LEGACY, X86_SEG_CS, 7, 0x10, 1, FE, 0x10),
	LIN_FAIL(MODE_LEGACY, X86_SEG_CS, 1, 0x10, 1, WRT, X86_EXC_GP), /* no writes to code */
	LIN_FAIL(MODE_LEGACY, X86_SEG_DS, 2, 0x10, 1, FE, X86_EXC_GP),  /* no fetch from data */
	LIN_FAIL(MODE_LEGACY, X86_SEG_DS, 0, 0x10, 1, RD, X86_EXC_GP),  /* unusable */
	LIN_FAIL(MODE_LEGACY, X86_SEG_SS, 0, 0x10, 1, RD, X86_EXC_SS),
	LIN_OK(MODE_COMPAT, X86_SEG_DS, 13, 0x1000, 4, RD, 0x12346678), /* compatibility mode segments */
	LIN_FAIL(MODE_COMPAT, X86_SEG_DS, 13, 0x2000, 4, RD, X86_EXC_GP),
	LIN_OK(MODE_64, X86_SEG_DS, 13, 0x2000, 4, WRT, 0x2000), /* base and limit ignored */
	LIN_OK(MODE_64, X86_SEG_ES, 6, 0x10, 4, WRT, 0x10),      /* so are types */
	LIN_OK(MODE_64, X86_SEG_DS, 0, 0x10, 4, RD, 0x10),       /* and null selectors */
	LIN_OK(MODE_64, X86_SEG_FS, 13, 0x10, 4, RD, 0x12345688), /* but not FS's base */
	LIN_OK(MODE_64, X86_SEG_GS, 13, 0x10000, 4, RD, 0x12355678),
	LIN_FAIL(MODE_64, X86_SEG_DS, 2, 0x0000800000000000ull, 1, RD, X86_EXC_GP),
	LIN_FAIL(MODE_64, X86_SEG_SS, 2, 0x00007ffffffffffeull, 4, RD, X86_EXC_SS), /* the last byte */
	LIN_OK(MODE_64, X86_SEG_SS, 2, 0xffff800000000000ull, 8, RD, 0xffff800000000000ull),
};

static void test_linear(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(linear_cases) / sizeof(linear_cases[0]); i++) {
		const struct linear_case *c = &linear_cases[i];
		struct x86_seg_cpu cpu = cpu_for(0, c->mode);
		struct x86_segment seg = { 0 };
		uint64_t d;
		memcpy(&d, memory + GDT_BASE + c->gdt_index * 8, 8);
		if (c->gdt_index)
			x86_desc_decode(d, (uint16_t)(c->gdt_index * 8), &seg);
		uint64_t lin = 0;
		struct x86_fault f = { 0 };
		int rc = x86_segment_linear(&cpu, c->reg, &seg, c->offset, c->size, c->access, &lin, &f);
		if (c->vector == 0 && (rc != 0 || lin != c->linear))
			fail_msg("case at line %d: rc %d linear %#llx", c->line, rc,
				 (unsigned long long)lin);
		if (c->vector != 0 && (rc != X86_FAULT || f.vector != c->vector || f.error_code != 0))
			fail_msg("case at line %d: rc %d vector %u", c->line, rc, f.vector);
	}
}

static void test_wrap_and_real_mode(void **state)
{
	(void)state;
	struct x86_seg_cpu cpu = cpu_for(0, MODE_LEGACY);
	struct x86_segment seg;
	x86_desc_decode(desc(0xfffff000, 0xfffff, DATA_RW | S | PR | DB | G), 0x10, &seg);
	uint64_t lin;
	struct x86_fault f;
	/* Outside long mode the linear address wraps at 4 GiB. */
	assert_int_equal(x86_segment_linear(&cpu, X86_SEG_DS, &seg, 0x2000, 4, RD, &lin, &f), 0);
	assert_int_equal(lin, 0x1000);

	/* Real mode: base = selector * 16, the hidden limit still checked, no
	 * type checks (a write through CS works). */
	struct x86_segment cs = { .attr = 0x9b, .limit = 0xffff };
	x86_segment_load_real(&cs, 0xf000);
	assert_int_equal(cs.base, 0xf0000);
	cpu.real_mode = true;
	assert_int_equal(x86_segment_linear(&cpu, X86_SEG_CS, &cs, 0xfff0, 2, WRT, &lin, &f), 0);
	assert_int_equal(lin, 0xffff0);
	assert_int_equal(x86_segment_linear(&cpu, X86_SEG_CS, &cs, 0xffff, 2, RD, &lin, &f),
			 X86_FAULT);
	assert_int_equal(f.vector, X86_EXC_GP);
}

static void test_system_loads(void **state)
{
	(void)state;
	struct x86_seg_cpu legacy = cpu_for(0, MODE_LEGACY), lm = cpu_for(0, MODE_64);
	struct x86_segment seg;
	struct x86_fault f;
	/* Entry 10 is an available 32-bit TSS at 0x3000. */
	assert_int_equal(x86_segment_load_system(&tables, &legacy, X86_SYS_TR, 0x50, &seg, &f), 0);
	assert_int_equal(seg.attr & X86_SEG_TYPE_MASK, X86_SYS_TSS_BUSY);
	assert_int_equal(seg.base, 0x3000);
	assert_int_equal(seg.limit, 0x67);
	assert_int_equal(memory[GDT_BASE + 10 * 8 + 5] & 0xf, X86_SYS_TSS_BUSY);
	/* Busy now: a second LTR faults. */
	assert_int_equal(x86_segment_load_system(&tables, &legacy, X86_SYS_TR, 0x50, &seg, &f),
			 X86_FAULT);
	assert_int_equal(f.error_code, 0x50);
	/* Not at CPL 3; not a data segment; not null; not from the LDT. */
	struct x86_seg_cpu user = cpu_for(3, MODE_LEGACY);
	assert_int_equal(x86_segment_load_system(&tables, &user, X86_SYS_LDTR, 0x50, &seg, &f),
			 X86_FAULT);
	assert_int_equal(f.error_code, 0);
	assert_int_equal(x86_segment_load_system(&tables, &legacy, X86_SYS_TR, 0x10, &seg, &f),
			 X86_FAULT);
	assert_int_equal(f.error_code, 0x10);
	assert_int_equal(x86_segment_load_system(&tables, &legacy, X86_SYS_TR, 0, &seg, &f), X86_FAULT);
	assert_int_equal(x86_segment_load_system(&tables, &legacy, X86_SYS_LDTR, 0x0c, &seg, &f),
			 X86_FAULT);
	assert_int_equal(f.error_code, 0x0c);
	/* A null LDTR is allowed: LDTR becomes unusable. */
	assert_int_equal(x86_segment_load_system(&tables, &legacy, X86_SYS_LDTR, 0, &seg, &f), 0);
	assert_int_equal(seg.attr & X86_SEG_P, 0);

	/* Long mode: a 16-byte LDT descriptor at entries 4-5 of a fresh GDT. */
	put_desc(GDT_BASE, 4, desc(0x5000, 0xfff, X86_SYS_LDT | PR));
	put_desc(GDT_BASE, 5, 0xffffffffull); /* base 63:32 */
	assert_int_equal(x86_segment_load_system(&tables, &lm, X86_SYS_LDTR, 0x20, &seg, &f), 0);
	assert_true(seg.base == 0xffffffff00005000ull);
	put_desc(GDT_BASE, 5, 0x12345678ull); /* a non-canonical base */
	assert_int_equal(x86_segment_load_system(&tables, &lm, X86_SYS_LDTR, 0x20, &seg, &f),
			 X86_FAULT);
	put_desc(GDT_BASE, 5, 1ull << 40); /* the upper type field must be 0 */
	assert_int_equal(x86_segment_load_system(&tables, &lm, X86_SYS_LDTR, 0x20, &seg, &f),
			 X86_FAULT);
	/* The upper half past the GDT limit. */
	put_desc(GDT_BASE, 13, desc(0x5000, 0xfff, X86_SYS_LDT | PR));
	assert_int_equal(x86_segment_load_system(&tables, &lm, X86_SYS_LDTR, 0x68, &seg, &f),
			 X86_FAULT);
	assert_int_equal(f.error_code, 0x68);
	/* A 16-bit TSS exists only outside long mode; absent means #NP. */
	put_desc(GDT_BASE, 6, desc(0x6000, 0x2b, X86_SYS_TSS16_AVAILABLE | PR));
	put_desc(GDT_BASE, 7, 0);
	assert_int_equal(x86_segment_load_system(&tables, &lm, X86_SYS_TR, 0x30, &seg, &f), X86_FAULT);
	assert_int_equal(x86_segment_load_system(&tables, &legacy, X86_SYS_TR, 0x30, &seg, &f), 0);
	put_desc(GDT_BASE, 9, desc(0x7000, 0x67, X86_SYS_TSS_AVAILABLE));
	assert_int_equal(x86_segment_load_system(&tables, &legacy, X86_SYS_TR, 0x48, &seg, &f),
			 X86_FAULT);
	assert_int_equal(f.vector, X86_EXC_NP);
}

static void test_cpu_of(void **state)
{
	(void)state;
	/* Reset: real mode. */
	struct x86_seg_cpu c = x86_seg_cpu_of(0, 0x60000010, 0, 0x2, 0x93);
	assert_true(c.real_mode);
	assert_false(c.long_mode);
	/* The Multiboot2 entry: protected mode, 32-bit CS. */
	c = x86_seg_cpu_of(0, X86_CR0_PE, 0, 0x2, 0xc9b);
	assert_false(c.real_mode || c.long_mode || c.code64);
	/* Virtual-8086 mode counts as real. */
	c = x86_seg_cpu_of(3, X86_CR0_PE, 0, 1ull << 17, 0xf3);
	assert_true(c.real_mode);
	/* Long mode: 64-bit or compatibility by CS.L. */
	c = x86_seg_cpu_of(3, X86_CR0_PE | X86_CR0_PG, X86_EFER_LME | X86_EFER_LMA, 0x202, 0xafb);
	assert_true(c.long_mode && c.code64);
	assert_int_equal(c.cpl, 3);
	c = x86_seg_cpu_of(3, X86_CR0_PE | X86_CR0_PG, X86_EFER_LME | X86_EFER_LMA, 0x202, 0xcfb);
	assert_true(c.long_mode && !c.code64);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode),
		cmocka_unit_test_setup(test_load_checks, setup),
		cmocka_unit_test_setup(test_load_results, setup),
		cmocka_unit_test_setup(test_linear, setup),
		cmocka_unit_test_setup(test_wrap_and_real_mode, setup),
		cmocka_unit_test_setup(test_system_loads, setup),
		cmocka_unit_test(test_cpu_of),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
