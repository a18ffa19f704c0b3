/*
 * The instruction decoder (see x86_decode.h): prefixes, the opcode, ModRM,
 * SIB, displacement and immediate, in that order (SDM vol.2 Figure 2-1),
 * with lengths from two opcode tables and operands from a switch over the
 * instructions a VMM emulates.
 */
#include "lib/common/x86_decode.h"
#include "lib/common/x86_segment.h"

/* Per-opcode shape (SDM vol.2 appendix A, Tables ). */
#define OP_M (1u << 0)      /* a ModRM byte follows */
#define OP_I8 (1u << 1)     /* imm8 */
#define OP_IZ (1u << 2)     /* imm16 or imm32 by operand size ("Iz") */
#define OP_IV (1u << 3)     /* imm16, imm32 or imm64 by operand size ("Iv", B8+r only) */
#define OP_I16 (1u << 4)    /* imm16 (RET n) */
#define OP_MOFFS (1u << 5)  /* an address-size offset (A0..A3) */
#define OP_INV64 (1u << 6)  /* invalid in 64-bit mode */
#define OP_PFX (1u << 7)    /* a legacy prefix */
#define OP_FAR (1u << 8)    /* ptr16:16/32: Iz then 2 bytes */
#define OP_ENTER (1u << 9)  /* imm16 then imm8 */
#define OP_GRP3 (1u << 10)  /* F6/F7: /0 and /1 (TEST) carry an immediate */
#define OP_INV (1u << 11)   /* undefined */
#define OP_ESC (1u << 12)   /* 0F: the two-byte map */
#define OP_VEX (1u << 13)   /* C4/C5: LES/LDS, or VEX when ModRM.mod = 3 */
#define OP_CRDR (1u << 14)  /* MOV CR/DR: ModRM.mod is ignored, always a register (vol.2 MOV—Move to/from Control Registers) */
#define OP_ESC38 (1u << 15) /* 0F 38: three-byte map, ModRM */
#define OP_ESC3A (1u << 16) /* 0F 3A: three-byte map, ModRM and imm8 */

static const uint32_t one_byte[256] = {
	[0x00 ... 0x03] = OP_M, [0x04] = OP_I8, [0x05] = OP_IZ, [0x06 ... 0x07] = OP_INV64,
	[0x08 ... 0x0b] = OP_M, [0x0c] = OP_I8, [0x0d] = OP_IZ, [0x0e] = OP_INV64, [0x0f] = OP_ESC,
	[0x10 ... 0x13] = OP_M, [0x14] = OP_I8, [0x15] = OP_IZ, [0x16 ... 0x17] = OP_INV64,
	[0x18 ... 0x1b] = OP_M, [0x1c] = OP_I8, [0x1d] = OP_IZ, [0x1e ... 0x1f] = OP_INV64,
	[0x20 ... 0x23] = OP_M, [0x24] = OP_I8, [0x25] = OP_IZ, [0x26] = OP_PFX, [0x27] = OP_INV64,
	[0x28 ... 0x2b] = OP_M, [0x2c] = OP_I8, [0x2d] = OP_IZ, [0x2e] = OP_PFX, [0x2f] = OP_INV64,
	[0x30 ... 0x33] = OP_M, [0x34] = OP_I8, [0x35] = OP_IZ, [0x36] = OP_PFX, [0x37] = OP_INV64,
	[0x38 ... 0x3b] = OP_M, [0x3c] = OP_I8, [0x3d] = OP_IZ, [0x3e] = OP_PFX, [0x3f] = OP_INV64,
	[0x60 ... 0x61] = OP_INV64, [0x62] = OP_M | OP_INV64, [0x63] = OP_M,
	[0x64 ... 0x67] = OP_PFX, [0x68] = OP_IZ, [0x69] = OP_M | OP_IZ, [0x6a] = OP_I8,
	[0x6b] = OP_M | OP_I8,
	[0x70 ... 0x7f] = OP_I8,
	[0x80] = OP_M | OP_I8, [0x81] = OP_M | OP_IZ, [0x82] = OP_M | OP_I8 | OP_INV64,
	[0x83] = OP_M | OP_I8, [0x84 ... 0x8f] = OP_M,
	[0x9a] = OP_FAR | OP_INV64,
	[0xa0 ... 0xa3] = OP_MOFFS, [0xa8] = OP_I8, [0xa9] = OP_IZ,
	[0xb0 ... 0xb7] = OP_I8, [0xb8 ... 0xbf] = OP_IV,
	[0xc0 ... 0xc1] = OP_M | OP_I8, [0xc2] = OP_I16, [0xc4 ... 0xc5] = OP_M | OP_VEX | OP_INV64,
	[0xc6] = OP_M | OP_I8, [0xc7] = OP_M | OP_IZ, [0xc8] = OP_ENTER, [0xca] = OP_I16,
	[0xcd] = OP_I8, [0xce] = OP_INV64,
	[0xd0 ... 0xd3] = OP_M, [0xd4 ... 0xd5] = OP_I8 | OP_INV64, [0xd6] = OP_INV,
	[0xd8 ... 0xdf] = OP_M,
	[0xe0 ... 0xe7] = OP_I8, [0xe8 ... 0xe9] = OP_IZ, [0xea] = OP_FAR | OP_INV64, [0xeb] = OP_I8,
	[0xf0] = OP_PFX, [0xf2 ... 0xf3] = OP_PFX, [0xf6 ... 0xf7] = OP_M | OP_GRP3,
	[0xfe ... 0xff] = OP_M,
};

