/*
 * Handles between processes: an endpoint and a memory object sent to a child
 * with handle_send, and the rules every handle follows (rights only narrow,
 * values cannot be forged or outlive their close).
 */
#include <string.h>
#include "user/usertests/usertests.h"

#define IPC_QUIT 0xdeadul
#define IPC_ROUNDS 20
#define FIND_TIMEOUT_MS 5000
#define SHM_SIZE (2 * OS_PAGE_SIZE)
#define SHM_FROM_PARENT "written by the parent"
#define SHM_FROM_CHILD "written by the child"
#define HANDLE_SLOTS 256 /* kernel/object/handle.h */

/*
 * The child's half of ipc-process: finds the endpoint its parent sent, checks
 * it came with RECEIVE only, then serves calls (label + 1, words reversed)
 * until one says quit. Statuses: 0 done, 2 no endpoint arrived, 3 it came with
 * other rights, 4 CALL was not refused, 5 receive or reply failed.
 */
void helper_ipc_server(void)
{
	long ep = os_handle_find(SIETCH_TYPE_ENDPOINT, FIND_TIMEOUT_MS);
	if (ep < 0)
		os_exit(2);
	struct sietch_stat st;
	if (os_stat(ep, &st) < 0 || st.rights != SIETCH_RIGHT_RECEIVE)
		os_exit(3);
	struct sietch_msg m = {0};
	if (os_call(ep, &m) != -SIETCH_EPERM)
		os_exit(4);
	for (;;) {
		long token = os_receive(ep, &m);
		if (token < 0)
			os_exit(5);
		bool quit = m.label == IPC_QUIT;
		m.label += 1;
		for (int i = 0; i < SIETCH_MSG_WORDS / 2; i++) {
			uint64_t t = m.words[i];
			m.words[i] = m.words[SIETCH_MSG_WORDS - 1 - i];
			m.words[SIETCH_MSG_WORDS - 1 - i] = t;
		}
		if (os_reply(ep, (uint64_t)token, &m) < 0)
			os_exit(5);
		if (quit)
			os_exit(0);
	}
}

void case_ipc_process(void)
{
	static const char *const why[] = {
		[2] = "no endpoint arrived in the child",
		[3] = "the endpoint arrived with rights other than RECEIVE",
		[4] = "the child could call through a RECEIVE-only handle",
		[5] = "receive or reply failed in the child",
	};
	long ep = ut_expect_ok(os_endpoint_create(), "endpoint_create");
	long child = ut_spawn_helper("ipc-server", NULL);
	long sent = os_handle_send(child, ep, SIETCH_RIGHT_RECEIVE);
	if (sent < 0) {
		os_kill(child, UT_STATUS_KILLED);
		ut_wait_close(child);
		ut_fail("handle_send of an endpoint to a child failed: %s", os_strerror(sent));
	}
	for (uint64_t i = 0; i < IPC_ROUNDS; i++) {
		struct sietch_msg m = {.label = 41 + i};
		for (int w = 0; w < SIETCH_MSG_WORDS; w++)
			m.words[w] = i << 8 | (uint64_t)w;
		long r = os_call(ep, &m);
		if (r < 0) {
			os_kill(child, UT_STATUS_KILLED);
			int status = ut_wait_close(child);
			ut_fail("call %llu to the child failed: %s (child status %d: %s)", (unsigned long long)i,
				os_strerror(r), status, status > 0 && status < 6 && why[status] ? why[status] : "?");
		}
		ut_check(m.label == 42 + i, "reply %llu has label %llu, wanted %llu", (unsigned long long)i,
			 (unsigned long long)m.label, (unsigned long long)(42 + i));
		for (int w = 0; w < SIETCH_MSG_WORDS; w++)
			ut_check(m.words[w] == (i << 8 | (uint64_t)(SIETCH_MSG_WORDS - 1 - w)),
				 "reply %llu word %d is wrong", (unsigned long long)i, w);
	}
	struct sietch_msg quit = {.label = IPC_QUIT};
	ut_expect_ok(os_call(ep, &quit), "the call that stops the child");
	int status = ut_wait_close(child);
	ut_check(status == 0, "the child exited with %d: %s", status,
		 status > 0 && status < 6 && why[status] ? why[status] : "?");
}

/*
 * The child's half of shm: maps the memory object its parent sent, checks the
 * parent's words, writes its own in the second page. Statuses: 0 done, 2 no
 * memory object arrived, 3 it could not be mapped, 4 the parent's words were
 * not there.
 */
void helper_shm_writer(void)
{
	long mem = os_handle_find(SIETCH_TYPE_MEMORY, FIND_TIMEOUT_MS);
	if (mem < 0)
		os_exit(2);
	long addr = os_memory_map(mem, NULL, SIETCH_PROT_READ | SIETCH_PROT_WRITE);
	if (addr < 0)
		os_exit(3);
	char *p = (char *)addr;
	if (strcmp(p, SHM_FROM_PARENT) != 0)
		os_exit(4);
	strcpy(p + OS_PAGE_SIZE, SHM_FROM_CHILD);
	os_exit(0);
}

