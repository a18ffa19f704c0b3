/*
 * Segmentation in long mode (Intel SDM vol.3 §3.4.5, AMD APM vol.2 §4.8):
 * code/data descriptors are mostly ignored but must exist, and the TSS
 * supplies the ring-0 stack for interrupts from user mode (RSP0) and the
 * separate stacks of the interrupt stack table (IST).
 *
 * The order is fixed by SYSCALL/SYSRET (AMD APM vol.2 §6.1.1): STAR[47:32]
 * gives kernel CS (SS = CS + 8); STAR[63:48] + 8 is user SS and + 16 is user CS.
 */
#pragma once

#define GDT_KERNEL_CODE 0x08
#define GDT_KERNEL_DATA 0x10
#define GDT_USER_DATA 0x18
#define GDT_USER_CODE 0x20
#define GDT_TSS 0x28
#define GDT_ENTRIES 7 /* the TSS descriptor takes two slots */

#define IST_DOUBLE_FAULT 1
#define IST_NMI 2
#define IST_STACK_SIZE 8192

#ifndef __ASSEMBLER__
#include <stdint.h>

/* SDM vol.3 §8.7, figure 8-11 */
struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));
_Static_assert(sizeof(struct tss) == 104, "64-bit TSS is 104 bytes");

struct gdt {
	uint64_t entry[GDT_ENTRIES];
	uint8_t ist_stacks[2][IST_STACK_SIZE] __attribute__((aligned(16)));
};

struct cpu;
void gdt_load(struct cpu *cpu);
void tss_set_kernel_stack(struct cpu *cpu, uint64_t rsp0);
#endif