static const uint32_t two_byte[256] = {
	[0x00 ... 0x03] = OP_M, [0x04] = OP_INV, [0x0a] = OP_INV, [0x0c] = OP_INV, [0x0d] = OP_M,
	[0x0f] = OP_M | OP_I8, /* 3DNow!: the opcode is a trailing imm8 */
	[0x10 ... 0x1f] = OP_M,
	[0x20 ... 0x23] = OP_M | OP_CRDR, [0x24 ... 0x27] = OP_INV, [0x28 ... 0x2f] = OP_M,
	[0x36] = OP_INV, [0x38] = OP_ESC38, [0x39] = OP_INV, [0x3a] = OP_ESC3A,
	[0x3b ... 0x3f] = OP_INV,
	[0x40 ... 0x6f] = OP_M,
	[0x70 ... 0x73] = OP_M | OP_I8, [0x74 ... 0x76] = OP_M, [0x78 ... 0x7f] = OP_M,
	[0x80 ... 0x8f] = OP_IZ,
	[0x90 ... 0x9f] = OP_M,
	[0xa3] = OP_M, [0xa4] = OP_M | OP_I8, [0xa5] = OP_M, [0xa6 ... 0xa7] = OP_INV,
	[0xab] = OP_M, [0xac] = OP_M | OP_I8, [0xad ... 0xaf] = OP_M,
	[0xb0 ... 0xb9] = OP_M, [0xba] = OP_M | OP_I8, [0xbb ... 0xbf] = OP_M,
	[0xc0 ... 0xc1] = OP_M, [0xc2] = OP_M | OP_I8, [0xc3] = OP_M, [0xc4 ... 0xc6] = OP_M | OP_I8,
	[0xc7] = OP_M,
	[0xd0 ... 0xff] = OP_M,
};

#define REX_W 0x8
#define REX_R 0x4
#define REX_X 0x2
#define REX_B 0x1

#define SEG_ES 0
#define SEG_CS 1
#define SEG_SS 2
#define SEG_DS 3
#define SEG_FS 4
#define SEG_GS 5

struct cursor {
	const uint8_t *code;
	size_t avail;
	size_t pos;
	int err;
};

static uint64_t take(struct cursor *c, unsigned n)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < n; i++) {
		if (c->pos >= X86_INSN_MAX_LEN) {
			c->err = X86_DECODE_INVALID;
			return 0;
		}
		if (c->pos >= c->avail) {
			c->err = X86_DECODE_TRUNCATED;
			return 0;
		}
		v |= (uint64_t)c->code[c->pos++] << (8 * i);
	}
	return v;
}

static int64_t sign_extend(uint64_t v, unsigned bytes)
{
	unsigned shift = 64 - 8 * bytes;
	return (int64_t)(v << shift) >> shift;
}

/* Legacy prefixes, then (64-bit mode) REX, which counts only when it comes
 * last (SDM vol.2 §2.2.1: a REX followed by a legacy prefix is ignored). */
