/* Processes: spawn, exit statuses, wait, argv, kill, and many sleeping at once. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "drivers/console/os/console.h"
#include "user/usertests/usertests.h"

#define SPAWN_MANY 8
#define ARGV_MANY 59     /* with "usertests -c argv-check many 59": 64 in all */
#define ARGV_TOO_MANY 80 /* 85 in all: more than 64, well under the 2 KiB argument block */
#define ARGV_LONG 1000
#define ARGV_BLOCK_MIN 2048 /* what spawn takes today (kernel/ctl/sys_proc.c); less would break programs */
#define ARGV_BLOCK_BIG 8192

/* ---- helpers ---- */

void helper_nop(void) {}

/* exit N: exit() with status N, through the C library (stdio flushed). */
void helper_exit(void)
{
	exit(ut_argc > 0 ? atoi(ut_argv[0]) : 0);
}

void helper_sleep_forever(void)
{
	for (;;)
		os_sleep_ns(UT_NS_PER_S);
}

/* usertests -c sleep-for SECONDS: sleeps, then exits 0. */
void helper_sleep_for(void)
{
	os_sleep_ns((uint64_t)(ut_argc > 0 ? atoi(ut_argv[0]) : 1) * UT_NS_PER_S);
	os_exit(0);
}

/* usertests -c spawn-sleepers N SECONDS: N children that sleep SECONDS each; exits 0 once all
 * have, 3 if any could not be spawned or ended otherwise. A crowd for ps to list. */
void helper_spawn_sleepers(void)
{
	static long h[256];
	int n = ut_argc > 0 ? atoi(ut_argv[0]) : 1, started = 0, wrong = 0;
	char *seconds = ut_argc > 1 ? ut_argv[1] : "1";
	if (n > 256)
		n = 256;
	while (started < n && (h[started] = os_spawn(UT_PATH, (char *[]){"usertests", "-c", "sleep-for", seconds, NULL})) >= 0)
		started++;
	for (int i = 0; i < started; i++) {
		int status = -1;
		wrong += os_wait(h[i], &status) < 0 || status != 0;
		os_close(h[i]);
	}
	os_exit(started == n && !wrong ? 0 : 3);
}

void helper_spin_forever(void)
{
	for (volatile unsigned long n = 0;; n++)
		;
}

/* Blocked for good in one kernel wait or another, for kill to end. */
void helper_block_receive(void)
{
	struct sietch_msg m;
	os_receive(ut_expect_ok(os_endpoint_create(), "endpoint_create"), &m);
	os_exit(2);
}

void helper_block_notify(void)
{
	uint64_t bits;
	os_notify_wait(ut_expect_ok(os_notify_create(), "notify_create"), &bits);
	os_exit(2);
}

/* Lines someone types meanwhile are read and dropped, so only a kill ends it, or end of file
 * (a background job's reads see it at once): then status 2. */
void helper_block_console(void)
{
	char line[64];
	while (os_read(SIETCH_HANDLE_STDIN, line, sizeof(line)) > 0)
		;
	os_exit(2);
}

static void block_thread(void *arg)
{
	(void)arg;
	for (volatile unsigned long n = 0;; n++)
		;
}

/* Four threads spinning and the main thread blocked: kill must end them all. */
void helper_block_threads(void)
{
	for (int i = 0; i < 4; i++)
		os_thread_create(block_thread, NULL, 0);
	helper_block_receive();
}

static long never_signalled;

/* Waits for ever, unless its process's end wakes it (a kill or an exit). */
static void wait_thread(void *arg)
{
	(void)arg;
	uint64_t bits;
	os_notify_wait(never_signalled, &bits);
}

/* Creates threads that wait for ever, as fast as it can, until it is killed (or exits). */
void helper_create_waiters(void)
{
	never_signalled = os_notify_create();
	for (;;)
		if (os_thread_create(wait_thread, NULL, 16384) < 0)
			os_yield(); /* at the thread limit */
}

static void exit_soon(void *arg)
{
	os_sleep_ns((uint64_t)(uintptr_t)arg);
	os_exit(7);
}

