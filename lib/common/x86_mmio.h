/*
 * Carrying out a decoded instruction that touched MMIO: what it writes, and
 * how a value read from the device lands in the guest's registers (the
 * partial-register rules of Intel SDM vol.1 §3.4.1.1). The VMM knows the
 * guest-physical address from the nested page fault; this supplies the
 * direction, the width, the value and the register update.
 *
 * Handled: MOV loads and stores (register, immediate, moffs), MOVZX,
 * MOVSX/MOVSXD, and STOS/LODS without a REP prefix. Anything else (REP
 * string moves, read-modify-write instructions) is refused; the caller ends
 * the guest with a report.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "lib/common/x86_decode.h"

struct x86_mmio {
	bool write;
	uint8_t size;   /* bytes: 1, 2, 4 or 8 */
	uint64_t value; /* for a write: the bytes to store, zero-extended */
};

/* What insn does to its memory operand, given the guest's registers.
 * 0, or -1 if insn is not one this file carries out. */
int x86_mmio_access(const struct x86_insn *insn, const uint64_t regs[X86_GPR_COUNT],
		    struct x86_mmio *out);

/* Finishes insn after its access: a load puts value (size bytes read) into
 * the destination register, with zero or sign extension as the instruction
 * says; STOS and LODS step rDI/rSI by the operand size, down when rflags has
 * DF. RIP is the caller's to advance by insn->len. */
void x86_mmio_complete(const struct x86_insn *insn, uint64_t regs[X86_GPR_COUNT],
		       uint64_t rflags, uint64_t value);

/* Reads and writes a register operand of size bytes with the x86 rules: a
 * 32-bit write clears bits 63:32, 8- and 16-bit writes keep the rest, AH..BH
 * are bits 15:8. */
uint64_t x86_reg_read(const uint64_t regs[X86_GPR_COUNT], struct x86_reg_operand r,
		      unsigned size);
void x86_reg_write(uint64_t regs[X86_GPR_COUNT], struct x86_reg_operand r, unsigned size,
		   uint64_t value);
