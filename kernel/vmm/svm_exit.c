/*
 * SVM exits and registers in the ABI's terms (see svm_exit.h).
 */
#include "kernel/vmm/svm_exit.h"

#include "lib/common/x86_decode.h"
#include "lib/common/x86_mmio.h"
#include "lib/common/x86_segment.h"
#include "lib/common/x86_walk.h"

_Static_assert((int)SIETCH_RAX == (int)X86_RAX && (int)SIETCH_R15 == (int)X86_R15 &&
		       (int)SIETCH_GPR_COUNT == (int)X86_GPR_COUNT,
	       "the ABI's register order is the decoder's");
_Static_assert(sizeof(struct sietch_vm_segment) == sizeof(struct x86_segment), "the ABI's segment is the VMCB's");

enum sietch_vm_exit_reason svm_exit_reason(const struct vmcb *v)
{
	uint64_t code = v->control.exitcode;
	switch (code) {
	case VMEXIT_INTR:
	case VMEXIT_SMI:
		return SIETCH_VM_EXIT_HOST_INTR;
	case VMEXIT_NMI:
		return SIETCH_VM_EXIT_HOST_NMI;
	case VMEXIT_VINTR:
		return SIETCH_VM_EXIT_HOST_VINTR;
	case VMEXIT_IOIO:
		return SIETCH_VM_EXIT_IO;
	case VMEXIT_NPF:
		return SIETCH_VM_EXIT_MMIO;
	case VMEXIT_CPUID:
		return SIETCH_VM_EXIT_CPUID;
	case VMEXIT_MSR:
		return (v->control.exitinfo1 & SVM_MSR_EXIT_WRITE) ? SIETCH_VM_EXIT_MSR_WRITE : SIETCH_VM_EXIT_MSR_READ;
	case VMEXIT_HLT:
		return SIETCH_VM_EXIT_HLT;
	case VMEXIT_SHUTDOWN:
		return SIETCH_VM_EXIT_SHUTDOWN;
	case VMEXIT_VMMCALL:
		return SIETCH_VM_EXIT_VMMCALL;
	case VMEXIT_INVALID:
		return SIETCH_VM_EXIT_INVALID;
	}
	return SIETCH_VM_EXIT_UNHANDLED;
}

/* EXITINFO1 of IOIO (§15.10.2, Figure 15-2) into the ABI's fields. */
static void fill_io(const struct vmcb *v, const uint64_t gpr[SIETCH_GPR_COUNT], struct sietch_vm_exit_io *io)
{
	uint64_t info = v->control.exitinfo1;
	io->port = svm_ioio_port(info);
	io->size = (uint8_t)svm_ioio_size(info);
	io->direction = svm_ioio_is_in(info) ? SIETCH_VM_IO_IN : SIETCH_VM_IO_OUT;
	io->string = (info & SVM_IOIO_STR) != 0;
	io->rep = (info & SVM_IOIO_REP) != 0;
	io->address_size = (info & SVM_IOIO_A64) ? 8 : (info & SVM_IOIO_A32) ? 4 : 2;
	io->segment = (uint8_t)((info & SVM_IOIO_SEG_MASK) >> SVM_IOIO_SEG_SHIFT);
	io->next_rip = v->control.exitinfo2; /* IOIO saves the next RIP even without NRIPS (§15.10.2) */
	if (io->direction == SIETCH_VM_IO_OUT && !io->string)
		io->value = gpr[SIETCH_RAX] & (io->size == 4 ? 0xffffffffull : io->size == 2 ? 0xffffull : 0xffull);
}

/* The parts of an exit record read from the guest's registers alone (CPUID's
 * leaf, an MSR's index and value): the same under SVM and VMX. */
void svm_exit_fill_from_gpr(const uint64_t gpr[SIETCH_GPR_COUNT], enum sietch_vm_exit_reason reason,
			    struct sietch_vm_exit *out)
{
	switch (reason) {
	case SIETCH_VM_EXIT_CPUID:
		out->cpuid.leaf = (uint32_t)gpr[SIETCH_RAX];
		out->cpuid.subleaf = (uint32_t)gpr[SIETCH_RCX];
		break;
	case SIETCH_VM_EXIT_MSR_READ:
	case SIETCH_VM_EXIT_MSR_WRITE:
		out->msr.index = (uint32_t)gpr[SIETCH_RCX];
		if (reason == SIETCH_VM_EXIT_MSR_WRITE)
			out->msr.value = (gpr[SIETCH_RDX] << 32) | (uint32_t)gpr[SIETCH_RAX];
		break;
	default:
		break;
	}
}