/* exit-while-creating NS: a thread exits the process with 7 after NS ns while the main thread creates waiters. */
void helper_exit_while_creating(void)
{
	uint64_t ns = ut_argc > 0 ? strtoull(ut_argv[0], NULL, 10) : 0;
	if (os_thread_create(exit_soon, (void *)(uintptr_t)ns, 16384) < 0)
		os_exit(2);
	helper_create_waiters();
}

/* Sixty threads sleeping 100 ms at a time for a second, then exit 0. */
#define SLEEPER_THREADS 60
static volatile int sleepers_done;

static void sleeper_thread(void *arg)
{
	(void)arg;
	for (int i = 0; i < 10; i++)
		os_sleep_ns(100 * UT_NS_PER_MS);
	__atomic_add_fetch(&sleepers_done, 1, __ATOMIC_ACQ_REL);
}

void helper_sleepers(void)
{
	int created = 0;
	for (int i = 0; i < SLEEPER_THREADS; i++)
		created += os_thread_create(sleeper_thread, NULL, 16384) >= 0;
	uint64_t deadline = ut_now_ns() + 10 * UT_NS_PER_S;
	while (__atomic_load_n(&sleepers_done, __ATOMIC_ACQUIRE) < created && ut_now_ns() < deadline)
		os_sleep_ns(50 * UT_NS_PER_MS);
	os_exit(created == SLEEPER_THREADS && sleepers_done == created ? 0 : 3);
}
/* ---- spawn ---- */

/* The first child of this process in proc_list. */
static bool child_info(struct sietch_proc_info *out)
{
	struct sietch_proc_info info[64];
	long n = ut_expect_ok(os_proc_list(info, 64), "proc_list");
	for (long i = 0; i < n && i < 64; i++)
		if (info[i].parent == (uint32_t)os_self()) {
			*out = info[i];
			return true;
		}
	return false;
}

static int run_exit(const char *status)
{
	return ut_wait_close(ut_spawn_helper("exit", status, NULL));
}

/* Exit statuses come through, one child or several at once. */
static void spawn_statuses(void)
{
	ut_expect_helper_status("nop", 0);
	ut_check(run_exit("42") == 42, "child exited with 42, parent saw another status");
	ut_check(run_exit("255") == 255, "child exited with 255, parent saw another status");
	ut_check(run_exit("1") == 1, "child exited with 1, parent saw another status");

	long h[SPAWN_MANY];
	char status_text[SPAWN_MANY][8];
	for (int i = 0; i < SPAWN_MANY; i++) {
		snprintf(status_text[i], sizeof(status_text[i]), "%d", 10 + i);
		h[i] = ut_spawn_helper("exit", status_text[i], NULL);
	}
	for (int i = SPAWN_MANY - 1; i >= 0; i--) { /* in reverse order */
		int status = ut_wait_close(h[i]);
		ut_check(status == 10 + i, "child %d of %d exited with %d, parent saw %d", i, SPAWN_MANY, 10 + i, status);
	}
}

/* A second wait sees the same status while the handle is open; after close, and for bogus handles, EBADF. */
static void spawn_wait_handles(void)
{
	long child = ut_spawn_helper("exit", "42", NULL);
	int first = -1, second = -1, status;
	ut_expect_ok(os_wait(child, &first), "wait");
	ut_expect_ok(os_wait(child, &second), "second wait");
	ut_check(first == 42 && second == 42, "wait twice: %d then %d, wanted 42 twice", first, second);
	ut_expect_ok(os_close(child), "close of a process handle");

	ut_expect_error(os_wait(child, &status), SIETCH_EBADF, "wait on a closed process handle");
	ut_expect_error(os_wait(9999, &status), SIETCH_EBADF, "wait on handle 9999");
	ut_expect_error(os_wait(-1, &status), SIETCH_EBADF, "wait on handle -1");
	ut_expect_error(os_wait(SIETCH_HANDLE_STDOUT, &status), SIETCH_EBADF, "wait on the console handle");
	ut_expect_error(os_spawn("/bin/no-such-program", NULL), SIETCH_ENOENT, "spawn of a missing program");
	ut_expect_error(os_spawn("/bin", NULL), SIETCH_EISDIR, "spawn of a directory");

	/* The handle spawn returns: a process, with WAIT, KILL and DUP. */
	child = ut_spawn_helper("nop", NULL);
	struct sietch_stat st;
	ut_expect_ok(os_stat(child, &st), "stat of a process handle");
	unsigned want = SIETCH_RIGHT_WAIT | SIETCH_RIGHT_KILL | SIETCH_RIGHT_DUP;
	ut_check(st.type == SIETCH_TYPE_PROCESS && (st.rights & want) == want,
		 "spawn's handle has type %u rights %#x, wanted a process with at least %#x", st.type, st.rights, want);
	ut_check(ut_wait_close(child) == 0, "nop child failed");
}

