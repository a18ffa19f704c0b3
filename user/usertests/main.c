/*
 * The runner (usertests.h explains the command line and the output): each
 * case runs as `usertests -c NAME` in a child, watched by a thread that kills
 * the child if it outlives its time limit, so a hung case is a failure and
 * not the end of the run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "user/usertests/usertests.h"

static const struct ut_case cases[] = {
	/* processes */
	{"spawn", case_spawn, false, 0},
	{"argv", case_argv, false, 0},
	{"kill", case_kill, false, 0},
	{"kill-creating", case_kill_creating, false, 0},
	{"console-group", case_console_group, false, 0},
	/* memory */
	{"mem-kernel-read", case_mem_kernel_read, false, 0},
	{"mem-text-write", case_mem_text_write, false, 0},
	{"mem-isolation", case_mem_isolation, false, 0},
	{"mem-map", case_mem_map, false, 0},
	{"stack-overflow", case_stack_overflow, false, 0},
	{"mem-unmap-threads", case_mem_unmap_threads, false, 0},
	/* the CPU */
	{"privileged", case_privileged, false, 0},
	{"illegal", case_illegal, false, 0},
	{"divide", case_divide, false, 0},
	/* every system call with bad arguments */
	{"badargs-proc", case_badargs_proc, false, 0},
	{"badargs-thread", case_badargs_thread, false, 0},
	{"badargs-mem", case_badargs_mem, false, 0},
	{"badargs-file", case_badargs_file, false, 0},
	{"badargs-ipc", case_badargs_ipc, false, 0},
	{"badargs-numbers", case_badargs_numbers, false, 0},
	{"badargs-vm", case_badargs_vm, false, 0},
	/* threads and IPC */
	{"threads", case_threads, false, 0},
	{"fpu-threads", case_fpu_threads, false, 0},
	{"notify", case_notify, false, 0},
	{"ipc-threads", case_ipc_threads, false, 0},
	{"ipc-many", case_ipc_many, false, 0},
	{"ipc-busy-cpu", case_ipc_busy_cpu, false, 0},
	{"exit-threads", case_exit_threads, false, 0},
	{"thread-limit", case_thread_limit, false, 0},
	{"spawn-threads", case_spawn_threads, false, 0},
	{"ipc-process", case_ipc_process, false, 0},
	{"ipc-server-death", case_ipc_server_death, false, 0},
	{"shm", case_shm, false, 0},
	{"handles", case_handles, false, 0},
	{"counters", case_counters, false, 0},
	{"pci-list", case_pci_list, false, 0},
	{"time-page", case_time_page, false, 0},
	{"dedicated-core", case_dedicated_core, false, 0},
	{"dedicated-share", case_dedicated_share, false, 0},
	/* the C library */
	{"libc-printf", case_libc_printf, false, 0},
	{"libc-malloc", case_libc_malloc, false, 0},
	{"libc-stdlib", case_libc_stdlib, false, 0},
	{"libc-time", case_libc_time, false, 0},
	{"libc-threads", case_libc_threads, false, 0},
	{"files", case_files, false, 0},
	/* resources come back */
	{"alloc-limit", case_alloc_limit, false, 60},
	{"frames", case_frames, false, 90},
	{"proc-limit", case_proc_limit, false, 90},
	{"spawn-nomem", case_spawn_nomem, false, 60},
	{"fuzz", case_fuzz, false, 120},
	/* last: when it fails, the kernel may not survive it */
	{"sleepers", case_sleepers, false, 0},

	/* helpers */
	{"nop", helper_nop, true, 0},
	{"churn", helper_churn, true, 0},
	{"spin-pinned", helper_spin_pinned, true, 0},
	{"write-time-page", helper_write_time_page, true, 0},
	{"exit", helper_exit, true, 0},
	{"argv-check", helper_argv, true, 0},
	{"sleep-forever", helper_sleep_forever, true, 0},
	{"spin-forever", helper_spin_forever, true, 0},
	{"sleep-for", helper_sleep_for, true, 0},
	{"spawn-sleepers", helper_spawn_sleepers, true, 0},
	{"alloc-until-refused", helper_alloc_until_refused, true, 0},
	{"block-receive", helper_block_receive, true, 0},
	{"block-notify", helper_block_notify, true, 0},
	{"block-console", helper_block_console, true, 0},
	{"spawn-reader", helper_spawn_reader, true, 0},
	{"block-threads", helper_block_threads, true, 0},
	{"sleeper-threads", helper_sleepers, true, 0},
	{"unmap-under-reader", helper_unmap_under_reader, true, 0},
	{"exit-with-threads", helper_exit_with_threads, true, 0},
	{"thread-exits-process", helper_thread_exits_process, true, 0},
	{"main-thread-exits", helper_main_thread_exits, true, 0},
	{"malloc-threads", helper_malloc_threads, true, 0},
	{"hold-memory", helper_hold_memory, true, 0},
	{"create-waiters", helper_create_waiters, true, 0},
	{"exit-while-creating", helper_exit_while_creating, true, 0},
	{"read-kernel", helper_read_kernel, true, 0},
	{"write-text", helper_write_text, true, 0},
	{"secret-writer", helper_secret_writer, true, 0},
	{"secret-reader", helper_secret_reader, true, 0},
	{"secret-mapper", helper_secret_mapper, true, 0},
	{"write-readonly", helper_write_readonly, true, 0},
	{"exec-data", helper_exec_data, true, 0},
	{"use-after-unmap", helper_use_after_unmap, true, 0},
	{"recurse", helper_recurse, true, 0},
	{"hlt", helper_hlt, true, 0},
	{"cli", helper_cli, true, 0},
	{"port-io", helper_port_io, true, 0},
	{"ud2", helper_ud2, true, 0},
	{"div-zero", helper_div_zero, true, 0},
	{"div-overflow", helper_div_overflow, true, 0},
	{"thread-bad-entry", helper_thread_bad_entry, true, 0},
	{"ipc-server", helper_ipc_server, true, 0},
	{"shm-writer", helper_shm_writer, true, 0},
	{"receive-and-hang", helper_receive_and_hang, true, 0},
};
#define CASE_COUNT (sizeof(cases) / sizeof(cases[0]))