static uint8_t read_prefixes(struct cursor *c, enum x86_cpu_mode mode, struct x86_insn *insn)
{
	static const uint8_t seg_of[4] = { SEG_ES, SEG_CS, SEG_SS, SEG_DS };
	for (;;) {
		uint8_t b = (uint8_t)take(c, 1);
		if (c->err)
			return 0;
		if (mode == X86_MODE_64 && (b & 0xf0) == 0x40) {
			insn->rex = b;
			continue;
		}
		if (!(one_byte[b] & OP_PFX))
			return b;
		insn->rex = 0;
		switch (b) {
		case 0xf0: insn->prefixes |= X86_PFX_LOCK; break;
		case 0xf2: insn->prefixes |= X86_PFX_REPNE; break;
		case 0xf3: insn->prefixes |= X86_PFX_REP; break;
		case 0x66: insn->prefixes |= X86_PFX_OPSIZE; break;
		case 0x67: insn->prefixes |= X86_PFX_ADDRSIZE; break;
		case 0x64: insn->prefixes |= X86_PFX_SEG; insn->mem.seg = SEG_FS; break;
		case 0x65: insn->prefixes |= X86_PFX_SEG; insn->mem.seg = SEG_GS; break;
		default: /* 26, 2E, 36, 3E */
			insn->prefixes |= X86_PFX_SEG;
			insn->mem.seg = seg_of[(b >> 3) & 3];
			break;
		}
	}
}

static void set_sizes(enum x86_cpu_mode mode, struct x86_insn *insn)
{
	bool o = insn->prefixes & X86_PFX_OPSIZE, a = insn->prefixes & X86_PFX_ADDRSIZE;
	if (mode == X86_MODE_64) {
		insn->opsize = (insn->rex & REX_W) ? 8 : o ? 2 : 4;
		insn->addrsize = a ? 4 : 8;
	} else if (mode == X86_MODE_32) {
		insn->opsize = o ? 2 : 4;
		insn->addrsize = a ? 2 : 4;
	} else {
		insn->opsize = o ? 4 : 2;
		insn->addrsize = a ? 4 : 2;
	}
}

static struct x86_reg_operand gpr(const struct x86_insn *insn, unsigned num, unsigned size)
{
	/* Without any REX, byte registers 4..7 are AH, CH, DH, BH (vol.2 §2.1.5, Table 2-2). */
	if (size == 1 && !insn->rex && num >= 4 && num < 8)
		return (struct x86_reg_operand){ .reg = (int8_t)(num - 4), .high8 = true };
	return (struct x86_reg_operand){ .reg = (int8_t)num };
}

/* 16-bit addressing: ModRM.rm names a base/index pair (vol.2 Table 2-1). */
static void modrm16(struct cursor *c, struct x86_insn *insn, unsigned mod, unsigned rm)
{
	static const int8_t base[8] = { X86_RBX, X86_RBX, X86_RBP, X86_RBP, X86_REG_NONE, X86_REG_NONE, X86_RBP, X86_RBX };
	static const int8_t index[8] = { X86_RSI, X86_RDI, X86_RSI, X86_RDI, X86_RSI, X86_RDI, X86_REG_NONE, X86_REG_NONE };
	insn->mem.base = base[rm];
	insn->mem.index = index[rm];
	insn->mem.scale = 1;
	if (mod == 0 && rm == 6) {
		insn->mem.base = X86_REG_NONE;
		insn->mem.disp = sign_extend(take(c, 2), 2);
	} else if (mod == 1) {
		insn->mem.disp = sign_extend(take(c, 1), 1);
	} else if (mod == 2) {
		insn->mem.disp = sign_extend(take(c, 2), 2);
	}
}

/* 32/64-bit addressing with SIB and RIP-relative forms (vol.2 Tables 2-2, 2-3; §2.2.1.6). */
static void modrm32(struct cursor *c, enum x86_cpu_mode mode, struct x86_insn *insn,
		    unsigned mod, unsigned rm)
{
	unsigned b = (insn->rex & REX_B) ? 8 : 0;
	insn->mem.index = X86_REG_NONE;
	insn->mem.scale = 1;
	if (rm == 4) {
		uint8_t sib = (uint8_t)take(c, 1);
		unsigned idx = ((sib >> 3) & 7) | ((insn->rex & REX_X) ? 8 : 0);
		insn->mem.scale = (uint8_t)(1u << (sib >> 6));
		insn->mem.index = idx == 4 ? X86_REG_NONE : (int8_t)idx; /* index 100b without REX.X: none */
		insn->mem.base = (int8_t)((sib & 7) | b);
		if ((sib & 7) == 5 && mod == 0) {
			insn->mem.base = X86_REG_NONE;
			insn->mem.disp = sign_extend(take(c, 4), 4);
			return;
		}
	} else if (rm == 5 && mod == 0) {
		insn->mem.base = mode == X86_MODE_64 ? X86_RIP : X86_REG_NONE;
		insn->mem.disp = sign_extend(take(c, 4), 4);
		return;
	} else {
		insn->mem.base = (int8_t)(rm | b);
	}
	if (mod == 1)
		insn->mem.disp = sign_extend(take(c, 1), 1);
	else if (mod == 2)
		insn->mem.disp = sign_extend(take(c, 4), 4);
}

static void read_modrm(struct cursor *c, enum x86_cpu_mode mode, struct x86_insn *insn,
		       uint32_t shape)
{
	insn->has_modrm = true;
	insn->modrm = (uint8_t)take(c, 1);
	unsigned mod = insn->modrm >> 6, rm = insn->modrm & 7;
	if (mod == 3 || (shape & OP_CRDR)) {
		insn->has_rm_reg = true;
		insn->rm = gpr(insn, rm | ((insn->rex & REX_B) ? 8 : 0), insn->opsize);
		return;
	}
	insn->has_mem = true;
	if (insn->addrsize == 2)
		modrm16(c, insn, mod, rm);
	else
		modrm32(c, mode, insn, mod, rm);
	/* SS is the default segment for rSP/rBP bases (vol.1 §3.7.5, Table 3-5). */
	if (!(insn->prefixes & X86_PFX_SEG) &&
	    (insn->mem.base == X86_RSP || insn->mem.base == X86_RBP))
		insn->mem.seg = SEG_SS;
}

static unsigned imm_bytes(const struct x86_insn *insn, uint32_t shape, unsigned op)
{
	unsigned z = insn->opsize == 2 ? 2 : 4;
	if (shape & OP_I8)
		return 1;
	if (shape & OP_IZ)
		return z;
	if (shape & OP_IV)
		return insn->opsize;
	if (shape & OP_I16)
		return 2;
	if (shape & OP_ENTER)
		return 3;
	if (shape & OP_FAR)
		return z + 2;
	if ((shape & OP_GRP3) && ((insn->modrm >> 3) & 7) < 2)
		return op == 0xf6 ? 1 : z;
	return 0;
}

static void read_immediate(struct cursor *c, struct x86_insn *insn, uint32_t shape, unsigned op)
{
	if (shape & OP_MOFFS) {
		insn->has_mem = true;
		insn->mem.base = X86_REG_NONE;
		insn->mem.index = X86_REG_NONE;
		insn->mem.scale = 1;
		insn->mem.disp = (int64_t)take(c, insn->addrsize);
		return;
	}
	unsigned n = imm_bytes(insn, shape, op);
	if (n == 0)
		return;
	uint64_t raw = take(c, n);
	insn->imm_size = (uint8_t)n;
	insn->imm = (n <= 4 && !(shape & (OP_ENTER | OP_FAR))) ? (uint64_t)sign_extend(raw, n) : raw;
}

/* Reads the opcode bytes after the prefixes; returns the shape of the opcode. */
static uint32_t read_opcode(struct cursor *c, enum x86_cpu_mode mode, struct x86_insn *insn,
			    uint8_t first)
{
	uint32_t shape = one_byte[first];
	insn->opcode = first;
	if (shape & OP_ESC) {
		uint8_t second = (uint8_t)take(c, 1);
		insn->opcode = (uint16_t)(0x0f00 | second);
		shape = two_byte[second];
		if (shape & (OP_ESC38 | OP_ESC3A)) {
			insn->opcode3 = (uint8_t)take(c, 1);
			shape = OP_M | ((shape & OP_ESC3A) ? OP_I8 : 0);
		}
	}
	if ((shape & OP_INV) || (mode == X86_MODE_64 && (shape & OP_INV64)))
		c->err = X86_DECODE_INVALID;
	/* Outside 64-bit mode C4/C5 with ModRM.mod = 3 begin a VEX prefix. */
	if ((shape & OP_VEX) && !c->err && c->pos < c->avail && (c->code[c->pos] >> 6) == 3)
		c->err = X86_DECODE_INVALID;
	return shape;
}

