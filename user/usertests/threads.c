/* Threads of one process: a shared counter under a spinlock, notifications, and IPC between threads. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/libc/thread_self.h"
#include "user/usertests/usertests.h"

#define COUNTER_THREADS 4
#define COUNTER_ROUNDS 100000
#define TURN_ROUNDS 100 /* the first rounds yield after each increment, so the threads take turns at the lock */
#define IPC_CALLS 200
#define IPC_QUIT 0xdeadul
#define WAIT_LIMIT_NS (20 * UT_NS_PER_S)

/* Waits (sleeping a millisecond at a time) until *flag reaches want; false on timeout. */
static bool wait_for(volatile int *flag, int want)
{
	uint64_t deadline = ut_now_ns() + WAIT_LIMIT_NS;
	while (__atomic_load_n(flag, __ATOMIC_ACQUIRE) < want) {
		if (ut_now_ns() > deadline)
			return false;
		os_sleep_ns(UT_NS_PER_MS);
	}
	return true;
}

/* ---- a counter under a user-space spinlock ---- */

static struct {
	volatile int lock;
	volatile long counter;
	volatile int started, finished;
	volatile int interleaved; /* threads that saw another's increment between two of their own */
	struct libc_thread *volatile pointer[COUNTER_THREADS]; /* each thread's thread pointer... */
	volatile int pointer_moved;                            /* ...which must survive every switch */
} shared;

static void spin_lock(volatile int *lock)
{
	for (unsigned spins = 0; __atomic_exchange_n(lock, 1, __ATOMIC_ACQUIRE); spins++) {
		__builtin_ia32_pause();
		if (spins % 1024 == 1023)
			os_yield(); /* the holder may be preempted on this CPU */
	}
}

static void spin_unlock(volatile int *lock) { __atomic_store_n(lock, 0, __ATOMIC_RELEASE); }

static void counter_thread(void *arg)
{
	int id = (int)(intptr_t)arg;
	shared.pointer[id] = libc_thread_self();
	__atomic_add_fetch(&shared.started, 1, __ATOMIC_ACQ_REL);
	while (__atomic_load_n(&shared.started, __ATOMIC_ACQUIRE) < COUNTER_THREADS)
		os_yield(); /* all four run at once before any counts: they are concurrent, on one CPU or several */
	long last = -2;
	bool saw_other = false;
	for (int i = 0; i < COUNTER_ROUNDS; i++) {
		spin_lock(&shared.lock);
		long now = shared.counter;
		shared.counter = now + 1;
		spin_unlock(&shared.lock);
		saw_other |= last >= 0 && now != last + 1;
		last = now;
		if (i < TURN_ROUNDS)
			os_yield();
	}
	if (saw_other)
		__atomic_add_fetch(&shared.interleaved, 1, __ATOMIC_ACQ_REL);
	os_sleep_ns(UT_NS_PER_MS); /* one more switch for certain */
	if (libc_thread_self() != shared.pointer[id])
		__atomic_add_fetch(&shared.pointer_moved, 1, __ATOMIC_ACQ_REL);
	__atomic_add_fetch(&shared.finished, 1, __ATOMIC_ACQ_REL);
}

void case_threads(void)
{
	for (int i = 0; i < COUNTER_THREADS; i++)
		ut_expect_ok(os_thread_create(counter_thread, (void *)(intptr_t)i, 0), "thread_create");
	ut_check(wait_for(&shared.started, COUNTER_THREADS), "only %d of %d threads started", shared.started,
		 COUNTER_THREADS);
	ut_check(wait_for(&shared.finished, COUNTER_THREADS), "only %d of %d threads finished (counter %ld)",
		 shared.finished, COUNTER_THREADS, shared.counter);
	ut_check(shared.counter == COUNTER_THREADS * COUNTER_ROUNDS,
		 "counter is %ld, wanted %d: increments were lost (%d threads saw others' increments between theirs)",
		 shared.counter, COUNTER_THREADS * COUNTER_ROUNDS, shared.interleaved);
	/* Each thread has a thread pointer of its own (the C library's thread block), kept across switches. */
	ut_check(shared.pointer_moved == 0, "%d threads found their thread pointer changed after running",
		 shared.pointer_moved);
	for (int i = 0; i < COUNTER_THREADS; i++) {
		ut_check(shared.pointer[i] && shared.pointer[i] != libc_thread_self(),
			 "thread %d has no thread pointer of its own", i);
		for (int j = 0; j < i; j++)
			ut_check(shared.pointer[i] != shared.pointer[j], "threads %d and %d share a thread pointer", j, i);
	}

}

