/*
 * Process entry. The kernel enters ring 3 here with rsp at the System V AMD64
 * ABI initial stack (psABI §3.4.1: argc, argv[0..argc-1], NULL, the
 * environment's NULL, the auxiliary vector's AT_NULL pair) and every other
 * register zero.
 */
	.text
	.globl _start
	.type _start, @function
_start:
	.cfi_startproc
	.cfi_undefined rip	/* the outermost frame: debuggers stop unwinding here */
	xorl %ebp, %ebp
	movl (%rsp), %edi	/* argc */
	leaq 8(%rsp), %rsi	/* argv */
	andq $-16, %rsp		/* psABI §3.2.2: 16-byte aligned at the call */
	cld			/* psABI §3.4.1: DF clear on entry */
	fninit			/* psABI §3.4.1: x87 control word 0x37f */
	ldmxcsr mxcsr_initial(%rip)
	call libc_start
	ud2			/* libc_start ends in exit() */
	.cfi_endproc
	.size _start, . - _start

	.section .rodata
	.balign 4
mxcsr_initial:
	.long 0x1f80		/* psABI §3.4.1: SSE exceptions masked, round to nearest */

	.section .note.GNU-stack, "", @progbits