static unsigned io_size(const struct x86_insn *insn, bool byte)
{
	/* I/O is 8, 16 or 32 bits: REX.W does not make it 64 (IN, OUT reference). */
	return byte ? 1 : insn->opsize == 8 ? 4 : insn->opsize;
}

static void string_operand(struct x86_insn *insn, bool dest_es)
{
	insn->has_mem = true;
	insn->mem.base = dest_es ? X86_RDI : X86_RSI;
	insn->mem.index = X86_REG_NONE;
	insn->mem.scale = 1;
	if (dest_es)
		insn->mem.seg = SEG_ES; /* ES:rDI cannot be overridden (vol.2 STOS, INS) */
}

static void classify_io(struct x86_insn *insn, unsigned op)
{
	bool byte = !(op & 1);
	insn->opsize = (uint8_t)io_size(insn, byte);
	insn->reg = gpr(insn, X86_RAX, 8);
	switch (op & 0xfe) {
	case 0xe4: insn->kind = X86_INSN_IN; insn->port = (uint8_t)insn->imm; break;
	case 0xe6: insn->kind = X86_INSN_OUT; insn->port = (uint8_t)insn->imm; break;
	case 0xec: insn->kind = X86_INSN_IN; insn->port_dx = true; break;
	case 0xee: insn->kind = X86_INSN_OUT; insn->port_dx = true; break;
	case 0x6c: insn->kind = X86_INSN_INS; insn->port_dx = true; string_operand(insn, true); break;
	case 0x6e: insn->kind = X86_INSN_OUTS; insn->port_dx = true; string_operand(insn, false); break;
	}
	insn->imm_size = 0;
}

/* MOV, MOVZX, MOVSX, MOVSXD through memory or a register. */
static void classify_mov(struct x86_insn *insn, enum x86_cpu_mode mode, unsigned op)
{
	unsigned regnum = ((insn->modrm >> 3) & 7) | ((insn->rex & REX_R) ? 8 : 0);
	switch (op) {
	case 0x88: case 0x89: case 0x8a: case 0x8b:
		if (!(op & 1))
			insn->opsize = 1;
		insn->kind = (op & 2) ? X86_INSN_MOV_LOAD : X86_INSN_MOV_STORE;
		insn->reg = gpr(insn, regnum, insn->opsize);
		if (insn->has_rm_reg)
			insn->rm = gpr(insn, insn->rm.reg + (insn->rm.high8 ? 4 : 0), insn->opsize);
		break;
	case 0xa0: case 0xa1: case 0xa2: case 0xa3:
		if (!(op & 1))
			insn->opsize = 1;
		insn->kind = (op & 2) ? X86_INSN_MOV_STORE : X86_INSN_MOV_LOAD;
		insn->reg = gpr(insn, X86_RAX, 8);
		break;
	case 0xc6: case 0xc7:
		if (((insn->modrm >> 3) & 7) != 0)
			return; /* C6/C7 /7 are XABORT/XBEGIN */
		if (op == 0xc6)
			insn->opsize = 1;
		insn->kind = X86_INSN_MOV_STORE_IMM;
		if (insn->opsize < 8)
			insn->imm &= (1ull << (8 * insn->opsize)) - 1;
		break;
	case 0x0fb6: case 0x0fb7: case 0x0fbe: case 0x0fbf:
		insn->kind = (op & 8) ? X86_INSN_MOVSX : X86_INSN_MOVZX;
		insn->src_size = (op & 1) ? 2 : 1;
		insn->reg = gpr(insn, regnum, insn->opsize);
		break;
	case 0x63:
		if (mode != X86_MODE_64)
			return; /* ARPL */
		insn->kind = X86_INSN_MOVSX;
		insn->src_size = 4;
		insn->reg = gpr(insn, regnum, insn->opsize);
		break;
	}
	if (insn->kind == X86_INSN_MOVSX || insn->kind == X86_INSN_MOVZX) {
		if (insn->has_rm_reg)
			insn->rm = gpr(insn, insn->rm.reg + (insn->rm.high8 ? 4 : 0), insn->src_size);
	}
}

