/*
 * SVM permission maps and VMRUN's consistency checks (see svm_vmcb.h).
 */
#include "kernel/vmm/svm_vmcb.h"

#include "lib/common/x86_walk.h"

/* §15.11, Table 15-5: three ranges of 8192 MSRs, 2 KiB of map each, two
 * bits per MSR (even: read, odd: write). */
static const struct {
	uint32_t first;
	uint32_t offset;
} msr_ranges[3] = {
	{ 0x00000000u, 0x0000 },
	{ 0xc0000000u, 0x0800 },
	{ 0xc0010000u, 0x1000 },
};
#define MSR_RANGE_COUNT 0x2000u

/* The bit number of msr's read bit in the map, or -1. */
static int64_t msr_bit(uint32_t msr)
{
	for (unsigned i = 0; i < 3; i++) {
		if (msr - msr_ranges[i].first < MSR_RANGE_COUNT)
			return (int64_t)msr_ranges[i].offset * 8 + 2 * (int64_t)(msr - msr_ranges[i].first);
	}
	return -1;
}

static void bit_assign(uint8_t *map, uint64_t bit, bool value)
{
	if (value)
		map[bit / 8] |= (uint8_t)(1u << (bit % 8));
	else
		map[bit / 8] &= (uint8_t)~(1u << (bit % 8));
}

static bool bit_test(const uint8_t *map, uint64_t bit)
{
	return (map[bit / 8] >> (bit % 8)) & 1;
}

int svm_msrpm_set(uint8_t *msrpm, uint32_t msr, bool intercept_read, bool intercept_write)
{
	int64_t bit = msr_bit(msr);
	if (bit < 0)
		return -1;
	bit_assign(msrpm, (uint64_t)bit, intercept_read);
	bit_assign(msrpm, (uint64_t)bit + 1, intercept_write);
	return 0;
}

bool svm_msrpm_intercepts(const uint8_t *msrpm, uint32_t msr, bool write)
{
	int64_t bit = msr_bit(msr);
	return bit < 0 || bit_test(msrpm, (uint64_t)bit + (write ? 1 : 0));
}

void svm_iopm_set(uint8_t *iopm, uint16_t port, unsigned size, bool intercept)
{
	for (unsigned i = 0; i < size; i++)
		bit_assign(iopm, (uint64_t)port + i, intercept);
}

bool svm_iopm_intercepts(const uint8_t *iopm, uint16_t port, unsigned size)
{
	for (unsigned i = 0; i < size; i++) {
		if (bit_test(iopm, (uint64_t)port + i))
			return true;
	}
	return false;
}

/* §15.20: types 1, 5, 6, 7 are reserved; an exception cannot be NMI's
 * vector 2 or above the architectural 0..30 (TCG refuses 31 as well). */
static bool eventinj_legal(uint64_t e)
{
	if (!(e & SVM_EVTINJ_VALID))
		return true;
	uint64_t type = e & SVM_EVTINJ_TYPE_MASK;
	unsigned vector = (unsigned)(e & SVM_EVTINJ_VECTOR_MASK);
	if (type == SVM_EVTINJ_TYPE_EXCEPTION)
		return vector != 2 && vector < 31;
	return type == SVM_EVTINJ_TYPE_INTR || type == SVM_EVTINJ_TYPE_NMI ||
	       type == SVM_EVTINJ_TYPE_SOFT_INT;
}

static bool map_fits(uint64_t base, uint64_t size, unsigned maxphyaddr)
{
	return base + size <= (1ull << maxphyaddr) && base + size > base;
}

/* The guest's control registers and EFER (§15.5.1, the first checks). */
static const char *check_registers(const struct vmcb_save *s, const struct svm_limits *lim)
{
	bool lme_pg = (s->efer & X86_EFER_LME) && (s->cr0 & X86_CR0_PG);
	if (!(s->efer & X86_EFER_SVME))
		return "EFER.SVME is clear";
	if (!(s->cr0 & X86_CR0_CD) && (s->cr0 & X86_CR0_NW))
		return "CR0.NW set without CR0.CD";
	if (s->cr0 >> 32)
		return "CR0[63:32] not zero";
	if (lme_pg ? (s->cr3 >> lim->maxphyaddr) != 0 : (s->cr3 >> 32) != 0)
		return "a must-be-zero bit of CR3 is set";
	if (s->cr4 & ~lim->cr4_allowed)
		return "a must-be-zero bit of CR4 is set";
	if ((s->dr6 >> 32) || (s->dr7 >> 32))
		return "DR6 or DR7 bits 63:32 not zero";
	if (s->efer & ~lim->efer_allowed)
		return "a must-be-zero bit of EFER is set";
	if ((s->efer & (X86_EFER_LME | X86_EFER_LMA)) && !lim->long_mode)
		return "EFER.LME/LMA without long mode";
	if (lme_pg && !(s->cr4 & X86_CR4_PAE))
		return "EFER.LME and CR0.PG without CR4.PAE";
	if (lme_pg && !(s->cr0 & X86_CR0_PE))
		return "EFER.LME and CR0.PG without CR0.PE";
	if (lme_pg && (s->cr4 & X86_CR4_PAE) && (s->cs.attr & X86_SEG_L) && (s->cs.attr & X86_SEG_DB))
		return "CS.L and CS.D both set in long mode";
	return NULL;
}

const char *svm_vmcb_check(const struct vmcb *v, const struct svm_limits *lim)
{
	const struct vmcb_control *c = &v->control;
	const char *why = check_registers(&v->save, lim);
	if (why)
		return why;
	if (!(c->intercept_misc2 & SVM_MISC2_VMRUN))
		return "the VMRUN intercept is clear";
	if (!map_fits(c->iopm_base_pa, SVM_IOPM_SIZE, lim->maxphyaddr) ||
	    !map_fits(c->msrpm_base_pa, SVM_MSRPM_SIZE, lim->maxphyaddr))
		return "a permission map extends beyond physical memory";
	if (!eventinj_legal(c->eventinj))
		return "illegal event injection";
	if (c->guest_asid == 0)
		return "ASID 0 is the host's";
	return NULL;
}
