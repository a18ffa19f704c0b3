/*
 * fuzz [COUNT] [SEED]: makes COUNT (default 20000) system calls with random
 * numbers in [0, SYS_COUNT + 8) and random arguments: small integers, -1,
 * huge values, random 64-bit values, pointers into its own scratch memory,
 * an unmapped address, kernel addresses, non-canonical addresses, and values
 * earlier calls returned (handles, addresses). The kernel must answer every
 * call with a result or an error and never fall over; this process must live
 * to print
 *
 *   fuzz: done: N calls, N errors returned, N successes
 *
 * and exit 0. The seed (from the clock unless given) is printed first, so a
 * run can be repeated.
 *
 * What it avoids by design, so that the only way to die is a kernel bug:
 * proc_exit, thread_exit and system_poweroff are never called; calls that
 * block until someone else acts (ipc_call, ipc_receive, notify_wait,
 * proc_wait, read on the console, and vcpu_run, whose guest is random)
 * only ever get handles checked to name
 * nothing; sleeps are at most 2 ms; mem_unmap never touches the program's
 * image, heap or stack; threads start at an entry that exits at once without
 * using a stack; spawn gets only paths that name no program; a process handle
 * (proc_open's) is closed as soon as it appears; console writes get a pointer
 * the kernel must refuse, so no garbage is printed; handle 1, where the
 * progress goes, is never closed; and a thread pointer the kernel accepts is
 * put back at once (the C library's locks need it). Nothing is allocated once the calls start,
 * so the heap cannot be in the way of a mapping made at random.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lib/libc/thread_self.h"
#include "lib/common/user_layout.h"
#include "lib/os/os.h"

#define DEFAULT_COUNT 20000
#define PROGRESS_EVERY 5000
#define EXTRA_NUMBERS 8
#define SCRATCH_SIZE (2ul << 20)
#define SCRATCH_REACH (1ul << 20) /* pointers land below this; the kernel writes at most 1 MiB past one */
#define SLEEP_MAX_NS 2000000ul
#define RECENT 32
#define MAPS 64
#define IMAGE_BASE 0x400000ul
#define HEAP_SLACK (1ul << 20)
#define STACK_RESERVE (8ul << 20) /* below the stack pointer main starts with */
#define OUT SIETCH_HANDLE_STDOUT

#define P_UNMAPPED 0xdead0000ul

struct call {
	uint64_t nr;
	uint64_t a[6];
};

static uint64_t rng;
static uint8_t *scratch;
static uint64_t recent[RECENT]; /* results of successful calls: handles, addresses, ids */
static unsigned recent_next;
static struct {
	uint64_t addr, len;
} maps[MAPS]; /* mappings this process made at random */
static unsigned maps_next;
static uint64_t protect_low, protect_high; /* the image and the heap */
static uint64_t stack_low;
static uint64_t dead_handles[RECENT]; /* values closed here: they name nothing */
static unsigned dead_next;
static volatile uint64_t canary = 0xfa22fa22fa22fa22ull;
static struct libc_thread *thread_block; /* the C library's, for this thread: its thread pointer */

static const char *const open_paths[] = {"/bin/usertests", "/bin/fuzz", "/bin", "/", "/dev/console", "/dev",
					  "/bin/missing"};
static const char spawn_missing[] = "/bin/fuzz-child";
static const char spawn_nowhere[] = "/nonexistent/program"; /* no prefix of it names a program either */

/* A thread entry that exits at once and touches no stack, whatever stack_top it was given. */
extern void fuzz_thread_exit(void);
__asm__(".text\n"
	".globl fuzz_thread_exit\n"
	"fuzz_thread_exit:\n"
	"\tmovl $8, %eax\n" /* SYS_thread_exit */
	"\tsyscall\n"
	"\tud2\n");
_Static_assert(SYS_thread_exit == 8, "fuzz_thread_exit hard-codes the number");

/* xorshift64* (Vigna, "An experimental exploration of Marsaglia's xorshift generators") */
static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dull;
}

static uint64_t pick(const uint64_t *values, size_t n) { return values[rnd() % n]; }

