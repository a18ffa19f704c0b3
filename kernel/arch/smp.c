/*
 * SMP bring-up (Intel MultiProcessor spec §B.4 and SDM vol.3 §9.4.4.1):
 * INIT, 10 ms, STARTUP, 200 us, STARTUP, one CPU at a time.
 */
#include "kernel/arch/smp.h"
#include "kernel/arch/cpu.h"
#include "kernel/arch/cpu_features.h"
#include "kernel/arch/gdt.h"
#include "kernel/arch/lapic.h"
#include "kernel/arch/percpu.h"
#include "kernel/arch/platform.h"
#include "kernel/arch/spinlock.h"
#include "kernel/arch/timer.h"
#include "kernel/arch/tlb.h"
#include "kernel/arch/trap.h"
#include "kernel/console.h"
#include "kernel/ctl/syscall.h"
#include "kernel/proc/sched.h"
#include "kernel/mm/frame.h"
#include "kernel/mm/heap.h"
#include "kernel/mm/vm.h"
#include "lib/common/string.h"

struct ap_trampoline_params {
	uint64_t cr3, stack, entry, cpu;
	uint64_t gdt_offset, gdt_pointer_offset, long_mode_offset, long_mode_pointer_offset;
};

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

static void smp_run_pending_work(struct cpu *cpu, uint64_t *seen)
{
	uint64_t generation = __atomic_load_n(&work.generation, __ATOMIC_ACQUIRE);
	if (generation == *seen)
		return;
	*seen = generation;
	__atomic_add_fetch(&work.started, 1, __ATOMIC_ACQ_REL);
	work.fn(work.arg);
	__atomic_add_fetch(&work.finished, 1, __ATOMIC_ACQ_REL);
	(void)cpu;
}

/* Each CPU's idle thread: run work from smp_run_on_all, else threads, else halt until an interrupt. */
void smp_idle(void)
{
	struct cpu *cpu = this_cpu();
	uint64_t seen = 0;
	for (;;) {
		interrupts_disable();
		if (__atomic_load_n(&work.generation, __ATOMIC_ACQUIRE) != seen) {
			interrupts_enable();
			smp_run_pending_work(cpu, &seen);
			continue;
		}
		sched_run_ready();
		sched_idle_halt();
	}
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
	if (cpus_online > 1)
		lapic_send_ipi_others(VECTOR_IPI_WAKE);
	fn(arg);
	while (__atomic_load_n(&work.finished, __ATOMIC_ACQUIRE) < cpus_online - 1)
		cpu_relax();
}

static void ipi_wake(struct trap_frame *frame) { (void)frame; }

static void flush_tlb(void *arg)
{
	(void)arg;
	tlb_flush_all_local();
}

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
	lapic_send_ipi_others(VECTOR_IPI_HALT);
}

static void ap_main(struct cpu *cpu)
{
	percpu_init(cpu, cpu->id, cpu->apic_id);
	write_cr3(kernel_space.root);
	gdt_load(cpu);
	idt_load();
	cpu_features_init();
	lapic_enable();
	syscall_init_this_cpu();
	sched_init_this_cpu();
	timer_start_this_cpu();
	__atomic_add_fetch(&cpus_online, 1, __ATOMIC_ACQ_REL);
	smp_idle();
}

static bool smp_start_one(struct cpu *cpu, uint64_t trampoline_phys)
{
	struct ap_trampoline_params *params =
		phys_to_virt(trampoline_phys + ((char *)&ap_trampoline_params - ap_trampoline_start));
	uint8_t *stack = kmalloc(KERNEL_STACK_SIZE);
	if (!stack)
		panic("smp: no memory for a CPU stack");
	cpu->kernel_stack_top = stack + KERNEL_STACK_SIZE;
	params->stack = (uint64_t)cpu->kernel_stack_top;
	params->cpu = (uint64_t)cpu;

	uint32_t before = cpus_online;
	lapic_send_init(cpu->apic_id);
	timer_delay_us(10000);
	for (int attempt = 0; attempt < 2 && cpus_online == before; attempt++) {
		lapic_send_startup(cpu->apic_id, (uint8_t)(trampoline_phys >> 12));
		timer_delay_us(200);
	}
	for (int ms = 0; ms < AP_STARTUP_TIMEOUT_MS && cpus_online == before; ms++)
		timer_delay_us(1000);
	return cpus_online != before;
}

static uint64_t trampoline_install(void)
{
	uint64_t phys = frame_alloc_contiguous(1, 1, 0x100000);
	if (phys == FRAME_NONE)
		panic("smp: no free page below 1 MiB for the AP trampoline");
	size_t size = (size_t)(ap_trampoline_end - ap_trampoline_start);
	uint8_t *page = phys_to_virt(phys);
	memcpy(page, ap_trampoline_start, size);
	struct ap_trampoline_params *params = (void *)(page + ((char *)&ap_trampoline_params - ap_trampoline_start));
	*(uint32_t *)(page + params->gdt_pointer_offset + 2) = (uint32_t)(phys + params->gdt_offset);
	*(uint32_t *)(page + params->long_mode_pointer_offset) = (uint32_t)(phys + params->long_mode_offset);
	params->cr3 = kernel_space.root;
	params->entry = (uint64_t)ap_main;
	/* The trampoline runs at its physical address for a few instructions after paging turns on. */
	if (vm_map(&kernel_space, 0, 0, LARGE_PAGE_SIZE, VM_WRITE | VM_EXEC | VM_LARGE))
		panic("smp: cannot identity-map the trampoline");
	return phys;
}

void smp_start(void)
{
	trap_set_handler(VECTOR_IPI_WAKE, ipi_wake);
	trap_set_handler(VECTOR_IPI_HALT, ipi_halt);
	tlb_init();
	uint64_t trampoline = trampoline_install();
	uint32_t my_apic = lapic_id(), next_id = 1;
	for (uint32_t i = 0; i < platform.madt.cpu_count && next_id < MAX_CPUS; i++) {
		uint32_t apic = platform.madt.apic_id[i];
		if (apic == my_apic)
			continue;
		struct cpu *cpu = &cpus[next_id];
		cpu->id = next_id;
		cpu->apic_id = apic;
		if (smp_start_one(cpu, trampoline))
			next_id++;
		else
			kprintf("smp: cpu with apic id %u did not start\n", apic);
	}
	/* Nothing but the trampoline used the identity map: drop it (unmap also flushes the TLB). */
	vm_unmap(&kernel_space, 0, LARGE_PAGE_SIZE, false);
	smp_run_on_all(flush_tlb, 0);
	frame_free(trampoline);
	kprintf("smp: %u cpus online\n", cpus_online);
}
