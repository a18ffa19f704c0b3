/*
 * Segment descriptors and segment-register loads in software (see
 * x86_segment.h for what is and is not modelled).
 */
#include "lib/common/x86_segment.h"
#include "lib/common/pt.h"
#include "lib/common/x86_walk.h"

/* RFLAGS.VM: virtual-8086 mode (SDM vol.1 §3.4.3.3). */
#define X86_RFLAGS_VM (1ull << 17)

/* Descriptor bit 40 is the type's accessed bit, in byte 5 (Figure 3-8). */
#define DESC_ACCESS_BYTE 5

struct x86_seg_cpu x86_seg_cpu_of(unsigned cpl, uint64_t cr0, uint64_t efer, uint64_t rflags,
				  uint16_t cs_attr)
{
	bool long_mode = efer & X86_EFER_LMA;
	return (struct x86_seg_cpu){
		.cpl = cpl,
		.real_mode = !(cr0 & X86_CR0_PE) || (!long_mode && (rflags & X86_RFLAGS_VM)),
		.long_mode = long_mode,
		.code64 = long_mode && (cs_attr & X86_SEG_L),
	};
}

static int seg_fault(uint8_t vector, uint16_t selector, struct x86_fault *fault)
{
	fault->vector = vector;
	fault->error_code = selector & X86_SEL_ERROR_MASK;
	fault->address = 0;
	return X86_FAULT;
}

/* The last check of every load, after type and privilege: a segment not present raises `absent` (#SS for SS, else #NP). */
static int seg_present(uint16_t sel, uint16_t attr, uint8_t absent, struct x86_fault *fault)
{
	return attr & X86_SEG_P ? 0 : seg_fault(absent, sel, fault);
}

static bool is_null(uint16_t selector)
{
	return (selector & X86_SEL_ERROR_MASK) == 0; /* index 0 in the GDT, any RPL */
}

static unsigned attr_dpl(uint16_t attr)
{
	return (attr & X86_SEG_DPL_MASK) >> X86_SEG_DPL_SHIFT;
}

void x86_desc_decode(uint64_t desc, uint16_t selector, struct x86_segment *out)
{
	/* SDM vol.3A §3.4.5, Figure 3-8: limit 15:0 in bits 15:0 and 19:16 in
	 * 51:48; base 23:0 in bits 39:16 and 31:24 in 63:56. */
	uint32_t limit = (uint32_t)(desc & 0xffff) | (uint32_t)((desc >> 48) & 0xf) << 16;
	uint64_t base = ((desc >> 16) & 0xffffff) | ((desc >> 56) & 0xff) << 24;
	uint16_t attr = (uint16_t)(((desc >> 40) & 0xff) | ((desc >> 52) & 0xf) << 8);
	if (attr & X86_SEG_G)
		limit = (limit << 12) | 0xfff;
	*out = (struct x86_segment){ .selector = selector, .attr = attr, .limit = limit, .base = base };
}

/* The linear address of selector's descriptor, or X86_FAULT (#GP(selector))
 * when it lies outside its table (§5.3: index*8+7 must be within the limit). */
static int desc_address(const struct x86_desc_tables *t, uint16_t selector, uint64_t *addr,
			struct x86_fault *fault)
{
	uint64_t base = t->gdt_base;
	uint32_t limit = t->gdt_limit;
	if (selector & X86_SEL_TI) {
		if (!(t->ldtr.attr & X86_SEG_P))
			return seg_fault(X86_EXC_GP, selector, fault);
		base = t->ldtr.base;
		limit = t->ldtr.limit;
	} else if (is_null(selector)) {
		return seg_fault(X86_EXC_GP, 0, fault);
	}
	uint64_t offset = (uint64_t)(selector >> X86_SEL_INDEX_SHIFT) * 8;
	if (offset + 7 > limit)
		return seg_fault(X86_EXC_GP, selector, fault);
	*addr = base + offset;
	return 0;
}

