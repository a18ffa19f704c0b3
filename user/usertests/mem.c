/*
 * Memory protection and CPU exceptions: each bad access runs in a helper,
 * which the kernel must end with the right status while the parent lives on.
 */
#include <limits.h>
#include <string.h>
#include "user/usertests/usertests.h"

#define KERNEL_TEXT 0xffffffff80200000ul /* the kernel's image (-2 GiB + its load address) */
#define DIRECT_MAP 0xffff800000000000ul  /* the kernel's map of all physical memory */
#define SECRET_ADDR 0x0000000050000000ul /* a fixed address nothing else uses */
#define SECRET 0x5ec7e75ec7e7ull
#define USER_MMAP_BASE 0x100000000ul /* mem_map without FIXED places from 4 GiB up */

static volatile uint64_t sink;

void helper_read_kernel(void)
{
	sink = *(volatile uint64_t *)KERNEL_TEXT;
	sink = *(volatile uint64_t *)DIRECT_MAP; /* not reached if the first read was refused */
	os_exit(1);
}

void helper_write_text(void)
{
	*(volatile uint8_t *)(uintptr_t)helper_write_text = 0xc3;
	os_exit(1);
}

static uint64_t secret_read(void) { return *(volatile uint64_t *)SECRET_ADDR; }

/*
 * The writer maps a page at SECRET_ADDR and writes the secret; while it is
 * alive, one child reads the same address and must be killed (the page is
 * not in its space) and another maps the address itself and must find zeros.
 * Statuses: 0 all as it should be, 2 the map failed, 3 the reader saw the
 * secret, 9 the reader read something else there, 4 the reader was ended
 * some other way, 5 the mapper saw the secret, 6 the mapper failed, 7 the
 * writer's own page changed.
 */
void helper_secret_writer(void)
{
	long r = os_mem_map((void *)SECRET_ADDR, OS_PAGE_SIZE, SIETCH_PROT_READ | SIETCH_PROT_WRITE, SIETCH_MAP_FIXED);
	if (r != (long)SECRET_ADDR)
		os_exit(2);
	*(volatile uint64_t *)SECRET_ADDR = SECRET;

	int status = ut_wait_close(ut_spawn_helper("secret-reader", NULL));
	if (status != UT_STATUS_FAULT)
		os_exit(status == 2 ? 3 : status == 1 ? 9 : 4);
	status = ut_wait_close(ut_spawn_helper("secret-mapper", NULL));
	if (status != 0)
		os_exit(status == 5 ? 5 : 6);
	os_exit(secret_read() == SECRET ? 0 : 7);
}

void helper_secret_reader(void)
{
	uint64_t v = secret_read();
	os_exit(v == SECRET ? 2 : 1);
}

void helper_secret_mapper(void)
{
	long r = os_mem_map((void *)SECRET_ADDR, OS_PAGE_SIZE, SIETCH_PROT_READ | SIETCH_PROT_WRITE, SIETCH_MAP_FIXED);
	if (r != (long)SECRET_ADDR)
		os_exit(6);
	const uint8_t *p = (const uint8_t *)SECRET_ADDR;
	for (size_t i = 0; i < OS_PAGE_SIZE; i++)
		if (p[i])
			os_exit(secret_read() == SECRET ? 5 : 8);
	os_exit(0);
}

void helper_write_readonly(void)
{
	long r = os_mem_map(NULL, OS_PAGE_SIZE, SIETCH_PROT_READ, 0);
	if (r < 0)
		os_exit(2);
	*(volatile uint8_t *)r = 1;
	os_exit(1);
}

/* A `ret` written into a data page and called: the page is not executable. */
void helper_exec_data(void)
{
	long r = os_mem_map(NULL, OS_PAGE_SIZE, SIETCH_PROT_READ | SIETCH_PROT_WRITE, 0);
	if (r < 0)
		os_exit(2);
	*(volatile uint8_t *)r = 0xc3;
	((void (*)(void))r)();
	os_exit(1);
}

void helper_use_after_unmap(void)
{
	long r = os_mem_map(NULL, 2 * OS_PAGE_SIZE, SIETCH_PROT_READ | SIETCH_PROT_WRITE, 0);
	if (r < 0)
		os_exit(2);
	volatile uint8_t *p = (volatile uint8_t *)r;
	p[0] = 1;
	p[OS_PAGE_SIZE] = 2;
	if (os_mem_unmap((void *)r, OS_PAGE_SIZE) != 0)
		os_exit(3);
	if (p[OS_PAGE_SIZE] != 2) /* the other page stays */
		os_exit(4);
	sink = p[0];
	os_exit(1);
}

