/* Crossing counters: every system call is counted, once, where it happened. */
#include "user/usertests/usertests.h"

#define SELF_CALLS 1000

static unsigned long long delta(uint64_t after, uint64_t before) { return (unsigned long long)(after - before); }

/* Runs a helper to its end and reads its counters while the handle keeps it in the process table. */
static void child_counters(const char *helper, int want_status, struct sietch_counters *out)
{
	long child = ut_spawn_helper(helper, NULL);
	int status = -1;
	ut_expect_ok(os_wait(child, &status), "wait");
	ut_check(status == want_status, "helper %s exited with %d, wanted %d", helper, status, want_status);
	struct sietch_proc_info info[64];
	long n = ut_expect_ok(os_proc_list(info, 64), "proc_list");
	uint32_t pid = 0;
	for (long i = 0; i < n && i < 64; i++)
		if (info[i].parent == (uint32_t)os_self() && info[i].state == 1 && info[i].pid > pid)
			pid = info[i].pid; /* the newest: pids only grow */
	ut_check(pid != 0, "the exited child is not in proc_list");
	ut_expect_ok(os_counters(SIETCH_COUNTERS_PROCESS, pid, out), "counters_read of an exited child");
	os_close(child);
}

/* The exact arithmetic of crossing SELF_CALLS times, and the per-call counts add up. */
static void counters_self(void)
{
	/*
	 * The kernel counts a call on entry, before it runs it, so a read of the
	 * counters includes itself. Between the two reads: the SELF_CALLS calls
	 * of proc_self and the second read. So syscalls grows by SELF_CALLS + 1,
	 * syscall[proc_self] by SELF_CALLS, syscall[counters_read] by 1. Nothing
	 * else in this process may make a call in between: it has one thread.
	 */
	struct sietch_counters a, b;
	long ra = os_counters(SIETCH_COUNTERS_SELF, 0, &a);
	for (int i = 0; i < SELF_CALLS; i++)
		os_self();
	long rb = os_counters(SIETCH_COUNTERS_SELF, 0, &b);
	ut_expect_ok(ra, "counters_read(SELF)");
	ut_expect_ok(rb, "counters_read(SELF)");
	ut_check(delta(b.syscall[SYS_proc_self], a.syscall[SYS_proc_self]) == SELF_CALLS,
		 "syscall[proc_self] grew by %llu over %d calls", delta(b.syscall[SYS_proc_self], a.syscall[SYS_proc_self]),
		 SELF_CALLS);
	ut_check(delta(b.syscalls, a.syscalls) == SELF_CALLS + 1,
		 "syscalls grew by %llu over %d calls and one counters_read, wanted %d", delta(b.syscalls, a.syscalls),
		 SELF_CALLS, SELF_CALLS + 1);
	ut_check(delta(b.syscall[SYS_counters_read], a.syscall[SYS_counters_read]) == 1,
		 "syscall[counters_read] grew by %llu between two reads, wanted 1",
		 delta(b.syscall[SYS_counters_read], a.syscall[SYS_counters_read]));

	/* The per-call counts add up to the total. */
	uint64_t sum = 0;
	for (int i = 0; i < SIETCH_COUNTED_SYSCALLS; i++)
		sum += b.syscall[i];
	ut_check(sum == b.syscalls, "the per-call counts add up to %llu, syscalls says %llu", (unsigned long long)sum,
		 (unsigned long long)b.syscalls);
	ut_check(b.free_frames == 0 && b.total_frames == 0, "SELF counters carry system frame counts");
}

/* The system's counters cover this process's calls; PROCESS scope with this pid is SELF. */
static void counters_system(void)
{
	struct sietch_counters sys_a, sys_b;
	ut_expect_ok(os_counters(SIETCH_COUNTERS_SYSTEM, 0, &sys_a), "counters_read(SYSTEM)");
	for (int i = 0; i < SELF_CALLS; i++)
		os_self();
	ut_expect_ok(os_counters(SIETCH_COUNTERS_SYSTEM, 0, &sys_b), "counters_read(SYSTEM)");
	ut_check(delta(sys_b.syscall[SYS_proc_self], sys_a.syscall[SYS_proc_self]) >= SELF_CALLS,
		 "system-wide proc_self count grew by %llu over %d calls",
		 delta(sys_b.syscall[SYS_proc_self], sys_a.syscall[SYS_proc_self]), SELF_CALLS);
	ut_check(sys_b.total_frames > 0 && sys_b.free_frames > 0 && sys_b.free_frames <= sys_b.total_frames,
		 "system frame counts: %llu free of %llu", (unsigned long long)sys_b.free_frames,
		 (unsigned long long)sys_b.total_frames);

	long self = os_self();
	struct sietch_counters by_pid, b;
	ut_expect_ok(os_counters(SIETCH_COUNTERS_PROCESS, (uint64_t)self, &by_pid), "counters_read(PROCESS, self)");
	ut_expect_ok(os_counters(SIETCH_COUNTERS_SELF, 0, &b), "counters_read(SELF)");
	ut_check(b.syscalls == by_pid.syscalls + 1, "PROCESS(self) says %llu calls, SELF one read later %llu",
		 (unsigned long long)by_pid.syscalls, (unsigned long long)b.syscalls);
}

/* Another process's counters need the authority proc_open needs: the parent (the runner) is out of reach. */
static void counters_authority(void)
{
	struct sietch_proc_info info[64];
	long n = ut_expect_ok(os_proc_list(info, 64), "proc_list");
	uint32_t parent = 0;
	for (long i = 0; i < n && i < 64; i++)
		if (info[i].pid == (uint32_t)os_self())
			parent = info[i].parent;
	ut_check(parent != 0, "this case's process has no parent in proc_list");
	struct sietch_counters c;
	ut_expect_error(os_counters(SIETCH_COUNTERS_PROCESS, parent, &c), SIETCH_EPERM,
			"counters_read of the parent, which proc_open refuses");
	ut_expect_error(os_proc_open(parent, SIETCH_RIGHT_WAIT), SIETCH_EPERM, "proc_open of the parent");
}

void case_counters(void)
{
	counters_self();
	counters_system();
	counters_authority();

	/* A child that exits made exactly one proc_exit; one killed by a page fault made none, and the fault counts. */
	struct sietch_counters c;
	child_counters("nop", 0, &c);
	ut_check(c.syscall[SYS_proc_exit] == 1 && c.syscalls >= 1,
		 "a child that exited shows %llu proc_exit calls of %llu calls", (unsigned long long)c.syscall[SYS_proc_exit],
		 (unsigned long long)c.syscalls);
	child_counters("read-kernel", UT_STATUS_FAULT, &c);
	ut_check(c.syscall[SYS_proc_exit] == 0 && c.page_faults >= 1 && c.exceptions >= c.page_faults,
		 "a child killed by a fault shows %llu proc_exit calls, %llu page faults, %llu exceptions",
		 (unsigned long long)c.syscall[SYS_proc_exit], (unsigned long long)c.page_faults,
		 (unsigned long long)c.exceptions);
}
