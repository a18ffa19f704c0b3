/*
 * From a VMCB to the ABI and back, as pure functions (host-tested): which
 * exit reason of lib/common/vm_abi.h an SVM exit is, the exit record the
 * VMM gets, and the register sets vcpu_get/vcpu_set move (AMD APM vol.2
 * §15.6-15.13 for what each intercept leaves in EXITINFO1/2, appendix C for
 * the codes).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "kernel/vmm/svm.h"
#include "lib/common/vm_abi.h"

/* The ABI's reason for the exit in v (HOST_* ones the kernel handles itself). */
enum sietch_vm_exit_reason svm_exit_reason(const struct vmcb *v);

/* The exit record for reason: the hardware words, RIP, CR0/3/4, EFER (the
 * guest's view, without SVME) and the reason's own part from EXITINFO1/2
 * and the registers. The MMIO part's instruction bytes are the caller's:
 * svm_exit_mmio_decode. */
void svm_exit_fill(const struct vmcb *v, const uint64_t gpr[SIETCH_GPR_COUNT], enum sietch_vm_exit_reason reason,
		   uint32_t vcpu_index, struct sietch_vm_exit *out);

/* The guest state every exit record carries: RIP, CR0/3/4 and EFER (the
 * guest's view, without SVME), from the VMCB or VMX's image of one. */
void svm_exit_fill_state(const struct vmcb *v, struct sietch_vm_exit *out);

/* The CPUID and MSR parts of out, from the guest's registers (for
 * svm_exit_fill and vmx_exit_fill alike). */
void svm_exit_fill_from_gpr(const uint64_t gpr[SIETCH_GPR_COUNT], enum sietch_vm_exit_reason reason,
			    struct sietch_vm_exit *out);

/* With insn_len instruction bytes in out->mmio.insn: decodes them in the
 * guest's current mode and fills size and, for a write, value. Leaves size
 * 0 if the instruction is not one MMIO emulation carries out. */
void svm_exit_mmio_decode(const struct vmcb *v, const uint64_t gpr[SIETCH_GPR_COUNT], struct sietch_vm_exit *out);

/* The guest's paging state as the software walker wants it. */
struct x86_paging;
void svm_guest_paging(const struct vmcb *v, struct x86_paging *pg);

/* Whether the guest can take an external interrupt at this instruction
 * boundary: RFLAGS.IF set, no interrupt shadow, nothing in EVENTINJ. */
bool svm_guest_interruptible(const struct vmcb *v);

/* Registers between the ABI and the VMCB (rax and rsp are the VMCB's while
 * the vCPU is stopped too: gpr[RAX], gpr[RSP] are copied in and out). */
void svm_regs_get(const struct vmcb *v, const uint64_t gpr[SIETCH_GPR_COUNT], struct sietch_vcpu_regs *out);
/* A RIP other than the VMCB's ends the interrupt shadow (the instruction it covered is done). */
void svm_regs_set(struct vmcb *v, uint64_t gpr[SIETCH_GPR_COUNT], const struct sietch_vcpu_regs *in);
void svm_sregs_get(const struct vmcb *v, struct sietch_vcpu_sregs *out);
/* Copies in into v (EFER gets SVME, CPL follows SS.DPL). */
void svm_sregs_set(struct vmcb *v, const struct sietch_vcpu_sregs *in);

/* The guest EFER the VMM sees: the VMCB's without SVME, which only the
 * hardware needs (§15.5.1: VMRUN refuses a guest without it). */
static inline uint64_t svm_guest_efer(const struct vmcb *v)
{
	return v->save.efer & ~(1ull << 12);
}