/* ---- notifications ---- */

static struct {
	long notify;
	volatile uint64_t bits;
	volatile long result;
	volatile int done;
} note;

static void notify_waiter(void *arg)
{
	(void)arg;
	uint64_t bits = 0;
	note.result = os_notify_wait(note.notify, &bits);
	note.bits = bits;
	__atomic_store_n(&note.done, 1, __ATOMIC_RELEASE);
}

static void notify_signaller(void *arg)
{
	(void)arg;
	os_sleep_ns(10 * UT_NS_PER_MS);
	note.result = os_notify_signal(note.notify, 0x5);
	note.result |= os_notify_signal(note.notify, 0x10);
	__atomic_store_n(&note.done, 1, __ATOMIC_RELEASE);
}

void case_notify(void)
{
	note.notify = ut_expect_ok(os_notify_create(), "notify_create");

	/* A thread waits; this one signals once it has had time to block. */
	ut_expect_ok(os_thread_create(notify_waiter, NULL, 0), "thread_create");
	os_sleep_ns(20 * UT_NS_PER_MS);
	ut_expect_ok(os_notify_signal(note.notify, 0x5), "notify_signal");
	ut_check(wait_for(&note.done, 1), "the waiting thread was not woken by the signal");
	ut_expect_ok(note.result, "notify_wait in the thread");
	ut_check(note.bits == 0x5, "the waiter got bits %#llx, wanted 0x5", (unsigned long long)note.bits);

	/* Signals before the wait are kept, and coalesce: one wait takes them all. */
	ut_expect_ok(os_notify_signal(note.notify, 0x1), "notify_signal");
	ut_expect_ok(os_notify_signal(note.notify, 0x40), "notify_signal");
	ut_expect_ok(os_notify_signal(note.notify, 0x1), "notify_signal");
	uint64_t bits = 0;
	ut_expect_ok(os_notify_wait(note.notify, &bits), "notify_wait with bits pending");
	ut_check(bits == 0x41, "pending signals 0x1, 0x40, 0x1 gave %#llx, wanted 0x41", (unsigned long long)bits);

	/* Another thread signals; this one waits until it has every bit. */
	note.done = 0;
	ut_expect_ok(os_thread_create(notify_signaller, NULL, 0), "thread_create");
	uint64_t all = 0;
	uint64_t deadline = ut_now_ns() + WAIT_LIMIT_NS;
	while (all != 0x15 && ut_now_ns() < deadline) {
		ut_expect_ok(os_notify_wait(note.notify, &bits), "notify_wait");
		ut_check(bits && !(bits & ~0x15ull), "notify_wait returned bits %#llx, none or not signalled",
			 (unsigned long long)bits);
		all |= bits;
	}
	ut_check(all == 0x15, "got bits %#llx from the signalling thread, wanted 0x15", (unsigned long long)all);
	ut_check(wait_for(&note.done, 1), "the signalling thread did not finish");
	ut_expect_ok(note.result, "notify_signal in the thread");

	/* A handle narrowed to SIGNAL cannot wait; one narrowed to RECEIVE cannot signal. */
	long sig_only = ut_expect_ok(os_handle_dup(note.notify, SIETCH_RIGHT_SIGNAL), "dup with SIGNAL");
	long recv_only = ut_expect_ok(os_handle_dup(note.notify, SIETCH_RIGHT_RECEIVE), "dup with RECEIVE");
	ut_expect_error(os_notify_wait(sig_only, &bits), SIETCH_EPERM, "notify_wait through a SIGNAL-only handle");
	ut_expect_error(os_notify_signal(recv_only, 1), SIETCH_EPERM, "notify_signal through a RECEIVE-only handle");
}

