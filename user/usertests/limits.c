/*
 * Resources run out and come back: a process takes all the memory it may,
 * processes are spawned until the kernel refuses, spawn is tried with memory
 * all but gone, processes come and go by the hundred, the fuzzer runs; after
 * each, every frame must be back and the system must still work.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "user/usertests/usertests.h"

#define FRAMES_CYCLES 200
#define FUZZ_CALLS "20000"

/* 1 MiB blocks until malloc says no, each page touched; exits 0 if it got some and then a refusal. */
void helper_alloc_until_refused(void)
{
	const size_t block = 1u << 20;
	unsigned long blocks = 0;
	for (;;) {
		char *p = malloc(block);
		if (!p)
			break;
		for (size_t off = 0; off < block; off += OS_PAGE_SIZE)
			p[off] = (char)blocks;
		blocks++;
	}
	os_exit(blocks > 0 ? 0 : 3);
}

void case_alloc_limit(void)
{
	ut_expect_helper_status("nop", 0); /* warm up kernel caches before counting */
	uint64_t before = ut_free_frames();
	ut_expect_helper_status("alloc-until-refused", 0);
	uint64_t after = ut_free_frames();
	ut_expect_helper_status("nop", 0); /* the system still spawns */
	ut_check(after == before, "free frames %llu before the child that took all it could, %llu after",
		 (unsigned long long)before, (unsigned long long)after);
}

/*
 * Spawns sleepers until the kernel says no (process table, memory, or this
 * process's handle table), then kills them all; twice, because the kernel's
 * allocator keeps the frames of its high-water mark: after the second round
 * every frame the first round's peak did not keep must be back.
 */
#define PROCS_TRY 300

/* A sleeping process costs well under 1 MiB (its image and stack): on a small machine the
 * kernel refuses sooner, for lack of memory, which is what is checked; 32 is enough anywhere. */
static int procs_expected(void)
{
	uint64_t by_memory = ut_free_mib() / 2;
	return by_memory < 32 ? (int)by_memory : 32;
}

static int proc_flood(void)
{
	int expected = procs_expected();
	static long h[PROCS_TRY];
	int n = 0;
	long r = 0;
	while (n < PROCS_TRY && (r = os_spawn(UT_PATH, (char *[]){"usertests", "-c", "sleep-forever", NULL})) >= 0)
		h[n++] = r;
	int ended_otherwise = 0;
	for (int i = 0; i < n; i++) {
		ut_expect_ok(os_kill(h[i], UT_STATUS_KILLED), "kill");
		ended_otherwise += ut_wait_close(h[i]) != UT_STATUS_KILLED;
	}
	ut_check(n < PROCS_TRY, "%d processes were spawned and none refused", n);
	ut_check(r == -SIETCH_ENOMEM || r == -SIETCH_EMFILE || r == -SIETCH_EAGAIN,
		 "spawn number %d failed with %s, wanted ENOMEM, EMFILE or EAGAIN", n + 1, os_strerror(r));
	ut_check(n >= expected, "only %d processes could be spawned (%d expected with %llu MiB free)", n, expected,
		 (unsigned long long)ut_free_mib());
	ut_check(ended_otherwise == 0, "%d of %d sleeping processes ended other than by kill", ended_otherwise, n);
	return n;
}

void case_proc_limit(void)
{
	int first = proc_flood();
	ut_expect_helper_status("nop", 0);
	uint64_t warm = ut_free_frames();
	int second = proc_flood();
	ut_expect_helper_status("nop", 0);
	uint64_t after = ut_free_frames();
	ut_check(second == first, "%d processes could be spawned the first time, %d the second", first, second);
	ut_check(after == warm, "free frames %llu after %d processes came and went, %llu after the same again",
		 (unsigned long long)warm, first, (unsigned long long)after);
}

void case_frames(void)
{
	(void)ut_free_frames();
	ut_expect_helper_status("nop", 0); /* warm-up: kernel caches may keep what the first spawn took */
	uint64_t warm = ut_free_frames();
	for (int i = 0; i < FRAMES_CYCLES; i++) {
		long h = ut_spawn_helper("nop", NULL);
		int status = ut_wait_close(h);
		ut_check(status == 0, "cycle %d: nop exited with %d", i, status);
	}
	uint64_t after = ut_free_frames();
	ut_check(after == warm, "free frames %llu after one spawn, %llu after %d more: %lld frames lost",
		 (unsigned long long)warm, (unsigned long long)after, FRAMES_CYCLES,
		 (long long)warm - (long long)after);
}

