/* Per-CPU GDT and TSS: each CPU needs its own TSS (its own RSP0 and IST stacks). */
#include "kernel/arch/gdt.h"
#include "kernel/arch/percpu.h"

/* Descriptor bits, SDM vol.3 §3.4.5 figure 3-8 */
#define SEG_ACCESSED (1ull << 40)
#define SEG_WRITABLE (1ull << 41)
#define SEG_CODE (1ull << 43)
#define SEG_NOT_SYSTEM (1ull << 44)
#define SEG_DPL3 (3ull << 45)
#define SEG_PRESENT (1ull << 47)
#define SEG_LONG (1ull << 53)
#define SEG_GRANULARITY (1ull << 55)
#define SEG_LIMIT_MAX (0xffffull | (0xfull << 48))
#define TSS_AVAILABLE_64 (0x9ull << 40) /* SDM vol.3 table 3-2 */

#define CODE_SEGMENT (SEG_ACCESSED | SEG_CODE | SEG_NOT_SYSTEM | SEG_PRESENT | SEG_LONG | SEG_GRANULARITY | SEG_LIMIT_MAX)
#define DATA_SEGMENT (SEG_ACCESSED | SEG_WRITABLE | SEG_NOT_SYSTEM | SEG_PRESENT | SEG_GRANULARITY | SEG_LIMIT_MAX | (1ull << 54))

struct gdt_pointer {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

static void gdt_fill(struct gdt *gdt, struct tss *tss)
{
	uint64_t base = (uint64_t)tss, limit = sizeof(*tss) - 1;

	gdt->entry[0] = 0;
	gdt->entry[GDT_KERNEL_CODE / 8] = CODE_SEGMENT;
	gdt->entry[GDT_KERNEL_DATA / 8] = DATA_SEGMENT;
	gdt->entry[GDT_USER_DATA / 8] = DATA_SEGMENT | SEG_DPL3;
	gdt->entry[GDT_USER_CODE / 8] = CODE_SEGMENT | SEG_DPL3;
	/* 16-byte system descriptor, SDM vol.3 §8.2.3 figure 8-4 */
	gdt->entry[GDT_TSS / 8] = (limit & 0xffff) | ((base & 0xffffff) << 16) | TSS_AVAILABLE_64 | SEG_PRESENT |
				  (((base >> 24) & 0xff) << 56);
	gdt->entry[GDT_TSS / 8 + 1] = base >> 32;
}

void gdt_load(struct cpu *cpu)
{
	struct gdt *gdt = &cpu->gdt;
	struct tss *tss = &cpu->tss;

	tss->ist[IST_DOUBLE_FAULT - 1] = (uint64_t)&gdt->ist_stacks[0][IST_STACK_SIZE];
	tss->ist[IST_NMI - 1] = (uint64_t)&gdt->ist_stacks[1][IST_STACK_SIZE];
	tss->iomap_base = sizeof(*tss); /* no I/O permission bitmap: ring 3 gets no ports */
	gdt_fill(gdt, tss);

	struct gdt_pointer pointer = { .limit = sizeof(gdt->entry) - 1, .base = (uint64_t)gdt->entry };
	__asm__ volatile("lgdt %0\n\t"
			 "pushq %1\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "mov %2, %%ds\n\t"
			 "mov %2, %%es\n\t"
			 "mov %2, %%ss\n\t"
			 "ltr %w3"
			 :
			 : "m"(pointer), "i"(GDT_KERNEL_CODE), "r"((uint64_t)GDT_KERNEL_DATA), "r"((uint64_t)GDT_TSS)
			 : "rax", "memory");
}

void tss_set_kernel_stack(struct cpu *cpu, uint64_t rsp0) { cpu->tss.rsp[0] = rsp0; }