/* ---- call and reply between two threads ---- */

static struct {
	long endpoint;
	volatile long error;     /* the server's first failure */
	volatile long replay;    /* a second reply with a used token: must be EINVAL */
	volatile int done;
} server;

static void ipc_server_thread(void *arg)
{
	(void)arg;
	bool replayed = false;
	for (;;) {
		struct sietch_msg m;
		long token = os_receive(server.endpoint, &m);
		if (token < 0) {
			server.error = token;
			break;
		}
		bool quit = m.label == IPC_QUIT;
		m.label += 1;
		for (int i = 0; i < SIETCH_MSG_WORDS; i++)
			m.words[i] = ~m.words[i];
		long r = os_reply(server.endpoint, (uint64_t)token, &m);
		if (r < 0) {
			server.error = r;
			break;
		}
		if (!replayed) {
			server.replay = os_reply(server.endpoint, (uint64_t)token, &m);
			replayed = true;
		}
		if (quit)
			break;
	}
	__atomic_store_n(&server.done, 1, __ATOMIC_RELEASE);
}

static struct {
	long endpoint;
	volatile long result;
	volatile int done;
} stranded;

/* System calls of this number this process has made (it is counted on entry, before it blocks). */
static uint64_t calls_made(unsigned nr)
{
	struct sietch_counters c;
	ut_expect_ok(os_counters(SIETCH_COUNTERS_SELF, 0, &c), "counters_read");
	return c.syscall[nr];
}

static bool wait_calls(unsigned nr, uint64_t want)
{
	uint64_t deadline = ut_now_ns() + WAIT_LIMIT_NS;
	while (calls_made(nr) < want)
		if (ut_now_ns() > deadline)
			return false;
		else
			os_sleep_ns(UT_NS_PER_MS);
	return true;
}

static void stranded_caller(void *arg)
{
	(void)arg;
	struct sietch_msg m = {.label = 3};
	stranded.result = os_call(stranded.endpoint, &m);
	__atomic_store_n(&stranded.done, 1, __ATOMIC_RELEASE);
}

void case_ipc_threads(void)
{
	server.endpoint = ut_expect_ok(os_endpoint_create(), "endpoint_create");
	ut_expect_ok(os_thread_create(ipc_server_thread, NULL, 0), "thread_create");
	for (uint64_t i = 0; i < IPC_CALLS; i++) {
		struct sietch_msg m = {.label = i * 7};
		for (int w = 0; w < SIETCH_MSG_WORDS; w++)
			m.words[w] = i * 100 + (uint64_t)w;
		long r = os_call(server.endpoint, &m);
		ut_check(r == 0, "call %llu failed: %s (server: %s)", (unsigned long long)i, os_strerror(r),
			 os_strerror(server.error));
		ut_check(m.label == i * 7 + 1, "call %llu: reply label %llu, wanted %llu", (unsigned long long)i,
			 (unsigned long long)m.label, (unsigned long long)(i * 7 + 1));
		for (int w = 0; w < SIETCH_MSG_WORDS; w++)
			ut_check(m.words[w] == ~(i * 100 + (uint64_t)w), "call %llu: reply word %d is wrong",
				 (unsigned long long)i, w);
	}
	struct sietch_msg quit = {.label = IPC_QUIT};
	ut_expect_ok(os_call(server.endpoint, &quit), "call to stop the server");
	ut_check(quit.label == IPC_QUIT + 1, "the last reply has label %#llx", (unsigned long long)quit.label);
	ut_check(wait_for(&server.done, 1), "the server thread did not stop");
	ut_expect_ok(server.error, "the server thread");
	ut_expect_error(server.replay, SIETCH_EINVAL, "a second reply with the same token");

	/* Rights: a CALL-only handle neither receives nor replies. */
	long caller = ut_expect_ok(os_handle_dup(server.endpoint, SIETCH_RIGHT_CALL), "dup with CALL");
	struct sietch_msg m = {.label = 1};
	ut_expect_error(os_reply(caller, 1, &m), SIETCH_EPERM, "reply through a CALL-only handle");
	ut_expect_error(os_receive(caller, &m), SIETCH_EPERM, "receive through a CALL-only handle");

	/* A caller waiting when the endpoint's last handle closes gets EIO instead of waiting forever. */
	stranded.endpoint = caller;
	uint64_t calls = calls_made(SYS_ipc_call);
	ut_expect_ok(os_thread_create(stranded_caller, NULL, 0), "thread_create");
	ut_check(wait_calls(SYS_ipc_call, calls + 1), "the calling thread never made its call");
	os_sleep_ns(20 * UT_NS_PER_MS); /* from entering the kernel to waiting there */
	ut_expect_ok(os_close(server.endpoint), "close");
	ut_expect_ok(os_close(caller), "close");
	ut_check(wait_for(&stranded.done, 1), "a call stayed blocked after the endpoint's last handle was closed");
	ut_expect_error(stranded.result, SIETCH_EIO, "a call on an endpoint closed under it");
}