void case_shm(void)
{
	static const char *const why[] = {
		[2] = "no memory object arrived in the child",
		[3] = "the child could not map the memory object",
		[4] = "the child did not see what the parent wrote",
	};
	long mem = ut_expect_ok(os_memory_create(SHM_SIZE), "memory_create");
	long addr = ut_expect_ok(os_memory_map(mem, NULL, SIETCH_PROT_READ | SIETCH_PROT_WRITE), "memory_map");
	char *p = (char *)addr;
	for (size_t i = 0; i < SHM_SIZE; i++)
		ut_check(p[i] == 0, "a new memory object is not zeroed at byte %zu", i);
	strcpy(p, SHM_FROM_PARENT);

	long child = ut_spawn_helper("shm-writer", NULL);
	long sent = os_handle_send(child, mem, SIETCH_RIGHT_READ | SIETCH_RIGHT_WRITE);
	if (sent < 0) {
		os_kill(child, UT_STATUS_KILLED);
		ut_wait_close(child);
		ut_fail("handle_send of a memory object to a child failed: %s", os_strerror(sent));
	}
	int status = ut_wait_close(child);
	ut_check(status == 0, "the child exited with %d: %s", status,
		 status > 0 && status < 5 && why[status] ? why[status] : "?");
	ut_check(strcmp(p + OS_PAGE_SIZE, SHM_FROM_CHILD) == 0,
		 "the child's words are not in the parent's mapping (it has \"%.24s\")", p + OS_PAGE_SIZE);

	/* The object outlives the child, and a second mapping sees the same pages. */
	long again = ut_expect_ok(os_memory_map(mem, NULL, SIETCH_PROT_READ), "a second memory_map");
	ut_check(again != addr && strcmp((char *)again + OS_PAGE_SIZE, SHM_FROM_CHILD) == 0,
		 "a second mapping of the object does not show its contents");
	ut_expect_ok(os_close(mem), "close of the memory object");
	ut_check(strcmp(p, SHM_FROM_PARENT) == 0, "closing the handle changed the mapping");
	ut_expect_ok(os_mem_unmap(p, SHM_SIZE), "mem_unmap of a memory object's mapping");
	ut_expect_ok(os_mem_unmap((void *)again, SHM_SIZE), "mem_unmap of the second mapping");
}

/* ---- the rules of handles ---- */

/* Rights narrow on dup and never widen. */
static void handles_rights(void)
{
	struct sietch_stat st;
	ut_expect_ok(os_stat(SIETCH_HANDLE_STDOUT, &st), "stat of handle 1");
	ut_check(st.type == SIETCH_TYPE_CONSOLE && (st.rights & SIETCH_RIGHT_WRITE),
		 "handle 1 is type %u with rights %#x, not a console that writes", st.type, st.rights);

	/* Rights narrow on dup: the console, opened for both, duplicated for READ only. */
	long console = ut_expect_ok(os_open("/dev/console", SIETCH_RIGHT_READ | SIETCH_RIGHT_WRITE | SIETCH_RIGHT_DUP),
				    "open /dev/console");
	ut_expect_ok(os_write(console, "", 0), "write of nothing to the console");
	long reader = ut_expect_ok(os_handle_dup(console, SIETCH_RIGHT_READ), "dup for READ only");
	ut_expect_ok(os_stat(reader, &st), "stat of the dup");
	ut_check(st.type == SIETCH_TYPE_CONSOLE && st.rights == SIETCH_RIGHT_READ, "the dup has type %u rights %#x",
		 st.type, st.rights);
	ut_expect_error(os_write(reader, "x", 1), SIETCH_EPERM, "write through a READ-only console handle");
	ut_expect_error(os_handle_dup(reader, SIETCH_RIGHT_READ), SIETCH_EPERM, "dup of a handle without DUP");
	long writer = ut_expect_ok(os_handle_dup(SIETCH_HANDLE_STDOUT, SIETCH_RIGHT_DUP), "dup of handle 1 for DUP only");
	ut_expect_error(os_write(writer, "x", 1), SIETCH_EPERM, "write through a console handle without WRITE");
	/* ...and never widen. */
	ut_expect_error(os_handle_dup(SIETCH_HANDLE_STDOUT, SIETCH_RIGHT_WRITE | SIETCH_RIGHT_READ), SIETCH_EPERM,
			"dup of handle 1 asking for READ too");
	ut_expect_error(os_handle_dup(writer, SIETCH_RIGHT_WRITE | SIETCH_RIGHT_DUP), SIETCH_EPERM,
			"dup asking back a right dropped before");
	os_close(reader);
	os_close(writer);
	os_close(console);
}