static void classify_string(struct x86_insn *insn, unsigned op)
{
	if (!(op & 1))
		insn->opsize = 1;
	insn->reg = gpr(insn, X86_RAX, 8);
	switch (op & 0xfe) {
	case 0xaa: insn->kind = X86_INSN_STOS; string_operand(insn, true); break;
	case 0xac: insn->kind = X86_INSN_LODS; string_operand(insn, false); break;
	case 0xa4: insn->kind = X86_INSN_MOVS; string_operand(insn, true); break;
	}
}

/* MOV to/from CR and DR: ModRM.reg is the CR/DR, ModRM.rm the GPR, always
 * 64 bits in 64-bit mode and 32 otherwise; LOCK MOV CR0 is CR8 on AMD (APM
 * vol.3 "MOV CRn"). */
static void classify_crdr(struct x86_insn *insn, enum x86_cpu_mode mode, unsigned op)
{
	static const enum x86_insn_kind kinds[4] = {
		X86_INSN_MOV_FROM_CR, X86_INSN_MOV_FROM_DR, X86_INSN_MOV_TO_CR, X86_INSN_MOV_TO_DR,
	};
	insn->kind = kinds[op & 3];
	insn->opsize = mode == X86_MODE_64 ? 8 : 4;
	insn->ctrl_reg = (uint8_t)(((insn->modrm >> 3) & 7) | ((insn->rex & REX_R) ? 8 : 0));
	if ((op & 1) == 0 && (insn->prefixes & X86_PFX_LOCK))
		insn->ctrl_reg |= 8;
	insn->rm = gpr(insn, (insn->modrm & 7) | ((insn->rex & REX_B) ? 8 : 0), 8);
}

/* 0F 01: the register forms are distinct instructions by the whole ModRM
 * byte, the memory forms by ModRM.reg (vol.2 Table A-6, group 7). */
static void classify_group7(struct x86_insn *insn)
{
	static const enum x86_insn_kind by_reg[8] = {
		X86_INSN_SGDT, X86_INSN_SIDT, X86_INSN_LGDT, X86_INSN_LIDT,
		X86_INSN_SMSW, X86_INSN_OTHER, X86_INSN_LMSW, X86_INSN_INVLPG,
	};
	unsigned reg = (insn->modrm >> 3) & 7;
	if (insn->has_mem) {
		insn->kind = by_reg[reg];
		return;
	}
	if (reg == 4 || reg == 6) {
		insn->kind = by_reg[reg];
		return;
	}
	switch (insn->modrm) {
	case 0xc8: insn->kind = X86_INSN_MONITOR; break;
	case 0xc9: insn->kind = X86_INSN_MWAIT; break;
	case 0xd1: insn->kind = X86_INSN_XSETBV; break;
	case 0xd8: insn->kind = X86_INSN_VMRUN; break;
	case 0xd9: insn->kind = X86_INSN_VMMCALL; break;
	case 0xda: insn->kind = X86_INSN_VMLOAD; break;
	case 0xdb: insn->kind = X86_INSN_VMSAVE; break;
	case 0xdc: insn->kind = X86_INSN_STGI; break;
	case 0xdd: insn->kind = X86_INSN_CLGI; break;
	case 0xde: insn->kind = X86_INSN_SKINIT; break;
	case 0xdf: insn->kind = X86_INSN_INVLPGA; break;
	case 0xf9: insn->kind = X86_INSN_RDTSCP; break;
	}
}

static void classify_group6(struct x86_insn *insn)
{
	static const enum x86_insn_kind by_reg[4] = {
		X86_INSN_SLDT, X86_INSN_STR, X86_INSN_LLDT, X86_INSN_LTR,
	};
	unsigned reg = (insn->modrm >> 3) & 7;
	if (reg < 4)
		insn->kind = by_reg[reg];
}