/* ---- IPC on a busy CPU: the partner runs next, not after a spinner's time slice ---- */

#define BUSY_CALLS 200
#define BUSY_CPU 0 /* never dedicated, so pinning here keeps every other CPU as it was */

static struct {
	long endpoint;
	volatile uint64_t spins;
	volatile int stop, started, done;
} busy;

static void busy_spinner(void *arg)
{
	(void)arg;
	if (os_thread_pin(0, BUSY_CPU) < 0)
		return;
	__atomic_store_n(&busy.started, 1, __ATOMIC_RELEASE);
	while (!busy.stop)
		busy.spins++;
	__atomic_store_n(&busy.done, 1, __ATOMIC_RELEASE);
}

static void busy_server(void *arg)
{
	(void)arg;
	if (os_thread_pin(0, BUSY_CPU) < 0)
		return;
	struct sietch_msg m;
	for (long token; (token = os_receive(busy.endpoint, &m)) >= 0;)
		if (os_reply(busy.endpoint, (uint64_t)token, &m) < 0)
			return;
}

/*
 * The caller, the server and a spinner share one CPU. A call wakes the server
 * and a reply the caller at the front of the run queue, so a round trip runs
 * from end to end unless a tick happens to fall inside it; woken at the back,
 * each would wait out the spinner's 10 ms slice (the spinner's count moves in
 * every round trip). Counts, not time: fewer than half the round trips may
 * see the spinner move.
 */
void case_ipc_busy_cpu(void)
{
	busy.endpoint = ut_expect_ok(os_endpoint_create(), "endpoint_create");
	ut_expect_ok(os_thread_pin(0, BUSY_CPU), "thread_pin");
	ut_expect_ok(os_thread_create(busy_server, NULL, 0), "thread_create");
	ut_expect_ok(os_thread_create(busy_spinner, NULL, 0), "thread_create");
	ut_check(wait_for(&busy.started, 1), "the spinner did not start");
	struct sietch_msg m = {0};
	ut_expect_ok(os_call(busy.endpoint, &m), "the first call"); /* the server is pinned and waiting */
	unsigned spun = 0;
	uint64_t start = ut_now_ns();
	for (int i = 0; i < BUSY_CALLS; i++) {
		uint64_t before = busy.spins;
		ut_expect_ok(os_call(busy.endpoint, &m), "call");
		spun += busy.spins != before;
	}
	uint64_t took_us = (ut_now_ns() - start) / 1000;
	busy.stop = 1;
	ut_check(wait_for(&busy.done, 1), "the spinner did not stop");
	ut_expect_ok(os_close(busy.endpoint), "close");
	ut_expect_ok(os_thread_pin(0, SIETCH_CPU_ANY), "thread_pin back");
	ut_say("ipc-busy-cpu: %u of %d round trips on cpu %d let the spinner run; %llu us each\n", spun, BUSY_CALLS,
	       BUSY_CPU, (unsigned long long)(took_us / BUSY_CALLS));
	ut_check(spun < BUSY_CALLS / 2, "the spinner ran in %u of %d round trips: a woken partner waits its turn",
		 spun, BUSY_CALLS);
}