/* proc_list follows a child: running, then exited while a handle holds it, then gone. */
static void spawn_proc_list(void)
{
	long child = ut_spawn_helper("sleep-forever", NULL);
	struct sietch_proc_info info;
	int status;
	ut_check(child_info(&info) && info.state == 0 && strcmp(info.name, "usertests") == 0,
		 "a running child is missing from proc_list or listed wrong");
	uint32_t pid = info.pid;
	ut_expect_ok(os_kill(child, UT_STATUS_KILLED), "kill");
	ut_expect_ok(os_wait(child, &status), "wait");
	ut_check(child_info(&info) && info.pid == pid && info.state == 1 && info.threads == 0 && info.pages == 0,
		 "an exited child is missing from proc_list or listed as still running");
	long again = ut_expect_ok(os_proc_open(pid, SIETCH_RIGHT_WAIT), "proc_open of an exited child");
	ut_expect_ok(os_wait(again, &status), "wait through proc_open's handle");
	ut_check(status == UT_STATUS_KILLED, "wait through a second handle gives %d", status);
	os_close(again);
	os_close(child);
	ut_check(!child_info(&info), "a child whose handles are all closed is still in proc_list (pid %u)", info.pid);
}

void case_spawn(void)
{
	spawn_statuses();
	spawn_wait_handles();
	spawn_proc_list();
}

/* ---- argv ---- */

static char argv_long[ARGV_LONG + 1];
static char argv_numbered[ARGV_TOO_MANY][8];

static const char *const argv_fixed[] = {"one", "", "two words", "-c", "\t\x01\x7f\xff"};
#define ARGV_FIXED (sizeof(argv_fixed) / sizeof(argv_fixed[0]))

static void argv_build(void)
{
	memset(argv_long, 'L', ARGV_LONG);
	argv_long[ARGV_LONG] = '\0';
	for (int i = 0; i < ARGV_TOO_MANY; i++)
		snprintf(argv_numbered[i], sizeof(argv_numbered[i]), "a%d", i);
}

/* The child's half: argv-check fixed | long | edge | many N. Exits 0 when argv is as sent. */
void helper_argv(void)
{
	argv_build();
	if (ut_argc < 1)
		os_exit(2);
	if (strcmp(ut_argv[0], "fixed") == 0) {
		if (ut_argc != 1 + (int)ARGV_FIXED)
			os_exit(3);
		for (size_t i = 0; i < ARGV_FIXED; i++)
			if (strcmp(ut_argv[1 + i], argv_fixed[i]) != 0)
				os_exit(10 + (int)i);
		os_exit(0);
	}
	if (strcmp(ut_argv[0], "edge") == 0) { /* edge SIZE EEE...: the whole block, argv[0] on, is SIZE bytes */
		size_t total = 0;
		for (int i = -3; i < ut_argc; i++) /* ut_argv[-3] is argv[0] */
			total += strlen(ut_argv[i]) + 1;
		bool all_e = ut_argc == 3 && strspn(ut_argv[2], "E") == strlen(ut_argv[2]);
		os_exit(all_e && total == strtoul(ut_argv[1], NULL, 10) ? 0 : 8);
	}
	if (strcmp(ut_argv[0], "long") == 0)
		os_exit(ut_argc == 2 && strcmp(ut_argv[1], argv_long) == 0 ? 0 : 4);
	if (strcmp(ut_argv[0], "many") == 0) {
		int n = ut_argc > 1 ? atoi(ut_argv[1]) : -1;
		if (ut_argc != 2 + n)
			os_exit(5);
		for (int i = 0; i < n; i++)
			if (strcmp(ut_argv[2 + i], argv_numbered[i]) != 0)
				os_exit(6);
		os_exit(0);
	}
	os_exit(7);
}