void svm_exit_fill_state(const struct vmcb *v, struct sietch_vm_exit *out)
{
	out->rip = v->save.rip;
	out->cr0 = v->save.cr0;
	out->cr3 = v->save.cr3;
	out->cr4 = v->save.cr4;
	out->efer = svm_guest_efer(v);
}

void svm_exit_fill(const struct vmcb *v, const uint64_t gpr[SIETCH_GPR_COUNT], enum sietch_vm_exit_reason reason,
		   uint32_t vcpu_index, struct sietch_vm_exit *out)
{
	*out = (struct sietch_vm_exit){
		.reason = reason,
		.vcpu = vcpu_index,
		.hw_code = v->control.exitcode,
		.hw_info1 = v->control.exitinfo1,
		.hw_info2 = v->control.exitinfo2,
		.hw_intinfo = v->control.exitintinfo,
	};
	svm_exit_fill_state(v, out);
	switch (reason) {
	case SIETCH_VM_EXIT_IO:
		fill_io(v, gpr, &out->io);
		break;
	case SIETCH_VM_EXIT_MMIO:
		/* §15.25.6: EXITINFO2 is the guest-physical address, EXITINFO1 a #PF error code. */
		out->mmio.gpa = v->control.exitinfo2;
		out->mmio.write = (v->control.exitinfo1 & SVM_NPF_W) != 0;
		out->mmio.fetch = (v->control.exitinfo1 & SVM_NPF_I) != 0;
		break;
	default:
		svm_exit_fill_from_gpr(gpr, reason, out);
		break;
	}
}

static enum x86_cpu_mode guest_mode(const struct vmcb *v)
{
	struct x86_seg_cpu cpu = x86_seg_cpu_of(v->save.cpl, v->save.cr0, v->save.efer, v->save.rflags,
						v->save.cs.attr);
	return x86_cpu_mode_of(cpu.real_mode, cpu.code64, v->save.cs.attr);
}

void svm_exit_mmio_decode(const struct vmcb *v, const uint64_t gpr[SIETCH_GPR_COUNT], struct sietch_vm_exit *out)
{
	struct x86_insn insn;
	struct x86_mmio access;
	out->mmio.size = 0;
	out->mmio.decoded_len = 0;
	if (out->mmio.insn_len == 0 || x86_decode(out->mmio.insn, out->mmio.insn_len, guest_mode(v), &insn) != 0)
		return;
	if (x86_mmio_access(&insn, gpr, &access) != 0)
		return;
	out->mmio.size = access.size;
	out->mmio.decoded_len = insn.len;
	out->mmio.write = access.write;
	out->mmio.value = access.write ? access.value : 0;
}

void svm_guest_paging(const struct vmcb *v, struct x86_paging *pg)
{
	*pg = (struct x86_paging){
		.cr0 = v->save.cr0,
		.cr3 = v->save.cr3,
		.cr4 = v->save.cr4,
		.efer = v->save.efer,
		.maxphyaddr = 0,
		.page_1g = true,
		.pdptes = NULL,
	};
}

bool svm_guest_interruptible(const struct vmcb *v)
{
	return (v->save.rflags & (1ull << 9)) && !(v->control.interrupt_shadow & SVM_INT_SHADOW) &&
	       !(v->control.eventinj & SVM_EVTINJ_VALID);
}

void svm_regs_get(const struct vmcb *v, const uint64_t gpr[SIETCH_GPR_COUNT], struct sietch_vcpu_regs *out)
{
	for (int i = 0; i < SIETCH_GPR_COUNT; i++)
		out->gpr[i] = gpr[i];
	out->gpr[SIETCH_RAX] = v->save.rax;
	out->gpr[SIETCH_RSP] = v->save.rsp;
	out->rip = v->save.rip;
	out->rflags = v->save.rflags;
}

/* RFLAGS bit 1 is always 1 and bits 63:22, 15, 5, 3 are reserved zero (SDM vol.1 §3.4.3). */
#define RFLAGS_FIXED1 (1ull << 1)
#define RFLAGS_WRITABLE 0x3f7fd5ull

/*
 * A new RIP means the VMM completed the instruction at the old one (HLT,
 * an MMIO access, an OUT) or sent the guest elsewhere. An STI or MOV SS
 * shadow covers only the one instruction after it (AMD APM vol.2 §15.21.5,
 * Intel SDM vol.3 §6.8.3), so it ends there; the processor clears it when
 * it retires that instruction, and the VMM's emulation must too, as KVM's
 * skip of an emulated instruction does. Kept, the shadow would cover the
 * next instruction as well: after `sti; hlt; cli`, the guest's idle loop,
 * the CLI, so an interrupt waiting for that HLT is never taken.
 */