static const struct ut_case *case_find(const char *name)
{
	for (size_t i = 0; i < CASE_COUNT; i++)
		if (strcmp(cases[i].name, name) == 0)
			return &cases[i];
	return NULL;
}

/* ---- The watchdog ---- */

#define WATCHDOG_PERIOD_NS (100 * UT_NS_PER_MS)

static struct {
	volatile long process;     /* the running case, or -1 */
	volatile uint64_t deadline; /* monotonic ns */
	volatile int fired;
} watchdog = {-1, 0, 0};

static void watchdog_run(void *arg)
{
	(void)arg;
	for (;;) {
		os_sleep_ns(WATCHDOG_PERIOD_NS);
		long process = watchdog.process;
		if (process >= 0 && ut_now_ns() > watchdog.deadline && !watchdog.fired) {
			watchdog.fired = 1;
			os_kill(process, UT_STATUS_KILLED);
		}
	}
}

/* ---- Running one case in a child ---- */

#define PROCS_MAX 256 /* the kernel's process table (kernel/proc/proc.h) */

#define REAP_LIMIT_NS (2 * UT_NS_PER_S)

/* Pids of processes running before the case started: what it left is what is running now and was not then. */
static uint32_t before[PROCS_MAX];
static long before_count;

static bool was_running_before(uint32_t pid)
{
	for (long i = 0; i < before_count; i++)
		if (before[i] == pid)
			return true;
	return false;
}

/* Processes running now other than this one and those running before the case, up to PROCS_MAX. */
static long running_others(struct sietch_proc_info *info)
{
	long n = os_proc_list(info, PROCS_MAX), self = os_self(), count = 0;
	for (long i = 0; i < n && i < PROCS_MAX; i++)
		if (info[i].state == 0 && info[i].pid != (uint32_t)self && !was_running_before(info[i].pid))
			info[count++] = info[i];
	return count;
}

static void note_running(void)
{
	static struct sietch_proc_info info[PROCS_MAX];
	long n = os_proc_list(info, PROCS_MAX);
	before_count = 0;
	for (long i = 0; i < n && i < PROCS_MAX; i++)
		if (info[i].state == 0)
			before[before_count++] = info[i].pid;
}

/*
 * Kills every process the case left running, and waits (a while, not
 * for ever) until they have ended. Called while the case that may have left
 * them is still a zombie, so that the kernel can see they descend from this
 * process and lets it open them. Returns how many there were; *stuck says
 * how many were still running at the end.
 */
