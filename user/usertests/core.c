/*
 * A CPU of one's own (docs/architecture.md): a thread pinned alone to a CPU
 * takes no interrupt of any kind while another process maps, unmaps and
 * spawns on the other CPU. The per-CPU counters tell.
 */
#include <stdlib.h>
#include "user/usertests/usertests.h"

#define DEDICATED_CPU 1
#define WINDOW_NS (3 * UT_NS_PER_S)
#define SETTLE_NS (100 * UT_NS_PER_MS) /* a tick pending when the timer stopped is taken by then */
#define CHURN_MS "3600"                /* outlasts SETTLE_NS + WINDOW_NS */
#define CHURN_PAGES 16

static struct {
	volatile long pinned; /* thread_pin's result, once it has returned */
	volatile int ready, stop;
	volatile uint64_t spins;
} spinner = {.pinned = 1};

static void spin(void *arg)
{
	(void)arg;
	spinner.pinned = os_thread_pin(DEDICATED_CPU);
	spinner.ready = 1;
	while (!spinner.stop)
		spinner.spins++;
}

static unsigned long long delta(uint64_t after, uint64_t before) { return (unsigned long long)(after - before); }

static void cpu_counters(uint32_t cpu, struct sietch_counters *out)
{
	ut_expect_ok(os_counters(SIETCH_COUNTERS_CPU, cpu, out), "counters_read(CPU)");
}

void case_dedicated_core(void)
{
	struct sietch_counters system, before, after, other_before, other_after;
	ut_expect_ok(os_counters(SIETCH_COUNTERS_SYSTEM, 0, &system), "counters_read(SYSTEM)");
	if (system.cpus <= DEDICATED_CPU) {
		ut_say("dedicated-core: %llu CPU, nothing to dedicate\n", (unsigned long long)system.cpus);
		return;
	}
	ut_expect_ok(os_thread_create(spin, NULL, 0), "thread_create");
	for (uint64_t end = ut_now_ns() + 5 * UT_NS_PER_S; !spinner.ready && ut_now_ns() < end;)
		os_sleep_ns(UT_NS_PER_MS);
	ut_check(spinner.ready, "the spinning thread did not start within 5 s");
	ut_expect_ok(spinner.pinned, "thread_pin");

	long churn = ut_spawn_helper("churn", CHURN_MS, NULL);
	os_sleep_ns(SETTLE_NS);
	cpu_counters(DEDICATED_CPU, &before);
	cpu_counters(0, &other_before);
	uint64_t spins = spinner.spins, start = ut_now_ns();
	os_sleep_ns(WINDOW_NS);
	cpu_counters(DEDICATED_CPU, &after);
	cpu_counters(0, &other_after);
	uint64_t ms = (ut_now_ns() - start) / UT_NS_PER_MS;
	spins = spinner.spins - spins;
	spinner.stop = 1;
	int status = ut_wait_close(churn);

	ut_say("dedicated-core: cpu %d over %llu ms: %llu interrupts (%llu ticks, %llu IPIs, %llu device), "
	       "%llu million spins; cpu 0 meanwhile: %llu interrupts (%llu ticks, %llu IPIs, %llu device)\n",
	       DEDICATED_CPU, (unsigned long long)ms, delta(after.interrupts, before.interrupts),
	       delta(after.ticks, before.ticks), delta(after.ipis, before.ipis),
	       delta(after.device_interrupts, before.device_interrupts), (unsigned long long)(spins / 1000000),
	       delta(other_after.interrupts, other_before.interrupts), delta(other_after.ticks, other_before.ticks),
	       delta(other_after.ipis, other_before.ipis),
	       delta(other_after.device_interrupts, other_before.device_interrupts));
	char text[48];
	ut_check(status == 0, "the churning process failed: %s", ut_status_text(status, text, sizeof(text)));
	ut_check(spins > 0, "the pinned thread did not run during the window");
	ut_check(after.interrupts == before.interrupts, "cpu %d took %llu interrupts while dedicated", DEDICATED_CPU,
		 delta(after.interrupts, before.interrupts));
	ut_check(other_after.ticks > other_before.ticks, "cpu 0 took no tick in %llu ms: are the counters counting?",
		 (unsigned long long)ms);
}

/* churn MS: maps, touches and unmaps memory and spawns a process, over and over for MS milliseconds. */
void helper_churn(void)
{
	uint64_t end = ut_now_ns() + (uint64_t)atol(ut_argc > 0 ? ut_argv[0] : "0") * UT_NS_PER_MS;
	unsigned rounds = 0;
	do {
		long addr = os_mem_map(NULL, CHURN_PAGES * OS_PAGE_SIZE, SIETCH_PROT_READ | SIETCH_PROT_WRITE, 0);
		if (addr < 0)
			exit(1);
		for (unsigned page = 0; page < CHURN_PAGES; page++)
			((volatile char *)addr)[page * OS_PAGE_SIZE] = 1;
		if (os_mem_unmap((void *)addr, CHURN_PAGES * OS_PAGE_SIZE) < 0)
			exit(2);
		char *argv[] = {"usertests", "-c", "nop", NULL};
		long child = os_spawn(UT_PATH, argv);
		int status = -1;
		if (child < 0 || os_wait(child, &status) < 0 || status != 0)
			exit(3);
		os_close(child);
		rounds++;
	} while (ut_now_ns() < end);
	exit(rounds > 1 ? 0 : 4);
}