static void classify(struct x86_insn *insn, enum x86_cpu_mode mode)
{
	unsigned op = insn->opcode;
	switch (op) {
	case 0xe4: case 0xe5: case 0xe6: case 0xe7:
	case 0xec: case 0xed: case 0xee: case 0xef:
	case 0x6c: case 0x6d: case 0x6e: case 0x6f:
		classify_io(insn, op); return;
	case 0x88: case 0x89: case 0x8a: case 0x8b: case 0xa0: case 0xa1: case 0xa2: case 0xa3:
	case 0xc6: case 0xc7: case 0x0fb6: case 0x0fb7: case 0x0fbe: case 0x0fbf: case 0x63:
		classify_mov(insn, mode, op); return;
	case 0xa4: case 0xa5: case 0xaa: case 0xab: case 0xac: case 0xad:
		classify_string(insn, op); return;
	case 0x0f20: case 0x0f21: case 0x0f22: case 0x0f23:
		classify_crdr(insn, mode, op); return;
	case 0x0f01: classify_group7(insn); return;
	case 0x0f00: classify_group6(insn); return;
	case 0x0f06: insn->kind = X86_INSN_CLTS; return;
	case 0x0f08: insn->kind = X86_INSN_INVD; return;
	case 0x0f09: insn->kind = X86_INSN_WBINVD; return;
	case 0x0f30: insn->kind = X86_INSN_WRMSR; return;
	case 0x0f31: insn->kind = X86_INSN_RDTSC; return;
	case 0x0f32: insn->kind = X86_INSN_RDMSR; return;
	case 0x0f33: insn->kind = X86_INSN_RDPMC; return;
	case 0x0fa2: insn->kind = X86_INSN_CPUID; return;
	case 0x0faa: insn->kind = X86_INSN_RSM; return;
	case 0xf4: insn->kind = X86_INSN_HLT; return;
	case 0x90:
		if (insn->prefixes & X86_PFX_REP) /* F3 90 (vol.2 PAUSE) */
			insn->kind = X86_INSN_PAUSE;
		return;
	case 0xcc: insn->kind = X86_INSN_INT3; return;
	case 0xcd: insn->kind = X86_INSN_INT; insn->vector = (uint8_t)insn->imm; return;
	case 0xce: insn->kind = X86_INSN_INTO; return;
	case 0xf1: insn->kind = X86_INSN_ICEBP; return;
	case 0xcf: insn->kind = X86_INSN_IRET; return;
	case 0x9c: insn->kind = X86_INSN_PUSHF; return;
	case 0x9d: insn->kind = X86_INSN_POPF; return;
	}
}

enum x86_cpu_mode x86_cpu_mode_of(bool real_mode, bool code64, uint16_t cs_attr)
{
	if (code64)
		return X86_MODE_64;
	if (real_mode)
		return X86_MODE_16;
	return (cs_attr & X86_SEG_DB) ? X86_MODE_32 : X86_MODE_16;
}

int x86_decode(const uint8_t *code, size_t avail, enum x86_cpu_mode mode, struct x86_insn *out)
{
	struct cursor c = { .code = code, .avail = avail };
	struct x86_insn insn = {
		.mem = { .base = X86_REG_NONE, .index = X86_REG_NONE, .scale = 1, .seg = SEG_DS },
		.reg = { .reg = X86_REG_NONE },
		.rm = { .reg = X86_REG_NONE },
	};
	uint8_t first = read_prefixes(&c, mode, &insn);
	if (c.err)
		return c.err;
	set_sizes(mode, &insn);
	uint32_t shape = read_opcode(&c, mode, &insn, first);
	if (!c.err && (shape & OP_M))
		read_modrm(&c, mode, &insn, shape);
	if (!c.err)
		read_immediate(&c, &insn, shape, first);
	if (c.err)
		return c.err;
	insn.len = (uint8_t)c.pos;
	classify(&insn, mode);
	*out = insn;
	return 0;
}

/* Fetches stop at page boundaries: 4 KiB (SDM vol.3A §4.1, the smallest page). */
#define FETCH_PAGE 4096u

int x86_fetch_decode(const struct x86_mem *lin, uint64_t rip, enum x86_cpu_mode mode,
		     struct x86_insn *out)
{
	uint8_t buf[X86_INSN_MAX_LEN];
	size_t first = FETCH_PAGE - (rip & (FETCH_PAGE - 1));
	if (first > sizeof(buf))
		first = sizeof(buf);
	if (lin->read(lin->ctx, rip, buf, first) != 0)
		return X86_DECODE_FETCH;
	int rc = x86_decode(buf, first, mode, out);
	if (rc != X86_DECODE_TRUNCATED || first == sizeof(buf))
		return rc;
	if (lin->read(lin->ctx, rip + first, buf + first, sizeof(buf) - first) != 0)
		return X86_DECODE_FETCH;
	return x86_decode(buf, sizeof(buf), mode, out);
}

