/*
 * The vCPU run loop of both back ends: one place for what SVM and VMX do
 * alike around an entry (a dead or killed guest, rescheduling, the counters,
 * host interrupts that end a run, the interrupt-window exit, the guest's
 * EFER) and for what the VMM gets at the end. The back end's own steps are
 * the hooks of struct vcpu_run_ops.
 */
#include <stddef.h>

#include "kernel/arch/percpu.h"
#include "kernel/arch/regs.h"
#include "kernel/arch/timer.h"
#include "kernel/console.h"
#include "kernel/proc/sched.h"
#include "kernel/proc/thread.h"
#include "kernel/vmm/svm_exit.h"
#include "kernel/vmm/vcpu_run.h"
#include "kernel/vmm/vcpu_state.h"
#include "lib/common/string.h"

/* Copies why into the exit, cut to fit and terminated. */
static void invalid_why_copy(struct sietch_vm_exit *e, const char *why)
{
	size_t n = strnlen(why, sizeof(e->invalid.why) - 1);
	memcpy(e->invalid.why, why, n);
	e->invalid.why[n] = 0;
}

/* A line on the console about a guest that cannot go on. */
static void report(struct vcpu *vcpu, const struct sietch_vm_exit *e, const char *what, const struct vcpu_run_ops *ops)
{
	kprintf("sietch: vm%u vcpu %u: %s: exit 0x%lx (%s) rip=0x%lx cr0=0x%lx cr3=0x%lx cr4=0x%lx efer=0x%lx\n",
		vcpu->vm->id, vcpu->index, what, e->hw_code, ops->exit_name(e->hw_code), e->rip, e->cr0, e->cr3,
		e->cr4, e->efer);
}

/* What the VMM gets for reason, with the reports a dead guest earns. */
static void exit_finish(struct vcpu *vcpu, enum sietch_vm_exit_reason reason, const char *why,
			struct sietch_vcpu_run *run, const struct vcpu_run_ops *ops)
{
	struct sietch_vm_exit *e = &run->exit;
	ops->exit_fill(vcpu, reason, e);
	if (reason == SIETCH_VM_EXIT_MMIO) {
		ops->fetch_instruction(vcpu, e);
		svm_exit_mmio_decode(vcpu->vmcb, vcpu->gpr, e);
	} else if (reason == SIETCH_VM_EXIT_INVALID) {
		if (!why)
			why = ops->invalid_why;
		invalid_why_copy(e, why);
		if (ops->invalid_reported(e))
			report(vcpu, e, why, ops);
	} else if (reason == SIETCH_VM_EXIT_SHUTDOWN && !vcpu->dead) {
		/* APM §15.12, SDM §27.5: the state after a shutdown is not to be resumed. */
		vcpu->dead = true;
		report(vcpu, e, "shutdown (triple fault)", ops);
	}
	svm_regs_get(vcpu->vmcb, vcpu->gpr, &run->regs);
	run->interrupt_pending = __atomic_load_n(&vcpu->intr_pending, __ATOMIC_RELAXED);
}

/* Whether the exit is the kernel's own business; reason may become another.
 * The exits both back ends handle alike are here, the rest the back end's. */
static bool handled_here(struct vcpu *vcpu, enum sietch_vm_exit_reason *reason, const struct vcpu_run_ops *ops)
{
	switch (*reason) {
	case SIETCH_VM_EXIT_HOST_INTR:
	case SIETCH_VM_EXIT_HOST_NMI:
		return true; /* taken when the entry enabled interrupts again */
	case SIETCH_VM_EXIT_HOST_VINTR:
		if (vcpu->intr_pending || !vcpu->window_wanted)
			return true;
		vcpu->window_wanted = false;
		*reason = SIETCH_VM_EXIT_INTR_WINDOW;
		return false;
	case SIETCH_VM_EXIT_MSR_READ:
	case SIETCH_VM_EXIT_MSR_WRITE:
		if ((uint32_t)vcpu->gpr[SIETCH_RCX] != MSR_EFER)
			return false;
		vcpu_efer_emulate(vcpu, *reason == SIETCH_VM_EXIT_MSR_WRITE, ops->limits->efer_allowed);
		*reason = SIETCH_VM_EXIT_HOST_MSR;
		return true;
	default:
		return ops->handled_here(vcpu, reason);
	}
}

/* Whether the loop must stop before entering: *reason says why. Yields the
 * CPU first when the scheduler asked for it, so the caller retries. */
static bool stop_before_entry(struct vcpu *vcpu, enum sietch_vm_exit_reason *reason, bool *yielded)
{
	*yielded = false;
	if (vcpu->dead) {
		*reason = SIETCH_VM_EXIT_SHUTDOWN;
		return true;
	}
	if (thread_current()->killed) {
		*reason = SIETCH_VM_EXIT_INTERRUPTED;
		return true;
	}
	if (this_cpu()->need_resched) {
		this_cpu()->need_resched = 0;
		sched_yield();
		*yielded = true;
	}
	return false;
}

long vcpu_run_loop(struct vcpu *vcpu, struct sietch_vcpu_run *run, const struct vcpu_run_ops *ops)
{
	enum sietch_vm_exit_reason reason;
	const char *why = NULL;
	uint64_t start = timer_now_ns(), in_guest = 0;
	if (run->request & SIETCH_RUN_INTR_WINDOW)
		vcpu->window_wanted = true;
	for (;;) {
		bool yielded;
		if (stop_before_entry(vcpu, &reason, &yielded))
			break;
		if (yielded)
			continue;
		if ((why = ops->state_refused(vcpu))) {
			reason = SIETCH_VM_EXIT_INVALID;
			break;
		}
		uint64_t ns = 0;
		long err = ops->enter(vcpu, &ns, &why);
		if (err < 0)
			return err;
		if (err == VCPU_ENTER_WINDOW) {
			vcpu->window_wanted = false;
			reason = SIETCH_VM_EXIT_INTR_WINDOW;
			break;
		}
		if (err == VCPU_ENTER_REFUSED) {
			reason = SIETCH_VM_EXIT_INVALID;
			break;
		}
		in_guest += ns;
		vm_count_add(vcpu, offsetof(struct sietch_vm_counters, entries), 1);
		reason = ops->exit_reason(vcpu, &why);
		bool here = handled_here(vcpu, &reason, ops);
		vm_count_exit(vcpu, reason);
		if (!here)
			break;
		/* A host interrupt ended the run and the VMM wants to hear of it. */
		if (reason == SIETCH_VM_EXIT_HOST_INTR && (run->request & SIETCH_RUN_RETURN_ON_INTR)) {
			reason = SIETCH_VM_EXIT_NONE;
			break;
		}
	}
	exit_finish(vcpu, reason, why, run, ops);
	uint64_t total = timer_now_ns() - start;
	vm_count_time(vcpu, in_guest, total > in_guest ? total - in_guest : 0);
	return 0;
}
