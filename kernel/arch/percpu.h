/*
 * Per-CPU data. Each CPU's GS base points at its own struct cpu (the kernel
 * GS while in the kernel; SWAPGS exchanges it with the user's on entry and
 * exit, AMD APM vol.2 §4.5.3), so `this_cpu()` is one load.
 */
#pragma once

#include <stdint.h>
#include "kernel/arch/gdt.h"
#include "kernel/arch/percpu_offsets.h"

#define MAX_CPUS 64

struct thread;

struct cpu {
	struct cpu *self;           /* offset 0: gs:0 yields this pointer */
	uint64_t syscall_user_rsp;  /* offset 8: scratch for the SYSCALL entry */
	uint64_t syscall_kernel_rsp; /* offset 16: the running thread's kernel stack top */
	uint32_t id;                /* 0 .. cpu_count-1, 0 is the bootstrap CPU */
	uint32_t apic_id;
	volatile uint64_t ticks;    /* timer interrupts taken */
	int irq_depth;              /* irq_save_push nesting */
	int irq_were_enabled;       /* interrupt flag before the outermost push */
	struct thread *current;     /* running thread, or NULL while idle */
	struct thread *idle;
	volatile int need_resched; /* set by the tick: switch before returning to user mode */
	struct gdt gdt;
	struct tss tss;
	uint8_t *kernel_stack_top;  /* this CPU's own stack for boot and idle */
};


static inline struct cpu *this_cpu(void)
{
	struct cpu *cpu;
	__asm__ volatile("mov %%gs:0, %0" : "=r"(cpu));
	return cpu;
}

extern struct cpu cpus[MAX_CPUS];
extern volatile uint32_t cpus_online;

void percpu_init(struct cpu *cpu, uint32_t id, uint32_t apic_id);
