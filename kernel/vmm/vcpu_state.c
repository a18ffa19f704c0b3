/* The vCPU state changes both back ends make alike (vcpu_state.h). */
#include "kernel/vmm/vcpu_state.h"

#include "kernel/arch/lapic.h"
#include "kernel/arch/percpu.h"
#include "kernel/arch/regs.h"
#include "kernel/arch/trap.h"
#include "kernel/vmm/svm.h"
#include "kernel/vmm/svm_exit.h"
#include "lib/common/string.h"

void vcpu_fpu_reset(uint8_t *fx)
{
	/* SDM vol. 3 §10.1.1 (x87 and SSE state after RESET/INIT): FCW 037Fh, MXCSR 1F80h,
	 * the rest zero; FXSAVE's layout puts FCW at byte 0 and MXCSR at byte 24. */
	memset(fx, 0, 512);
	fx[0] = 0x7f;
	fx[1] = 0x03;
	fx[24] = 0x80;
	fx[25] = 0x1f;
}

/*
 * The other side of the entry's order (svm_enter, vmx_enter): the entry
 * publishes guest_cpu, then looks at intr_pending with interrupts off; this
 * stores intr_pending, then looks at guest_cpu. Either the entry sees the
 * interrupt, or this sees the CPU and its IPI, held back until the guest
 * runs, ends the guest at once.
 */
long vcpu_inject_intr(struct vcpu *vcpu, const struct sietch_vcpu_event *e)
{
	if (e->type != SIETCH_EVENT_INTR || e->vector > 255 || e->vector < 16 || e->has_error)
		return -SIETCH_EINVAL;
	spin_lock(&vcpu->event_lock);
	bool busy = vcpu->intr_pending;
	if (!busy) {
		vcpu->intr_pending = true;
		vcpu->intr_vector = (uint8_t)e->vector;
	}
	spin_unlock(&vcpu->event_lock);
	if (busy)
		return -SIETCH_EBUSY;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	int32_t cpu = __atomic_load_n(&vcpu->guest_cpu, __ATOMIC_SEQ_CST);
	if (cpu >= 0)
		lapic_send_ipi(cpus[cpu].apic_id, VECTOR_IPI_WAKE);
	return 0;
}

void vcpu_inject_gp(struct vcpu *vcpu)
{
	vcpu->vmcb->control.eventinj = svm_evtinj(13, SVM_EVTINJ_TYPE_EXCEPTION, 1, 0);
}

void vcpu_efer_emulate(struct vcpu *vcpu, bool write, uint64_t allowed)
{
	struct vmcb_save *s = &vcpu->vmcb->save;
	if (!write) {
		uint64_t efer = svm_guest_efer(vcpu->vmcb);
		vcpu->gpr[SIETCH_RAX] = (uint32_t)efer;
		vcpu->gpr[SIETCH_RDX] = efer >> 32;
		s->rax = vcpu->gpr[SIETCH_RAX]; /* SVM's VMRUN loads RAX from here; VMX from gpr */
		s->rip += 2;
		return;
	}
	uint64_t value = (vcpu->gpr[SIETCH_RDX] << 32) | (uint32_t)vcpu->gpr[SIETCH_RAX];
	/* SVME stays set underneath (SVM needs it to run the guest) and LMA is the processor's. */
	if (value & ~(allowed & ~EFER_SVME)) {
		vcpu_inject_gp(vcpu);
		return;
	}
	s->efer = (value & ~EFER_LMA) | (s->efer & EFER_LMA) | EFER_SVME;
	s->rip += 2;
}