/* Forged values name nothing, and a closed value stays dead even when its slot is used again. */
static void handles_values(void)
{
	struct sietch_stat st;
	for (long h = 0; h <= SIETCH_HANDLE_STDERR; h++)
		ut_expect_error(os_stat(h + HANDLE_SLOTS, &st), SIETCH_EBADF,
				"stat of a forged handle (a live slot, generation 1)");
	ut_expect_error(os_stat(9999, &st), SIETCH_EBADF, "stat of handle 9999");
	ut_expect_error(os_stat(-1, &st), SIETCH_EBADF, "stat of handle -1");
	ut_expect_error(os_write(SIETCH_HANDLE_STDOUT + HANDLE_SLOTS, "x", 1), SIETCH_EBADF, "write to a forged handle");

	long first = ut_expect_ok(os_open(UT_PATH, SIETCH_RIGHT_READ), "open");
	ut_expect_ok(os_close(first), "close");
	long second = ut_expect_ok(os_open(UT_PATH, SIETCH_RIGHT_READ), "open");
	ut_check(second != first, "a closed handle value (%ld) was handed out again", first);
	ut_expect_error(os_stat(first, &st), SIETCH_EBADF, "stat of a closed handle whose slot is in use again");
	ut_expect_error(os_close(first), SIETCH_EBADF, "close of a closed handle");
	ut_expect_ok(os_stat(second, &st), "stat of the new handle");
	os_close(second);
}

/* The table fills, refuses with EMFILE, and empties again. */
static void handles_full(void)
{
	long console = ut_expect_ok(os_open("/dev/console", SIETCH_RIGHT_READ | SIETCH_RIGHT_DUP), "open /dev/console");
	long dups[HANDLE_SLOTS];
	int n = 0;
	long r;
	while ((r = os_handle_dup(console, SIETCH_RIGHT_READ)) >= 0 && n < HANDLE_SLOTS)
		dups[n++] = r;
	ut_expect_error(r, SIETCH_EMFILE, "dup into a full handle table");
	for (int i = 0; i < n; i++)
		ut_expect_ok(os_close(dups[i]), "close of a dup");
	ut_expect_ok(os_close(ut_expect_ok(os_handle_dup(console, SIETCH_RIGHT_READ), "dup after emptying")), "close");
}

void case_handles(void)
{
	handles_rights();
	handles_values();
	handles_full();
}

/* ---- a receiver that dies holding a call ---- */

/* Receives one call and, instead of replying, sleeps until it is killed; its first yield says it has the call. */
void helper_receive_and_hang(void)
{
	long ep = os_handle_find(SIETCH_TYPE_ENDPOINT, FIND_TIMEOUT_MS);
	if (ep < 0)
		os_exit(2);
	struct sietch_msg m;
	if (os_receive(ep, &m) < 0)
		os_exit(3);
	os_yield();
	for (;;)
		os_sleep_ns(UT_NS_PER_S);
}

static struct {
	long endpoint;
	volatile long result;
	volatile int done;
} orphan;

static void orphan_caller(void *arg)
{
	(void)arg;
	struct sietch_msg m = {.label = 5};
	orphan.result = os_call(orphan.endpoint, &m);
	__atomic_store_n(&orphan.done, 1, __ATOMIC_RELEASE);
}

/* The pid of this process's only running child. */
static uint32_t child_pid(void)
{
	struct sietch_proc_info info[64];
	long n = ut_expect_ok(os_proc_list(info, 64), "proc_list");
	for (long i = 0; i < n && i < 64; i++)
		if (info[i].parent == (uint32_t)os_self() && info[i].state == 0)
			return info[i].pid;
	ut_fail("the child is not in proc_list");
}

/* Waits until process pid has made system call nr (counted as it enters the kernel). */
static bool child_has_called(uint32_t pid, unsigned nr)
{
	uint64_t deadline = ut_now_ns() + 10 * UT_NS_PER_S;
	for (;;) {
		struct sietch_counters c;
		if (os_counters(SIETCH_COUNTERS_PROCESS, pid, &c) == 0 && c.syscall[nr] > 0)
			return true;
		if (ut_now_ns() > deadline)
			return false;
		os_sleep_ns(UT_NS_PER_MS);
	}
}

/*
 * A server process takes a call and is killed before it replies: the caller
 * must get an error, not wait forever. This process still holds the
 * endpoint, so the endpoint itself stays open.
 */
void case_ipc_server_death(void)
{
	orphan.endpoint = ut_expect_ok(os_endpoint_create(), "endpoint_create");
	long child = ut_spawn_helper("receive-and-hang", NULL);
	ut_expect_ok(os_handle_send(child, orphan.endpoint, SIETCH_RIGHT_RECEIVE), "handle_send to the child");
	ut_expect_ok(os_thread_create(orphan_caller, NULL, 0), "thread_create");
	ut_check(child_has_called(child_pid(), SYS_thread_yield), "the server never received the call");
	ut_expect_ok(os_kill(child, UT_STATUS_KILLED), "kill of the server");
	int status = ut_wait_close(child);
	ut_check(status == UT_STATUS_KILLED, "the server exited with %d before it was killed", status);
	uint64_t deadline = ut_now_ns() + 2 * UT_NS_PER_S;
	while (!__atomic_load_n(&orphan.done, __ATOMIC_ACQUIRE) && ut_now_ns() < deadline)
		os_sleep_ns(10 * UT_NS_PER_MS);
	ut_check(orphan.done, "a call is still waiting 2 s after the process that received it was killed");
	ut_check(orphan.result < 0, "a call whose receiver was killed returned %ld", orphan.result);
}
