/*
 * MMIO instructions carried out on a register file (see x86_mmio.h).
 */
#include "lib/common/x86_mmio.h"

/* RFLAGS.DF: string instructions step down (SDM vol.1 §3.4.3.3). */
#define X86_RFLAGS_DF (1ull << 10)

static uint64_t size_mask(unsigned size)
{
	return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

uint64_t x86_reg_read(const uint64_t regs[X86_GPR_COUNT], struct x86_reg_operand r,
		      unsigned size)
{
	if (r.high8)
		return (regs[r.reg] >> 8) & 0xff;
	return regs[r.reg] & size_mask(size);
}

void x86_reg_write(uint64_t regs[X86_GPR_COUNT], struct x86_reg_operand r, unsigned size,
		   uint64_t value)
{
	uint64_t *reg = &regs[r.reg];
	if (r.high8)
		*reg = (*reg & ~0xff00ull) | (value & 0xff) << 8;
	else if (size == 4)
		*reg = value & 0xffffffffull; /* vol.1 §3.4.1.1: zero-extended to 64 bits */
	else
		*reg = (*reg & ~size_mask(size)) | (value & size_mask(size));
}

int x86_mmio_access(const struct x86_insn *insn, const uint64_t regs[X86_GPR_COUNT],
		    struct x86_mmio *out)
{
	if (!insn->has_mem)
		return -1;
	*out = (struct x86_mmio){ .size = insn->opsize };
	switch (insn->kind) {
	case X86_INSN_MOV_LOAD:
	case X86_INSN_LODS:
		break;
	case X86_INSN_MOVZX:
	case X86_INSN_MOVSX:
		out->size = insn->src_size;
		break;
	case X86_INSN_MOV_STORE:
	case X86_INSN_STOS:
		out->write = true;
		out->value = x86_reg_read(regs, insn->reg, insn->opsize);
		break;
	case X86_INSN_MOV_STORE_IMM:
		out->write = true;
		out->value = insn->imm & size_mask(insn->opsize);
		break;
	default:
		return -1;
	}
	if ((insn->kind == X86_INSN_STOS || insn->kind == X86_INSN_LODS) &&
	    (insn->prefixes & (X86_PFX_REP | X86_PFX_REPNE)))
		return -1;
	return 0;
}

static uint64_t extend(uint64_t value, unsigned from, bool sign)
{
	value &= size_mask(from);
	if (sign && from < 8 && (value >> (8 * from - 1)) & 1)
		value |= ~size_mask(from);
	return value;
}

/* rDI/rSI += size (or -= with DF), in the address size: a 16-bit step
 * wraps within SI/DI, a 32-bit one zero-extends. */
static void step_index(const struct x86_insn *insn, uint64_t regs[X86_GPR_COUNT], int reg,
		       uint64_t rflags)
{
	uint64_t delta = (rflags & X86_RFLAGS_DF) ? (uint64_t)-(int64_t)insn->opsize : insn->opsize;
	struct x86_reg_operand r = { .reg = (int8_t)reg };
	x86_reg_write(regs, r, insn->addrsize, regs[reg] + delta);
}

void x86_mmio_complete(const struct x86_insn *insn, uint64_t regs[X86_GPR_COUNT],
		       uint64_t rflags, uint64_t value)
{
	switch (insn->kind) {
	case X86_INSN_MOV_LOAD:
		x86_reg_write(regs, insn->reg, insn->opsize, value);
		break;
	case X86_INSN_MOVZX:
	case X86_INSN_MOVSX:
		x86_reg_write(regs, insn->reg, insn->opsize,
			      extend(value, insn->src_size, insn->kind == X86_INSN_MOVSX));
		break;
	case X86_INSN_LODS:
		x86_reg_write(regs, insn->reg, insn->opsize, value);
		step_index(insn, regs, X86_RSI, rflags);
		break;
	case X86_INSN_STOS:
		step_index(insn, regs, X86_RDI, rflags);
		break;
	default:
		break;
	}
}
