/*
 * From GRUB's 32-bit protected mode to the kernel's C entry in long mode.
 *
 * GRUB enters with EAX = 0x36d76289 and EBX = the physical address of the
 * boot information (Multiboot2 spec §3.3), paging off, interrupts off. We
 * build just enough page tables to run in the higher half: the first 1 GiB
 * identity-mapped (so this code keeps running when paging turns on) and the
 * same 1 GiB at KERNEL_VMA (-2 GiB) and at DIRECT_MAP_BASE. kernel/mm replaces them with the real
 * tables as soon as the frame allocator exists.
 */
#include "kernel/arch/layout.h"

#include "boot/long_mode.h"

#define PTE_P_W 0x3
#define PTE_P_W_PS 0x83       /* present, writable, 2 MiB page (SDM vol.3 table 4-18) */

	.section .boot.text, "ax"
	.code32
	.globl boot_entry
boot_entry:
	cli
	cld
	mov $boot_stack_top_phys, %esp
	mov %eax, %edi                  /* multiboot magic, first C argument */
	mov %ebx, %esi                  /* boot information, second C argument */

	/* PML4[0] and PML4[511] -> the low and high PDPTs; both PDPTs -> one PD. */
	mov $boot_pdpt_low, %eax
	or $PTE_P_W, %eax
	mov %eax, boot_pml4
	mov %eax, boot_pml4 + 256 * 8   /* DIRECT_MAP_BASE: low 1 GiB readable as phys + base from the start */
	mov $boot_pdpt_high, %eax
	or $PTE_P_W, %eax
	mov %eax, boot_pml4 + 511 * 8
	mov $boot_pd, %eax
	or $PTE_P_W, %eax
	mov %eax, boot_pdpt_low
	mov %eax, boot_pdpt_high + 510 * 8   /* -2 GiB is PDPT slot 510 of PML4 slot 511 */

	/* 512 x 2 MiB = the first 1 GiB */
	mov $boot_pd, %ebx
	xor %ecx, %ecx
1:	mov %ecx, %eax
	shl $21, %eax
	or $PTE_P_W_PS, %eax
	mov %eax, (%ebx, %ecx, 8)
	inc %ecx
	cmp $512, %ecx
	jne 1b

	ENABLE_LONG_MODE $boot_pml4

	lgdt boot_gdt_pointer
	ljmp $0x08, $long_mode_entry

	.code64
long_mode_entry:
	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	xor %ax, %ax
	mov %ax, %fs
	mov %ax, %gs
	movabs $higher_half_entry, %rax
	jmp *%rax

	.section .boot.data, "aw"
	.balign 8
/* A throw-away GDT: null, 64-bit code, data. kernel/arch/gdt.c loads the real one. */
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff
	.quad 0x00cf92000000ffff
boot_gdt_pointer:
	.short boot_gdt_pointer - boot_gdt - 1
	.long boot_gdt

	.section .boot.bss, "aw", @nobits
	.balign 4096
boot_pml4: .skip 4096
boot_pdpt_low: .skip 4096
boot_pdpt_high: .skip 4096
boot_pd: .skip 4096
	.skip 4096
boot_stack_top_phys:

	.text
higher_half_entry:
	movabs $boot_stack_top, %rsp
	xor %ebp, %ebp
	call kernel_main
1:	cli
	hlt
	jmp 1b

	.bss
	.balign 16
	.globl boot_stack_top
boot_stack:
	.skip KERNEL_STACK_SIZE
boot_stack_top:
