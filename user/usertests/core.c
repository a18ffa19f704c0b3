/*
 * A CPU of one's own (docs/architecture.md): a thread pinned alone to a CPU
 * takes no interrupt of any kind while another process maps, unmaps and
 * spawns on the other CPU; the per-CPU counters tell. And the time page: the
 * monotonic clock without a system call.
 */
#include <stdlib.h>
#include <time.h>
#include "user/usertests/usertests.h"

#define DEDICATED_CPU 1
#define WINDOW_NS (3 * UT_NS_PER_S)
#define SETTLE_NS (100 * UT_NS_PER_MS) /* a tick pending when the timer stopped is taken by then */
#define CHURN_MS "3600"                /* outlasts SETTLE_NS + WINDOW_NS */
#define CHURN_PAGES 16

struct pinned_spinner {
	bool pinned_by_another; /* else it pins itself */
	volatile long pinned;
	volatile int running, stop, done;
	volatile uint64_t spins;
};

static void pinned_spin(void *arg)
{
	struct pinned_spinner *s = arg;
	if (!s->pinned_by_another)
		s->pinned = os_thread_pin(0, DEDICATED_CPU);
	s->running = 1;
	while (!s->stop)
		s->spins++;
	s->done = 1;
}

static void wait_flag(volatile int *flag, const char *what)
{
	for (uint64_t end = ut_now_ns() + 5 * UT_NS_PER_S; !*flag && ut_now_ns() < end;)
		os_sleep_ns(UT_NS_PER_MS);
	ut_check(*flag, "%s did not happen within 5 s", what);
}

static void start_spinner(struct pinned_spinner *s)
{
	long tid = ut_expect_ok(os_thread_create(pinned_spin, s, 0), "thread_create");
	wait_flag(&s->running, "a pinned thread's start");
	if (s->pinned_by_another)
		s->pinned = os_thread_pin(tid, DEDICATED_CPU);
	ut_expect_ok(s->pinned, "thread_pin");
}

static unsigned long long delta(uint64_t after, uint64_t before) { return (unsigned long long)(after - before); }

static void cpu_counters(uint32_t cpu, struct sietch_counters *out)
{
	ut_expect_ok(os_counters(SIETCH_COUNTERS_CPU, cpu, out), "counters_read(CPU)");
}

/* Whether there is a CPU to dedicate; if not, the case says so and passes. */
static bool have_dedicated_cpu(void)
{
	struct sietch_counters system;
	ut_expect_ok(os_counters(SIETCH_COUNTERS_SYSTEM, 0, &system), "counters_read(SYSTEM)");
	if (system.cpus > DEDICATED_CPU)
		return true;
	ut_say("%s: %llu CPU, nothing to dedicate\n", ut_name, (unsigned long long)system.cpus);
	return false;
}