static int fetch_at(const struct x86_desc_tables *t, uint16_t selector, uint64_t *addr,
		    uint64_t *desc, struct x86_fault *fault)
{
	int rc = desc_address(t, selector, addr, fault);
	if (rc != 0)
		return rc;
	if (t->mem->read(t->mem->ctx, *addr, desc, 8) != 0) {
		*fault = (struct x86_fault){ .address = *addr };
		return X86_NOMEM;
	}
	return 0;
}

/* The descriptor decoded, and where it is (*addr: loads set its accessed or busy bit). */
static int fetch_decoded(const struct x86_desc_tables *t, uint16_t selector, uint64_t *addr,
			 struct x86_segment *seg, struct x86_fault *fault)
{
	uint64_t desc;
	int rc = fetch_at(t, selector, addr, &desc, fault);
	if (rc == 0)
		x86_desc_decode(desc, selector, seg);
	return rc;
}

int x86_desc_fetch(const struct x86_desc_tables *t, uint16_t selector, uint64_t *desc,
		   struct x86_fault *fault)
{
	uint64_t addr;
	return fetch_at(t, selector, &addr, desc, fault);
}

/* SS: a writable data segment with RPL = DPL = CPL, else #GP; absent: #SS
 * (MOV instruction reference, "Protected Mode Exceptions"; §5.7). */
static int check_ss(const struct x86_seg_cpu *cpu, uint16_t sel, uint16_t attr,
		    struct x86_fault *fault)
{
	if ((sel & X86_SEL_RPL_MASK) != cpu->cpl || (attr & X86_SEG_TYPE_CODE) ||
	    !(attr & X86_SEG_TYPE_WRITABLE) || attr_dpl(attr) != cpu->cpl)
		return seg_fault(X86_EXC_GP, sel, fault);
	return seg_present(sel, attr, X86_EXC_SS, fault);
}

/* DS, ES, FS, GS: data or readable code; unless conforming code, both CPL
 * and RPL must be at most DPL (§5.6); absent: #NP. */
static int check_data(const struct x86_seg_cpu *cpu, uint16_t sel, uint16_t attr,
		      struct x86_fault *fault)
{
	bool code = attr & X86_SEG_TYPE_CODE;
	if (code && !(attr & X86_SEG_TYPE_READABLE))
		return seg_fault(X86_EXC_GP, sel, fault);
	if (!(code && (attr & X86_SEG_TYPE_CONFORMING))) {
		unsigned dpl = attr_dpl(attr);
		if ((sel & X86_SEL_RPL_MASK) > dpl || cpu->cpl > dpl)
			return seg_fault(X86_EXC_GP, sel, fault);
	}
	return seg_present(sel, attr, X86_EXC_NP, fault);
}

/* CS by a direct far JMP/CALL (§5.8.1): conforming needs DPL <= CPL,
 * non-conforming RPL <= CPL and DPL = CPL; in long mode L and D together are
 * reserved (§5.2.1); absent: #NP. */
static int check_cs(const struct x86_seg_cpu *cpu, uint16_t sel, uint16_t attr,
		    struct x86_fault *fault)
{
	if (!(attr & X86_SEG_TYPE_CODE))
		return seg_fault(X86_EXC_GP, sel, fault);
	unsigned dpl = attr_dpl(attr);
	if (attr & X86_SEG_TYPE_CONFORMING) {
		if (dpl > cpu->cpl)
			return seg_fault(X86_EXC_GP, sel, fault);
	} else if ((sel & X86_SEL_RPL_MASK) > cpu->cpl || dpl != cpu->cpl) {
		return seg_fault(X86_EXC_GP, sel, fault);
	}
	if (cpu->long_mode && (attr & X86_SEG_L) && (attr & X86_SEG_DB))
		return seg_fault(X86_EXC_GP, sel, fault);
	return seg_present(sel, attr, X86_EXC_NP, fault);
}

/* A null selector: unusable in DS/ES/FS/GS; in SS only in 64-bit mode at
 * CPL < 3 with RPL = CPL (MOV reference, "64-Bit Mode Exceptions"); never in CS. */