/* ---- a process ends with all its threads, whichever thread ends it ---- */

static void spin_thread(void *arg)
{
	(void)arg;
	for (volatile unsigned long n = 0;; n++)
		;
}

static void exit_later_thread(void *arg)
{
	os_sleep_ns(20 * UT_NS_PER_MS);
	exit((int)(uintptr_t)arg);
}

/* threads-then-exit: four threads spin while the main thread exits with 5. */
void helper_exit_with_threads(void)
{
	for (int i = 0; i < 4; i++)
		if (os_thread_create(spin_thread, NULL, 0) < 0)
			os_exit(2);
	os_sleep_ns(20 * UT_NS_PER_MS);
	exit(5);
}

/* A thread exits with 6 while the main thread sleeps. */
void helper_thread_exits_process(void)
{
	if (os_thread_create(exit_later_thread, (void *)6, 0) < 0)
		os_exit(2);
	for (;;)
		os_sleep_ns(UT_NS_PER_S);
}

/* The main thread ends itself; the process goes on until another thread exits with 7. */
void helper_main_thread_exits(void)
{
	if (os_thread_create(exit_later_thread, (void *)7, 0) < 0)
		os_exit(2);
	os_thread_exit();
}

void case_exit_threads(void)
{
	ut_expect_helper_status("exit-with-threads", 5); /* warm-up: kernel caches may keep some frames */
	uint64_t warm = ut_free_frames();
	ut_expect_helper_status("thread-exits-process", 6);
	ut_expect_helper_status("main-thread-exits", 7);
	ut_expect_helper_status("exit-with-threads", 5);
	uint64_t after = ut_free_frames();
	ut_check(after == warm, "free frames %llu before, %llu after processes with threads came and went",
		 (unsigned long long)warm, (unsigned long long)after);
}

/* ---- the thread limit: refused with EAGAIN, and room again once threads end ---- */

#define THREADS_TRY 100

static volatile int limit_started;

static void receive_until_closed(void *arg)
{
	struct sietch_msg m;
	__atomic_add_fetch(&limit_started, 1, __ATOMIC_ACQ_REL);
	os_receive((long)(intptr_t)arg, &m); /* ends with EIO when the endpoint is closed */
}

static long threads_in(long pid)
{
	struct sietch_proc_info info[64];
	long n = ut_expect_ok(os_proc_list(info, 64), "proc_list");
	for (long i = 0; i < n && i < 64; i++)
		if (info[i].pid == (uint32_t)pid)
			return info[i].threads;
	return -1;
}

void case_thread_limit(void)
{
	long ep = ut_expect_ok(os_endpoint_create(), "endpoint_create");
	int created = 0;
	long r = 0;
	while (created < THREADS_TRY && (r = os_thread_create(receive_until_closed, (void *)(intptr_t)ep, 16384)) >= 0)
		created++;
	ut_check(created < THREADS_TRY, "%d threads were created and none refused", created);
	ut_expect_error(r, SIETCH_EAGAIN, "thread_create over the limit");
	ut_check(created >= 8, "only %d threads could be created", created);
	ut_check(wait_for(&limit_started, created), "only %d of %d threads ran", limit_started, created);

	/* Closing the endpoint wakes every receiver with EIO; they all end. */
	ut_expect_ok(os_close(ep), "close of the endpoint");
	long self = os_self(), threads = 0;
	uint64_t deadline = ut_now_ns() + WAIT_LIMIT_NS;
	while ((threads = threads_in(self)) > 1 && ut_now_ns() < deadline)
		os_sleep_ns(UT_NS_PER_MS);
	ut_check(threads == 1, "%ld threads left after closing the endpoint their receives waited on", threads);
	r = os_thread_create(spin_thread, NULL, 0);
	ut_check(r >= 0, "no thread could be created after all the others ended: %s", os_strerror(r));
}

