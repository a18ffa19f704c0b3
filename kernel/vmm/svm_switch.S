/*
 * svm_world_switch(uint64_t vmcb_pa, uint64_t *gpr, uint64_t host_vmcb_pa):
 * one guest run (AMD APM vol.2 §15.5 "VMRUN Instruction", §15.17 "Global
 * Interrupt Flag", §15.5.2 "VMSAVE and VMLOAD").
 *
 * VMRUN keeps the host's RIP, RSP, RAX, RFLAGS, CS, SS, DS, ES, GDTR, IDTR,
 * CR0/3/4 and EFER in the host save area (VM_HSAVE_PA) and nothing else: the
 * host's FS, GS, TR and LDTR with their hidden parts, KernelGSBase, STAR,
 * LSTAR, CSTAR, SFMASK and the SYSENTER MSRs would come back as the guest's,
 * so VMSAVE stores them in host_vmcb_pa first and VMLOAD restores them after
 * the exit (the guest's own go to and from its VMCB the same way). The
 * general registers but RAX and RSP are the caller's array gpr[16], in the
 * x86 encoding order.
 *
 * GIF is cleared first, so no interrupt or NMI can reach the host while GS
 * is the guest's; RFLAGS.IF is set before VMRUN because with V_INTR_MASKING
 * the host's IF decides whether physical interrupts end the guest
 * (§15.21.1). After the exit GIF is set again with IF clear: the interrupt
 * that ended the guest is taken when the caller enables interrupts.
 */
#include "kernel/arch/callee_saved.h"
#include "kernel/vmm/guest_gprs.h"

	.text
	.globl svm_world_switch
svm_world_switch:
	PUSH_CALLEE_SAVED
	pushq %rsi /* 16(%rsp): gpr */
	pushq %rdx /* 8(%rsp): host_vmcb_pa */
	pushq %rdi /* 0(%rsp): vmcb_pa */

	clgi
	mov %rdx, %rax
	vmsave %rax
	mov %rdi, %rax
	vmload %rax
	sti

	GUEST_GPRS_LOAD %rsi
	mov 8*7(%rsi), %rdi
	mov 8*6(%rsi), %rsi
	mov 0(%rsp), %rax
	vmrun %rax
	/* #VMEXIT: GIF is clear; RAX, RSP and RFLAGS are the host's again. */
	vmsave %rax

	mov 16(%rsp), %rax
	GUEST_GPRS_SAVE %rax
	mov %rsi, 8*6(%rax)
	mov %rdi, 8*7(%rax)

	mov 8(%rsp), %rax
	vmload %rax
	cli
	stgi

	add $24, %rsp
	POP_CALLEE_SAVED
	ret
