/*
 * The run loop both back ends share (kernel/vmm/vcpu_run.c): enter the guest
 * until an exit the VMM must see, then fill in what it gets. What differs
 * between SVM and VMX (checking the state, one entry, decoding the exit,
 * the exits only one of them handles in the kernel) comes in as the hooks
 * below.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "kernel/vmm/svm_vmcb.h"
#include "kernel/vmm/vm.h"

/* What one entry did, besides a negative error. */
enum vcpu_enter_result {
	VCPU_ENTERED = 0,	/* the guest ran and exited; exit_reason tells why */
	VCPU_ENTER_WINDOW = 1,	/* not entered: the VMM's interrupt window is open */
	VCPU_ENTER_REFUSED = 2, /* the hardware refused the guest state; *why says how */
};

struct vcpu_run_ops {
	/* Why the guest state must not be entered, or NULL. */
	const char *(*state_refused)(struct vcpu *vcpu);
	/* One entry: a vcpu_enter_result or a negative error; *guest_ns the time in the guest. */
	long (*enter)(struct vcpu *vcpu, uint64_t *guest_ns, const char **why);
	/* The reason for the exit just taken; *why set when it is SIETCH_VM_EXIT_INVALID. */
	enum sietch_vm_exit_reason (*exit_reason)(struct vcpu *vcpu, const char **why);
	/* Whether an exit the loop does not handle itself (host interrupts, the
	 * interrupt window, EFER) is the kernel's own business; reason may become another. */
	bool (*handled_here)(struct vcpu *vcpu, enum sietch_vm_exit_reason *reason);
	/* The exit's fields from the hardware's record of it. */
	void (*exit_fill)(struct vcpu *vcpu, enum sietch_vm_exit_reason reason, struct sietch_vm_exit *e);
	/* The bytes at the guest's CS:RIP, for the MMIO decoder. */
	void (*fetch_instruction)(struct vcpu *vcpu, struct sietch_vm_exit *e);
	/* The hardware's name for an exit code (hw_code), for the console. */
	const char *(*exit_name)(uint64_t hw_code);
	/* Whether a refused state is worth a report (SVM: only the hardware's refusals). */
	bool (*invalid_reported)(const struct sietch_vm_exit *e);
	/* The reason text for a refusal that came without one. */
	const char *invalid_why;
	/* What this CPU lets the guest set: the EFER bits, for the loop's EFER emulation. */
	const struct svm_limits *limits;
};

long vcpu_run_loop(struct vcpu *vcpu, struct sietch_vcpu_run *run, const struct vcpu_run_ops *ops);