/* ---- spawning from several threads at once ---- */

#define SPAWNERS 4
#define SPAWNS_EACH 10 /* statuses up to 39: two digits */

static volatile int spawners_done, spawn_errors;

/* Through the raw call, with the argument block built here: the kernel's side only, no malloc. */
static void spawner(void *arg)
{
	int id = (int)(intptr_t)arg;
	for (int i = 0; i < SPAWNS_EACH; i++) {
		int want = id * SPAWNS_EACH + i;
		char block[32] = "usertests\0-c\0exit\0";
		size_t len = sizeof("usertests\0-c\0exit");
		block[len++] = (char)('0' + want / 10);
		block[len++] = (char)('0' + want % 10);
		block[len++] = '\0';
		long h = os_raw_proc_spawn(UT_PATH, sizeof(UT_PATH) - 1, block, len);
		int status = -1;
		if (h < 0 || os_wait(h, &status) < 0 || status != want)
			__atomic_add_fetch(&spawn_errors, 1, __ATOMIC_ACQ_REL);
		if (h >= 0)
			os_close(h);
	}
	__atomic_add_fetch(&spawners_done, 1, __ATOMIC_ACQ_REL);
}

#define SPAWNER_MIB_EACH 4 /* memory a spawner's child may need at once, with room to spare */

void case_spawn_threads(void)
{
	uint64_t fit = ut_memory_mib() / SPAWNER_MIB_EACH;
	int spawners = fit < 1 ? 1 : fit < SPAWNERS ? (int)fit : SPAWNERS;
	for (int i = 0; i < spawners; i++)
		ut_expect_ok(os_thread_create(spawner, (void *)(intptr_t)i, 0), "thread_create");
	ut_check(wait_for(&spawners_done, spawners), "only %d of %d spawning threads finished", spawners_done,
		 spawners);
	ut_check(spawn_errors == 0, "%d of %d spawn/wait from %d threads at once went wrong", spawn_errors,
		 spawners * SPAWNS_EACH, spawners);
}

/* ---- many callers, several receivers, one endpoint ---- */

#define IPC_SERVERS 2
#define IPC_CLIENTS 3
#define IPC_CLIENT_CALLS 100

static struct {
	long endpoint;
	volatile int servers_done, clients_done, wrong, closing;
	volatile long server_error;
} crowd;

static void crowd_server(void *arg)
{
	(void)arg;
	for (;;) {
		struct sietch_msg m;
		long token = os_receive(crowd.endpoint, &m);
		if (token < 0) {
			if (!__atomic_load_n(&crowd.closing, __ATOMIC_ACQUIRE)) /* else EIO, or EBADF: the end */
				crowd.server_error = token;
			break;
		}
		m.label += 1;
		m.words[0] = m.label * 3;
		os_reply(crowd.endpoint, (uint64_t)token, &m);
	}
	__atomic_add_fetch(&crowd.servers_done, 1, __ATOMIC_ACQ_REL);
}

static void crowd_client(void *arg)
{
	uint64_t id = (uint64_t)(uintptr_t)arg;
	for (uint64_t i = 0; i < IPC_CLIENT_CALLS; i++) {
		struct sietch_msg m = {.label = id << 32 | i};
		if (os_call(crowd.endpoint, &m) != 0 || m.label != (id << 32 | i) + 1 || m.words[0] != m.label * 3)
			__atomic_add_fetch(&crowd.wrong, 1, __ATOMIC_ACQ_REL);
	}
	__atomic_add_fetch(&crowd.clients_done, 1, __ATOMIC_ACQ_REL);
}