/* Recursion that touches every frame, until the stack runs out. */
static unsigned long recurse(unsigned long depth)
{
	volatile char frame[512];
	frame[0] = (char)depth;
	if (depth == ~0ul) /* never: only so the compiler sees an end */
		return 0;
	return recurse(depth + 1) + frame[0];
}

void helper_recurse(void) { os_exit((int)recurse(0)); }

void case_mem_kernel_read(void) { ut_expect_helper_status("read-kernel", UT_STATUS_FAULT); }

void case_mem_text_write(void) { ut_expect_helper_status("write-text", UT_STATUS_FAULT); }

void case_mem_isolation(void)
{
	static const char *const why[] = {
		[2] = "the writer could not map its page",
		[3] = "a process read another's page: the reader was not killed",
		[4] = "the reader was ended other than by a page fault",
		[5] = "a fresh mapping at the same address showed the other process's secret",
		[6] = "the mapper could not map the address or died",
		[7] = "the writer's page changed",
		[9] = "the address was readable in a process that never mapped it",
	};
	int status = ut_wait_close(ut_spawn_helper("secret-writer", NULL));
	if (status != 0) {
		char text[64];
		ut_fail("%s (writer status %s)",
			status > 0 && status < 10 && why[status] ? why[status] : "the writer failed",
			ut_status_text(status, text, sizeof(text)));
	}
}

/* Mappings: placement, FIXED, W^X, unmapping, and what a mapping's protection enforces. */
void case_mem_map(void)
{
	long r = ut_expect_ok(os_mem_map(NULL, 3 * OS_PAGE_SIZE, SIETCH_PROT_READ | SIETCH_PROT_WRITE, 0), "mem_map");
	ut_check((uint64_t)r >= USER_MMAP_BASE && r % OS_PAGE_SIZE == 0,
		 "mem_map without FIXED placed at %#lx, below 4 GiB or unaligned", r);
	uint8_t *p = (uint8_t *)r;
	for (size_t i = 0; i < 3 * OS_PAGE_SIZE; i++)
		ut_check(p[i] == 0, "a new mapping is not zeroed at byte %zu", i);
	memset(p, 0xab, 3 * OS_PAGE_SIZE);

	/* FIXED where something is: refused, and what was there is untouched. */
	ut_expect_error(os_mem_map(p + OS_PAGE_SIZE, OS_PAGE_SIZE, SIETCH_PROT_READ, SIETCH_MAP_FIXED), SIETCH_EEXIST,
			"mem_map FIXED over a mapping");
	ut_expect_error(os_mem_map((void *)0x400000, OS_PAGE_SIZE, SIETCH_PROT_READ, SIETCH_MAP_FIXED), SIETCH_EEXIST,
			"mem_map FIXED over the program's text");
	ut_check(p[OS_PAGE_SIZE] == 0xab, "a refused FIXED mapping changed the page under it");

	/* W^X: never writable and executable at once. */
	ut_expect_error(os_mem_map(NULL, OS_PAGE_SIZE, SIETCH_PROT_READ | SIETCH_PROT_WRITE | SIETCH_PROT_EXEC, 0),
			SIETCH_EINVAL, "mem_map with PROT_WRITE|PROT_EXEC");
	ut_expect_error(os_mem_map(NULL, OS_PAGE_SIZE, SIETCH_PROT_WRITE | SIETCH_PROT_EXEC, 0), SIETCH_EINVAL,
			"mem_map with PROT_WRITE|PROT_EXEC");

	/* Unmapping the middle page leaves the others. */
	ut_expect_ok(os_mem_unmap(p + OS_PAGE_SIZE, OS_PAGE_SIZE), "mem_unmap of one page");
	ut_check(p[0] == 0xab && p[2 * OS_PAGE_SIZE] == 0xab, "unmapping one page changed its neighbours");
	ut_expect_error(os_mem_unmap(p + OS_PAGE_SIZE, OS_PAGE_SIZE), SIETCH_EINVAL, "mem_unmap of an unmapped page");
	/* The hole can be mapped again, FIXED, and comes back zeroed. */
	r = ut_expect_ok(os_mem_map(p + OS_PAGE_SIZE, OS_PAGE_SIZE, SIETCH_PROT_READ | SIETCH_PROT_WRITE,
				    SIETCH_MAP_FIXED),
			 "mem_map FIXED into the hole");
	ut_check(r == (long)(p + OS_PAGE_SIZE), "mem_map FIXED returned %#lx, asked for %p", r, (void *)(p + OS_PAGE_SIZE));
	ut_check(p[OS_PAGE_SIZE] == 0 && p[2 * OS_PAGE_SIZE - 1] == 0, "a page mapped again is not zeroed");
	ut_expect_ok(os_mem_unmap(p, 3 * OS_PAGE_SIZE), "mem_unmap of three pages");

	ut_expect_helper_status("write-readonly", UT_STATUS_FAULT);
	ut_expect_helper_status("exec-data", UT_STATUS_FAULT);
	ut_expect_helper_status("use-after-unmap", UT_STATUS_FAULT);
}

