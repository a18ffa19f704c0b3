/*
 * SMP bring-up (Intel MultiProcessor spec §B.4 and SDM vol.3 §9.4.4.1):
 * INIT, 10 ms, STARTUP, 200 us, STARTUP, one CPU at a time.
 */
#include "kernel/arch/smp.h"
#include "kernel/arch/ap_trampoline.h"
#include "kernel/arch/cpu.h"
#include "kernel/arch/cpu_features.h"
#include "kernel/arch/gdt.h"
#include "kernel/arch/hooks.h"
#include "kernel/arch/lapic.h"
#include "kernel/arch/percpu.h"
#include "kernel/arch/platform.h"
#include "kernel/arch/spinlock.h"
#include "kernel/arch/syscall.h"
#include "kernel/arch/timer.h"
#include "kernel/arch/tlb.h"
#include "kernel/arch/trap.h"
#include "kernel/console.h"
#include "lib/common/string.h"

extern char ap_trampoline_start[], ap_trampoline_end[];
extern struct ap_trampoline_params ap_trampoline_params;

#define AP_STARTUP_TIMEOUT_MS 2000 /* TCG on a loaded host can be slow */

static volatile int stop_requested;

struct smp_work {
	void (*fn)(void *arg);
	void *arg;
	volatile uint32_t started, finished;
	volatile uint64_t generation;
};
static struct smp_work work;
static struct spinlock work_lock = SPINLOCK_INIT("smp_work");

/* The generation of smp_run_on_all work each CPU has run. */
static uint64_t work_seen[MAX_CPUS];

bool smp_work_waiting(void)
{
	return __atomic_load_n(&work.generation, __ATOMIC_ACQUIRE) != work_seen[this_cpu()->id];
}

void smp_run_work(void)
{
	uint64_t generation = __atomic_load_n(&work.generation, __ATOMIC_ACQUIRE);
	uint64_t *seen = &work_seen[this_cpu()->id];
	if (generation == *seen)
		return;
	*seen = generation;
	__atomic_add_fetch(&work.started, 1, __ATOMIC_ACQ_REL);
	work.fn(work.arg);
	__atomic_add_fetch(&work.finished, 1, __ATOMIC_ACQ_REL);
}

void smp_run_on_all(void (*fn)(void *arg), void *arg)
{
	spin_lock(&work_lock);
	work.fn = fn;
	work.arg = arg;
	work.started = 0;
	work.finished = 0;
	__atomic_add_fetch(&work.generation, 1, __ATOMIC_ACQ_REL);
	spin_unlock(&work_lock);
	if (cpus_online > 1 && lapic_send_ipi_others(VECTOR_IPI_WAKE))
		panic("smp_run_on_all: the wake IPI was not sent, the others would never run the work");
	fn(arg);
	while (__atomic_load_n(&work.finished, __ATOMIC_ACQUIRE) < cpus_online - 1)
		cpu_relax();
}

static void ipi_wake(struct trap_frame *frame) { (void)frame; }

static void ipi_halt(struct trap_frame *frame)
{
	(void)frame;
	for (;;) {
		interrupts_disable();
		cpu_halt();
	}
}

void smp_stop_others(void)
{
	if (!lapic_ready() || cpus_online <= 1 || stop_requested)
		return;
	stop_requested = 1;
	(void)lapic_send_ipi_others(VECTOR_IPI_HALT); /* already panicking: a failure is reported, nothing more to do */
}

static uint64_t kernel_root; /* the CR3 every CPU starts on */

static void ap_main(struct cpu *cpu)
{
	percpu_init(cpu, cpu->id, cpu->apic_id);
	write_cr3(kernel_root);
	gdt_load(cpu);
	idt_load();
	cpu_features_init();
	lapic_enable();
	arch_syscall_init_this_cpu();
	timer_start_this_cpu();
	__atomic_add_fetch(&cpus_online, 1, __ATOMIC_ACQ_REL);
	arch_hooks.cpu_started();
}

static struct ap_trampoline_params *trampoline_params(void *page)
{
	return (void *)((char *)page + ((char *)&ap_trampoline_params - ap_trampoline_start));
}

static bool smp_start_one(struct cpu *cpu, const struct smp_boot_memory *m)
{
	uint64_t trampoline_phys = m->trampoline_phys;
	struct ap_trampoline_params *params = trampoline_params(m->trampoline);
	uint8_t *stack = m->alloc_stack(m->stack_size);
	if (!stack)
		panic("smp: no memory for a CPU stack");
	cpu->kernel_stack_top = stack + m->stack_size;
	params->stack = (uint64_t)cpu->kernel_stack_top;
	params->cpu = (uint64_t)cpu;

	uint32_t before = cpus_online;
	if (lapic_send_init(cpu->apic_id))
		return false;
	timer_delay_us(10000);
	for (int attempt = 0; attempt < 2 && cpus_online == before; attempt++) {
		if (lapic_send_startup(cpu->apic_id, (uint8_t)(trampoline_phys >> 12)))
			return false;
		timer_delay_us(200);
	}
	for (int ms = 0; ms < AP_STARTUP_TIMEOUT_MS && cpus_online == before; ms++)
		timer_delay_us(1000);
	return cpus_online != before;
}

static void trampoline_install(const struct smp_boot_memory *m)
{
	size_t size = (size_t)(ap_trampoline_end - ap_trampoline_start);
	uint8_t *page = m->trampoline;
	uint64_t phys = m->trampoline_phys;
	if (phys >= SMP_TRAMPOLINE_LIMIT || (phys & 0xfff))
		panic("smp: the trampoline at 0x%lx is not a 4 KiB page below 1 MiB", phys);
	memcpy(page, ap_trampoline_start, size);
	struct ap_trampoline_params *params = trampoline_params(page);
	*(uint32_t *)(page + params->gdt_pointer_offset + 2) = (uint32_t)(phys + params->gdt_offset);
	*(uint32_t *)(page + params->long_mode_pointer_offset) = (uint32_t)(phys + params->long_mode_offset);
	params->cr3 = m->kernel_root;
	params->entry = (uint64_t)ap_main;
}

void smp_start(const struct smp_boot_memory *m)
{
	if (!arch_hooks.cpu_started)
		panic("smp_start: no arch_hooks.cpu_started for the other CPUs to go to");
	trap_set_handler(VECTOR_IPI_WAKE, ipi_wake);
	trap_set_handler(VECTOR_IPI_HALT, ipi_halt);
	tlb_init();
	kernel_root = m->kernel_root;
	trampoline_install(m);
	uint32_t my_apic = lapic_id(), next_id = 1;
	for (uint32_t i = 0; i < platform.madt.cpu_count && next_id < MAX_CPUS; i++) {
		uint32_t apic = platform.madt.apic_id[i];
		if (apic == my_apic)
			continue;
		struct cpu *cpu = &cpus[next_id];
		cpu->id = next_id;
		cpu->apic_id = apic;
		if (smp_start_one(cpu, m))
			next_id++;
		else
			kprintf("smp: cpu with apic id %u did not start\n", apic);
	}
	kprintf("smp: %u cpus online\n", cpus_online);
}
