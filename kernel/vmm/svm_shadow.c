/*
 * Shadow paging under SVM (see svm_shadow.h and kernel/shadowpt/shadowpt.h).
 *
 * TCG's SVM has no decode assists (AMD APM vol.2 §15.33), so the CR and
 * INVLPG intercepts say nothing about operands: the instruction at RIP is
 * fetched through the guest's own paging and decoded (lib/common/x86_decode).
 */
#include "kernel/vmm/svm_shadow.h"

#include <stddef.h>

#include "kernel/shadowpt/shadow_vcpu.h"
#include "kernel/vmm/guest_cr.h"
#include "lib/common/x86_decode.h"
#include "lib/common/x86_segment.h"
#include "lib/common/x86_walk.h"
#include "kernel/vmm/svm_exit.h"
#include "kernel/vmm/vcpu_state.h"

/* The intercepts (Table B-1: intercept_cr bits 15:0 reads, 31:16 writes of
 * CRn; exception bit 14 is #PF, §15.12). */
#define CR_BITS ((1u << 0) | (1u << 3) | (1u << 4))
#define SHADOW_INTERCEPT_CR (CR_BITS | CR_BITS << 16)
#define RFLAGS_AC (1ull << 18) /* SDM vol.1 §3.4.3.3 */
#define CR0_TS (1ull << 3)

int svm_shadow_init(struct vcpu *vcpu)
{
	vcpu->shadow = shadow_vcpu_create(&pt_format_npt, vcpu->vm->npt.root);
	if (!vcpu->shadow)
		return -SIETCH_ENOMEM;
	struct vmcb_control *c = &vcpu->vmcb->control;
	c->nested_ctl &= ~SVM_NESTED_NP_ENABLE;
	c->ncr3 = 0;
	c->intercept_cr |= SHADOW_INTERCEPT_CR;
	c->intercept_exceptions |= 1u << X86_EXC_PF;
	c->intercept_misc1 |= SVM_MISC1_INVLPG;
	return 0;
}

void svm_shadow_free(struct vcpu *vcpu)
{
	shadow_vcpu_report(vcpu->shadow, vcpu->vm->id, vcpu->index);
	shadow_vcpu_destroy(vcpu->shadow);
	vcpu->shadow = NULL;
}

int svm_shadow_enter(struct vcpu *vcpu)
{
	struct vmcb_save *s = &vcpu->vmcb->save;
	struct x86_paging guest, hw;
	svm_guest_paging(vcpu->vmcb, &guest);
	if (shadow_vcpu_enter(vcpu->shadow, __atomic_load_n(&vcpu->vm->npt_generation, __ATOMIC_SEQ_CST), &guest,
			      &hw) != 0)
		return -SIETCH_ENOMEM;
	s->cr0 = hw.cr0;
	s->cr3 = hw.cr3;
	s->cr4 = hw.cr4;
	s->efer = hw.efer; /* SVME is the guest's copy's: kept */
	return 0;
}

void svm_shadow_left(struct vcpu *vcpu)
{
	struct vmcb_save *s = &vcpu->vmcb->save;
	const struct x86_paging *g = &vcpu->shadow->saved;
	s->cr0 = g->cr0;
	s->cr3 = g->cr3;
	s->cr4 = g->cr4;
	s->efer = g->efer;
}

bool svm_shadow_take_flush(struct vcpu *vcpu) { return shadow_vcpu_take_flush(vcpu->shadow); }

/* ---- faults ---- */

static void inject(struct vcpu *vcpu, uint8_t vector, bool has_error, uint32_t error)
{
	vcpu->vmcb->control.eventinj = svm_evtinj(vector, SVM_EVTINJ_TYPE_EXCEPTION, has_error, error);
}

/* The guest's own fault goes to the guest, CR2 first. */
static void reflect(struct vcpu *vcpu, const struct x86_fault *f)
{
	struct vmcb *v = vcpu->vmcb;
	v->control.eventinj = guest_cr_fault_event(v->control.exitintinfo, f, &v->save.cr2);
}