/* Spawns usertests -c argv-check with extra arguments; returns the spawn result. */
static long argv_spawn(char **extra, int count)
{
	char *argv[ARGV_TOO_MANY + 8] = {"usertests", "-c", "argv-check"};
	int argc = 3;
	for (int i = 0; i < count; i++)
		argv[argc++] = extra[i];
	argv[argc] = NULL;
	return os_spawn(UT_PATH, argv);
}

static void argv_expect(char **extra, int count, const char *what)
{
	long h = ut_expect_ok(argv_spawn(extra, count), what);
	int status = ut_wait_close(h);
	ut_check(status == 0, "%s: the child saw other arguments (its status %d)", what, status);
}

void case_argv(void)
{
	argv_build();
	char *fixed[1 + ARGV_FIXED] = {"fixed"};
	for (size_t i = 0; i < ARGV_FIXED; i++)
		fixed[1 + i] = (char *)argv_fixed[i];
	argv_expect(fixed, 1 + ARGV_FIXED, "argv with empty, spaced and high-bit arguments");

	char *long_args[] = {"long", argv_long};
	argv_expect(long_args, 2, "a 1000-byte argument");

	char count[8];
	char *many[ARGV_TOO_MANY + 2] = {"many", count};
	for (int i = 0; i < ARGV_TOO_MANY; i++)
		many[2 + i] = argv_numbered[i];
	snprintf(count, sizeof(count), "%d", ARGV_MANY);
	argv_expect(many, 2 + ARGV_MANY, "64 arguments");

	/* An argument block of 2 KiB arrives whole; one of 8 KiB arrives whole or is refused with E2BIG. */
	static char edge[ARGV_BLOCK_BIG];
	size_t fixed_part = sizeof("usertests\0-c\0argv-check\0edge\0" "2048"); /* NULs included */
	char *edge_args[] = {"edge", "2048", edge};
	memset(edge, 'E', sizeof(edge));
	edge[ARGV_BLOCK_MIN - fixed_part - 1] = '\0';
	argv_expect(edge_args, 3, "a 2048-byte argument block");
	edge_args[1] = "8192";
	edge[ARGV_BLOCK_MIN - fixed_part - 1] = 'E';
	edge[ARGV_BLOCK_BIG - fixed_part - 1] = '\0';
	long h = argv_spawn(edge_args, 3);
	if (h != -SIETCH_E2BIG) {
		ut_expect_ok(h, "spawn with an 8192-byte argument block");
		ut_check(ut_wait_close(h) == 0, "an 8192-byte argument block was accepted but did not arrive whole");
	}

	/* More arguments than fit: refused with E2BIG, or all delivered; never silently cut. */
	snprintf(count, sizeof(count), "%d", ARGV_TOO_MANY);
	h = argv_spawn(many, 2 + ARGV_TOO_MANY);
	if (h != -SIETCH_E2BIG) {
		ut_expect_ok(h, "spawn with 85 arguments");
		int status = ut_wait_close(h);
		ut_check(status == 0, "spawn with 85 arguments succeeded, but the child got "
			 "fewer: the rest were dropped without an error");
	}

	/* No argv at all: the path is argv[0]. */
	h = ut_expect_ok(os_spawn(UT_PATH, (char *[]){"usertests", "-c", "nop", NULL}), "spawn");
	ut_check(ut_wait_close(h) == 0, "nop failed");
}

/* ---- kill ---- */