static int load_null(const struct x86_seg_cpu *cpu, enum x86_seg_reg reg, uint16_t selector,
		     struct x86_segment *out, struct x86_fault *fault)
{
	if (reg == X86_SEG_CS)
		return seg_fault(X86_EXC_GP, 0, fault);
	if (reg == X86_SEG_SS &&
	    !(cpu->code64 && cpu->cpl < 3 && (selector & X86_SEL_RPL_MASK) == cpu->cpl))
		return seg_fault(X86_EXC_GP, 0, fault);
	*out = (struct x86_segment){ .selector = selector };
	if (reg == X86_SEG_SS)
		out->attr = (uint16_t)(cpu->cpl << X86_SEG_DPL_SHIFT);
	return 0;
}

int x86_segment_load(const struct x86_desc_tables *t, const struct x86_seg_cpu *cpu,
		     enum x86_seg_reg reg, uint16_t selector, struct x86_segment *out,
		     struct x86_fault *fault)
{
	if (is_null(selector) && !(selector & X86_SEL_TI))
		return load_null(cpu, reg, selector, out, fault);

	uint64_t addr;
	struct x86_segment seg;
	int rc = fetch_decoded(t, selector, &addr, &seg, fault);
	if (rc != 0)
		return rc;
	if (!(seg.attr & X86_SEG_S))
		return seg_fault(X86_EXC_GP, selector, fault);
	if (reg == X86_SEG_SS)
		rc = check_ss(cpu, selector, seg.attr, fault);
	else if (reg == X86_SEG_CS)
		rc = check_cs(cpu, selector, seg.attr, fault);
	else
		rc = check_data(cpu, selector, seg.attr, fault);
	if (rc != 0)
		return rc;

	if (!(seg.attr & X86_SEG_TYPE_ACCESSED)) {
		uint8_t access = (uint8_t)(seg.attr | X86_SEG_TYPE_ACCESSED);
		if (t->mem->write(t->mem->ctx, addr + DESC_ACCESS_BYTE, &access, 1) != 0) {
			*fault = (struct x86_fault){ .address = addr };
			return X86_NOMEM;
		}
		seg.attr |= X86_SEG_TYPE_ACCESSED;
	}
	if (reg == X86_SEG_CS)
		seg.selector = (uint16_t)((selector & ~X86_SEL_RPL_MASK) | cpu->cpl);
	*out = seg;
	return 0;
}

/* The descriptor type a system-register load accepts (LLDT, LTR references). */
static bool system_type_ok(const struct x86_seg_cpu *cpu, enum x86_sys_reg reg, unsigned type)
{
	if (reg == X86_SYS_LDTR)
		return type == X86_SYS_LDT;
	return type == X86_SYS_TSS_AVAILABLE || (type == X86_SYS_TSS16_AVAILABLE && !cpu->long_mode);
}

/* Long mode: a 16-byte descriptor whose upper half holds base 63:32 and a
 * type field that must be 0 (§3.5.1, Figure 7-4); the base must be canonical. */
static int system_upper(const struct x86_desc_tables *t, uint16_t selector, uint64_t addr,
			struct x86_segment *seg, struct x86_fault *fault)
{
	uint64_t offset = addr - t->gdt_base;
	uint64_t upper;
	if (offset + 15 > t->gdt_limit)
		return seg_fault(X86_EXC_GP, selector, fault);
	if (t->mem->read(t->mem->ctx, addr + 8, &upper, 8) != 0) {
		*fault = (struct x86_fault){ .address = addr + 8 };
		return X86_NOMEM;
	}
	seg->base |= (upper & 0xffffffffull) << 32;
	if (((upper >> 40) & 0x1f) != 0 || !pt_is_canonical(seg->base))
		return seg_fault(X86_EXC_GP, selector, fault);
	return 0;
}

