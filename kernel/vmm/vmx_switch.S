/*
 * int vmx_world_switch(uint64_t *gpr, int launched): one guest run on the
 * current VMCS (Intel SDM vol.3C §26 "VM Entries", §28 "VM Exits", §31.3
 * VMLAUNCH/VMRESUME).
 *
 * The exit loads the host's RIP and RSP from the VMCS: this writes them
 * here, RIP the label after the entry and RSP this frame, so the exit
 * lands back in this function with the callee-saved registers on the
 * stack. The guest's general registers but RSP (the VMCS's GUEST_RSP) are
 * the caller's array gpr[16] in the x86 encoding order. The caller has
 * interrupts disabled; an external interrupt exits the guest and is taken
 * when the caller enables them again.
 *
 * Returns 0 after a VM exit, 1 if VMLAUNCH/VMRESUME failed (VMfailInvalid
 * sets CF, VMfailValid ZF, §31.2): the VM-instruction error tells why.
 */
#define VMCS_HOST_RSP 0x6c14
#define VMCS_HOST_RIP 0x6c16

#include "kernel/arch/callee_saved.h"
#include "kernel/vmm/guest_gprs.h"

	.text
	.globl vmx_world_switch
vmx_world_switch:
	PUSH_CALLEE_SAVED
	pushq %rdi /* 0(%rsp): gpr */

	mov $VMCS_HOST_RSP, %rax
	vmwrite %rsp, %rax
	jbe .Lfailed
	mov $VMCS_HOST_RIP, %rax
	lea .Lexit(%rip), %rdx
	vmwrite %rdx, %rax
	jbe .Lfailed

	cmp $0, %esi /* mov leaves the flags alone: they choose VMRESUME below */
	GUEST_GPRS_LOAD %rdi
	mov 8*0(%rdi), %rax
	mov 8*6(%rdi), %rsi
	mov 8*7(%rdi), %rdi
	jne .Lresume
	vmlaunch
	jmp .Lfailed
.Lresume:
	vmresume
.Lfailed:
	popq %rdi
	mov $1, %eax
	jmp .Lreturn

.Lexit:
	/* The guest's registers are live; RSP is this frame again (HOST_RSP). */
	pushq %rdi
	mov 8(%rsp), %rdi
	GUEST_GPRS_SAVE %rdi
	mov %rax, 8*0(%rdi)
	mov %rsi, 8*6(%rdi)
	popq %rax
	mov %rax, 8*7(%rdi)
	popq %rdi
	xor %eax, %eax
.Lreturn:
	POP_CALLEE_SAVED
	ret