static void kill_expect(const char *helper, uint64_t delay_ns, int status_sent)
{
	long h = ut_spawn_helper(helper, NULL);
	if (delay_ns)
		os_sleep_ns(delay_ns);
	ut_expect_ok(os_kill(h, status_sent), "kill");
	int status = ut_wait_close(h);
	ut_check(status == status_sent, "%s killed with %d: wait says %d", helper, status_sent, status);
}

/* Whether process pid has exited, waiting up to limit_ns for it. */
static bool exited_within(uint32_t pid, uint64_t limit_ns)
{
	uint64_t deadline = ut_now_ns() + limit_ns;
	for (;;) {
		struct sietch_proc_info info[64];
		long n = ut_expect_ok(os_proc_list(info, 64), "proc_list");
		bool running = false;
		for (long i = 0; i < n && i < 64; i++)
			running |= info[i].pid == pid && info[i].state == 0;
		if (!running)
			return true;
		if (ut_now_ns() > deadline)
			return false;
		os_sleep_ns(UT_NS_PER_MS);
	}
}

#define CREATE_ROUNDS 40
#define CREATE_DELAY_STEP_NS 250000ull /* kills land 0, 0.25, ... 1.25 ms into the creating */

/*
 * A process whose main thread creates threads non-stop is killed (or exits
 * from another thread) at varied moments: a thread made while the process is
 * being ended must end too, or the process can never finish (the threads
 * wait for ever, so one the kill missed is never woken).
 */
void case_kill_creating(void)
{
	for (int round = 0; round < CREATE_ROUNDS; round++) {
		uint64_t delay = (uint64_t)(round % 6) * CREATE_DELAY_STEP_NS;
		long h;
		int want;
		if (round % 2) {
			char ns[24];
			snprintf(ns, sizeof(ns), "%llu", (unsigned long long)delay);
			h = ut_spawn_helper("exit-while-creating", ns, NULL);
			want = 7;
		} else {
			h = ut_spawn_helper("create-waiters", NULL);
			os_sleep_ns(delay);
			ut_expect_ok(os_kill(h, UT_STATUS_KILLED), "kill");
			want = UT_STATUS_KILLED;
		}
		struct sietch_proc_info info;
		bool listed = child_info(&info);
		if (listed && !exited_within(info.pid, 2 * UT_NS_PER_S)) {
			os_kill(h, UT_STATUS_KILLED);
			ut_fail("round %d: the process was still running 2 s after %s, %llu us into creating threads "
				"(a thread made while it was ending escaped)", round, round % 2 ? "exit" : "kill",
				(unsigned long long)(delay / 1000));
		}
		int status = ut_wait_close(h);
		ut_check(status == want, "round %d: exit status %d, wanted %d", round, status, want);
	}
}

void case_kill(void)
{
	kill_expect("sleep-forever", 30 * UT_NS_PER_MS, UT_STATUS_KILLED); /* asleep in the kernel */
	kill_expect("spin-forever", 30 * UT_NS_PER_MS, UT_STATUS_KILLED);  /* running in user mode */
	kill_expect("sleep-forever", 0, 77);                               /* before it ever ran */
	kill_expect("block-receive", 30 * UT_NS_PER_MS, UT_STATUS_KILLED);
	kill_expect("block-notify", 30 * UT_NS_PER_MS, UT_STATUS_KILLED);
	kill_expect("block-console", 30 * UT_NS_PER_MS, UT_STATUS_KILLED);
	kill_expect("block-threads", 30 * UT_NS_PER_MS, UT_STATUS_KILLED);

	/* Killing a process that has exited changes nothing. */
	long h = ut_spawn_helper("nop", NULL);
	int status = -1;
	ut_expect_ok(os_wait(h, &status), "wait");
	ut_expect_ok(os_kill(h, UT_STATUS_KILLED), "kill of an exited process");
	ut_expect_ok(os_wait(h, &status), "wait after kill");
	ut_check(status == 0, "an exited process's status changed to %d when it was killed", status);
	os_close(h);

	/* A handle without KILL cannot kill. */
	h = ut_spawn_helper("sleep-forever", NULL);
	long waiter = ut_expect_ok(os_handle_dup(h, SIETCH_RIGHT_WAIT), "dup with WAIT only");
	ut_expect_error(os_kill(waiter, UT_STATUS_KILLED), SIETCH_EPERM, "kill through a handle without KILL");
	os_close(waiter);
	ut_expect_ok(os_kill(h, UT_STATUS_KILLED), "kill");
	ut_check(ut_wait_close(h) == UT_STATUS_KILLED, "killed child has the wrong status");
}
/*
 * Several processes with many threads asleep at once (sleeps end on a timer,
 * so the kernel tracks each sleeper until its deadline): all must wake, and
 * the kernel must not run out of room for them.
 */