static int reap_leftovers(int *stuck)
{
	static struct sietch_proc_info info[PROCS_MAX];
	long n = running_others(info);
	for (long i = 0; i < n; i++) {
		long h = os_proc_open(info[i].pid, SIETCH_RIGHT_KILL);
		if (h >= 0) {
			os_kill(h, UT_STATUS_KILLED);
			os_close(h);
		}
	}
	uint64_t deadline = ut_now_ns() + REAP_LIMIT_NS;
	long left = n;
	while (left > 0 && ut_now_ns() < deadline) {
		os_sleep_ns(UT_NS_PER_MS);
		left = running_others(info);
	}
	*stuck = (int)left;
	return (int)n;
}

enum verdict { PASSED, FAILED, SKIPPED };

static enum verdict run_case(const struct ut_case *c)
{
	char *argv[] = {"usertests", "-c", (char *)c->name, NULL};
	note_running();
	long h = os_spawn(UT_PATH, argv);
	if (h < 0) {
		ut_say("usertests: %s: fail: spawn: %s\n", c->name, os_strerror(h));
		return FAILED;
	}
	unsigned timeout_s = c->timeout_s ? c->timeout_s : UT_TIMEOUT_DEFAULT_S;
	watchdog.fired = 0;
	watchdog.deadline = ut_now_ns() + timeout_s * UT_NS_PER_S;
	watchdog.process = h;

	int status = -1;
	long r = os_wait(h, &status);
	watchdog.process = -1;
	int stuck, leftovers = reap_leftovers(&stuck);
	os_close(h);

	char text[80];
	if (r < 0)
		ut_say("usertests: %s: fail: wait: %s\n", c->name, os_strerror(r));
	else if (status == 0 && leftovers)
		ut_say("usertests: %s: fail: left %d processes running%s\n", c->name, leftovers,
		       stuck ? ", and kill did not end them" : "");
	else if (status == 0)
		ut_say("usertests: %s: pass\n", c->name);
	else if (watchdog.fired)
		ut_say("usertests: %s: fail: no verdict within %u s; killed\n", c->name, timeout_s);
	else if (status != UT_EXIT_FAILED && status != UT_EXIT_SKIPPED) /* those printed their own line */
		ut_say("usertests: %s: fail: exited with status %s\n", c->name,
		       ut_status_text(status, text, sizeof(text)));
	if (r == 0 && status == UT_EXIT_SKIPPED && !leftovers)
		return SKIPPED;
	return r == 0 && status == 0 && !leftovers ? PASSED : FAILED;
}

static int run_cases(int argc, char **argv)
{
	if (os_thread_create(watchdog_run, NULL, 0) < 0)
		ut_say("usertests: no watchdog thread: a hung case will hang the run\n");
	int counts[3] = {0, 0, 0}; /* by verdict */
	if (argc == 0) {
		for (size_t i = 0; i < CASE_COUNT; i++)
			if (!cases[i].helper)
				counts[run_case(&cases[i])]++;
	}
	for (int i = 0; i < argc; i++) {
		const struct ut_case *c = case_find(argv[i]);
		if (!c || c->helper) {
			ut_say("usertests: %s: fail: no such case\n", argv[i]);
			counts[FAILED]++;
			continue;
		}
		counts[run_case(c)]++;
	}
	if (counts[SKIPPED])
		ut_say("usertests: done: %d passed, %d failed, %d skipped\n", counts[PASSED], counts[FAILED],
		       counts[SKIPPED]);
	else
		ut_say("usertests: done: %d passed, %d failed\n", counts[PASSED], counts[FAILED]);
	return counts[FAILED] ? 1 : 0;
}

/* `usertests -c NAME ARGS...`: this process is the case (or helper) itself. */
static int run_here(const char *name, int argc, char **argv)
{
	const struct ut_case *c = case_find(name);
	if (!c)
		return 2;
	ut_name = c->name;
	ut_is_helper = c->helper;
	ut_argc = argc;
	ut_argv = argv;
	c->run();
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "-c") == 0)
		return run_here(argv[2], argc - 3, argv + 3);
	if (argc >= 2 && strcmp(argv[1], "-l") == 0) {
		for (size_t i = 0; i < CASE_COUNT; i++)
			if (!cases[i].helper)
				printf("%s\n", cases[i].name);
		return 0;
	}
	return run_cases(argc > 0 ? argc - 1 : 0, argv + 1);
}
