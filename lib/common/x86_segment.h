/*
 * x86 segmentation in software: descriptors fetched from a guest's GDT or
 * LDT image, the checks a segment-register load makes, and the linear
 * address (with its limit and type checks) of an access through a loaded
 * segment (Intel SDM vol.3A ch.3 and §5.1–5.8; AMD APM vol.2 ch.4).
 *
 * A loaded segment is kept as the processor keeps its hidden part, in the
 * VMCB's format (AMD APM vol.2 §15.5.1, Table B-2 "segment attributes"):
 * selector, base, byte-granular limit, and 12 attribute bits that are the
 * descriptor's bits 47:40 and 55:52 packed together, so a segment moves
 * between this code and a VMCB without translation.
 *
 * Not modelled: call, interrupt and trap gates, and task switches.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "lib/common/x86_mem.h"

/* Selector fields (SDM vol.3A §3.4.2, Figure 3-6). */
#define X86_SEL_RPL_MASK 0x3u
#define X86_SEL_TI (1u << 2) /* 1: the LDT */
#define X86_SEL_INDEX_SHIFT 3
/* The error code a segment fault pushes is the selector with RPL cleared:
 * index, TI, and IDT=0, EXT=0 (SDM vol.3A §6.13, Figure 6-7). */
#define X86_SEL_ERROR_MASK 0xfffcu

/* Attribute bits, VMCB layout: bits 7:0 are descriptor bits 47:40, bits
 * 11:8 are descriptor bits 55:52 (SDM vol.3A §3.4.5, Figure 3-8). */
#define X86_SEG_TYPE_MASK 0xfu
#define X86_SEG_TYPE_ACCESSED (1u << 0)
#define X86_SEG_TYPE_WRITABLE (1u << 1)   /* data */
#define X86_SEG_TYPE_READABLE (1u << 1)   /* code */
#define X86_SEG_TYPE_EXPAND_DOWN (1u << 2) /* data */
#define X86_SEG_TYPE_CONFORMING (1u << 2) /* code */
#define X86_SEG_TYPE_CODE (1u << 3)
#define X86_SEG_S (1u << 4) /* 1: code or data; 0: a system descriptor */
#define X86_SEG_DPL_SHIFT 5
#define X86_SEG_DPL_MASK (3u << X86_SEG_DPL_SHIFT)
#define X86_SEG_P (1u << 7)
#define X86_SEG_AVL (1u << 8)
#define X86_SEG_L (1u << 9)  /* 64-bit code segment */
#define X86_SEG_DB (1u << 10) /* 32-bit default size (code), 4 GiB upper bound (expand-down data, SS) */
#define X86_SEG_G (1u << 11) /* limit in 4 KiB units */

/* A segment register's visible and hidden parts. A null selector loaded
 * into DS, ES, FS or GS leaves the register unusable: attr has no P. */
struct x86_segment {
	uint16_t selector;
	uint16_t attr;
	uint32_t limit; /* the last valid offset, G already applied */
	uint64_t base;
};

enum x86_seg_reg { X86_SEG_ES, X86_SEG_CS, X86_SEG_SS, X86_SEG_DS, X86_SEG_FS, X86_SEG_GS };

/* Where descriptors are: GDTR, and the loaded LDTR (unusable: no LDT). Bases
 * are linear addresses; mem reads linear memory (x86_linear_mem_init, or
 * physical memory when paging is off). */
struct x86_desc_tables {
	const struct x86_mem *mem;
	uint64_t gdt_base;
	uint32_t gdt_limit;
	struct x86_segment ldtr;
};

/* The processor state a load is checked against. real_mode: CR0.PE=0 or
 * virtual-8086 mode; long_mode is EFER.LMA; code64 is CS.L in long mode
 * (64-bit mode rather than compatibility mode). */
struct x86_seg_cpu {
	unsigned cpl;
	bool real_mode;
	bool long_mode;
	bool code64;
};

/* The state above as a VMCB or VMCS holds it: the CPL, CR0, EFER, RFLAGS
 * and CS's attributes (virtual-8086 mode counts as real mode here: its
 * segments are base = selector * 16). */
struct x86_seg_cpu x86_seg_cpu_of(unsigned cpl, uint64_t cr0, uint64_t efer, uint64_t rflags,
				  uint16_t cs_attr);

/* Decodes an 8-byte code or data descriptor into base, limit and attributes. */
void x86_desc_decode(uint64_t desc, uint16_t selector, struct x86_segment *out);

/* Reads the descriptor selector names. 0; X86_FAULT with #GP(selector) if the
 * selector is null or beyond its table's limit (or TI=1 without an LDT);
 * X86_NOMEM if the table cannot be read (fault->address is where). */
int x86_desc_fetch(const struct x86_desc_tables *t, uint16_t selector, uint64_t *desc,
		   struct x86_fault *fault);

/* Loads selector into reg as MOV/POP to a segment register (and, for CS, a
 * far JMP or CALL straight to a code segment) would, with every check of
 * SDM vol.3A §5.5–5.8 and the instruction pages of MOV and JMP: #GP, #SS or
 * #NP with the selector error code, or #GP(0) for a null SS or CS. On success
 * the descriptor's accessed bit is set in memory (§3.4.5.1) and *out is the
 * loaded register. Loading CS keeps the CPL: CS.RPL becomes cpu->cpl. */
int x86_segment_load(const struct x86_desc_tables *t, const struct x86_seg_cpu *cpu,
		     enum x86_seg_reg reg, uint16_t selector, struct x86_segment *out,
		     struct x86_fault *fault);

/* System-descriptor types (SDM vol.3A §3.5, Table 3-2). */
#define X86_SYS_TSS16_AVAILABLE 0x1
#define X86_SYS_LDT 0x2
#define X86_SYS_TSS_AVAILABLE 0x9
#define X86_SYS_TSS_BUSY 0xb

enum x86_sys_reg { X86_SYS_LDTR, X86_SYS_TR };

/* Loads LDTR (LLDT) or TR (LTR) from the GDT with the checks of those
 * instructions: CPL 0, a GDT selector, an LDT or available-TSS descriptor,
 * present, and in long mode the 16-byte form with its upper type field 0
 * and a canonical base (§7.2.3, §3.5.1). A null selector makes LDTR
 * unusable; TR cannot be null. LTR marks the TSS busy in the GDT. */
int x86_segment_load_system(const struct x86_desc_tables *t, const struct x86_seg_cpu *cpu,
			    enum x86_sys_reg reg, uint16_t selector, struct x86_segment *out,
			    struct x86_fault *fault);

/* In real mode and virtual-8086 mode a load only sets base = selector * 16
 * (SDM vol.3A §20.1.1); limit and attributes stay as they were. */
void x86_segment_load_real(struct x86_segment *seg, uint16_t selector);

/* What an access through a segment does. */
#define X86_SEG_ACCESS_READ 0u
#define X86_SEG_ACCESS_WRITE (1u << 0)
#define X86_SEG_ACCESS_FETCH (1u << 1)

/* The linear address of an access of size bytes at offset through seg
 * (register reg), with the limit and type checks of SDM vol.3A §5.3 and §5.4
 * (expand-down: §3.4.5.1). In 64-bit mode base is 0 but for FS and GS and
 * there are no limit or type checks, only a canonical check (§3.4.4,
 * §5.3.1). The fault is #SS(0) for SS, #GP(0) for the others. */
int x86_segment_linear(const struct x86_seg_cpu *cpu, enum x86_seg_reg reg,
		       const struct x86_segment *seg, uint64_t offset, unsigned size,
		       unsigned access, uint64_t *linear, struct x86_fault *fault);