void case_ipc_many(void)
{
	crowd.endpoint = ut_expect_ok(os_endpoint_create(), "endpoint_create");
	for (int i = 0; i < IPC_SERVERS; i++)
		ut_expect_ok(os_thread_create(crowd_server, NULL, 0), "thread_create");
	for (int i = 0; i < IPC_CLIENTS; i++)
		ut_expect_ok(os_thread_create(crowd_client, (void *)(uintptr_t)(i + 1), 0), "thread_create");
	ut_check(wait_for(&crowd.clients_done, IPC_CLIENTS), "only %d of %d calling threads finished",
		 crowd.clients_done, IPC_CLIENTS);
	ut_check(crowd.wrong == 0, "%d of %d calls from %d threads to %d receivers got a wrong or no reply",
		 crowd.wrong, IPC_CLIENTS * IPC_CLIENT_CALLS, IPC_CLIENTS, IPC_SERVERS);
	__atomic_store_n(&crowd.closing, 1, __ATOMIC_RELEASE);
	ut_expect_ok(os_close(crowd.endpoint), "close");
	ut_check(wait_for(&crowd.servers_done, IPC_SERVERS), "receivers still wait on an endpoint whose last handle closed");
	ut_expect_ok(crowd.server_error, "receive");
}

/* ---- the C library from several threads at once ---- */

#define MALLOC_THREADS 4
#define MALLOC_ROUNDS 2000
#define MALLOC_HELD 16

static volatile int mallocs_done, malloc_wrong;

static void malloc_thread(void *arg)
{
	uint32_t rng = (uint32_t)(uintptr_t)arg * 2654435761u;
	unsigned char *held[MALLOC_HELD] = {0};
	size_t sizes[MALLOC_HELD] = {0};
	for (int i = 0; i < MALLOC_ROUNDS; i++) {
		rng = rng * 1664525u + 1013904223u;
		int slot = (int)((rng >> 8) % MALLOC_HELD);
		if (held[slot]) {
			for (size_t j = 0; j < sizes[slot]; j++)
				if (held[slot][j] != (unsigned char)(slot + (uintptr_t)arg))
					__atomic_add_fetch(&malloc_wrong, 1, __ATOMIC_ACQ_REL);
			free(held[slot]);
		}
		sizes[slot] = 16 + (rng >> 16) % 4096;
		held[slot] = malloc(sizes[slot]);
		if (held[slot])
			memset(held[slot], (int)(slot + (uintptr_t)arg), sizes[slot]);
	}
	for (int slot = 0; slot < MALLOC_HELD; slot++)
		free(held[slot]);
	__atomic_add_fetch(&mallocs_done, 1, __ATOMIC_ACQ_REL);
}

/*
 * Several threads malloc, fill, check and free at once. Statuses: 0 fine,
 * 2 a block changed under its owner, 3 the threads did not finish.
 */
void helper_malloc_threads(void)
{
	for (int i = 0; i < MALLOC_THREADS; i++)
		if (os_thread_create(malloc_thread, (void *)(uintptr_t)(i + 1), 0) < 0)
			os_exit(4);
	if (!wait_for(&mallocs_done, MALLOC_THREADS))
		os_exit(3);
	os_exit(malloc_wrong ? 2 : 0);
}

void case_libc_threads(void)
{
	int status = ut_wait_close(ut_spawn_helper("malloc-threads", NULL));
	if (status == UT_STATUS_FAULT || status == UT_STATUS_ILLEGAL)
		ut_fail("malloc and free from %d threads at once crashed the process (status %d): the heap is "
			"not locked", MALLOC_THREADS, status);
	ut_check(status == 0, "malloc and free from %d threads at once: %s (status %d)", MALLOC_THREADS,
		 status == 2 ? "a block changed under its owner" : status == 3 ? "the threads did not finish" : "failed",
		 status);
}