/* The fuzzer, with a seed of its own; then the system must still work. */
void case_fuzz(void)
{
	char seed[24];
	snprintf(seed, sizeof(seed), "%llu", (unsigned long long)os_clock_ns(SIETCH_CLOCK_MONOTONIC));
	long h = os_spawn("/bin/fuzz", (char *[]){"fuzz", FUZZ_CALLS, seed, NULL});
	ut_expect_ok(h, "spawn /bin/fuzz");
	int status = ut_wait_close(h);
	char text[64];
	ut_check(status == 0, "fuzz " FUZZ_CALLS " %s exited with status %s", seed,
		 ut_status_text(status, text, sizeof(text)));
	ut_expect_helper_status("nop", 0);
	ut_check(ut_wait_close(ut_spawn_helper("exit", "42", NULL)) == 42, "after the fuzzer, exit statuses are wrong");
}

/* ---- spawn when memory has run out ---- */

#define HOLD_PAGES_MAX 4096
#define HOLD_LIMIT_NS (15 * UT_NS_PER_S)

/* Whether pid still names a process: counters_read needs no kernel memory, even when there is none. */
static bool process_exists(uint32_t pid)
{
	struct sietch_counters c;
	return os_counters(SIETCH_COUNTERS_PROCESS, pid, &c) != -SIETCH_ESRCH;
}

static uint32_t parent_pid(void)
{
	struct sietch_proc_info info[64];
	long n = os_proc_list(info, 64), self = os_self();
	for (long i = 0; i < n && i < 64; i++)
		if (info[i].pid == (uint32_t)self)
			return info[i].parent;
	return 0;
}

/*
 * hold-memory BIT RELEASE: takes every page it can get (1 MiB blocks, then
 * single pages), gives RELEASE pages back, signals BIT on the notification
 * its parent sent, and holds on until it is killed, its parent has left the
 * process table, or HOLD_LIMIT_NS has passed (so that a case that died
 * cannot starve the ones after it).
 */
void helper_hold_memory(void)
{
	uint64_t bit = ut_argc > 0 ? strtoull(ut_argv[0], NULL, 0) : 1;
	int release = ut_argc > 1 ? atoi(ut_argv[1]) : 0;
	uint32_t parent = parent_pid();
	long notify = os_handle_find(SIETCH_TYPE_NOTIFY, 5000);
	if (notify < 0)
		os_exit(2);
	for (char *p; (p = malloc(1u << 20));)
		for (size_t off = 0; off < (1u << 20); off += OS_PAGE_SIZE)
			p[off] = 1;
	static long pages[HOLD_PAGES_MAX];
	int n = 0;
	while (n < HOLD_PAGES_MAX && (pages[n] = os_mem_map(NULL, OS_PAGE_SIZE, SIETCH_PROT_READ, 0)) >= 0)
		n++;
	for (int i = 0; i < release && n > 0; i++)
		os_mem_unmap((void *)pages[--n], OS_PAGE_SIZE);
	os_notify_signal(notify, bit);
	uint64_t deadline = ut_now_ns() + HOLD_LIMIT_NS;
	while (ut_now_ns() < deadline && process_exists(parent))
		os_sleep_ns(10 * UT_NS_PER_MS);
	os_exit(0);
}

static struct {
	long notify;
	volatile uint64_t bits;
} held;

static void hold_waiter(void *arg)
{
	(void)arg;
	while (held.bits != 3) {
		uint64_t bits = 0;
		if (os_notify_wait(held.notify, &bits) < 0)
			return;
		__atomic_or_fetch(&held.bits, bits, __ATOMIC_ACQ_REL);
	}
}

/*
 * This process puts 2 MiB aside, then two processes take all the memory
 * there is (each may take half, so together they exhaust it), and this one
 * takes what they left too. Then it gives pages back a few at a time, trying
 * a spawn after each step: somewhere on
 * the way there is enough memory to start making a process but not to load
 * it. Every spawn must succeed or fail with ENOMEM, and the caller must live
 * on: a spawn that fails half way must not take its caller down with it.
 */
