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

	.text
	.globl vmx_world_switch
vmx_world_switch:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	pushq %rdi /* 0(%rsp): gpr */

	mov $VMCS_HOST_RSP, %rax
	vmwrite %rsp, %rax
	jbe .Lfailed
	mov $VMCS_HOST_RIP, %rax
	lea .Lexit(%rip), %rdx
	vmwrite %rdx, %rax
	jbe .Lfailed

	cmp $0, %esi /* mov leaves the flags alone: they choose VMRESUME below */
	mov 8*0(%rdi), %rax
	mov 8*1(%rdi), %rcx
	mov 8*2(%rdi), %rdx
	mov 8*3(%rdi), %rbx
	mov 8*5(%rdi), %rbp
	mov 8*6(%rdi), %rsi
	mov 8*8(%rdi), %r8
	mov 8*9(%rdi), %r9
	mov 8*10(%rdi), %r10
	mov 8*11(%rdi), %r11
	mov 8*12(%rdi), %r12
	mov 8*13(%rdi), %r13
	mov 8*14(%rdi), %r14
	mov 8*15(%rdi), %r15
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
	mov %rax, 8*0(%rdi)
	mov %rcx, 8*1(%rdi)
	mov %rdx, 8*2(%rdi)
	mov %rbx, 8*3(%rdi)
	mov %rbp, 8*5(%rdi)
	mov %rsi, 8*6(%rdi)
	mov %r8, 8*8(%rdi)
	mov %r9, 8*9(%rdi)
	mov %r10, 8*10(%rdi)
	mov %r11, 8*11(%rdi)
	mov %r12, 8*12(%rdi)
	mov %r13, 8*13(%rdi)
	mov %r14, 8*14(%rdi)
	mov %r15, 8*15(%rdi)
	popq %rax
	mov %rax, 8*7(%rdi)
	popq %rdi
	xor %eax, %eax
.Lreturn:
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret
