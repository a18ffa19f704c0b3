/*
 * An x86 instruction decoder for a VMM: the length of any legacy-encoded
 * instruction (so RIP can be advanced past an intercepted one: TCG's SVM
 * saves no next-RIP), and the operands of the instructions that exit and
 * that MMIO emulation must carry out (Intel SDM vol.2 ch.2 "Instruction
 * Format" and appendix A "Opcode Map"; AMD APM vol.3 ch.1).
 *
 * Every one-byte and two-byte opcode's length comes from tables; the
 * operands are decoded for the instructions named in enum x86_insn_kind.
 * VEX, EVEX and XOP encodings are refused (X86_DECODE_INVALID): none of them
 * exits to the VMM without touching MMIO, which Sietch's guests do with MOV.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/common/x86_mem.h"

#define X86_INSN_MAX_LEN 15 /* SDM vol.2 §2.3.11: longer raises #GP */

/* The code segment's default sizes: real mode or CS.D=0, CS.D=1, CS.L=1. */
enum x86_cpu_mode { X86_MODE_16, X86_MODE_32, X86_MODE_64 };

/* The mode code runs in, from segment state (x86_seg_cpu_of) and CS's
 * attributes (SDM vol.3A §5.2.1, §3.4.5 "D/B flag"). */
enum x86_cpu_mode x86_cpu_mode_of(bool real_mode, bool code64, uint16_t cs_attr);

enum x86_insn_kind {
	X86_INSN_OTHER, /* length, prefixes and ModRM decoded; nothing else */
	/* port I/O */
	X86_INSN_IN,
	X86_INSN_OUT,
	X86_INSN_INS,
	X86_INSN_OUTS,
	/* moves through memory that MMIO emulation performs */
	X86_INSN_MOV_LOAD,      /* reg <- [mem] (8A, 8B, A0, A1) */
	X86_INSN_MOV_STORE,     /* [mem] <- reg (88, 89, A2, A3) */
	X86_INSN_MOV_STORE_IMM, /* [mem] <- imm (C6 /0, C7 /0) */
	X86_INSN_MOVZX,         /* reg <- zero-extended [mem] (0F B6, 0F B7) */
	X86_INSN_MOVSX,         /* reg <- sign-extended [mem] (0F BE, 0F BF, MOVSXD 63) */
	X86_INSN_STOS,
	X86_INSN_LODS,
	X86_INSN_MOVS,
	/* control and debug registers */
	X86_INSN_MOV_TO_CR,
	X86_INSN_MOV_FROM_CR,
	X86_INSN_MOV_TO_DR,
	X86_INSN_MOV_FROM_DR,
	X86_INSN_CLTS,
	X86_INSN_LMSW,
	X86_INSN_SMSW,
	/* descriptor tables */
	X86_INSN_LGDT,
	X86_INSN_LIDT,
	X86_INSN_SGDT,
	X86_INSN_SIDT,
	X86_INSN_LLDT,
	X86_INSN_LTR,
	X86_INSN_SLDT,
	X86_INSN_STR,
	/* the rest of what SVM can intercept (AMD APM vol.2 Table 15-7 ff.) */
	X86_INSN_CPUID,
	X86_INSN_RDMSR,
	X86_INSN_WRMSR,
	X86_INSN_RDTSC,
	X86_INSN_RDTSCP,
	X86_INSN_RDPMC,
	X86_INSN_HLT,
	X86_INSN_PAUSE,
	X86_INSN_INVLPG,
	X86_INSN_INVLPGA,
	X86_INSN_INVD,
	X86_INSN_WBINVD,
	X86_INSN_INT3,
	X86_INSN_INT,
	X86_INSN_INTO,
	X86_INSN_ICEBP,
	X86_INSN_IRET,
	X86_INSN_PUSHF,
	X86_INSN_POPF,
	X86_INSN_RSM,
	X86_INSN_MONITOR,
	X86_INSN_MWAIT,
	X86_INSN_XSETBV,
	X86_INSN_VMRUN,
	X86_INSN_VMMCALL,
	X86_INSN_VMLOAD,
	X86_INSN_VMSAVE,
	X86_INSN_STGI,
	X86_INSN_CLGI,
	X86_INSN_SKINIT,
	X86_INSN_KIND_COUNT
};

