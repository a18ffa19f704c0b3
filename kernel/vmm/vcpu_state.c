/* The vCPU state changes both back ends make alike (vcpu_state.h). */
#include <stddef.h>

#include "kernel/vmm/vcpu_state.h"

#include "kernel/arch/lapic.h"
#include "kernel/arch/percpu.h"
#include "kernel/arch/regs.h"
#include "kernel/arch/trap.h"
#include "kernel/mm/heap.h"
#include "kernel/vmm/svm.h"
#include "kernel/vmm/svm_exit.h"
#include "lib/common/string.h"
#include "lib/common/x86_walk.h"

static void fpu_reset(uint8_t *fx)
{
	/* SDM vol. 3 §10.1.1 (x87 and SSE state after RESET/INIT): FCW 037Fh, MXCSR 1F80h,
	 * the rest zero; FXSAVE's layout (vol. 1 §10.5.1) puts FCW at byte 0 and MXCSR at byte 24. */
	memset(fx, 0, 512);
	fx[0] = 0x7f;
	fx[1] = 0x03;
	fx[24] = 0x80;
	fx[25] = 0x1f;
}

static uint64_t vcpu_serial; /* the last serial number given out; 0 is no vCPU's */

void vcpu_state_init(struct vcpu *vcpu)
{
	fpu_reset(vcpu->guest_fpu);
	vcpu->last_cpu = -1;
	vcpu->guest_cpu = -1;
	vcpu->event_lock = (struct spinlock)SPINLOCK_INIT("vcpu_events");
	vcpu->serial = __atomic_add_fetch(&vcpu_serial, 1, __ATOMIC_RELAXED);
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

enum vcpu_window vcpu_events_prepare(struct vcpu *vcpu)
{
	struct vmcb_control *c = &vcpu->vmcb->control;
	bool ready = svm_guest_interruptible(vcpu->vmcb), injected = false;
	spin_lock(&vcpu->event_lock);
	if (vcpu->intr_pending && ready) {
		c->eventinj = svm_evtinj(vcpu->intr_vector, SVM_EVTINJ_TYPE_INTR, 0, 0);
		vcpu->intr_pending = false;
		injected = true;
		ready = false;
	}
	bool pending = vcpu->intr_pending;
	spin_unlock(&vcpu->event_lock);
	if (injected)
		vm_count_add(vcpu, offsetof(struct sietch_vm_counters, injected), 1);
	if (!pending && !vcpu->window_wanted)
		return VCPU_WINDOW_NONE;
	if (!pending && ready)
		return VCPU_WINDOW_OPEN;
	return VCPU_WINDOW_ARM;
}

bool vcpu_tlb_stale(struct vcpu *vcpu, uint64_t *cpu_last_serial, uint32_t cpu)
{
	uint64_t generation = __atomic_load_n(&vcpu->vm->npt_generation, __ATOMIC_SEQ_CST);
	bool stale = *cpu_last_serial != vcpu->serial || vcpu->last_cpu != (int32_t)cpu ||
		     vcpu->npt_generation != generation;
	*cpu_last_serial = vcpu->serial;
	vcpu->last_cpu = (int32_t)cpu;
	vcpu->npt_generation = generation;
	return stale;
}

uint64_t vcpu_fetch_view(const struct vmcb *v, const struct x86_mem *gpa_mem, struct x86_paged_mem *linear,
			 struct x86_mem *lin_mem)
{
	struct x86_paging pg;
	svm_guest_paging(v, &pg);
	unsigned access = X86_ACCESS_FETCH | X86_ACCESS_NO_AD | (v->save.cpl == 3 ? X86_ACCESS_USER : 0);
	x86_linear_mem_init(linear, lin_mem, gpa_mem, &pg, access);
	bool code64 = (v->save.efer & EFER_LMA) && (v->save.cs.attr & X86_SEG_L);
	return code64 ? v->save.rip : (uint32_t)(v->save.cs.base + v->save.rip);
}

void vcpu_fetch_instruction(struct vcpu *vcpu, const struct x86_mem *gpa_mem, struct sietch_vm_exit *exit)
{
	struct x86_paged_mem linear;
	struct x86_mem lin_mem;
	uint64_t rip = vcpu_fetch_view(vcpu->vmcb, gpa_mem, &linear, &lin_mem);
	uint8_t n = 0;
	while (n < sizeof(exit->mmio.insn) && lin_mem.read(lin_mem.ctx, rip + n, &exit->mmio.insn[n], 1) == 0)
		n++;
	exit->mmio.insn_len = n;
}

long vcpu_sregs_set(struct vcpu *vcpu, const struct sietch_vcpu_sregs *sregs, const struct svm_limits *limits)
{
	struct vmcb *copy = kmalloc(sizeof(*copy));
	if (!copy)
		return -SIETCH_ENOMEM;
	*copy = *vcpu->vmcb;
	svm_sregs_set(copy, sregs);
	bool ok = svm_vmcb_check(copy, limits) == NULL;
	if (ok)
		*vcpu->vmcb = *copy;
	kfree(copy);
	if (!ok)
		return -SIETCH_EINVAL;
	vcpu->dead = false;
	return 0;
}
