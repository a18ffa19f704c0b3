/*
 * Guest control-register writes (see guest_cr.h).
 */
#include "kernel/vmm/guest_cr.h"

#include "kernel/vmm/svm.h"
#include "lib/common/x86_mem.h"

#define CR0_ET (1ull << 4)	      /* hardwired to 1 (SDM vol.3A §2.5) */
#define CR0_FLAGS 0xfull	      /* PE, MP, EM, TS: what LMSW loads */
#define CR3_PCID_NOFLUSH (1ull << 63) /* §4.10.4.1: bit 63 of a MOV to CR3 is not stored */
#define CR4_PGE (1ull << 7)
#define EXC_DF 8

/* MOV to CR0 (SDM vol.3A §2.5; §10.8.5 for entering and leaving long mode:
 * LMA follows PG while LME is set, and PG needs PAE then). */
static unsigned cr0_write(struct x86_paging *g, uint64_t value)
{
	value |= CR0_ET;
	if ((value >> 32) || ((value & X86_CR0_PG) && !(value & X86_CR0_PE)) ||
	    ((value & X86_CR0_NW) && !(value & X86_CR0_CD)))
		return GUEST_CR_GP;
	bool paging_on = (value & X86_CR0_PG) && !(g->cr0 & X86_CR0_PG);
	bool paging_off = !(value & X86_CR0_PG) && (g->cr0 & X86_CR0_PG);
	if (paging_on && (g->efer & X86_EFER_LME)) {
		if (!(g->cr4 & X86_CR4_PAE))
			return GUEST_CR_GP;
		g->efer |= X86_EFER_LMA;
	}
	if (paging_off)
		g->efer &= ~X86_EFER_LMA;
	g->cr0 = value;
	return 0;
}

static unsigned cr4_write(struct x86_paging *g, uint64_t value, uint64_t cr4_allowed)
{
	if (value & ~cr4_allowed)
		return GUEST_CR_GP;
	if ((g->efer & X86_EFER_LMA) && !(value & X86_CR4_PAE))
		return GUEST_CR_GP;						 /* §2.5: PAE cannot go off in long mode */
	unsigned effect = ((g->cr4 ^ value) & CR4_PGE) ? GUEST_CR_FLUSH_ALL : 0; /* §4.10.4.1 */
	g->cr4 = value;
	return effect;
}

unsigned guest_cr_write(struct x86_paging *g, unsigned cr, uint64_t value, uint64_t cr4_allowed)
{
	switch (cr) {
	case 0:
		return cr0_write(g, value);
	case 3:
		g->cr3 = value & ~CR3_PCID_NOFLUSH;
		return GUEST_CR_CR3_LOAD;
	case 4:
		return cr4_write(g, value, cr4_allowed);
	}
	return GUEST_CR_GP;
}

uint64_t guest_cr_read(const struct x86_paging *g, unsigned cr)
{
	return cr == 0 ? g->cr0 : cr == 3 ? g->cr3 :
					    g->cr4;
}

uint64_t guest_cr_lmsw(uint64_t cr0, uint64_t source)
{
	return (cr0 & ~(CR0_FLAGS & ~X86_CR0_PE)) | (source & CR0_FLAGS);
}

uint64_t guest_cr_linear(bool mode64, unsigned segment, uint64_t base, uint64_t offset)
{
	if (mode64)
		return (segment >= 4 ? base : 0) + offset; /* FS, GS */
	return (uint32_t)(base + offset);
}

uint64_t guest_cr_fault_event(uint64_t prior, const struct x86_fault *f, uint64_t *cr2)
{
	if ((prior & SVM_EVTINJ_VALID) && (prior & SVM_EVTINJ_TYPE_MASK) == SVM_EVTINJ_TYPE_EXCEPTION &&
	    (prior & SVM_EVTINJ_VECTOR_MASK) == X86_EXC_PF)
		return svm_evtinj(EXC_DF, SVM_EVTINJ_TYPE_EXCEPTION, true, 0);
	if (f->vector == X86_EXC_PF)
		*cr2 = f->address;
	return svm_evtinj(f->vector, SVM_EVTINJ_TYPE_EXCEPTION, f->vector == X86_EXC_PF || f->vector == X86_EXC_GP,
			  f->error_code);
}