void case_dedicated_core(void)
{
	struct sietch_counters before, after, other_before, other_after;
	if (!have_dedicated_cpu())
		return;
	static struct pinned_spinner spinner;
	start_spinner(&spinner);

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
	wait_flag(&spinner.done, "the pinned thread's end");

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

#define CLOCK_READS 1000
#define SLEEP_NS (20 * UT_NS_PER_MS)

/* The monotonic clock without a system call: the time page. */
/* The kernel's reading of clock lies between two of the time page's. */
static void expect_kernel_agrees(unsigned clock, const char *name)
{
	uint64_t kernel_ns, before = (uint64_t)os_clock_ns(clock);
	ut_expect_ok(os_raw_clock_get(clock, &kernel_ns), "clock_get");
	uint64_t after = (uint64_t)os_clock_ns(clock);
	ut_check(before <= kernel_ns && kernel_ns <= after, "the kernel's %s clock says %llu ns, between %llu and %llu",
		 name, (unsigned long long)kernel_ns, (unsigned long long)before, (unsigned long long)after);
}

void case_time_page(void)
{
	const struct sietch_time_page *tp = (const struct sietch_time_page *)SIETCH_TIME_PAGE;
	ut_check(tp->version == SIETCH_TIME_PAGE_VERSION, "the time page says version %u", tp->version);
	ut_check(tp->tsc_hz && tp->mult, "the time page holds no TSC rate");

	struct sietch_counters a, b;
	long ra = os_counters(SIETCH_COUNTERS_SELF, 0, &a);
	uint64_t first = (uint64_t)os_clock_ns(SIETCH_CLOCK_MONOTONIC), last = first, backwards = 0;
	for (int i = 1; i < CLOCK_READS; i++) {
		uint64_t now = (uint64_t)os_clock_ns(SIETCH_CLOCK_MONOTONIC);
		backwards += now < last;
		last = now;
	}
	time_t wall = time(NULL); /* newlib: gettimeofday, the real-time clock */
	long rb = os_counters(SIETCH_COUNTERS_SELF, 0, &b);
	ut_expect_ok(ra, "counters_read(SELF)");
	ut_expect_ok(rb, "counters_read(SELF)");
	ut_say("time-page: %d clock reads and a time() in %llu ns, %llu system calls\n", CLOCK_READS,
	       (unsigned long long)(last - first), delta(b.syscalls, a.syscalls) - 1);
	/* One process, one thread: the second counters_read is the only call in between. */
	ut_check(b.syscalls - a.syscalls == 1, "%d clock reads and a time() made %llu system calls", CLOCK_READS,
		 delta(b.syscalls, a.syscalls) - 1);
	ut_check(!backwards, "the clock went backwards %llu times in %d reads", (unsigned long long)backwards,
		 CLOCK_READS);
	ut_check(last > first, "the clock stood still over %d reads", CLOCK_READS);
	ut_check(wall != (time_t)-1, "time() failed");

	/* The kernel's clocks are the same formulas over the same numbers. */
	expect_kernel_agrees(SIETCH_CLOCK_MONOTONIC, "monotonic");
	expect_kernel_agrees(SIETCH_CLOCK_REALTIME, "real-time");
	uint64_t before = (uint64_t)os_clock_ns(SIETCH_CLOCK_MONOTONIC);
	os_sleep_ns(SLEEP_NS);
	uint64_t woke = (uint64_t)os_clock_ns(SIETCH_CLOCK_MONOTONIC);
	ut_check(woke - before >= SLEEP_NS, "a 20 ms sleep ended after %llu ns", (unsigned long long)(woke - before));

	ut_expect_helper_status("write-time-page", UT_STATUS_FAULT);
}

void helper_write_time_page(void) { *(volatile uint32_t *)SIETCH_TIME_PAGE = 0; }

/* ---- sharing a dedicated CPU, sleeping on it, being killed on it ---- */

#define SHARE_WINDOW_NS (300 * UT_NS_PER_MS)
#define NAPS 5
#define NAP_NS (10 * UT_NS_PER_MS)

/* The interrupts CPU DEDICATED_CPU takes over SHARE_WINDOW_NS, after SETTLE_NS. */
static uint64_t window_interrupts(struct sietch_counters *d)
{
	struct sietch_counters a, b;
	os_sleep_ns(SETTLE_NS);
	cpu_counters(DEDICATED_CPU, &a);
	os_sleep_ns(SHARE_WINDOW_NS);
	cpu_counters(DEDICATED_CPU, &b);
	d->ticks = b.ticks - a.ticks;
	d->ipis = b.ipis - a.ipis;
	d->device_interrupts = b.device_interrupts - a.device_interrupts;
	return b.interrupts - a.interrupts;
}

static struct {
	volatile int done;
	volatile uint64_t short_naps;
	volatile long pinned;
} napper;

static void pinned_naps(void *arg)
{
	(void)arg;
	napper.pinned = os_thread_pin(0, DEDICATED_CPU);
	for (int i = 0; i < NAPS; i++) {
		uint64_t start = ut_now_ns();
		os_sleep_ns(NAP_NS);
		napper.short_naps += ut_now_ns() - start < NAP_NS;
	}
	napper.done = 1;
}

/* The tick comes back for a second thread and goes again after it; a thread pinned by another moves
 * and is left alone too; sleepers there wake; kill reaches. */
void case_dedicated_share(void)
{
	struct sietch_counters alone, shared, alone_again, moved;
	if (!have_dedicated_cpu())
		return;
	static struct pinned_spinner first, second;
	start_spinner(&first);
	uint64_t alone_irqs = window_interrupts(&alone);
	start_spinner(&second);
	uint64_t spins[2] = {first.spins, second.spins};
	uint64_t shared_irqs = window_interrupts(&shared);
	uint64_t progress[2] = {first.spins - spins[0], second.spins - spins[1]};
	second.stop = 1;
	wait_flag(&second.done, "the second thread's end");
	uint64_t again_irqs = window_interrupts(&alone_again);
	first.stop = 1;
	wait_flag(&first.done, "the first thread's end");
	static struct pinned_spinner third = {.pinned_by_another = true};
	start_spinner(&third);
	uint64_t third_spins = third.spins, moved_irqs = window_interrupts(&moved);
	third_spins = third.spins - third_spins;
	third.stop = 1;
	wait_flag(&third.done, "the third thread's end");
	ut_say("dedicated-share: cpu %d took %llu interrupts alone, %llu (%llu ticks) shared by two threads, "
	       "%llu alone again, %llu with a thread another pinned\n", DEDICATED_CPU, (unsigned long long)alone_irqs,
	       (unsigned long long)shared_irqs, (unsigned long long)shared.ticks, (unsigned long long)again_irqs,
	       (unsigned long long)moved_irqs);
	ut_check(alone_irqs == 0, "cpu %d took %llu interrupts with one thread", DEDICATED_CPU,
		 (unsigned long long)alone_irqs);
	ut_check(progress[0] && progress[1], "two threads pinned to one CPU: spins grew by %llu and %llu",
		 (unsigned long long)progress[0], (unsigned long long)progress[1]);
	ut_check(shared.ticks > 0, "no tick on cpu %d while two threads shared it", DEDICATED_CPU);
	ut_check(again_irqs == 0, "cpu %d took %llu interrupts once one thread was left", DEDICATED_CPU,
		 (unsigned long long)again_irqs);
	ut_check(third_spins > 0, "the thread pinned by another did not run");
	ut_check(moved_irqs == 0, "cpu %d took %llu interrupts with a thread another pinned there", DEDICATED_CPU,
		 (unsigned long long)moved_irqs);

	ut_expect_ok(os_thread_create(pinned_naps, NULL, 0), "thread_create");
	wait_flag(&napper.done, "a pinned thread's naps");
	ut_expect_ok(napper.pinned, "thread_pin");
	ut_check(napper.short_naps == 0, "%llu of %d sleeps on cpu %d ended early", (unsigned long long)napper.short_naps,
		 NAPS, DEDICATED_CPU);

	long spinner = ut_spawn_helper("spin-pinned", NULL);
	os_sleep_ns(SETTLE_NS);
	ut_expect_ok(os_kill(spinner, UT_STATUS_KILLED), "kill");
	int status = ut_wait_close(spinner);
	ut_check(status == UT_STATUS_KILLED, "a killed pinned spinner ended with %d", status);
}

void helper_spin_pinned(void)
{
	if (os_thread_pin(0, DEDICATED_CPU) < 0)
		exit(1);
	for (volatile unsigned long n = 0;; n++)
		;
}
