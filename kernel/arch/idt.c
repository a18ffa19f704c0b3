/* The interrupt descriptor table (SDM vol.3 §6.14.1): one gate per vector, all CPUs share it. */
#include "kernel/arch/trap.h"
#include "kernel/arch/gdt.h"

#define GATE_INTERRUPT 0xe /* clears IF on entry */
#define GATE_PRESENT 0x80

struct idt_gate {
	uint16_t offset_low;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attributes;
	uint16_t offset_middle;
	uint32_t offset_high;
	uint32_t reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct idt_gate) == 16, "64-bit IDT gate is 16 bytes");

#define VECTOR_STUB_SIZE 16 /* vectors.S aligns each entry point to 16 bytes */

extern char trap_vector_table_start[];
static struct idt_gate idt[256];

static void idt_set_gate(int vector, uint64_t handler, uint8_t ist, uint8_t dpl)
{
	idt[vector] = (struct idt_gate){
		.offset_low = handler & 0xffff,
		.selector = GDT_KERNEL_CODE,
		.ist = ist,
		.type_attributes = GATE_PRESENT | (uint8_t)(dpl << 5) | GATE_INTERRUPT,
		.offset_middle = (handler >> 16) & 0xffff,
		.offset_high = (uint32_t)(handler >> 32),
	};
}

void idt_init(void)
{
	for (int v = 0; v < 256; v++) {
		uint8_t ist = 0;
		/* A double fault or NMI may arrive on a broken stack: give them their own. */
		if (v == VECTOR_DOUBLE_FAULT)
			ist = IST_DOUBLE_FAULT;
		else if (v == VECTOR_NMI)
			ist = IST_NMI;
		/* int3 may be raised from ring 3; everything else only by hardware or the kernel. */
		idt_set_gate(v, (uint64_t)trap_vector_table_start + (uint64_t)v * VECTOR_STUB_SIZE, ist,
			     v == VECTOR_BREAKPOINT ? 3 : 0);
	}
}

void idt_load(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) pointer = { sizeof(idt) - 1, (uint64_t)idt };
	__asm__ volatile("lidt %0" ::"m"(pointer));
}