int x86_segment_load_system(const struct x86_desc_tables *t, const struct x86_seg_cpu *cpu,
			    enum x86_sys_reg reg, uint16_t selector, struct x86_segment *out,
			    struct x86_fault *fault)
{
	if (cpu->cpl != 0)
		return seg_fault(X86_EXC_GP, 0, fault);
	if (selector & X86_SEL_TI)
		return seg_fault(X86_EXC_GP, selector, fault);
	if (is_null(selector)) {
		if (reg == X86_SYS_TR)
			return seg_fault(X86_EXC_GP, 0, fault);
		*out = (struct x86_segment){ .selector = selector };
		return 0;
	}
	uint64_t addr;
	struct x86_segment seg;
	int rc = fetch_decoded(t, selector, &addr, &seg, fault);
	if (rc != 0)
		return rc;
	if ((seg.attr & X86_SEG_S) || !system_type_ok(cpu, reg, seg.attr & X86_SEG_TYPE_MASK))
		return seg_fault(X86_EXC_GP, selector, fault);
	if (!(seg.attr & X86_SEG_P))
		return seg_fault(X86_EXC_NP, selector, fault);
	if (cpu->long_mode && (rc = system_upper(t, selector, addr, &seg, fault)) != 0)
		return rc;
	if (reg == X86_SYS_TR) {
		/* The busy bit is type bit 1 (§7.2.2): set in the GDT, as LTR does. */
		uint8_t access = (uint8_t)(seg.attr | 0x2);
		if (t->mem->write(t->mem->ctx, addr + DESC_ACCESS_BYTE, &access, 1) != 0) {
			*fault = (struct x86_fault){ .address = addr };
			return X86_NOMEM;
		}
		seg.attr |= 0x2;
	}
	*out = seg;
	return 0;
}

void x86_segment_load_real(struct x86_segment *seg, uint16_t selector)
{
	seg->selector = selector;
	seg->base = (uint64_t)selector << 4;
}

static int linear_fault(enum x86_seg_reg reg, struct x86_fault *fault)
{
	return seg_fault(reg == X86_SEG_SS ? X86_EXC_SS : X86_EXC_GP, 0, fault);
}

/* Type checks (§5.4): no writes to code or read-only data, no reads of
 * execute-only code, fetches only from code. */
static bool type_allows(uint16_t attr, unsigned access)
{
	bool code = attr & X86_SEG_TYPE_CODE;
	if (access & X86_SEG_ACCESS_FETCH)
		return code;
	if (access & X86_SEG_ACCESS_WRITE)
		return !code && (attr & X86_SEG_TYPE_WRITABLE);
	return !code || (attr & X86_SEG_TYPE_READABLE);
}

/* Limit checks (§5.3): expand-up segments allow [0, limit], expand-down
 * ones (limit, 0xffff] or (limit, 0xffffffff] by the B flag (§3.4.5.1). */
static bool limit_allows(const struct x86_segment *seg, uint64_t offset, unsigned size)
{
	uint64_t last = offset + (size ? size : 1) - 1;
	bool expand_down = !(seg->attr & X86_SEG_TYPE_CODE) && (seg->attr & X86_SEG_TYPE_EXPAND_DOWN);
	if (!expand_down)
		return last <= seg->limit;
	uint64_t upper = (seg->attr & X86_SEG_DB) ? 0xffffffffull : 0xffffull;
	return offset > seg->limit && last <= upper;
}

int x86_segment_linear(const struct x86_seg_cpu *cpu, enum x86_seg_reg reg,
		       const struct x86_segment *seg, uint64_t offset, unsigned size,
		       unsigned access, uint64_t *linear, struct x86_fault *fault)
{
	if (cpu->long_mode && cpu->code64) {
		uint64_t base = (reg == X86_SEG_FS || reg == X86_SEG_GS) ? seg->base : 0;
		uint64_t lin = base + offset;
		if (!pt_is_canonical(lin) || !pt_is_canonical(lin + (size ? size - 1 : 0)))
			return linear_fault(reg, fault);
		*linear = lin;
		return 0;
	}
	if (cpu->real_mode) {
		/* §20.1.1: no type checks, but the hidden limit still applies. */
		if (!limit_allows(seg, offset, size))
			return linear_fault(reg, fault);
	} else if (!(seg->attr & X86_SEG_P) || !type_allows(seg->attr, access) ||
		   !limit_allows(seg, offset, size)) {
		return linear_fault(reg, fault);
	}
	*linear = (seg->base + offset) & 0xffffffffull;
	return 0;
}