void svm_regs_set(struct vmcb *v, uint64_t gpr[SIETCH_GPR_COUNT], const struct sietch_vcpu_regs *in)
{
	if (in->rip != v->save.rip)
		v->control.interrupt_shadow &= ~SVM_INT_SHADOW;
	for (int i = 0; i < SIETCH_GPR_COUNT; i++)
		gpr[i] = in->gpr[i];
	v->save.rax = in->gpr[SIETCH_RAX];
	v->save.rsp = in->gpr[SIETCH_RSP];
	v->save.rip = in->rip;
	v->save.rflags = (in->rflags & RFLAGS_WRITABLE) | RFLAGS_FIXED1;
}

static void seg_out(const struct x86_segment *s, struct sietch_vm_segment *o)
{
	*o = (struct sietch_vm_segment){ .selector = s->selector, .attr = s->attr, .limit = s->limit, .base = s->base };
}

static void seg_in(struct x86_segment *s, const struct sietch_vm_segment *o)
{
	*s = (struct x86_segment){ .selector = o->selector, .attr = o->attr & 0xfff, .limit = o->limit, .base = o->base };
}

void svm_sregs_get(const struct vmcb *v, struct sietch_vcpu_sregs *out)
{
	const struct vmcb_save *s = &v->save;
	seg_out(&s->es, &out->es);
	seg_out(&s->cs, &out->cs);
	seg_out(&s->ss, &out->ss);
	seg_out(&s->ds, &out->ds);
	seg_out(&s->fs, &out->fs);
	seg_out(&s->gs, &out->gs);
	seg_out(&s->ldtr, &out->ldtr);
	seg_out(&s->tr, &out->tr);
	seg_out(&s->gdtr, &out->gdtr);
	seg_out(&s->idtr, &out->idtr);
	out->cr0 = s->cr0;
	out->cr2 = s->cr2;
	out->cr3 = s->cr3;
	out->cr4 = s->cr4;
	out->efer = svm_guest_efer(v);
	out->dr6 = s->dr6;
	out->dr7 = s->dr7;
	out->star = s->star;
	out->lstar = s->lstar;
	out->cstar = s->cstar;
	out->sfmask = s->sfmask;
	out->kernel_gs_base = s->kernel_gs_base;
	out->sysenter_cs = s->sysenter_cs;
	out->sysenter_esp = s->sysenter_esp;
	out->sysenter_eip = s->sysenter_eip;
	out->pat = s->g_pat;
	out->cpl = s->cpl;
	out->interrupt_shadow = (v->control.interrupt_shadow & SVM_INT_SHADOW) ? 1 : 0;
}

void svm_sregs_set(struct vmcb *v, const struct sietch_vcpu_sregs *in)
{
	struct vmcb_save *s = &v->save;
	seg_in(&s->es, &in->es);
	seg_in(&s->cs, &in->cs);
	seg_in(&s->ss, &in->ss);
	seg_in(&s->ds, &in->ds);
	seg_in(&s->fs, &in->fs);
	seg_in(&s->gs, &in->gs);
	seg_in(&s->ldtr, &in->ldtr);
	seg_in(&s->tr, &in->tr);
	seg_in(&s->gdtr, &in->gdtr);
	seg_in(&s->idtr, &in->idtr);
	s->cr0 = in->cr0;
	s->cr2 = in->cr2;
	s->cr3 = in->cr3;
	s->cr4 = in->cr4;
	s->efer = in->efer | X86_EFER_SVME;
	s->dr6 = in->dr6;
	s->dr7 = in->dr7;
	s->star = in->star;
	s->lstar = in->lstar;
	s->cstar = in->cstar;
	s->sfmask = in->sfmask;
	s->kernel_gs_base = in->kernel_gs_base;
	s->sysenter_cs = in->sysenter_cs;
	s->sysenter_esp = in->sysenter_esp;
	s->sysenter_eip = in->sysenter_eip;
	s->g_pat = in->pat;
	/* §15.5.1: the CPL is the VMCB's own field; the processor's rule is SS.DPL, 0 in real mode. */
	s->cpl = (in->cr0 & X86_CR0_PE) ? (uint8_t)((in->ss.attr & X86_SEG_DPL_MASK) >> X86_SEG_DPL_SHIFT) : 0;
	if (in->interrupt_shadow)
		v->control.interrupt_shadow |= SVM_INT_SHADOW;
	else
		v->control.interrupt_shadow &= ~SVM_INT_SHADOW;
}
