/*
 * Where an application processor starts (SDM vol.3 §9.4.4): the startup IPI
 * puts it in real mode at CS:IP = page:0. kernel/arch/smp.c copies these bytes
 * to a page below 1 MiB, fills the parameter block at the end, and sends the IPI.
 *
 * We go from real mode straight to long mode (PE and PG set together, as the
 * SDM allows in §10.8.5's sequence once PAE, LME and CR3 are ready), using a
 * GDT inside the page. Everything here addresses relative to the page: in real
 * mode through DS = CS, in long mode RIP-relative.
 */
#include "boot/long_mode.h"
#include "kernel/arch/ap_trampoline.h"

	.section .rodata
	.globl ap_trampoline_start, ap_trampoline_end, ap_trampoline_params
	.code16
	.balign 4096
ap_trampoline_start:
	cli
	cld
	mov %cs, %ax
	mov %ax, %ds
	lgdtl (gdt_pointer - ap_trampoline_start)
	ENABLE_LONG_MODE (param_cr3 - ap_trampoline_start)
	ljmpl *(long_mode_pointer - ap_trampoline_start)

	.code64
ap_long_mode:
	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov param_stack(%rip), %rsp
	mov param_cpu(%rip), %rdi
	xor %ebp, %ebp
	jmp *param_entry(%rip)

	.balign 8
gdt:
	.quad 0
	.quad 0x00af9a000000ffff        /* 64-bit code */
	.quad 0x00cf92000000ffff        /* data */
gdt_pointer:
	.short gdt_pointer - gdt - 1
	.long 0                         /* patched: physical address of gdt */
	.balign 8
long_mode_pointer:
	.long 0                         /* patched: physical address of ap_long_mode */
	.short 0x08

	.balign 8
/* struct ap_trampoline_params in kernel/arch/ap_trampoline.h */
ap_trampoline_params:
param_cr3: .quad 0
param_stack: .quad 0
param_entry: .quad 0
param_cpu: .quad 0
param_gdt_offset: .quad gdt - ap_trampoline_start
param_gdt_pointer_offset: .quad gdt_pointer - ap_trampoline_start
param_long_mode_offset: .quad ap_long_mode - ap_trampoline_start
param_long_mode_pointer_offset: .quad long_mode_pointer - ap_trampoline_start
ap_trampoline_end:

/* Each field where the C struct has it. */
.macro CHECK_PARAM label, offset
	.if (\label - ap_trampoline_params) != \offset
	.error "ap_trampoline.S: \label is not at \offset in struct ap_trampoline_params"
	.endif
.endm
	CHECK_PARAM param_cr3, AP_PARAM_CR3
	CHECK_PARAM param_stack, AP_PARAM_STACK
	CHECK_PARAM param_entry, AP_PARAM_ENTRY
	CHECK_PARAM param_cpu, AP_PARAM_CPU
	CHECK_PARAM param_gdt_offset, AP_PARAM_GDT_OFFSET
	CHECK_PARAM param_gdt_pointer_offset, AP_PARAM_GDT_POINTER_OFFSET
	CHECK_PARAM param_long_mode_offset, AP_PARAM_LONG_MODE_OFFSET
	CHECK_PARAM param_long_mode_pointer_offset, AP_PARAM_LONG_MODE_POINTER_OFFSET
	CHECK_PARAM ap_trampoline_end, AP_PARAM_SIZE