static bool page_fault(struct vcpu *vcpu, enum sietch_vm_exit_reason *reason)
{
	struct vmcb *v = vcpu->vmcb;
	struct shadow_fault f;
	unsigned extra = (v->save.rflags & RFLAGS_AC) ? X86_ACCESS_SMAP_EXEMPT : 0;
	/* §15.12: EXITINFO1 is the #PF error code, EXITINFO2 the faulting address. */
	switch (shadow_page_fault(&vcpu->shadow->engine, v->control.exitinfo2, (uint32_t)v->control.exitinfo1, extra,
				  &f)) {
	case SHADOW_FIXED:
		*reason = SIETCH_VM_EXIT_HOST_SHADOW_FILL;
		return true;
	case SHADOW_GUEST_FAULT:
		reflect(vcpu, &f.fault);
		*reason = SIETCH_VM_EXIT_HOST_GUEST_PF;
		return true;
	case SHADOW_MMIO:
		/* The VMM gets what a nested page fault would have given it (§15.25.6). */
		v->control.exitcode = VMEXIT_NPF;
		v->control.exitinfo1 = SVM_NPF_FINAL_GPA | SVM_NPF_U | (f.write ? SVM_NPF_W : 0) | (f.fetch ? SVM_NPF_I : 0);
		v->control.exitinfo2 = f.gpa;
		*reason = SIETCH_VM_EXIT_MMIO;
		return false;
	case SHADOW_NO_MEMORY:
		break;
	}
	*reason = SIETCH_VM_EXIT_INVALID;
	return false;
}

/* ---- CR and INVLPG instructions ---- */

static enum x86_cpu_mode guest_mode(const struct vmcb *v)
{
	struct x86_seg_cpu cpu = x86_seg_cpu_of(v->save.cpl, v->save.cr0, v->save.efer, v->save.rflags,
						v->save.cs.attr);
	return x86_cpu_mode_of(cpu.real_mode, cpu.code64, v->save.cs.attr);
}

static int fetch_decode(struct vcpu *vcpu, enum x86_cpu_mode mode, struct x86_insn *insn)
{
	struct x86_paged_mem linear;
	struct x86_mem lin_mem;
	uint64_t rip = vcpu_fetch_view(vcpu->vmcb, &vcpu->shadow->guest_phys, &linear, &lin_mem);
	return x86_fetch_decode(&lin_mem, rip, mode, insn);
}

/* The general register of a MOV CR's r/m field: always a register, whatever
 * ModRM.mod says (SDM vol.2 "MOV—Move to/from Control Registers"). */
static unsigned cr_gpr(const struct x86_insn *insn)
{
	return (insn->modrm & 7u) | ((insn->rex & 1u) << 3);
}

static void gpr_set(struct vcpu *vcpu, unsigned reg, uint64_t value)
{
	vcpu->gpr[reg] = value;
	if (reg == SIETCH_RAX)
		vcpu->vmcb->save.rax = value;
	else if (reg == SIETCH_RSP)
		vcpu->vmcb->save.rsp = value;
}

/* A CR write on the guest's registers in the VMCB; false: #GP. */
static bool cr_write(struct vcpu *vcpu, unsigned cr, uint64_t value)
{
	struct vmcb_save *s = &vcpu->vmcb->save;
	struct x86_paging g;
	svm_guest_paging(vcpu->vmcb, &g);
	unsigned effects = guest_cr_write(&g, cr, value, ~0ull); /* reserved CR4 bits: VMRUN refuses them */
	if (effects & GUEST_CR_GP)
		return false;
	s->cr0 = g.cr0;
	s->cr3 = g.cr3;
	s->cr4 = g.cr4;
	s->efer = g.efer;
	shadow_vcpu_cr_written(vcpu->shadow, effects & GUEST_CR_CR3_LOAD, effects & GUEST_CR_FLUSH_ALL);
	return true;
}

/* INVLPG m: the linear address of its operand (segment bases count but in
 * 64-bit mode, where only FS and GS have one, SDM vol.3A §3.4.4). */
static uint64_t invlpg_address(struct vcpu *vcpu, enum x86_cpu_mode mode, const struct x86_insn *insn)
{
	const struct vmcb_save *s = &vcpu->vmcb->save;
	const struct x86_segment *segs[6] = { &s->es, &s->cs, &s->ss, &s->ds, &s->fs, &s->gs };
	uint64_t offset = x86_insn_mem_offset(insn, vcpu->gpr, s->rip + insn->len);
	uint8_t seg = insn->mem.seg < 6 ? insn->mem.seg : 3;
	return guest_cr_linear(mode == X86_MODE_64, seg, segs[seg]->base, offset);
}

/* Carries out the CR access or INVLPG at RIP; false when it is not one this
 * emulates (the VMM gets the exit). */
static bool emulate(struct vcpu *vcpu, enum sietch_vm_exit_reason *reason)
{
	struct vmcb_save *s = &vcpu->vmcb->save;
	enum x86_cpu_mode mode = guest_mode(vcpu->vmcb);
	uint64_t width = mode == X86_MODE_64 ? ~0ull : 0xffffffffull;
	struct x86_insn insn;
	if (fetch_decode(vcpu, mode, &insn) != 0)
		return false;
	bool ok = true;
	*reason = SIETCH_VM_EXIT_HOST_CR;
	switch (insn.kind) {
	case X86_INSN_MOV_TO_CR:
		if (insn.ctrl_reg == 3)
			*reason = SIETCH_VM_EXIT_HOST_CR3;
		ok = cr_write(vcpu, insn.ctrl_reg, vcpu->gpr[cr_gpr(&insn)] & width);
		break;
	case X86_INSN_MOV_FROM_CR: {
		/* CR2 is not intercepted, yet QEMU 10's TCG was seen exiting on a MOV from CR2 (in the
		 * guest's page-fault report) with the CR0-read code: the instruction decides, as always here. */
		if (insn.ctrl_reg > 4 || insn.ctrl_reg == 1)
			return false;
		if (insn.ctrl_reg == 3)
			*reason = SIETCH_VM_EXIT_HOST_CR3;
		uint64_t value = s->cr2;
		if (insn.ctrl_reg != 2) {
			struct x86_paging g;
			svm_guest_paging(vcpu->vmcb, &g);
			value = guest_cr_read(&g, insn.ctrl_reg);
		}
		gpr_set(vcpu, cr_gpr(&insn), value & width);
		break;
	}
	case X86_INSN_CLTS:
		s->cr0 &= ~CR0_TS;
		break;
	case X86_INSN_LMSW: /* bits 3:0 only; PE can be set, not cleared (SDM vol.2 "LMSW") */
		if (!insn.has_rm_reg)
			return false;
		ok = cr_write(vcpu, 0, guest_cr_lmsw(s->cr0, vcpu->gpr[insn.rm.reg]));
		break;
	case X86_INSN_SMSW:
		if (!insn.has_rm_reg)
			return false;
		gpr_set(vcpu, (unsigned)insn.rm.reg,
			insn.opsize == 2 ? (vcpu->gpr[insn.rm.reg] & ~0xffffull) | (s->cr0 & 0xffff) : (uint32_t)s->cr0);
		break;
	case X86_INSN_INVLPG:
		if (!insn.has_mem)
			return false;
		shadow_invlpg(&vcpu->shadow->engine, invlpg_address(vcpu, mode, &insn));
		*reason = SIETCH_VM_EXIT_HOST_INVLPG;
		break;
	default:
		return false;
	}
	if (!ok) {
		inject(vcpu, X86_EXC_GP, true, 0);
		return true;
	}
	s->rip += insn.len;
	if (mode != X86_MODE_64)
		s->rip &= 0xffffffffull;
	return true;
}

bool svm_shadow_exit(struct vcpu *vcpu, enum sietch_vm_exit_reason *reason)
{
	uint64_t code = vcpu->vmcb->control.exitcode;
	if (code == VMEXIT_EXCEPTION(X86_EXC_PF))
		return page_fault(vcpu, reason);
	if (code == VMEXIT_INVLPG || code < VMEXIT_CR_WRITE(16))
		return emulate(vcpu, reason);
	return false;
}