/* General registers in ModRM/REX numbering (SDM vol.2 Table 2-2, §2.2.1.2). */
enum x86_gpr {
	X86_RAX, X86_RCX, X86_RDX, X86_RBX, X86_RSP, X86_RBP, X86_RSI, X86_RDI,
	X86_R8, X86_R9, X86_R10, X86_R11, X86_R12, X86_R13, X86_R14, X86_R15,
	X86_GPR_COUNT,
	X86_RIP = X86_GPR_COUNT, /* as a memory base: RIP-relative */
	X86_REG_NONE = -1,
};

/* Prefixes seen (SDM vol.2 §2.1.1). */
#define X86_PFX_LOCK (1u << 0)
#define X86_PFX_REPNE (1u << 1) /* F2 */
#define X86_PFX_REP (1u << 2)   /* F3 */
#define X86_PFX_OPSIZE (1u << 3)
#define X86_PFX_ADDRSIZE (1u << 4)
#define X86_PFX_SEG (1u << 5) /* a segment override: mem.seg says which */

/* A register operand; high8: AH, CH, DH or BH (reg is then RAX..RBX). */
struct x86_reg_operand {
	int8_t reg;
	bool high8;
};

/* A memory operand: seg:[base + index*scale + disp], address-size wide.
 * seg numbers ES..GS as enum x86_seg_reg does (0..5). */
struct x86_mem_operand {
	int8_t base;  /* enum x86_gpr, X86_RIP, or X86_REG_NONE */
	int8_t index; /* enum x86_gpr or X86_REG_NONE */
	uint8_t scale;
	uint8_t seg;
	int64_t disp;
};

struct x86_insn {
	uint8_t len;
	enum x86_insn_kind kind;
	uint8_t prefixes; /* X86_PFX_* */
	uint8_t rex;      /* 0 if none */
	uint16_t opcode;  /* one byte, or 0x0fXX; 0x0f38XX/0x0f3aXX keep the last byte in opcode3 */
	uint8_t opcode3;
	uint8_t opsize;   /* bytes the instruction moves: 1, 2, 4 or 8 */
	uint8_t addrsize; /* 2, 4 or 8 */
	bool has_modrm;
	uint8_t modrm;
	bool has_mem;           /* mem is the r/m (or moffs) operand */
	struct x86_mem_operand mem;
	bool has_rm_reg;        /* rm is the r/m operand, a register (ModRM.mod = 3) */
	struct x86_reg_operand rm;
	struct x86_reg_operand reg; /* the ModRM.reg register, or the implicit one (AL/eAX, ...) */
	uint8_t src_size;       /* MOVZX/MOVSX: the width read from memory */
	uint64_t imm;           /* the immediate, sign-extended to opsize where the ISA says so */
	uint8_t imm_size;
	uint16_t port;          /* IN/OUT with an immediate port */
	bool port_dx;           /* IN/OUT/INS/OUTS: the port is in DX */
	uint8_t vector;         /* INT n */
	uint8_t ctrl_reg;       /* MOV CR/DR: the control or debug register number */
};

#define X86_DECODE_INVALID (-1)   /* not an instruction this decoder knows, or longer than 15 */
#define X86_DECODE_TRUNCATED (-2) /* the instruction runs past the avail bytes given */
#define X86_DECODE_FETCH (-3)     /* x86_fetch_decode could not read a byte it needed */

/* Decodes the instruction at code[0..avail). 0 and *out filled, or one of
 * the errors above. */
int x86_decode(const uint8_t *code, size_t avail, enum x86_cpu_mode mode, struct x86_insn *out);

/* Fetches and decodes the instruction at linear address rip from lin (a
 * linear memory, such as x86_linear_mem_init's with X86_ACCESS_FETCH). The bytes on
 * rip's page are read first and the next page only if the instruction runs
 * into it, as the processor fetches, so an instruction that ends on a
 * page's last byte decodes even when the next page is absent.
 * X86_DECODE_FETCH: a needed byte was not readable (the adapter records the
 * fault the guest takes). */
int x86_fetch_decode(const struct x86_mem *lin, uint64_t rip, enum x86_cpu_mode mode,
		     struct x86_insn *out);

/* The effective address (offset within mem.seg) of insn's memory operand,
 * given the general registers and the address of the next instruction (for
 * RIP-relative operands), truncated to the address size. */
uint64_t x86_insn_mem_offset(const struct x86_insn *insn, const uint64_t regs[X86_GPR_COUNT],
			     uint64_t next_rip);

/* A short lower-case name of a kind ("in", "mov_load", "cpuid", ...). */
const char *x86_insn_kind_name(enum x86_insn_kind kind);
