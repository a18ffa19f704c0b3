#include "kernel/proc/nohz.h"
#include "kernel/arch/ioapic.h"
#include "kernel/arch/lapic.h"
#include "kernel/arch/percpu.h"
#include "kernel/arch/timer.h"
#include "kernel/arch/trap.h"
#include "kernel/proc/sched.h"

static volatile bool tick_stopped[MAX_CPUS];

void nohz_tick_set(bool needed)
{
	uint32_t id = this_cpu()->id;
	if (needed && tick_stopped[id])
		lapic_timer_start(TIMER_HZ); /* the first tick comes a whole period later */
	else if (!needed && !tick_stopped[id])
		lapic_timer_stop();
	tick_stopped[id] = !needed;
}

bool nohz_tick_stopped(uint32_t cpu) { return cpu < MAX_CPUS && tick_stopped[cpu]; }

void nohz_cpu_dedicated(uint32_t cpu)
{
	/* CPU 0 is never dedicated, so it takes them. */
	if (cpu != 0 && cpu < cpus_online)
		ioapic_retarget(cpus[cpu].apic_id, cpus[0].apic_id);
}

static void ipi_resched(struct trap_frame *frame)
{
	(void)frame;
	sched_kicked();
}

void nohz_init(void) { trap_set_handler(VECTOR_IPI_RESCHED, ipi_resched); }