/* One line to the console in one write; no stdio, so no allocation. */
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	char line[160];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > 0)
		os_write(OUT, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

/* ---- random arguments ---- */

static const uint64_t huge_values[] = {
	~0ul, 1ul << 62, 1ul << 63, 0x7ffffffffffffffful, 1ul << 32, 1ul << 47, 1ul << 36,
	1ul << 30, 1ul << 20, USER_TOP, 0xfffffffful, 0x80000000ul,
};
static const uint64_t kernel_addresses[] = {
	0xffffffff80000000ul, 0xffffffff80200000ul, 0xffff800000000000ul, 0xffff800000100000ul,
	0xfffffffffffff000ul,
};
static const uint64_t noncanonical[] = {
	0x8000000000000000ul, 0x0000800000000000ul, 0x00ff000000000000ul, 0x7fffffffffffffffull & ~0xffful,
	0xffff7ffffffff000ul,
};

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

static uint64_t scratch_pointer(void)
{
	uint64_t off = rnd() % SCRATCH_REACH;
	switch (rnd() % 3) {
	case 0: return (uint64_t)scratch + (off & ~0xffful);
	case 1: return (uint64_t)scratch + (off & ~0xful);
	default: return (uint64_t)scratch + off;
	}
}

/* Anything at all, from the classes the header lists. */
static uint64_t arg_random(void)
{
	switch (rnd() % 10) {
	case 0: return rnd() % 16;
	case 1: return rnd() % 4097;
	case 2: return ~0ul;
	case 3: return pick(huge_values, COUNT_OF(huge_values));
	case 4: return rnd();
	case 5: return scratch_pointer();
	case 6: return P_UNMAPPED + (rnd() % 2 ? 0 : rnd() % 8192);
	case 7: return pick(kernel_addresses, COUNT_OF(kernel_addresses));
	case 8: return pick(noncanonical, COUNT_OF(noncanonical));
	default: return recent[rnd() % RECENT];
	}
}

/*
 * What each argument of each call is, so that most calls get a plausible
 * value (a live handle, a pointer to scratch, a small length, flags that
 * exist) and reach past the first check; the rest get anything at all.
 */
enum kind { K_ANY, K_HANDLE, K_PTR, K_LEN, K_RIGHTS, K_PROT, K_MAPFLAGS, K_ADDR, K_PID, K_INDEX, K_OFFSET,
	    K_SMALL, K_TOKEN, K_BITS, K_SIZE };

static const uint8_t shape[SYS_COUNT][6] = {
	[SYS_proc_spawn] = {K_ANY, K_LEN, K_PTR, K_LEN},
	[SYS_proc_wait] = {K_HANDLE, K_PTR},
	[SYS_proc_kill] = {K_HANDLE, K_SMALL},
	[SYS_proc_open] = {K_PID, K_RIGHTS},
	[SYS_proc_list] = {K_PTR, K_INDEX},
	[SYS_thread_create] = {K_ANY, K_PTR, K_ANY},
	[SYS_mem_map] = {K_ADDR, K_SIZE, K_PROT, K_MAPFLAGS},
	[SYS_mem_unmap] = {K_ADDR, K_SIZE},
	[SYS_open] = {K_PTR, K_LEN, K_RIGHTS},
	[SYS_close] = {K_HANDLE},
	[SYS_read] = {K_HANDLE, K_PTR, K_LEN},
	[SYS_write] = {K_HANDLE, K_PTR, K_LEN},
	[SYS_seek] = {K_HANDLE, K_OFFSET, K_SMALL},
	[SYS_stat] = {K_HANDLE, K_PTR},
	[SYS_dir_read] = {K_HANDLE, K_INDEX, K_PTR, K_INDEX},
	[SYS_handle_dup] = {K_HANDLE, K_RIGHTS},
	[SYS_clock_get] = {K_SMALL, K_PTR},
	[SYS_counters_read] = {K_SMALL, K_PID, K_PTR},
	[SYS_ipc_call] = {K_HANDLE, K_PTR},
	[SYS_ipc_receive] = {K_HANDLE, K_PTR},
	[SYS_ipc_reply] = {K_HANDLE, K_TOKEN, K_PTR},
	[SYS_notify_signal] = {K_HANDLE, K_BITS},
	[SYS_notify_wait] = {K_HANDLE, K_PTR},
	[SYS_handle_send] = {K_HANDLE, K_HANDLE, K_RIGHTS},
	[SYS_memory_create] = {K_SIZE},
	[SYS_memory_map] = {K_HANDLE, K_ADDR, K_PROT},
	[SYS_thread_set_pointer] = {K_PTR},
	[SYS_pci_list] = {K_INDEX, K_PTR, K_INDEX},
	[SYS_dma_alloc] = {K_HANDLE, K_SIZE, K_PTR},
	[SYS_vnic_map] = {K_HANDLE, K_PTR},
	[SYS_vnic_bind_irq] = {K_HANDLE, K_SMALL, K_HANDLE, K_BITS},
	[SYS_vm_create] = {K_SMALL},
	[SYS_vm_map] = {K_HANDLE, K_HANDLE, K_OFFSET, K_OFFSET, K_SIZE, K_PROT},
	[SYS_vm_unmap] = {K_HANDLE, K_OFFSET, K_SIZE},
	[SYS_vcpu_create] = {K_HANDLE, K_SMALL},
	[SYS_vcpu_run] = {K_HANDLE, K_PTR},
	[SYS_vcpu_get] = {K_HANDLE, K_SMALL, K_PTR, K_LEN},
	[SYS_vcpu_set] = {K_HANDLE, K_SMALL, K_PTR, K_LEN},
	[SYS_vcpu_inject] = {K_HANDLE, K_PTR},
};

#define LIVE 64
#define FIXED_ZONE 0x0000200000000000ul /* where FIXED mappings go: far from the image, heap, stack and scratch */
#define FIXED_ZONE_PAGES 4096
#define FILES 8
static uint64_t live[LIVE]; /* handles that calls returned */
static unsigned live_next;
static uint64_t files[FILES]; /* open's among them, for the calls on files */
static unsigned files_next;

static bool takes_file(uint64_t nr)
{
	return nr == SYS_read || nr == SYS_seek || nr == SYS_stat || nr == SYS_dir_read || nr == SYS_handle_dup;
}

static uint64_t arg_plausible(uint64_t nr, enum kind k)
{
	switch (k) {
	case K_HANDLE:
		if (takes_file(nr) && rnd() % 2)
			return files[rnd() % FILES];
		return rnd() % 4 ? live[rnd() % LIVE] : rnd() % 8;
	case K_PTR: return scratch_pointer();
	case K_LEN: return rnd() % 4 ? rnd() % 512 : rnd() % 8193;
	case K_RIGHTS: {
		static const uint64_t useful[] = {
			SIETCH_RIGHT_READ, SIETCH_RIGHT_READ | SIETCH_RIGHT_DUP,
			SIETCH_RIGHT_READ | SIETCH_RIGHT_EXEC | SIETCH_RIGHT_DUP, SIETCH_RIGHT_READ | SIETCH_RIGHT_WRITE,
			SIETCH_RIGHT_CALL, SIETCH_RIGHT_RECEIVE, SIETCH_RIGHT_SIGNAL, SIETCH_RIGHT_WAIT | SIETCH_RIGHT_KILL,
		};
		return rnd() % 2 ? pick(useful, COUNT_OF(useful)) : rnd() % (SIETCH_RIGHTS_ALL + 1);
	}
	case K_PROT: return rnd() % 8;
	case K_MAPFLAGS: return rnd() % 2;
	case K_ADDR:
		if (rnd() % 2 && maps[rnd() % MAPS].len)
			return maps[rnd() % MAPS].addr;
		return rnd() % 4 ? FIXED_ZONE + (rnd() % FIXED_ZONE_PAGES) * OS_PAGE_SIZE : 0;
	case K_PID: return rnd() % 24;
	case K_INDEX: return rnd() % 80;
	case K_OFFSET: return rnd() % 2 ? rnd() % 0x100000 : -(rnd() % 4096);
	case K_SMALL: return rnd() % 4;
	case K_TOKEN: return rnd() % 64;
	case K_BITS: return 1ul << (rnd() % 64) | (rnd() % 2 ? rnd() : 0);
	case K_SIZE: return (1 + rnd() % 16) * OS_PAGE_SIZE - (rnd() % 2 ? rnd() % OS_PAGE_SIZE : 0);
	case K_ANY: break;
	}
	return arg_random();
}

static uint64_t arg_for(uint64_t nr, int a)
{
	enum kind k = nr < SYS_COUNT ? (enum kind)shape[nr][a] : K_ANY;
	return k != K_ANY && rnd() % 4 ? arg_plausible(nr, k) : arg_random();
}

static void remember(uint64_t value)
{
	recent[recent_next++ % RECENT] = value;
}

/* ---- keeping the calls from hurting this process by design ---- */

static bool handle_is_dead(uint64_t h)
{
	struct sietch_stat st;
	return os_stat((long)h, &st) == -SIETCH_EBADF;
}

/* A handle value that names nothing now (checked), so a call that would block on it cannot. */
static uint64_t handle_dead(uint64_t candidate)
{
	if (handle_is_dead(candidate))
		return candidate;
	static const uint64_t never[] = {~0ul, 9999, 1ul << 40, 0x7fffffff};
	uint64_t h = rnd() % 2 ? dead_handles[rnd() % RECENT] : pick(never, COUNT_OF(never));
	return handle_is_dead(h) ? h : ~0ul;
}

static bool handle_is_console(uint64_t h)
{
	struct sietch_stat st;
	return os_stat((long)h, &st) == 0 && st.type == SIETCH_TYPE_CONSOLE;
}

/* Whether [addr, addr + len) reaches the image, the heap or the stack; a range that wraps reaches everything. */
static bool range_protected(uint64_t addr, uint64_t len)
{
	uint64_t end = addr + (len ? len : 1);
	if (end < addr)
		return true;
	return (addr < protect_high && end > protect_low) || end > stack_low;
}

static void mapping_note(uint64_t addr, uint64_t len)
{
	maps[maps_next++ % MAPS].addr = addr;
	maps[(maps_next - 1) % MAPS].len = len;
}

static void spawn_path(struct call *c)
{
	switch (rnd() % 4) {
	case 0:
		c->a[0] = (uint64_t)spawn_missing;
		c->a[1] = sizeof(spawn_missing) - 1;
		break;
	case 1:
		c->a[0] = (uint64_t)spawn_nowhere;
		c->a[1] = 1 + rnd() % (sizeof(spawn_nowhere) - 1);
		break;
	case 2:
		c->a[0] = (uint64_t)spawn_missing;
		c->a[1] = pick(huge_values, COUNT_OF(huge_values)); /* far too long */
		break;
	default: {
		static const uint64_t bad[] = {0, P_UNMAPPED, 0xffffffff80000000ul, 0x8000000000000000ul};
		c->a[0] = pick(bad, COUNT_OF(bad));
		break;
	}
	}
}

static void open_path(struct call *c)
{
	if (rnd() % 4 == 0)
		return; /* a random pointer and length */
	const char *path = open_paths[rnd() % COUNT_OF(open_paths)];
	c->a[0] = (uint64_t)path;
	c->a[1] = rnd() % 4 ? strlen(path) : rnd() % 300;
	if (rnd() % 2)
		c->a[2] = SIETCH_RIGHT_READ | (rnd() % 2 ? SIETCH_RIGHT_DUP : 0);
}

/* Turns a random call into one that cannot end or stall this process except through a kernel bug. */
static void call_tame(struct call *c)
{
	switch (c->nr) {
	case SYS_proc_spawn:
		spawn_path(c);
		break;
	case SYS_proc_wait:
	case SYS_ipc_call:
	case SYS_ipc_receive:
	case SYS_notify_wait:
	case SYS_vcpu_run: /* a guest built at random may loop for ever */
		c->a[0] = handle_dead(c->a[0]);
		break;
	case SYS_read:
		if (handle_is_console(c->a[0]))
			c->a[0] = handle_dead(~0ul);
		break;
	case SYS_write:
		if (handle_is_console(c->a[0]))
			c->a[1] = pick(kernel_addresses, COUNT_OF(kernel_addresses));
		break;
	case SYS_close:
		if (c->a[0] == OUT)
			c->a[0] = handle_dead(~0ul);
		break;
	case SYS_thread_create:
		c->a[0] = (uint64_t)fuzz_thread_exit;
		break;
	case SYS_thread_sleep:
		c->a[0] %= SLEEP_MAX_NS;
		break;
	case SYS_mem_unmap:
		if (range_protected(c->a[0], c->a[1])) {
			unsigned i = (unsigned)(rnd() % MAPS);
			c->a[0] = maps[i].len ? maps[i].addr : P_UNMAPPED;
			c->a[1] = maps[i].len ? maps[i].len : OS_PAGE_SIZE;
		}
		break;
	case SYS_open:
		open_path(c);
		break;
	}
}

/* After a call that succeeded: keep what it made for later calls, and drop what must not stay. */
static void call_after(const struct call *c, long r)
{
	int status;
	switch (c->nr) {
	case SYS_proc_open:
		os_close(r); /* a process handle could kill or wait for someone */
		return;
	case SYS_proc_spawn: /* a bogus path that started something: end it at once */
		os_kill(r, 137);
		os_wait(r, &status);
		os_close(r);
		say("fuzz: spawn of a path naming no program returned a process (%ld)\n", r);
		return;
	case SYS_close:
		dead_handles[dead_next++ % RECENT] = c->a[0];
		return;
	case SYS_open:
	case SYS_handle_dup:
	case SYS_endpoint_create:
	case SYS_notify_create:
	case SYS_vm_create:
	case SYS_vcpu_create:
	case SYS_memory_create: {
		/* The oldest handle makes room: the table stays far from full, so creating goes on working. */
		uint64_t *slot = &live[live_next++ % LIVE];
		if (*slot != ~0ul && *slot != OUT)
			os_close((long)*slot);
		*slot = (uint64_t)r;
		if (c->nr == SYS_open)
			files[files_next++ % FILES] = (uint64_t)r; /* a copy: closed when evicted from live */
		break;
	}
	case SYS_mem_map:
		mapping_note((uint64_t)r, (c->a[1] + OS_PAGE_SIZE - 1) & ~(OS_PAGE_SIZE - 1));
		break;
	case SYS_memory_map:
		mapping_note((uint64_t)r, OS_PAGE_SIZE);
		break;
	case SYS_mem_unmap:
		for (unsigned i = 0; i < MAPS; i++)
			if (maps[i].addr == c->a[0])
				maps[i].len = 0;
		return;
	case SYS_thread_set_pointer: /* the C library's locks find their owner through it */
		os_raw_thread_set_pointer(thread_block);
		return;
	}
	remember((uint64_t)r);
}

/* ---- the run ---- */

static uint64_t call_number(void)
{
	for (;;) {
		uint64_t nr = rnd() % (SYS_COUNT + EXTRA_NUMBERS);
		if (nr != SYS_proc_exit && nr != SYS_thread_exit && nr != SYS_system_poweroff)
			return nr;
	}
}

static void setup(void)
{
	long r = os_mem_map(NULL, SCRATCH_SIZE, SIETCH_PROT_READ | SIETCH_PROT_WRITE, 0);
	if (r < 0) {
		say("fuzz: cannot map scratch memory: %s\n", os_strerror(r));
		exit(1);
	}
	scratch = (uint8_t *)r;
	for (size_t i = 0; i < SCRATCH_SIZE; i += 8) {
		uint64_t v = rnd();
		memcpy(scratch + i, &v, 8);
	}
	extern char _end[];
	protect_low = IMAGE_BASE;
	protect_high = ((uint64_t)sbrk(0) + HEAP_SLACK) & ~(OS_PAGE_SIZE - 1);
	if (protect_high < (uint64_t)_end)
		protect_high = (uint64_t)_end + HEAP_SLACK;
	uint64_t sp = (uint64_t)__builtin_frame_address(0);
	stack_low = (sp > STACK_RESERVE ? sp - STACK_RESERVE : 0) & ~(OS_PAGE_SIZE - 1);
	for (unsigned i = 0; i < RECENT; i++)
		dead_handles[i] = ~0ul;
	for (unsigned i = 0; i < LIVE; i++)
		live[i] = ~0ul;
	for (unsigned i = 0; i < FILES; i++)
		files[i] = ~0ul;
	os_close(SIETCH_HANDLE_STDIN); /* nothing may wait for typing */
	thread_block = libc_thread_self();
}

int main(int argc, char **argv)
{
	unsigned long count = argc > 1 ? strtoul(argv[1], NULL, 0) : DEFAULT_COUNT;
	uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 0)
				 : (uint64_t)os_clock_ns(SIETCH_CLOCK_REALTIME) ^ (uint64_t)os_clock_ns(SIETCH_CLOCK_MONOTONIC);
	rng = seed ? seed : 1;
	say("fuzz: seed %llu, %lu calls\n", (unsigned long long)seed, count);
	setup();

	unsigned long errors = 0, successes = 0;
	for (unsigned long i = 1; i <= count; i++) {
		struct call c = {.nr = call_number()};
		for (int a = 0; a < 6; a++)
			c.a[a] = arg_for(c.nr, a);
		call_tame(&c);
		long r = sietch_syscall((long)c.nr, (long)c.a[0], (long)c.a[1], (long)c.a[2], (long)c.a[3],
					(long)c.a[4], (long)c.a[5]);
		if (r < 0 && r >= -4095) {
			errors++;
		} else {
			successes++;
			call_after(&c, r);
		}
		if (i % PROGRESS_EVERY == 0)
			say("fuzz: %lu calls, %lu errors returned, %lu successes\n", i, errors, successes);
	}

	if (canary != 0xfa22fa22fa22fa22ull) {
		say("fuzz: this process's memory changed under it\n");
		return 1;
	}
	say("fuzz: done: %lu calls, %lu errors returned, %lu successes\n", count, errors, successes);
	return 0;
}
