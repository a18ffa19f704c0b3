/* Self-tests of what every CPU must be able to do. */
#include "kernel/arch/cpu.h"
#include "kernel/arch/percpu.h"
#include "kernel/arch/platform.h"
#include "kernel/arch/smp.h"
#include "kernel/arch/spinlock.h"
#include "kernel/arch/timer.h"
#include "kernel/test/ktest.h"

KTEST(smp_all_cpus_online)
{
	KTEST_EXPECT(cpus_online == platform.madt.cpu_count, "%u of %u cpus online", cpus_online,
		     platform.madt.cpu_count);
	for (uint32_t i = 0; i < cpus_online; i++)
		for (uint32_t j = i + 1; j < cpus_online; j++)
			KTEST_EXPECT(cpus[i].apic_id != cpus[j].apic_id, "cpus %u and %u share an apic id", i, j);
	return 0;
}

static volatile uint32_t ran_on[MAX_CPUS];

static void mark_cpu(void *arg)
{
	(void)arg;
	ran_on[this_cpu()->id]++;
}

KTEST(smp_run_on_all)
{
	smp_run_on_all(mark_cpu, 0);
	for (uint32_t i = 0; i < cpus_online; i++)
		KTEST_EXPECT(ran_on[i] == 1, "cpu %u ran the work %u times", i, ran_on[i]);
	return 0;
}

KTEST(timer_ticks_on_every_cpu)
{
	uint64_t before[MAX_CPUS];
	for (uint32_t i = 0; i < cpus_online; i++)
		before[i] = cpus[i].ticks;
	/* Wait for ticks, not for a time: under a slow emulator time is only loosely related. */
	for (uint64_t spins = 0; spins < 2000000000ull; spins++) {
		uint32_t ticking = 0;
		for (uint32_t i = 0; i < cpus_online; i++)
			ticking += cpus[i].ticks > before[i] + 2;
		if (ticking == cpus_online)
			return 0;
		cpu_relax();
	}
	for (uint32_t i = 0; i < cpus_online; i++)
		KTEST_EXPECT(cpus[i].ticks > before[i] + 2, "cpu %u took no timer interrupts", i);
	return 0;
}

KTEST(timer_monotonic)
{
	uint64_t a = timer_now_ns();
	timer_delay_us(1000);
	uint64_t b = timer_now_ns();
	KTEST_EXPECT(b > a, "clock went from %lu to %lu", a, b);
	return 0;
}

static struct spinlock counter_lock = SPINLOCK_INIT("test_counter");
static volatile uint64_t shared_counter;
#define INCREMENTS 20000

static void increment_many(void *arg)
{
	(void)arg;
	for (int i = 0; i < INCREMENTS; i++) {
		spin_lock(&counter_lock);
		shared_counter = shared_counter + 1;
		spin_unlock(&counter_lock);
	}
}

KTEST(spinlock_smp_counter)
{
	shared_counter = 0;
	smp_run_on_all(increment_many, 0);
	KTEST_EXPECT(shared_counter == (uint64_t)INCREMENTS * cpus_online, "counter %lu, expected %lu",
		     shared_counter, (uint64_t)INCREMENTS * cpus_online);
	return 0;
}