#define SLEEPER_PROCESSES 5
#define SLEEPER_MIB_EACH 8 /* memory per process of sleepers (stacks of 60 threads), with room to spare */

void case_sleepers(void)
{
	long h[SLEEPER_PROCESSES];
	uint64_t fit = ut_memory_mib() / SLEEPER_MIB_EACH;
	int processes = fit < 1 ? 1 : fit < SLEEPER_PROCESSES ? (int)fit : SLEEPER_PROCESSES;
	for (int i = 0; i < processes; i++)
		h[i] = ut_spawn_helper("sleeper-threads", NULL);
	for (int i = 0; i < processes; i++) {
		int status = ut_wait_close(h[i]);
		ut_check(status == 0, "process %d of %d with %d sleeping threads exited with %d", i, processes,
			 SLEEPER_THREADS, status);
	}
}

/* ---- job control ---- */

/* A program that starts a reader of the console at once, and ends with the reader's status. */
void helper_spawn_reader(void) { os_exit(ut_wait_close(ut_spawn_helper("block-console", NULL))); }

/* The first child of process parent in proc_list, waiting up to 2 s for it to appear; 0 if none did. */
static uint32_t first_child_of(uint32_t parent)
{
	for (uint64_t deadline = ut_now_ns() + 2 * UT_NS_PER_S; ut_now_ns() < deadline; os_sleep_ns(UT_NS_PER_MS)) {
		struct sietch_proc_info info[64];
		long n = ut_expect_ok(os_proc_list(info, 64), "proc_list");
		for (long i = 0; i < n && i < 64; i++)
			if (info[i].parent == parent && info[i].state == 0)
				return info[i].pid;
	}
	return 0;
}

/*
 * A shell makes the program it ran a job of its own (console_foreground) only
 * after spawn has returned, and by then the program may have started children
 * of its own: they are part of the job and must read the console with it, not
 * see end of file as a process outside the foreground does. Here the order is
 * forced rather than left to the scheduler: the reader is asleep on the
 * console before its parent becomes the foreground. (The console then belongs
 * to a finished job, which is as good as nobody's: every later reader reads.)
 */
void case_console_group(void)
{
	long leader = ut_spawn_helper("spawn-reader", NULL);
	struct sietch_proc_info info;
	ut_check(child_info(&info), "the spawned program is missing from proc_list");
	uint32_t reader = first_child_of(info.pid);
	ut_check(reader != 0, "the program started no reader");
	os_sleep_ns(20 * UT_NS_PER_MS); /* asleep in its read by now */
	ut_expect_ok(console_foreground(0, leader, SIETCH_CONSOLE_FOREGROUND | SIETCH_CONSOLE_INTERRUPT),
		     "console_foreground of the program");
	bool left = exited_within(reader, 50 * UT_NS_PER_MS);
	if (!left) {
		long handle = ut_expect_ok(os_proc_open(reader, SIETCH_RIGHT_KILL), "proc_open of the reader");
		ut_expect_ok(os_kill(handle, UT_STATUS_KILLED), "kill of the reader");
		os_close(handle);
	}
	int status = ut_wait_close(leader);
	ut_check(!left && status == UT_STATUS_KILLED,
		 "the reader ended with status %d when its parent became the foreground, wanted %d when killed "
		 "later: it was left out of the job and read end of file",
		 status, UT_STATUS_KILLED);
}
