#include "kernel/arch/percpu.h"
#include "kernel/arch/cpu.h"

struct cpu cpus[MAX_CPUS];
volatile uint32_t cpus_online;

void percpu_init(struct cpu *cpu, uint32_t id, uint32_t apic_id)
{
	cpu->self = cpu;
	cpu->id = id;
	cpu->apic_id = apic_id;
	wrmsr(MSR_GS_BASE, (uint64_t)cpu);
	wrmsr(MSR_KERNEL_GS_BASE, 0);
}
