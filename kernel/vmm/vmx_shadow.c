/*
 * Shadow paging under VMX (see vmx_shadow.h and kernel/shadowpt/shadowpt.h).
 *
 * Unlike SVM under TCG, VMX says what each exit was about: the CR-access
 * qualification names the register and the instruction (vmx.c emulates
 * those with guest_cr.c, as SVM does), INVLPG's qualification is its linear
 * address, and a #PF exit gives the address and the error code. Nothing is
 * fetched or decoded here.
 */
#include "kernel/vmm/vmx_shadow.h"

#include <stddef.h>

#include "kernel/shadowpt/shadow_vcpu.h"
#include "kernel/vmm/guest_cr.h"
#include "kernel/vmm/svm_exit.h"
#include "lib/common/pt.h"

#define RFLAGS_AC (1ull << 18) /* SDM vol.1 §3.4.3.3: lets a supervisor access through SMAP */
/* EPT-violation qualification bits (§28.2.1, Table 28-7): what vmx_exit_fill reads. */
#define EPT_QUAL_READ (1u << 0)
#define EPT_QUAL_WRITE (1u << 1)
#define EPT_QUAL_FETCH (1u << 2)

int vmx_shadow_init(struct vcpu *vcpu)
{
	vcpu->shadow = shadow_vcpu_create(&pt_format_ept, vcpu->vm->npt.root);
	return vcpu->shadow ? 0 : -SIETCH_ENOMEM;
}

void vmx_shadow_free(struct vcpu *vcpu)
{
	shadow_vcpu_report(vcpu->shadow, vcpu->vm->id, vcpu->index);
	shadow_vcpu_destroy(vcpu->shadow);
	vcpu->shadow = NULL;
}

int vmx_shadow_enter(struct vcpu *vcpu, struct x86_paging *hw)
{
	struct x86_paging guest;
	svm_guest_paging(vcpu->vmcb, &guest);
	guest.efer &= ~X86_EFER_SVME; /* the image's own mark, no bit of the guest's */
	if (shadow_vcpu_enter(vcpu->shadow, __atomic_load_n(&vcpu->vm->npt_generation, __ATOMIC_SEQ_CST), &guest,
			      hw) != 0)
		return -SIETCH_ENOMEM;
	return 0;
}

bool vmx_shadow_take_flush(struct vcpu *vcpu) { return shadow_vcpu_take_flush(vcpu->shadow); }

bool vmx_shadow_page_fault(struct vcpu *vcpu, struct vmx_exit_info *exit, enum sietch_vm_exit_reason *reason)
{
	struct vmcb *v = vcpu->vmcb;
	struct shadow_fault f;
	unsigned extra = (v->save.rflags & RFLAGS_AC) ? X86_ACCESS_SMAP_EXEMPT : 0;
	switch (shadow_page_fault(&vcpu->shadow->engine, exit->qualification, exit->error_code, extra, &f)) {
	case SHADOW_FIXED:
		*reason = SIETCH_VM_EXIT_HOST_SHADOW_FILL;
		return true;
	case SHADOW_GUEST_FAULT:
		/* v->control.eventinj is the event the exit cut short, if any (vmx.c re-injects it). */
		v->control.eventinj = guest_cr_fault_event(v->control.eventinj, &f.fault, &v->save.cr2);
		*reason = SIETCH_VM_EXIT_HOST_GUEST_PF;
		return true;
	case SHADOW_MMIO:
		/* The VMM gets what EPT would have given it. */
		exit->reason = VMX_EXIT_EPT_VIOLATION;
		exit->qualification = f.write ? EPT_QUAL_WRITE : f.fetch ? EPT_QUAL_FETCH :
									   EPT_QUAL_READ;
		exit->gpa = f.gpa;
		*reason = SIETCH_VM_EXIT_MMIO;
		return false;
	case SHADOW_NO_MEMORY:
		break;
	}
	*reason = SIETCH_VM_EXIT_INVALID;
	return false;
}

void vmx_shadow_invlpg(struct vcpu *vcpu, uint64_t linear) { shadow_invlpg(&vcpu->shadow->engine, linear); }