uint64_t x86_insn_mem_offset(const struct x86_insn *insn, const uint64_t regs[X86_GPR_COUNT],
			     uint64_t next_rip)
{
	const struct x86_mem_operand *m = &insn->mem;
	uint64_t ea = (uint64_t)m->disp;
	if (m->base == X86_RIP)
		ea += next_rip;
	else if (m->base != X86_REG_NONE)
		ea += regs[m->base];
	if (m->index != X86_REG_NONE)
		ea += regs[m->index] * m->scale;
	if (insn->addrsize < 8)
		ea &= (1ull << (8 * insn->addrsize)) - 1;
	return ea;
}

static const char *const kind_names[X86_INSN_KIND_COUNT] = {
	[X86_INSN_OTHER] = "other", [X86_INSN_IN] = "in", [X86_INSN_OUT] = "out",
	[X86_INSN_INS] = "ins", [X86_INSN_OUTS] = "outs", [X86_INSN_MOV_LOAD] = "mov_load",
	[X86_INSN_MOV_STORE] = "mov_store", [X86_INSN_MOV_STORE_IMM] = "mov_store_imm",
	[X86_INSN_MOVZX] = "movzx", [X86_INSN_MOVSX] = "movsx", [X86_INSN_STOS] = "stos",
	[X86_INSN_LODS] = "lods", [X86_INSN_MOVS] = "movs", [X86_INSN_MOV_TO_CR] = "mov_to_cr",
	[X86_INSN_MOV_FROM_CR] = "mov_from_cr", [X86_INSN_MOV_TO_DR] = "mov_to_dr",
	[X86_INSN_MOV_FROM_DR] = "mov_from_dr", [X86_INSN_CLTS] = "clts", [X86_INSN_LMSW] = "lmsw",
	[X86_INSN_SMSW] = "smsw", [X86_INSN_LGDT] = "lgdt", [X86_INSN_LIDT] = "lidt",
	[X86_INSN_SGDT] = "sgdt", [X86_INSN_SIDT] = "sidt", [X86_INSN_LLDT] = "lldt",
	[X86_INSN_LTR] = "ltr", [X86_INSN_SLDT] = "sldt", [X86_INSN_STR] = "str",
	[X86_INSN_CPUID] = "cpuid", [X86_INSN_RDMSR] = "rdmsr", [X86_INSN_WRMSR] = "wrmsr",
	[X86_INSN_RDTSC] = "rdtsc", [X86_INSN_RDTSCP] = "rdtscp", [X86_INSN_RDPMC] = "rdpmc",
	[X86_INSN_HLT] = "hlt", [X86_INSN_PAUSE] = "pause", [X86_INSN_INVLPG] = "invlpg",
	[X86_INSN_INVLPGA] = "invlpga", [X86_INSN_INVD] = "invd", [X86_INSN_WBINVD] = "wbinvd",
	[X86_INSN_INT3] = "int3", [X86_INSN_INT] = "int", [X86_INSN_INTO] = "into",
	[X86_INSN_ICEBP] = "icebp", [X86_INSN_IRET] = "iret", [X86_INSN_PUSHF] = "pushf",
	[X86_INSN_POPF] = "popf", [X86_INSN_RSM] = "rsm", [X86_INSN_MONITOR] = "monitor",
	[X86_INSN_MWAIT] = "mwait", [X86_INSN_XSETBV] = "xsetbv", [X86_INSN_VMRUN] = "vmrun",
	[X86_INSN_VMMCALL] = "vmmcall", [X86_INSN_VMLOAD] = "vmload", [X86_INSN_VMSAVE] = "vmsave",
	[X86_INSN_STGI] = "stgi", [X86_INSN_CLGI] = "clgi", [X86_INSN_SKINIT] = "skinit",
};

const char *x86_insn_kind_name(enum x86_insn_kind kind)
{
	if ((unsigned)kind >= X86_INSN_KIND_COUNT || !kind_names[kind])
		return "?";
	return kind_names[kind];
}
