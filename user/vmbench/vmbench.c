/*
 * vmbench [--ms MS] [PHASE[=N]]...
 *
 * The workloads of the virtual-machine benchmark (tools/vmbench), run the
 * same way on the host and inside a guest, so that their costs compare:
 *
 *   cpu      N rounds of an arithmetic loop that touches no memory
 *   syscall  N system calls (proc_self: the cheapest there is)
 *   touch    N fresh pages: mem_map 256 pages, write one byte in each, unmap,
 *            again (Sietch maps eagerly, so the guest kernel takes no fault;
 *            a shadow-paged guest faults into its host on every first touch)
 *   spawn    N children started and waited for (each `vmbench exit`)
 *   console  N characters written to the console, in lines of 64
 *
 * A phase without =N runs for MS milliseconds (default 1000) by the clock of
 * the machine it runs on: as init (init=/bin/vmbench in a guest's command
 * line) the program has no arguments and runs every phase that way.
 *
 * Each phase prints `vmbench: begin PHASE` and then
 * `vmbench: end PHASE ops=N ns=T syscalls=S page_faults=P ticks=K` with the
 * whole system's counters over the phase. `vmm --mark vmbench:` reads the
 * VM's exit counters after each of these lines, which is how the benchmark
 * learns the exits of each phase.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/os/os.h"

#define TOUCH_BATCH 256 /* pages per mapping in the touch phase */
#define CONSOLE_LINE 64 /* characters per line in the console phase, the newline included */
#define CLOCK_EVERY 64	/* cpu and syscall phases look at the clock once per this many operations */

struct phase {
	const char *name;
	void (*run)(uint64_t count); /* count operations */
	uint64_t step;		     /* how many operations one call of run does when timed */
};

static volatile uint64_t sink; /* keeps the CPU loop from being optimized away */

static void cpu_loop(uint64_t count)
{
	uint64_t x = sink | 1;
	for (uint64_t i = 0; i < count; i++)
		x = x * 6364136223846793005ull + 1442695040888963407ull; /* Knuth's MMIX LCG */
	sink = x;
}

static void syscall_loop(uint64_t count)
{
	for (uint64_t i = 0; i < count; i++)
		os_self();
}

static void touch_pages(uint64_t count)
{
	while (count) {
		uint64_t pages = count < TOUCH_BATCH ? count : TOUCH_BATCH;
		long addr = os_mem_map(0, pages * OS_PAGE_SIZE, SIETCH_PROT_READ | SIETCH_PROT_WRITE, 0);
		if (addr < 0) {
			printf("vmbench: mem_map: %s\n", os_strerror(addr));
			exit(1);
		}
		for (uint64_t i = 0; i < pages; i++)
			((volatile char *)addr)[i * OS_PAGE_SIZE] = 1;
		os_mem_unmap((void *)addr, pages * OS_PAGE_SIZE);
		count -= pages;
	}
}

static void spawn_children(uint64_t count)
{
	char *const argv[] = { "vmbench", "exit", 0 };
	for (uint64_t i = 0; i < count; i++) {
		long child = os_spawn("/bin/vmbench", argv);
		if (child < 0) {
			printf("vmbench: spawn /bin/vmbench: %s\n", os_strerror(child));
			exit(1);
		}
		int status;
		os_wait(child, &status);
		os_close(child);
	}
}

static void console_chars(uint64_t count)
{
	char line[CONSOLE_LINE];
	memset(line, 'x', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\n';
	while (count) {
		size_t n = count < sizeof(line) ? (size_t)count : sizeof(line);
		line[n - 1] = '\n';
		fwrite(line, 1, n, stdout);
		fflush(stdout);
		line[n - 1] = 'x';
		count -= n;
	}
}

static const struct phase phases[] = {
	{ "cpu", cpu_loop, 1u << 16 },
	{ "syscall", syscall_loop, CLOCK_EVERY },
	{ "touch", touch_pages, TOUCH_BATCH },
	{ "spawn", spawn_children, 1 },
	{ "console", console_chars, CONSOLE_LINE },
};

static uint64_t now_ns(void) { return (uint64_t)os_clock_ns(SIETCH_CLOCK_MONOTONIC); }

static void system_counters(struct sietch_counters *c)
{
	if (os_counters(SIETCH_COUNTERS_SYSTEM, 0, c) < 0)
		memset(c, 0, sizeof(*c));
}

/* Runs p for count operations, or (count 0) for ms milliseconds; prints what it did. */
static void run_phase(const struct phase *p, uint64_t count, uint64_t ms)
{
	printf("vmbench: begin %s\n", p->name);
	fflush(stdout);
	struct sietch_counters before, after;
	system_counters(&before);
	uint64_t start = now_ns(), ops = 0;
	if (count) {
		p->run(count);
		ops = count;
	} else {
		do {
			p->run(p->step);
			ops += p->step;
		} while (now_ns() - start < ms * 1000000ull);
	}
	uint64_t ns = now_ns() - start;
	system_counters(&after);
	printf("vmbench: end %s ops=%llu ns=%llu syscalls=%llu page_faults=%llu ticks=%llu\n", p->name,
	       (unsigned long long)ops, (unsigned long long)ns, (unsigned long long)(after.syscalls - before.syscalls),
	       (unsigned long long)(after.page_faults - before.page_faults),
	       (unsigned long long)(after.ticks - before.ticks));
	fflush(stdout);
}

static const struct phase *phase_named(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(phases) / sizeof(phases[0]); i++)
		if (strlen(phases[i].name) == len && strncmp(phases[i].name, name, len) == 0)
			return &phases[i];
	return 0;
}

static int usage(void)
{
	printf("usage: vmbench [--ms MS] [cpu|syscall|touch|spawn|console[=N]]...\n");
	return 2;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "exit") == 0)
		return 0; /* a child of the spawn phase */
	uint64_t ms = 1000;
	int first = 1;
	if (argc > 2 && strcmp(argv[1], "--ms") == 0) {
		ms = strtoull(argv[2], 0, 10);
		first = 3;
	}
	if (!ms)
		return usage();
	bool any = false;
	for (int i = first; i < argc; i++) {
		const char *eq = strchr(argv[i], '=');
		const struct phase *p = phase_named(argv[i], eq ? (size_t)(eq - argv[i]) : strlen(argv[i]));
		if (!p)
			return usage();
		run_phase(p, eq ? strtoull(eq + 1, 0, 10) : 0, ms);
		any = true;
	}
	if (!any)
		for (size_t i = 0; i < sizeof(phases) / sizeof(phases[0]); i++)
			run_phase(&phases[i], 0, ms);
	printf("vmbench: done\n");
	return 0;
}