void case_stack_overflow(void) { ut_expect_helper_status("recurse", UT_STATUS_FAULT); }

/* ---- the CPU ---- */

void helper_hlt(void)
{
	__asm__ volatile("hlt");
	os_exit(1);
}

void helper_cli(void)
{
	__asm__ volatile("cli");
	os_exit(1);
}

/* Port 0x80 (the POST diagnostic port) is harmless, should the kernel have granted I/O privilege. */
void helper_port_io(void)
{
	uint8_t v;
	__asm__ volatile("inb $0x80, %0" : "=a"(v));
	sink = v;
	os_exit(1);
}

void helper_ud2(void)
{
	__asm__ volatile("ud2");
	os_exit(1);
}

void helper_div_zero(void)
{
	volatile int zero = 0, one = 1;
	sink = (uint64_t)(one / zero);
	os_exit(1);
}

/* INT_MIN / -1 does not fit: the same divide error (SDM vol.2, IDIV). */
void helper_div_overflow(void)
{
	volatile int min = INT_MIN, minus_one = -1;
	sink = (uint64_t)(min / minus_one);
	os_exit(1);
}

void case_privileged(void)
{
	ut_expect_helper_status("hlt", UT_STATUS_ILLEGAL);
	ut_expect_helper_status("cli", UT_STATUS_ILLEGAL);
	ut_expect_helper_status("port-io", UT_STATUS_ILLEGAL);
}

void case_illegal(void) { ut_expect_helper_status("ud2", UT_STATUS_ILLEGAL); }

void case_divide(void)
{
	ut_expect_helper_status("div-zero", UT_STATUS_ARITH);
	ut_expect_helper_status("div-overflow", UT_STATUS_ARITH);
}

/* ---- an unmap must reach every CPU ---- */

#define UNMAP_ROUNDS 5

static struct {
	volatile uint8_t *page;
	volatile int running, unmapped;
} reader;

static void reader_run(void *arg)
{
	(void)arg;
	for (;;) {
		int done = __atomic_load_n(&reader.unmapped, __ATOMIC_ACQUIRE);
		sink = *reader.page;
		__atomic_store_n(&reader.running, 1, __ATOMIC_RELEASE);
		if (done)
			os_exit(2); /* read the page after mem_unmap had returned: a stale TLB entry */
	}
}

/*
 * A thread reads a page in a loop (on the other CPU, as a rule) while the
 * main thread unmaps it: once mem_unmap has returned, the next read must
 * fault. Statuses: 139 as it should be, 2 a read went through after the
 * unmap, 3 the reader never faulted, 4 it never ran, 5 mem_map or mem_unmap
 * failed.
 */
void helper_unmap_under_reader(void)
{
	long r = os_mem_map(NULL, OS_PAGE_SIZE, SIETCH_PROT_READ | SIETCH_PROT_WRITE, 0);
	if (r < 0)
		os_exit(5);
	reader.page = (volatile uint8_t *)r;
	*reader.page = 1;
	if (os_thread_create(reader_run, NULL, 0) < 0)
		os_exit(4);
	uint64_t deadline = ut_now_ns() + 2 * UT_NS_PER_S;
	while (!__atomic_load_n(&reader.running, __ATOMIC_ACQUIRE)) /* spin: leave the other CPU to the reader */
		if (ut_now_ns() > deadline)
			os_exit(4);
	if (os_mem_unmap((void *)r, OS_PAGE_SIZE) != 0)
		os_exit(5);
	__atomic_store_n(&reader.unmapped, 1, __ATOMIC_RELEASE);
	os_sleep_ns(2 * UT_NS_PER_S); /* the reader faults long before, and ends the process */
	os_exit(3);
}

void case_mem_unmap_threads(void)
{
	static const char *const why[] = {
		[2] = "a thread read a page after mem_unmap had returned (a stale TLB entry on another CPU)",
		[3] = "the reading thread never faulted",
		[4] = "the reading thread never ran",
		[5] = "mem_map or mem_unmap failed",
	};
	for (int round = 0; round < UNMAP_ROUNDS; round++) {
		int status = ut_wait_close(ut_spawn_helper("unmap-under-reader", NULL));
		if (status != UT_STATUS_FAULT)
			ut_fail("round %d: %s (status %d)", round,
				status > 0 && status < 6 && why[status] ? why[status] : "the helper failed", status);
	}
}