#define NOMEM_STEP 1
#define NOMEM_ASIDE 512 /* pages: more than a process needs to start */

static void nomem_spawns(long *pages, int n, uint64_t *tries, long *failure)
{
	*failure = 0;
	for (*tries = 0; n > 0; (*tries)++) {
		for (int i = 0; i < NOMEM_STEP && n > 0; i++)
			os_mem_unmap((void *)pages[--n], OS_PAGE_SIZE);
		long r = os_spawn(UT_PATH, (char *[]){"usertests", "-c", "nop", NULL});
		if (r >= 0) {
			r = ut_wait_close(r) == 0 ? 0 : -SIETCH_EIO;
			if (r == 0)
				break;
		}
		if (r != -SIETCH_ENOMEM) {
			*failure = r;
			break;
		}
	}
	while (n > 0)
		os_mem_unmap((void *)pages[--n], OS_PAGE_SIZE);
}

/*
 * Below this much free memory, setting NOMEM_ASIDE pages aside leaves too little to start the two
 * helpers; what is free depends on the boot image's size (GRUB's modules stay in memory), not only
 * on the machine's.
 */
#define NOMEM_FREE_MIB_MIN 5

void case_spawn_nomem(void)
{
	if (ut_free_mib() < NOMEM_FREE_MIB_MIN)
		ut_skip("%llu MiB free; setting %d pages aside and starting two helpers needs %d MiB",
			(unsigned long long)ut_free_mib(), NOMEM_ASIDE, NOMEM_FREE_MIB_MIN);
	static long pages[HOLD_PAGES_MAX];
	int n = 0;
	while (n < NOMEM_ASIDE && (pages[n] = os_mem_map(NULL, OS_PAGE_SIZE, SIETCH_PROT_READ, 0)) >= 0)
		n++;
	held.notify = ut_expect_ok(os_notify_create(), "notify_create");
	long hogs[2] = {ut_try_spawn_helper("hold-memory", "1", "0", NULL), -1};
	if (hogs[0] >= 0)
		ut_expect_ok(os_handle_send(hogs[0], held.notify, SIETCH_RIGHT_SIGNAL), "handle_send");
	if (hogs[0] >= 0)
		hogs[1] = ut_try_spawn_helper("hold-memory", "2", "0", NULL);
	if (hogs[0] == -SIETCH_ENOMEM || hogs[1] == -SIETCH_ENOMEM) {
		/* a small machine with a large boot image: the helpers themselves do not fit */
		if (hogs[0] >= 0) {
			os_kill(hogs[0], UT_STATUS_KILLED);
			ut_wait_close(hogs[0]);
		}
		ut_skip("%llu MiB free after setting %d pages aside: too little to start the two helpers",
			(unsigned long long)ut_free_mib(), NOMEM_ASIDE);
	}
	if (hogs[0] < 0 || hogs[1] < 0)
		ut_fail("spawn of helper hold-memory failed: %s", os_strerror(hogs[0] < 0 ? hogs[0] : hogs[1]));
	ut_expect_ok(os_handle_send(hogs[1], held.notify, SIETCH_RIGHT_SIGNAL), "handle_send");
	ut_expect_ok(os_thread_create(hold_waiter, NULL, 16384), "thread_create");
	uint64_t deadline = ut_now_ns() + 10 * UT_NS_PER_S;
	while (held.bits != 3 && ut_now_ns() < deadline)
		os_sleep_ns(10 * UT_NS_PER_MS);
	bool full = held.bits == 3;
	while (full && n < HOLD_PAGES_MAX && (pages[n] = os_mem_map(NULL, OS_PAGE_SIZE, SIETCH_PROT_READ, 0)) >= 0)
		n++;
	uint64_t tries = 0;
	long failure = 0;
	if (full)
		nomem_spawns(pages, n, &tries, &failure);
	for (int i = 0; i < 2; i++) {
		os_kill(hogs[i], UT_STATUS_KILLED);
		ut_wait_close(hogs[i]);
	}
	ut_check(full, "the two processes did not report that they hold all memory");
	ut_check(tries > 0, "no spawn was tried (%d pages to give back)", n);
	ut_check(failure == 0, "spawn number %llu, with all but a few pages taken: %s, wanted success or ENOMEM",
		 (unsigned long long)tries + 1, os_strerror(failure));
	ut_expect_helper_status("nop", 0);
}
