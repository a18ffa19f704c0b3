/*
 * Every system call with bad arguments, one bad thing at a time: null,
 * unmapped, kernel and non-canonical pointers, pointers to read-only memory
 * where the kernel writes, lengths of ~0 and 1 << 62, handles that are -1,
 * 9999, closed, forged (a live slot with another generation), of the wrong
 * type, or without the right. Each call must return the documented error
 * (lib/common/syscall.h, kernel/ctl) and the process must live on.
 *
 * Not called: proc_exit, thread_exit and system_poweroff, which do not
 * return; and a blocking call (ipc_receive, notify_wait) is never given an
 * object it could block on together with a pointer the kernel can only find
 * bad after the wait.
 *
 * The calls go through sietch_syscall, the out-of-line stub, with six
 * arguments however many the call takes: the kernel must ignore the rest.
 */
#include <stdio.h>
#include <string.h>
#include "lib/common/user_layout.h"
#include "user/usertests/usertests.h"

#define P_NULL 0ul
#define P_UNMAPPED 0xdead0000ul
#define P_KERNEL 0xffffffff80000000ul
#define P_NONCANON 0x8000000000000000ul
#define L_HUGE (~0ul)
#define L_BIG (1ul << 62)
#define H_FORGED (1ul + 256) /* handle 1's slot with generation 1 (kernel/object/handle.h) */
#define PID_NONE 99999ul

/* Resources, made on first use: markers stand for them in the argument lists below. */
enum resource {
	R_BUF = 1,     /* a writable buffer */
	R_STACK,       /* the top of a writable stack */
	R_RO,          /* read-only memory (this program's .rodata) */
	R_RO_STACK,    /* the same, 16-byte aligned, as the top of a stack */
	R_PATH,        /* "/bin/usertests", 14 bytes */
	R_MISSING,     /* "/bin/no-such-file", 17 */
	R_DIRPATH,     /* "/bin", 4 */
	R_RELPATH,     /* "bin/usertests", 13 */
	R_DOTDOT,      /* "/bin/../bin/usertests", 21 */
	R_NULINSIDE,   /* "/bin\0usertests", 14 */
	R_UNDERFILE,   /* "/bin/usertests/x", 16 */
	R_LONGNAME,    /* "/" and 80 'x' */
	R_NOP_ARGS,    /* "usertests\0-c\0nop\0", 17 */
	R_THREAD_FN,   /* a thread entry that exits at once, touching no stack */
	R_FILE,        /* /bin/usertests, READ|EXEC|DUP */
	R_FILE_NODUP,  /* READ */
	R_FILE_NOREAD, /* EXEC */
	R_DIR,         /* /bin, READ|DUP */
	R_DIR_NOREAD,  /* /bin, EXEC */
	R_CLOSED,      /* a handle value that was closed */
	R_EP,          /* an endpoint, all rights */
	R_EP_NOCALL,   /* RECEIVE */
	R_EP_NORECV,   /* CALL */
	R_NOTIFY,      /* a notification, all rights */
	R_NOTIFY_NOSIGNAL, /* RECEIVE */
	R_NOTIFY_NORECV,   /* SIGNAL */
	R_MEM,         /* a one-page memory object, all rights */
	R_MEM_RO,      /* READ|DUP */
	R_PROC,        /* a child that has exited, WAIT|KILL|DUP */
	R_PROC_NOWAIT, /* KILL */
	R_PROC_NOKILL, /* WAIT */
	R_PID_PARENT,  /* the runner's pid: not ours to open */
	R_COUNT
};
#define RES(r) (0x5e7c5e7c00000000ul | (r))
#define IS_RES(v) (((v) & ~0xfffful) == 0x5e7c5e7c00000000ul)

#define OK 1000 /* in place of an error: the call must succeed */

static const char path_missing[] = "/bin/no-such-file";
static const char path_dir[] = "/bin";
static const char path_rel[] = "bin/usertests";
static const char path_dotdot[] = "/bin/../bin/usertests";
static const char path_nul[] = "/bin\0usertests";
static const char path_under_file[] = UT_PATH "/x";
static const char nop_args[] = "usertests\0-c\0nop"; /* with the literal's own NUL: 17 bytes */
static const char read_only[256] __attribute__((aligned(64))) = "read-only";
static char path_long[82];
static char buffer[4096] __attribute__((aligned(4096)));
static uint64_t resources[R_COUNT];
static bool dry_run; /* only note which calls are covered */
static bool covered[SYS_COUNT];

static struct {
	int calls, wrong;
	char first[3][160];
} tally;

/* A thread entry that exits without a stack, so any stack_top the kernel lets through is harmless. */
extern void badargs_thread_exit(void);
__asm__(".text\n"
	".globl badargs_thread_exit\n"
	"badargs_thread_exit:\n"
	"\tmovl $" "8" ", %eax\n" /* SYS_thread_exit */
	"\tsyscall\n"
	"\tud2\n");
_Static_assert(SYS_thread_exit == 8, "badargs_thread_exit hard-codes the number");

static long must(long r, const char *what)
{
	if (r < 0)
		ut_fail("setup: %s: %s", what, os_strerror(r));
	return r;
}

static uint64_t resource_make(enum resource r)
{
	long h;
	switch (r) {
	case R_BUF: return (uint64_t)buffer;
	case R_STACK: return (uint64_t)(buffer + sizeof(buffer));
	case R_RO: return (uint64_t)read_only;
	case R_RO_STACK: return (uint64_t)(read_only + 128);
	case R_PATH: return (uint64_t)UT_PATH;
	case R_MISSING: return (uint64_t)path_missing;
	case R_DIRPATH: return (uint64_t)path_dir;
	case R_RELPATH: return (uint64_t)path_rel;
	case R_DOTDOT: return (uint64_t)path_dotdot;
	case R_NULINSIDE: return (uint64_t)path_nul;
	case R_UNDERFILE: return (uint64_t)path_under_file;
	case R_LONGNAME:
		path_long[0] = '/';
		memset(path_long + 1, 'x', sizeof(path_long) - 2);
		return (uint64_t)path_long;
	case R_NOP_ARGS: return (uint64_t)nop_args;
	case R_THREAD_FN: return (uint64_t)badargs_thread_exit;
	case R_FILE:
		return must(os_open(UT_PATH, SIETCH_RIGHT_READ | SIETCH_RIGHT_EXEC | SIETCH_RIGHT_DUP), "open " UT_PATH);
	case R_FILE_NODUP: return must(os_handle_dup(resource_make(R_FILE), SIETCH_RIGHT_READ), "dup of a file");
	case R_FILE_NOREAD: return must(os_handle_dup(resource_make(R_FILE), SIETCH_RIGHT_EXEC), "dup of a file");
	case R_DIR: return must(os_open("/bin", SIETCH_RIGHT_READ | SIETCH_RIGHT_DUP), "open /bin");
	case R_DIR_NOREAD: return must(os_open("/bin", SIETCH_RIGHT_EXEC), "open /bin with EXEC");
	case R_CLOSED:
		h = must(os_open(UT_PATH, SIETCH_RIGHT_READ), "open " UT_PATH);
		must(os_close(h), "close");
		return (uint64_t)h;
	case R_EP: return must(os_endpoint_create(), "endpoint_create");
	case R_EP_NOCALL: return must(os_handle_dup(resource_make(R_EP), SIETCH_RIGHT_RECEIVE), "dup of an endpoint");
	case R_EP_NORECV: return must(os_handle_dup(resource_make(R_EP), SIETCH_RIGHT_CALL), "dup of an endpoint");
	case R_NOTIFY: return must(os_notify_create(), "notify_create");
	case R_NOTIFY_NOSIGNAL:
		return must(os_handle_dup(resource_make(R_NOTIFY), SIETCH_RIGHT_RECEIVE), "dup of a notification");
	case R_NOTIFY_NORECV:
		return must(os_handle_dup(resource_make(R_NOTIFY), SIETCH_RIGHT_SIGNAL), "dup of a notification");
	case R_MEM: return must(os_memory_create(OS_PAGE_SIZE), "memory_create");
	case R_MEM_RO:
		return must(os_handle_dup(resource_make(R_MEM), SIETCH_RIGHT_READ | SIETCH_RIGHT_DUP), "dup of memory");
	case R_PROC: {
		h = ut_spawn_helper("nop", NULL);
		int status;
		must(os_wait(h, &status), "wait");
		return (uint64_t)h;
	}
	case R_PROC_NOWAIT: return must(os_handle_dup(resource_make(R_PROC), SIETCH_RIGHT_KILL), "dup of a process");
	case R_PROC_NOKILL: return must(os_handle_dup(resource_make(R_PROC), SIETCH_RIGHT_WAIT), "dup of a process");
	case R_PID_PARENT: {
		struct sietch_proc_info info[64];
		long n = must(os_proc_list(info, 64), "proc_list");
		long self = os_self();
		for (long i = 0; i < n && i < 64; i++)
			if (info[i].pid == (uint32_t)self)
				return info[i].parent;
		ut_fail("setup: this process is not in proc_list");
	}
	case R_COUNT: break;
	}
	ut_fail("setup: resource %d", (int)r);
}

static uint64_t resolve(uint64_t v)
{
	if (!IS_RES(v))
		return v;
	enum resource r = (enum resource)(v & 0xffff);
	if (!resources[r])
		resources[r] = resource_make(r) | (1ul << 63); /* the top bit: made (a handle may be 0) */
	return resources[r] & ~(1ul << 63);
}

/* A call that succeeded when it should not have: undo what it did. */
static void undo(unsigned nr, long r, const uint64_t *a)
{
	int status;
	switch (nr) {
	case SYS_proc_spawn:
		os_wait(r, &status);
		os_close(r);
		break;
	case SYS_proc_open:
	case SYS_open:
	case SYS_handle_dup:
	case SYS_endpoint_create:
	case SYS_notify_create:
	case SYS_memory_create:
		os_close(r);
		break;
	case SYS_mem_map:
		os_mem_unmap((void *)r, a[1]);
		break;
	case SYS_memory_map:
		os_mem_unmap((void *)r, OS_PAGE_SIZE);
		break;
	}
}

static void note_wrong(const char *what, long r, long e1, long e2)
{
	tally.wrong++;
	for (int i = 0; i < 3; i++) {
		if (tally.first[i][0])
			continue;
		char want[48];
		if (e1 == OK)
			snprintf(want, sizeof(want), "success");
		else
			snprintf(want, sizeof(want), "%s%s%s", os_strerror(e1), e2 ? " or " : "", e2 ? os_strerror(e2) : "");
		snprintf(tally.first[i], sizeof(tally.first[i]), "%s: %ld (%s), wanted %s", what, r,
			 r < 0 ? os_strerror(r) : "success", want);
		return;
	}
}

/* A failure found some other way than by one call's result. */
static void note_text(const char *text)
{
	tally.wrong++;
	for (int i = 0; i < 3; i++)
		if (!tally.first[i][0]) {
			snprintf(tally.first[i], sizeof(tally.first[i]), "%s", text);
			return;
		}
}

/* Calls nr with a0..a3 (markers resolved) and checks the result is -e1 or -e2 (or success, for OK). */
static void try(unsigned nr, const char *what, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, long e1, long e2)
{
	if (nr < SYS_COUNT)
		covered[nr] = true;
	if (dry_run)
		return;
	uint64_t a[4] = {resolve(a0), resolve(a1), resolve(a2), resolve(a3)};
	long r = sietch_syscall(nr, (long)a[0], (long)a[1], (long)a[2], (long)a[3], 0x5e7c, -1);
	tally.calls++;
	bool right = e1 == OK ? r >= 0 : (r == -e1 || (e2 && r == -e2));
	if (!right)
		note_wrong(what, r, e1, e2);
	if (r >= 0)
		undo(nr, r, a);
}

#define TRY(nr, what, a0, a1, a2, a3, e) try(nr, what, a0, a1, a2, a3, e, 0)
#define TRY2(nr, what, a0, a1, a2, a3, e1, e2) try(nr, what, a0, a1, a2, a3, e1, e2)

/* Values that must each make a call fail with err, put into one argument at a time. */
struct bad_args {
	const char *format; /* a case's name, from the call's and the value's */
	long err;
	uint64_t values[8];
	const char *names[8]; /* one per value, then NULL */
};

/* The same call once with each of bad's values in argument `pos`. */
static void try_each(unsigned nr, const char *what, int pos, const uint64_t args[4], const struct bad_args *bad)
{
	for (size_t i = 0; bad->names[i]; i++) {
		uint64_t a[4] = {args[0], args[1], args[2], args[3]};
		a[pos] = bad->values[i];
		char text[96];
		snprintf(text, sizeof(text), bad->format, what, bad->names[i]);
		TRY(nr, text, a[0], a[1], a[2], a[3], bad->err);
	}
}

static const struct bad_args bad_pointers = {
	"%s with a %s pointer",
	SIETCH_EFAULT,
	{P_NULL, P_UNMAPPED, P_KERNEL, P_NONCANON, L_HUGE, USER_TOP - 8},
	{"NULL", "unmapped", "kernel", "non-canonical", "~0", "user top"},
};

/* Addresses no user memory ever has: the kernel's, a non-canonical one, ~0. */
static const struct bad_args never_user = {
	"%s into %s",
	SIETCH_EFAULT,
	{P_KERNEL, P_NONCANON, L_HUGE},
	{"the kernel", "non-canonical memory", "~0"},
};

static const struct bad_args bad_handles = {
	"%s with handle %s",
	SIETCH_EBADF,
	{~0ul, 9999, RES(R_CLOSED), H_FORGED, 1ul << 40, 0x7fffffff, 0xffffffff80000000ul},
	{"-1", "9999", "closed", "forged", "1<<40", "INT_MAX", "INT_MIN"},
};

/* The same call with each bad pointer in argument `pos` (and read-only memory where the kernel writes). */
static void try_pointers(unsigned nr, const char *what, int pos, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
			 bool kernel_writes)
{
	uint64_t a[4] = {a0, a1, a2, a3};
	try_each(nr, what, pos, a, &bad_pointers);
	if (!kernel_writes)
		return;
	a[pos] = RES(R_RO);
	char text[96];
	snprintf(text, sizeof(text), "%s with a read-only pointer", what);
	TRY(nr, text, a[0], a[1], a[2], a[3], SIETCH_EFAULT);
}

/* For calls that wait before they write, where a NULL or unmapped pointer (try_pointers) would
 * only be found once the wait is over. */
static void try_never_user(unsigned nr, const char *what, int pos, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	try_each(nr, what, pos, (const uint64_t[4]){a0, a1, a2, a3}, &never_user);
}

/* The same call with each bad handle in argument `pos`. */
static void try_handles(unsigned nr, const char *what, int pos, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	try_each(nr, what, pos, (const uint64_t[4]){a0, a1, a2, a3}, &bad_handles);
}

static void finish(const char *group)
{
	if (dry_run)
		return;
	/* Still alive, and the console still works. */
	ut_check(os_write(SIETCH_HANDLE_STDOUT, "", 0) == 0, "%s: the console handle stopped working", group);
	if (tally.wrong)
		ut_fail("%d of %d calls wrong: %s%s%s%s%s", tally.wrong, tally.calls, tally.first[0],
			tally.first[1][0] ? "; " : "", tally.first[1], tally.first[2][0] ? "; " : "", tally.first[2]);
}

#define R(x) RES(R_##x)
#define READ SIETCH_RIGHT_READ
#define WAIT SIETCH_RIGHT_WAIT

/* ---- processes: spawn, wait, kill, self, open, list ---- */

static void group_proc(void)
{
	const unsigned sp = SYS_proc_spawn;
	try_pointers(sp, "spawn path", 0, 0, 14, R(NOP_ARGS), 17, false);
	TRY(sp, "spawn, path length ~0", R(PATH), L_HUGE, R(NOP_ARGS), 17, SIETCH_ENAMETOOLONG);
	TRY(sp, "spawn, path length 1<<62", R(PATH), L_BIG, R(NOP_ARGS), 17, SIETCH_ENAMETOOLONG);
	TRY(sp, "spawn, path length 256", R(PATH), 256, R(NOP_ARGS), 17, SIETCH_ENAMETOOLONG);
	TRY(sp, "spawn of a missing file", R(MISSING), 17, R(NOP_ARGS), 17, SIETCH_ENOENT);
	TRY(sp, "spawn of a directory", R(DIRPATH), 4, R(NOP_ARGS), 17, SIETCH_EISDIR);
	TRY2(sp, "spawn of a relative path", R(RELPATH), 13, R(NOP_ARGS), 17, SIETCH_EINVAL, SIETCH_ENOENT);
	TRY2(sp, "spawn of a path with a NUL", R(NULINSIDE), 14, R(NOP_ARGS), 17, SIETCH_EINVAL, SIETCH_ENOENT);
	try_pointers(sp, "spawn argv block", 2, R(PATH), 14, 0, 17, false);
	TRY(sp, "spawn, argv length ~0", R(PATH), 14, R(NOP_ARGS), L_HUGE, SIETCH_E2BIG);
	TRY(sp, "spawn, argv length 1<<62", R(PATH), 14, R(NOP_ARGS), L_BIG, SIETCH_E2BIG);
	TRY(sp, "spawn, argv length 2049", R(PATH), 14, R(NOP_ARGS), 2049, SIETCH_E2BIG);
	TRY2(sp, "spawn, unmapped argv of length ~0", R(PATH), 14, P_UNMAPPED, L_HUGE, SIETCH_E2BIG, SIETCH_EFAULT);
	TRY(sp, "spawn, argv without its last NUL", R(PATH), 14, R(NOP_ARGS), 16, SIETCH_EINVAL);

	const unsigned wt = SYS_proc_wait;
	try_handles(wt, "wait", 0, 0, R(BUF), 0, 0);
	TRY(wt, "wait on the console", 1, R(BUF), 0, 0, SIETCH_EBADF);
	TRY(wt, "wait on an endpoint", R(EP), R(BUF), 0, 0, SIETCH_EBADF);
	TRY(wt, "wait without WAIT", R(PROC_NOWAIT), R(BUF), 0, 0, SIETCH_EPERM);
	try_pointers(wt, "wait status", 1, R(PROC), 0, 0, 0, true);

	const unsigned kl = SYS_proc_kill;
	try_handles(kl, "kill", 0, 0, 137, 0, 0);
	TRY(kl, "kill of the console", 1, 137, 0, 0, SIETCH_EBADF);
	TRY(kl, "kill of an endpoint", R(EP), 137, 0, 0, SIETCH_EBADF);
	TRY(kl, "kill without KILL", R(PROC_NOKILL), 137, 0, 0, SIETCH_EPERM);

	TRY(SYS_proc_self, "proc_self with junk arguments", L_HUGE, P_KERNEL, P_NONCANON, 9999, OK);

	const unsigned op = SYS_proc_open;
	TRY(op, "proc_open of pid 0", 0, WAIT, 0, 0, SIETCH_ESRCH);
	TRY(op, "proc_open of pid ~0", L_HUGE, WAIT, 0, 0, SIETCH_ESRCH);
	TRY(op, "proc_open of pid 1<<40", 1ul << 40, WAIT, 0, 0, SIETCH_ESRCH);
	TRY(op, "proc_open of pid 99999", PID_NONE, WAIT, 0, 0, SIETCH_ESRCH);
	TRY(op, "proc_open of the parent", R(PID_PARENT), WAIT, 0, 0, SIETCH_EPERM);
	TRY(op, "proc_open with no rights", R(PID_PARENT), 0, 0, 0, SIETCH_EINVAL);
	TRY(op, "proc_open with rights ~0", R(PID_PARENT), L_HUGE, 0, 0, SIETCH_EINVAL);
	TRY(op, "proc_open with READ", R(PID_PARENT), READ, 0, 0, SIETCH_EINVAL);

	const unsigned ls = SYS_proc_list;
	try_pointers(ls, "proc_list", 0, 0, 4, 0, 0, true);
	TRY(ls, "proc_list, unmapped, count ~0", P_UNMAPPED, L_HUGE, 0, 0, SIETCH_EFAULT);
	TRY(ls, "proc_list, kernel, count 1<<62", P_KERNEL, L_BIG, 0, 0, SIETCH_EFAULT);

	const unsigned pl = SYS_pci_list;
	static struct sietch_pci_info first_function;
	/* With no PCI functions (a VM without an ECAM window) entry 0 is past the end: 0, nothing
	 * written, so only a buffer outside user space is refused. */
	if (os_pci_list(0, &first_function, 1) > 0) {
		try_pointers(pl, "pci_list", 1, 0, 0, 4, 0, true);
		TRY(pl, "pci_list, unmapped, count ~0", 0, P_UNMAPPED, L_HUGE, 0, SIETCH_EFAULT);
	}
	TRY(pl, "pci_list, kernel, count 1<<62", 0, P_KERNEL, L_BIG, 0, SIETCH_EFAULT);
	TRY(pl, "pci_list, first ~0, kernel pointer", L_HUGE, P_KERNEL, 1, 0, SIETCH_EFAULT);
	finish("proc");
}

/* ---- threads: create, yield, sleep ---- */

static void group_thread(void)
{
	const unsigned tc = SYS_thread_create;
	TRY(tc, "thread_create, entry NULL", 0, R(STACK), 0, 0, SIETCH_EFAULT);
	TRY(tc, "thread_create, entry in the kernel", P_KERNEL, R(STACK), 0, 0, SIETCH_EFAULT);
	TRY(tc, "thread_create, entry non-canonical", P_NONCANON, R(STACK), 0, 0, SIETCH_EFAULT);
	TRY(tc, "thread_create, entry ~0", L_HUGE, R(STACK), 0, 0, SIETCH_EFAULT);
	TRY(tc, "thread_create, stack NULL", R(THREAD_FN), 0, 0, 0, SIETCH_EFAULT);
	TRY(tc, "thread_create, stack 8", R(THREAD_FN), 8, 0, 0, SIETCH_EFAULT);
	TRY(tc, "thread_create, stack in the kernel", R(THREAD_FN), P_KERNEL, 0, 0, SIETCH_EFAULT);
	TRY(tc, "thread_create, stack non-canonical", R(THREAD_FN), P_NONCANON, 0, 0, SIETCH_EFAULT);
	TRY(tc, "thread_create, stack ~0", R(THREAD_FN), L_HUGE, 0, 0, SIETCH_EFAULT);
	/* Harmless if let through: the entry touches no stack. */
	TRY(tc, "thread_create, stack unmapped", R(THREAD_FN), P_UNMAPPED, 0, 0, SIETCH_EFAULT);
	TRY(tc, "thread_create, stack read-only", R(THREAD_FN), R(RO_STACK), 0, 0, SIETCH_EFAULT);

	/* Refused values leave this thread's pointer (the C library's thread block) as it is. */
	const unsigned tp = SYS_thread_set_pointer;
	TRY(tp, "thread_set_pointer in the kernel", P_KERNEL, 0, 0, 0, SIETCH_EFAULT);
	TRY(tp, "thread_set_pointer non-canonical", P_NONCANON, 0, 0, 0, SIETCH_EFAULT);
	TRY(tp, "thread_set_pointer just past user space", 0x0000800000000000ul, 0, 0, 0, SIETCH_EFAULT);
	TRY(tp, "thread_set_pointer ~0", L_HUGE, 0, 0, 0, SIETCH_EFAULT);

	/* Refused values leave the calling thread where it may run. */
	const unsigned pin = SYS_thread_pin;
	TRY(pin, "thread_pin to CPU 64", 0, 64, 0, 0, SIETCH_EINVAL);
	TRY(pin, "thread_pin to CPU 1<<32", 0, 1ul << 32, 0, 0, SIETCH_EINVAL);
	TRY(pin, "thread_pin to CPU ~0", 0, L_HUGE, 0, 0, SIETCH_EINVAL);
	TRY(pin, "thread_pin to CPU_ANY with junk above", 0, (1ul << 32) | SIETCH_CPU_ANY, 0, 0, SIETCH_EINVAL);
	TRY(pin, "thread_pin of thread 99999", PID_NONE, SIETCH_CPU_ANY, 0, 0, SIETCH_ESRCH);
	TRY(pin, "thread_pin of thread ~0", L_HUGE, SIETCH_CPU_ANY, 0, 0, SIETCH_ESRCH);
	TRY(pin, "thread_pin of thread 1<<32", 1ul << 32, SIETCH_CPU_ANY, 0, 0, SIETCH_ESRCH);
	TRY(pin, "thread_pin of another process's thread", 1, SIETCH_CPU_ANY, 0, 0, SIETCH_ESRCH);
	TRY(pin, "thread_pin to CPU_ANY", 0, SIETCH_CPU_ANY, L_HUGE, 0, OK);

	TRY(SYS_thread_yield, "yield with junk arguments", L_HUGE, P_KERNEL, 0, 0, OK);
	TRY(SYS_thread_sleep, "sleep ~0 ns", L_HUGE, 0, 0, 0, SIETCH_EINVAL);
	TRY(SYS_thread_sleep, "sleep 1<<62 ns", L_BIG, 0, 0, 0, SIETCH_EINVAL);
	TRY(SYS_thread_sleep, "sleep 0 ns", 0, 0, 0, 0, OK);
	finish("thread");
}

/*
 * In a helper: a thread whose entry is unmapped or not executable must be
 * refused, not started (it would fault and end the process). Exits 0 when
 * both were refused with EFAULT, 5 when a call returned something else and
 * the process lived.
 */
static void thread_bad_entries(void)
{
	TRY(SYS_thread_create, "thread_create, entry unmapped", P_UNMAPPED, R(STACK), 0, 0, SIETCH_EFAULT);
	TRY(SYS_thread_create, "thread_create, entry in data", R(BUF), R(STACK), 0, 0, SIETCH_EFAULT);
	if (dry_run)
		return;
	os_sleep_ns(50 * UT_NS_PER_MS); /* a thread let through faults meanwhile and ends the process */
	os_exit(tally.wrong ? 5 : 0);
}

/* ---- memory: map, unmap, memory objects ---- */

static void group_mem(void)
{
	const unsigned mm = SYS_mem_map;
	const uint64_t rw = SIETCH_PROT_READ | SIETCH_PROT_WRITE, fixed = SIETCH_MAP_FIXED;
	TRY(mm, "mem_map of length 0", 0, 0, rw, 0, SIETCH_EINVAL);
	TRY(mm, "mem_map of length ~0", 0, L_HUGE, rw, 0, SIETCH_EINVAL);
	TRY(mm, "mem_map of length 1<<62", 0, L_BIG, rw, 0, SIETCH_EINVAL);
	TRY(mm, "mem_map of 32 GiB", 0, 1ul << 35, rw, 0, SIETCH_ENOMEM);
	TRY(mm, "mem_map W|X", 0, 4096, SIETCH_PROT_READ | SIETCH_PROT_WRITE | SIETCH_PROT_EXEC, 0, SIETCH_EINVAL);
	TRY(mm, "mem_map prot bit 8", 0, 4096, 1u << 8, 0, SIETCH_EINVAL);
	TRY(mm, "mem_map prot ~0", 0, 4096, L_HUGE, 0, SIETCH_EINVAL);
	TRY(mm, "mem_map flags bit 1", 0, 4096, rw, 2, SIETCH_EINVAL);
	TRY(mm, "mem_map flags ~0", 0, 4096, rw, L_HUGE, SIETCH_EINVAL);
	TRY(mm, "mem_map FIXED in the kernel", P_KERNEL, 4096, rw, fixed, SIETCH_EINVAL);
	TRY(mm, "mem_map FIXED non-canonical", P_NONCANON, 4096, rw, fixed, SIETCH_EINVAL);
	TRY(mm, "mem_map FIXED at 0", 0, 4096, rw, fixed, SIETCH_EINVAL);
	TRY(mm, "mem_map FIXED at 0x1000", 0x1000, 4096, rw, fixed, SIETCH_EINVAL);
	TRY(mm, "mem_map FIXED unaligned", P_UNMAPPED + 1, 4096, rw, fixed, SIETCH_EINVAL);
	TRY(mm, "mem_map FIXED at the top of user space", USER_TOP, 4096, rw, fixed, SIETCH_EINVAL);
	TRY(mm, "mem_map FIXED across the top", USER_TOP - 4096, 8192, rw, fixed, SIETCH_EINVAL);
	TRY(mm, "mem_map FIXED, length ~0", P_UNMAPPED, L_HUGE, rw, fixed, SIETCH_EINVAL);
	TRY(mm, "mem_map FIXED over the text", 0x400000, 4096, rw, fixed, SIETCH_EEXIST);

	const unsigned da = SYS_dma_alloc;
	TRY(da, "dma_alloc of 0 bytes", RES(R_MEM), 0, RES(R_BUF), 0, SIETCH_EINVAL);
	TRY(da, "dma_alloc of ~0 bytes", RES(R_MEM), L_HUGE, RES(R_BUF), 0, SIETCH_EINVAL);
	TRY(da, "dma_alloc of 1<<62 bytes", RES(R_MEM), L_BIG, RES(R_BUF), 0, SIETCH_EINVAL);
	TRY(da, "dma_alloc into the kernel", RES(R_MEM), 4096, P_KERNEL, 0, SIETCH_EFAULT);
	TRY(da, "dma_alloc into non-canonical", RES(R_MEM), 4096, P_NONCANON, 0, SIETCH_EFAULT);
	TRY(da, "dma_alloc under a memory object", RES(R_MEM), 4096, RES(R_BUF), 0, SIETCH_EBADF);
	TRY(da, "dma_alloc under the console", SIETCH_HANDLE_STDOUT, 4096, RES(R_BUF), 0, SIETCH_EBADF);
	TRY(da, "dma_alloc under a closed handle", RES(R_CLOSED), 4096, RES(R_BUF), 0, SIETCH_EBADF);
	TRY(da, "dma_alloc under a forged handle", H_FORGED, 4096, RES(R_BUF), 0, SIETCH_EBADF);
	TRY(da, "dma_alloc under read-only memory", RES(R_MEM_RO), 4096, RES(R_BUF), 0, SIETCH_EBADF);
	TRY(da, "dma_alloc under a notification without RECEIVE", RES(R_NOTIFY_NORECV), 4096, RES(R_BUF), 0,
	    SIETCH_EBADF);

	/* No VNIC handle here: every call on another kind of handle is EBADF. */
	const unsigned vm = SYS_vnic_map, vb = SYS_vnic_bind_irq;
	TRY(vm, "vnic_map of the console", SIETCH_HANDLE_STDOUT, RES(R_BUF), 0, 0, SIETCH_EBADF);
	TRY(vm, "vnic_map of a memory object", RES(R_MEM), RES(R_BUF), 0, 0, SIETCH_EBADF);
	TRY(vm, "vnic_map of a closed handle", RES(R_CLOSED), RES(R_BUF), 0, 0, SIETCH_EBADF);
	TRY(vm, "vnic_map of handle -1", L_HUGE, RES(R_BUF), 0, 0, SIETCH_EBADF);
	TRY(vb, "vnic_bind_irq of the console", SIETCH_HANDLE_STDOUT, 0, RES(R_NOTIFY), 1, SIETCH_EBADF);
	TRY(vb, "vnic_bind_irq of a notification", RES(R_NOTIFY), 0, RES(R_NOTIFY), 1, SIETCH_EBADF);
	TRY(vb, "vnic_bind_irq of a forged handle", H_FORGED, 0, RES(R_NOTIFY), 1, SIETCH_EBADF);
	const unsigned vs = SYS_vnic_set_rate, vp = SYS_vnic_pool;
	TRY(vs, "vnic_set_rate of the console", SIETCH_HANDLE_STDOUT, 100, 0, 0, SIETCH_EBADF);
	TRY(vs, "vnic_set_rate of a memory object", RES(R_MEM), 100, 0, 0, SIETCH_EBADF);
	TRY(vs, "vnic_set_rate of a closed handle", RES(R_CLOSED), 100, 0, 0, SIETCH_EBADF);
	TRY(vs, "vnic_set_rate of 1<<32 Mb/s", SIETCH_HANDLE_STDOUT, 1ul << 32, 0, 0, SIETCH_EINVAL);
	const unsigned vl = SYS_vnic_rate_limit; /* never a good rate on -1: it would limit this process */
	TRY(vl, "vnic_rate_limit of the console", SIETCH_HANDLE_STDOUT, 100, 0, 0, SIETCH_EBADF);
	TRY(vl, "vnic_rate_limit of a closed handle", RES(R_CLOSED), 100, 0, 0, SIETCH_EBADF);
	TRY(vl, "vnic_rate_limit of a forged handle", H_FORGED, 100, 0, 0, SIETCH_EBADF);
	TRY(vl, "vnic_rate_limit of itself to 0", L_HUGE, 0, 0, 0, SIETCH_EINVAL);
	TRY(vl, "vnic_rate_limit of itself to 1001", L_HUGE, 1001, 0, 0, SIETCH_EINVAL);
	TRY(vl, "vnic_rate_limit of itself to 1<<32", L_HUGE, 1ul << 32, 0, 0, SIETCH_EINVAL);
	/* with or without an igb: no VF 99, and the out pointer is checked first */
	TRY(vp, "vnic_pool of VF 99", 99, RES(R_BUF), 0, 0, SIETCH_ENOENT);
	TRY(vp, "vnic_pool of VF 1<<32", 1ul << 32, RES(R_BUF), 0, 0, SIETCH_EINVAL);
	TRY(vp, "vnic_pool into the kernel", 0, P_KERNEL, 0, 0, SIETCH_EFAULT);
	TRY(vp, "vnic_pool into non-canonical", 0, P_NONCANON, 0, 0, SIETCH_EFAULT);

	const unsigned mu = SYS_mem_unmap;
	TRY(mu, "mem_unmap in the kernel", P_KERNEL, 4096, 0, 0, SIETCH_EINVAL);
	TRY(mu, "mem_unmap non-canonical", P_NONCANON, 4096, 0, 0, SIETCH_EINVAL);
	TRY(mu, "mem_unmap unaligned", P_UNMAPPED + 1, 4096, 0, 0, SIETCH_EINVAL);
	TRY(mu, "mem_unmap of length 0", P_UNMAPPED, 0, 0, 0, SIETCH_EINVAL);
	TRY(mu, "mem_unmap of length ~0", P_UNMAPPED, L_HUGE, 0, 0, SIETCH_EINVAL);
	TRY(mu, "mem_unmap of length 1<<62", P_UNMAPPED, L_BIG, 0, 0, SIETCH_EINVAL);
	TRY(mu, "mem_unmap of nothing mapped", P_UNMAPPED, 4096, 0, 0, SIETCH_EINVAL);
	TRY(mu, "mem_unmap at 0", 0, 4096, 0, 0, SIETCH_EINVAL);
	TRY(mu, "mem_unmap at the top of user space", USER_TOP, 4096, 0, 0, SIETCH_EINVAL);

	const unsigned mc = SYS_memory_create;
	TRY(mc, "memory_create of 0 bytes", 0, 0, 0, 0, SIETCH_EINVAL);
	TRY(mc, "memory_create of ~0 bytes", L_HUGE, 0, 0, 0, SIETCH_EINVAL);
	TRY(mc, "memory_create of 1<<62 bytes", L_BIG, 0, 0, 0, SIETCH_EINVAL);
	TRY(mc, "memory_create of 1 GiB + 1", (1ul << 30) + 1, 0, 0, 0, SIETCH_EINVAL);

	const unsigned mp = SYS_memory_map;
	try_handles(mp, "memory_map", 0, 0, 0, rw, 0);
	TRY(mp, "memory_map of a file", R(FILE), 0, SIETCH_PROT_READ, 0, SIETCH_EBADF);
	TRY(mp, "memory_map of an endpoint", R(EP), 0, rw, 0, SIETCH_EBADF);
	TRY(mp, "memory_map W|X", R(MEM), 0, SIETCH_PROT_READ | SIETCH_PROT_WRITE | SIETCH_PROT_EXEC, 0,
	    SIETCH_EINVAL);
	TRY(mp, "memory_map EXEC", R(MEM), 0, SIETCH_PROT_READ | SIETCH_PROT_EXEC, 0, SIETCH_EINVAL);
	TRY(mp, "memory_map prot 0", R(MEM), 0, 0, 0, SIETCH_EINVAL);
	TRY(mp, "memory_map write-only", R(MEM), 0, SIETCH_PROT_WRITE, 0, SIETCH_EINVAL);
	TRY(mp, "memory_map prot ~0", R(MEM), 0, L_HUGE, 0, SIETCH_EINVAL);
	TRY(mp, "memory_map in the kernel", R(MEM), P_KERNEL, rw, 0, SIETCH_EINVAL);
	TRY(mp, "memory_map non-canonical", R(MEM), P_NONCANON, rw, 0, SIETCH_EINVAL);
	TRY(mp, "memory_map unaligned", R(MEM), P_UNMAPPED + 1, rw, 0, SIETCH_EINVAL);
	TRY(mp, "memory_map at 0x1000", R(MEM), 0x1000, rw, 0, SIETCH_EINVAL);
	TRY(mp, "memory_map at the top of user space", R(MEM), USER_TOP, rw, 0, SIETCH_EINVAL);
	TRY(mp, "memory_map over the text", R(MEM), 0x400000, rw, 0, SIETCH_EEXIST);
	TRY(mp, "memory_map writable without WRITE", R(MEM_RO), 0, rw, 0, SIETCH_EPERM);
	finish("mem");
}

/* ---- names, files, handles, clocks, counters ---- */

static void group_open_close(void)
{
	const unsigned op = SYS_open;
	try_pointers(op, "open path", 0, 0, 5, READ, 0, false);
	TRY(op, "open, path length ~0", R(PATH), L_HUGE, READ, 0, SIETCH_ENAMETOOLONG);
	TRY(op, "open, path length 1<<62", R(PATH), L_BIG, READ, 0, SIETCH_ENAMETOOLONG);
	TRY(op, "open, path length 256", R(PATH), 256, READ, 0, SIETCH_ENAMETOOLONG);
	TRY(op, "open, path length 0", R(PATH), 0, READ, 0, SIETCH_ENOENT);
	TRY(op, "open with rights ~0", R(PATH), 14, L_HUGE, 0, SIETCH_EINVAL);
	TRY(op, "open with rights bit 9", R(PATH), 14, 1u << 9, 0, SIETCH_EINVAL);
	TRY(op, "open of a boot-image file for WRITE", R(PATH), 14, SIETCH_RIGHT_WRITE, 0, SIETCH_EPERM);
	TRY(op, "open of a missing file", R(MISSING), 17, READ, 0, SIETCH_ENOENT);
	TRY(op, "open of a relative path", R(RELPATH), 13, READ, 0, SIETCH_EINVAL);
	TRY(op, "open of a path with ..", R(DOTDOT), 21, READ, 0, SIETCH_EINVAL);
	TRY(op, "open of a path with a NUL", R(NULINSIDE), 14, READ, 0, SIETCH_EINVAL);
	TRY(op, "open of a name under a file", R(UNDERFILE), 16, READ, 0, SIETCH_ENOTDIR);
	TRY(op, "open of an 80-byte name", R(LONGNAME), 81, READ, 0, SIETCH_ENAMETOOLONG);

	try_handles(SYS_close, "close", 0, 0, 0, 0, 0);
}

static void group_read_write(void)
{
	const unsigned rd = SYS_read, wr = SYS_write;
	try_handles(rd, "read", 0, 0, R(BUF), 16, 0);
	TRY(rd, "read of an endpoint", R(EP), R(BUF), 16, 0, SIETCH_EBADF);
	TRY(rd, "read of a directory", R(DIR), R(BUF), 16, 0, SIETCH_EISDIR);
	TRY(rd, "read of the console's write handle", 1, R(BUF), 16, 0, SIETCH_EPERM);
	TRY(rd, "read without READ", R(FILE_NOREAD), R(BUF), 16, 0, SIETCH_EPERM);
	try_pointers(rd, "read buffer", 1, R(FILE), 0, 16, 0, true);
	TRY(rd, "read, unmapped, length ~0", R(FILE), P_UNMAPPED, L_HUGE, 0, SIETCH_EFAULT);
	TRY(rd, "read, kernel, length 1<<62", R(FILE), P_KERNEL, L_BIG, 0, SIETCH_EFAULT);

	try_handles(wr, "write", 0, 0, R(RO), 16, 0);
	TRY(wr, "write to an endpoint", R(EP), R(RO), 16, 0, SIETCH_EBADF);
	TRY(wr, "write to a directory", R(DIR), R(RO), 16, 0, SIETCH_EISDIR);
	TRY(wr, "write to a boot-image file", R(FILE), R(RO), 16, 0, SIETCH_EPERM);
	TRY(wr, "write to the console's read handle", 0, R(RO), 16, 0, SIETCH_EPERM);
	try_pointers(wr, "write buffer", 1, 1, 0, 16, 0, false);
	TRY(wr, "write, unmapped, length ~0", 1, P_UNMAPPED, L_HUGE, 0, SIETCH_EFAULT);
	TRY(wr, "write, kernel, length 1<<62", 1, P_KERNEL, L_BIG, 0, SIETCH_EFAULT);

	/* console_foreground: never a success that makes this case the foreground, which would leave
	 * the console to a process about to end */
	const unsigned cf = SYS_console_foreground, FG = SIETCH_CONSOLE_FOREGROUND;
	try_handles(cf, "console_foreground of console", 0, 0, L_HUGE, FG, 0);
	TRY(cf, "console_foreground through the console's write handle", 1, L_HUGE, FG, 0, SIETCH_EPERM);
	TRY(cf, "console_foreground through a file", R(FILE), L_HUGE, FG, 0, SIETCH_EBADF);
	TRY(cf, "console_foreground of process 9999", 0, 9999, FG, 0, SIETCH_EBADF);
	TRY(cf, "console_foreground of process 1<<40", 0, 1ul << 40, FG, 0, SIETCH_EBADF);
	TRY(cf, "console_foreground of an endpoint", 0, R(EP), FG, 0, SIETCH_EBADF);
	TRY(cf, "console_foreground without KILL", 0, R(PROC_NOKILL), FG, 0, SIETCH_EPERM);
	TRY(cf, "console_foreground, flags ~0", 0, L_HUGE, L_HUGE, 0, SIETCH_EINVAL);
	TRY(cf, "console_foreground, flags bit 2", 0, L_HUGE, 4, 0, SIETCH_EINVAL);
	TRY(cf, "console_foreground, INTERRUPT alone", 0, L_HUGE, SIETCH_CONSOLE_INTERRUPT, 0, SIETCH_EINVAL);
}

static void group_seek_stat_dir(void)
{
	const unsigned sk = SYS_seek;
	try_handles(sk, "seek", 0, 0, 0, SIETCH_SEEK_SET, 0);
	TRY(sk, "seek of an endpoint", R(EP), 0, SIETCH_SEEK_SET, 0, SIETCH_EBADF);
	TRY(sk, "seek of the console", 1, 0, SIETCH_SEEK_SET, 0, SIETCH_ESPIPE);
	TRY(sk, "seek, whence 3", R(FILE), 0, 3, 0, SIETCH_EINVAL);
	TRY(sk, "seek, whence ~0", R(FILE), 0, L_HUGE, 0, SIETCH_EINVAL);
	TRY(sk, "seek to -1", R(FILE), L_HUGE, SIETCH_SEEK_SET, 0, SIETCH_EINVAL);
	TRY(sk, "seek past INT64_MAX", R(FILE), 0x7ffffffffffffffful, SIETCH_SEEK_END, 0, SIETCH_EINVAL);

	try_handles(SYS_stat, "stat", 0, 0, R(BUF), 0, 0);
	try_pointers(SYS_stat, "stat buffer", 1, R(FILE), 0, 0, 0, true);

	const unsigned dr = SYS_dir_read;
	try_handles(dr, "dir_read", 0, 0, 0, R(BUF), 1);
	TRY(dr, "dir_read of a file", R(FILE), 0, R(BUF), 1, SIETCH_EBADF);
	TRY(dr, "dir_read without READ", R(DIR_NOREAD), 0, R(BUF), 1, SIETCH_EPERM);
	try_pointers(dr, "dir_read buffer", 2, R(DIR), 0, 0, 1, true);
	TRY(dr, "dir_read, unmapped, count ~0", R(DIR), 0, P_UNMAPPED, L_HUGE, SIETCH_EFAULT);
	TRY(dr, "dir_read, kernel, count 1<<62", R(DIR), 0, P_KERNEL, L_BIG, SIETCH_EFAULT);
}

static void group_dup_clock_counters(void)
{
	const unsigned dp = SYS_handle_dup;
	try_handles(dp, "handle_dup", 0, 0, READ, 0, 0);
	TRY(dp, "handle_dup with rights ~0", R(FILE), L_HUGE, 0, 0, SIETCH_EINVAL);
	TRY(dp, "handle_dup with rights bit 9", R(FILE), 1u << 9, 0, 0, SIETCH_EINVAL);
	TRY(dp, "handle_dup widening rights", 1, READ | SIETCH_RIGHT_WRITE, 0, 0, SIETCH_EPERM);
	TRY(dp, "handle_dup without DUP", R(FILE_NODUP), READ, 0, 0, SIETCH_EPERM);

	const unsigned cl = SYS_clock_get;
	TRY(cl, "clock_get of clock 3", 3, R(BUF), 0, 0, SIETCH_EINVAL);
	TRY(cl, "clock_get of clock ~0", L_HUGE, R(BUF), 0, 0, SIETCH_EINVAL);
	try_pointers(cl, "clock_get result", 1, SIETCH_CLOCK_MONOTONIC, 0, 0, 0, true);

	const unsigned cr = SYS_counters_read;
	TRY(cr, "counters_read of scope 6", 6, 0, R(BUF), 0, SIETCH_EINVAL);
	TRY(cr, "counters_read of VM handle 0 (the console)", SIETCH_COUNTERS_VM, 0, R(BUF), 0, SIETCH_EBADF);
	TRY(cr, "counters_read of vCPU handle ~0", SIETCH_COUNTERS_VCPU, L_HUGE, R(BUF), 0, SIETCH_EBADF);
	TRY(cr, "counters_read of CPU 64", SIETCH_COUNTERS_CPU, 64, R(BUF), 0, SIETCH_EINVAL);
	TRY(cr, "counters_read of CPU ~0", SIETCH_COUNTERS_CPU, L_HUGE, R(BUF), 0, SIETCH_EINVAL);
	TRY(cr, "counters_read of scope ~0", L_HUGE, 0, R(BUF), 0, SIETCH_EINVAL);
	TRY(cr, "counters_read SELF with an id", SIETCH_COUNTERS_SELF, 1, R(BUF), 0, SIETCH_EINVAL);
	TRY(cr, "counters_read SYSTEM with an id", SIETCH_COUNTERS_SYSTEM, 5, R(BUF), 0, SIETCH_EINVAL);
	TRY(cr, "counters_read of pid 0", SIETCH_COUNTERS_PROCESS, 0, R(BUF), 0, SIETCH_ESRCH);
	TRY(cr, "counters_read of pid ~0", SIETCH_COUNTERS_PROCESS, L_HUGE, R(BUF), 0, SIETCH_ESRCH);
	TRY(cr, "counters_read of pid 1<<40", SIETCH_COUNTERS_PROCESS, 1ul << 40, R(BUF), 0, SIETCH_ESRCH);
	TRY(cr, "counters_read of pid 99999", SIETCH_COUNTERS_PROCESS, PID_NONE, R(BUF), 0, SIETCH_ESRCH);
	try_pointers(cr, "counters_read result", 2, SIETCH_COUNTERS_SELF, 0, 0, 0, true);
}

/* Storage areas (drivers/nvme/kernel): every check comes before the kernel looks for a device,
 * so the answers are the same with or without one. */
static void group_store(void)
{
	const unsigned sc = SYS_store_create, sr = SYS_store_remove, sl = SYS_store_list;
	TRY(sc, "store_create with flags bit 2", R(PATH), 4, 4096, 4, SIETCH_EINVAL);
	TRY(sc, "store_create of a read-only namespace", R(PATH), 4, 4096, 3, SIETCH_EINVAL);
	TRY(sc, "store_create with flags ~0", R(PATH), 4, 4096, L_HUGE, SIETCH_EINVAL);
	TRY(sc, "store_create of a name of length 0", R(PATH), 0, 4096, 0, SIETCH_EINVAL);
	TRY(sc, "store_create of a name of length ~0", R(PATH), L_HUGE, 4096, 0, SIETCH_EINVAL);
	TRY(sc, "store_create of a name with a slash", R(PATH), 14, 4096, 0, SIETCH_EINVAL);
	try_pointers(sc, "store_create name", 0, 0, 4, 4096, 0, false);
	TRY(sr, "store_remove of a name of length 0", R(PATH), 0, 0, 0, SIETCH_EINVAL);
	TRY(sr, "store_remove of a name with a slash", R(PATH), 14, 0, 0, SIETCH_EINVAL);
	try_pointers(sr, "store_remove name", 0, 0, 4, 0, 0, false);
	const unsigned st = SYS_store_set_rights;
	TRY(st, "store_set_rights to no rights", R(PATH), 4, 0, 0, SIETCH_EINVAL);
	TRY(st, "store_set_rights to WRITE alone", R(PATH), 4, SIETCH_RIGHT_WRITE, 0, SIETCH_EINVAL);
	TRY(st, "store_set_rights to ~0", R(PATH), 4, L_HUGE, 0, SIETCH_EINVAL);
	TRY(st, "store_set_rights with DUP", R(PATH), 4, READ | SIETCH_RIGHT_DUP, 0, SIETCH_EINVAL);
	TRY(st, "store_set_rights of a name of length 0", R(PATH), 0, READ, 0, SIETCH_EINVAL);
	TRY(st, "store_set_rights of a name with a slash", R(PATH), 14, READ, 0, SIETCH_EINVAL);
	try_pointers(st, "store_set_rights name", 0, 0, 4, READ, 0, false);
	TRY(sl, "store_list into the kernel", 0, P_KERNEL, 4, 0, SIETCH_EFAULT);
	TRY(sl, "store_list into non-canonical", 0, P_NONCANON, 4, 0, SIETCH_EFAULT);

	const unsigned so = SYS_store_open;
	TRY(so, "store_open with DUP", R(PATH), 14, READ | SIETCH_RIGHT_DUP, R(BUF), SIETCH_EINVAL);
	TRY(so, "store_open with rights ~0", R(PATH), 14, L_HUGE, R(BUF), SIETCH_EINVAL);
	TRY(so, "store_open, info in the kernel", R(PATH), 14, READ, P_KERNEL, SIETCH_EFAULT);
	TRY(so, "store_open, info non-canonical", R(PATH), 14, READ, P_NONCANON, SIETCH_EFAULT);
	TRY(so, "store_open of a path of length 0", R(PATH), 0, READ, R(BUF), SIETCH_EINVAL);
	TRY(so, "store_open of a path of length ~0", R(PATH), L_HUGE, READ, R(BUF), SIETCH_EINVAL);
	TRY(so, "store_open of a path outside /store", R(PATH), 14, READ, R(BUF), SIETCH_EINVAL);
	try_pointers(so, "store_open path", 0, 0, 4, READ, R(BUF), false);

	const unsigned ss = SYS_store_submit;
	TRY(ss, "store_submit of 0 commands", R(NOTIFY), R(BUF), 0, R(BUF), SIETCH_EINVAL);
	TRY(ss, "store_submit of 33 commands", R(NOTIFY), R(BUF), 33, R(BUF), SIETCH_EINVAL);
	TRY(ss, "store_submit of ~0 commands", R(NOTIFY), R(BUF), L_HUGE, R(BUF), SIETCH_EINVAL);
	TRY(ss, "store_submit, commands in the kernel", R(NOTIFY), P_KERNEL, 1, R(BUF), SIETCH_EFAULT);
	TRY(ss, "store_submit, results non-canonical", R(NOTIFY), R(BUF), 1, P_NONCANON, SIETCH_EFAULT);
	TRY(ss, "store_submit on a notification", R(NOTIFY), R(BUF), 1, R(BUF), SIETCH_EBADF);
	try_handles(ss, "store_submit", 0, 0, R(BUF), 1, R(BUF));

	const unsigned sb = SYS_store_bind_interrupt;
	TRY(sb, "store_bind_interrupt of bits 0", R(NOTIFY), R(NOTIFY), 0, 0, SIETCH_EINVAL);
	TRY(sb, "store_bind_interrupt on a notification", R(NOTIFY), R(NOTIFY), 1, 0, SIETCH_EBADF);
	try_handles(sb, "store_bind_interrupt", 0, 0, R(NOTIFY), 1, 0);
}

static void group_file(void)
{
	group_open_close();
	group_read_write();
	group_seek_stat_dir();
	group_dup_clock_counters();
	group_store();
	finish("file");
}

/* ---- IPC: endpoints, notifications, handle_send ---- */

static void group_ipc(void)
{
	TRY(SYS_endpoint_create, "endpoint_create with junk arguments", L_HUGE, P_KERNEL, 0, 0, OK);

	const unsigned ca = SYS_ipc_call, rc = SYS_ipc_receive, rp = SYS_ipc_reply;
	try_handles(ca, "ipc_call", 0, 0, R(BUF), 0, 0);
	TRY(ca, "ipc_call of a notification", R(NOTIFY), R(BUF), 0, 0, SIETCH_EBADF);
	TRY(ca, "ipc_call without CALL", R(EP_NOCALL), R(BUF), 0, 0, SIETCH_EPERM);
	try_pointers(ca, "ipc_call message", 1, R(EP), 0, 0, 0, true); /* checked before it waits */

	try_handles(rc, "ipc_receive", 0, 0, R(BUF), 0, 0);
	TRY(rc, "ipc_receive of a notification", R(NOTIFY), R(BUF), 0, 0, SIETCH_EBADF);
	TRY(rc, "ipc_receive without RECEIVE", R(EP_NORECV), R(BUF), 0, 0, SIETCH_EPERM);
	try_never_user(rc, "ipc_receive", 1, R(EP), 0, 0, 0);

	try_handles(rp, "ipc_reply", 0, 0, 12345, R(BUF), 0);
	TRY(rp, "ipc_reply on a notification", R(NOTIFY), 12345, R(BUF), 0, SIETCH_EBADF);
	TRY(rp, "ipc_reply without RECEIVE", R(EP_NORECV), 12345, R(BUF), 0, SIETCH_EPERM);
	TRY(rp, "ipc_reply to token 0", R(EP), 0, R(BUF), 0, SIETCH_EINVAL);
	TRY(rp, "ipc_reply to token ~0", R(EP), L_HUGE, R(BUF), 0, SIETCH_EINVAL);
	TRY(rp, "ipc_reply to a token never given", R(EP), 12345, R(BUF), 0, SIETCH_EINVAL);
	TRY2(rp, "ipc_reply from unmapped memory", R(EP), 12345, P_UNMAPPED, 0, SIETCH_EFAULT, SIETCH_EINVAL);
	TRY2(rp, "ipc_reply from the kernel", R(EP), 12345, P_KERNEL, 0, SIETCH_EFAULT, SIETCH_EINVAL);

	TRY(SYS_notify_create, "notify_create with junk arguments", L_HUGE, P_KERNEL, 0, 0, OK);
	const unsigned ns = SYS_notify_signal, nw = SYS_notify_wait;
	try_handles(ns, "notify_signal", 0, 0, 1, 0, 0);
	TRY(ns, "notify_signal of an endpoint", R(EP), 1, 0, 0, SIETCH_EBADF);
	TRY(ns, "notify_signal without SIGNAL", R(NOTIFY_NOSIGNAL), 1, 0, 0, SIETCH_EPERM);
	TRY(ns, "notify_signal of no bits", R(NOTIFY), 0, 0, 0, SIETCH_EINVAL);
	try_handles(nw, "notify_wait", 0, 0, R(BUF), 0, 0);
	TRY(nw, "notify_wait on an endpoint", R(EP), R(BUF), 0, 0, SIETCH_EBADF);
	TRY(nw, "notify_wait without RECEIVE", R(NOTIFY_NORECV), R(BUF), 0, 0, SIETCH_EPERM);
	try_never_user(nw, "notify_wait", 1, R(NOTIFY), 0, 0, 0);

	const unsigned hs = SYS_handle_send;
	try_handles(hs, "handle_send to", 0, 0, R(FILE), READ, 0);
	TRY(hs, "handle_send to the console", 1, R(FILE), READ, 0, SIETCH_EBADF);
	TRY(hs, "handle_send to a file", R(FILE), R(FILE), READ, 0, SIETCH_EBADF);
	TRY(hs, "handle_send to a process handle without KILL", R(PROC_NOKILL), R(FILE), READ, 0, SIETCH_EPERM);
	try_handles(hs, "handle_send of", 1, R(PROC), 0, READ, 0);
	TRY(hs, "handle_send of a handle without DUP", R(PROC), R(FILE_NODUP), READ, 0, SIETCH_EPERM);
	TRY(hs, "handle_send with rights ~0", R(PROC), R(FILE), L_HUGE, 0, SIETCH_EINVAL);
	TRY(hs, "handle_send with rights bit 9", R(PROC), R(FILE), 1u << 9, 0, SIETCH_EINVAL);
	TRY(hs, "handle_send widening rights", R(PROC), R(FILE), SIETCH_RIGHT_WRITE, 0, SIETCH_EPERM);
	TRY(hs, "handle_send to a process that has exited", R(PROC), R(FILE), READ, 0, SIETCH_ESRCH);
	finish("ipc");
}

/* ---- virtual machines: every call on a handle that is no VM or vCPU ---- */

static void group_vm(void)
{
	TRY(SYS_vm_create, "vm_create with flags 2 (no such flag)", 2, 0, 0, 0, SIETCH_EINVAL);
	TRY(SYS_vm_create, "vm_create with flags 1<<32", 1ul << 32, 0, 0, 0, SIETCH_EINVAL);
	static const unsigned on_vm[] = {SYS_vm_map, SYS_vm_unmap, SYS_vcpu_create};
	static const unsigned on_vcpu[] = {SYS_vcpu_run, SYS_vcpu_get, SYS_vcpu_set, SYS_vcpu_inject};
	for (size_t i = 0; i < sizeof(on_vm) / sizeof(on_vm[0]); i++) {
		try_handles(on_vm[i], "a VM call", 0, 0, 0, 0, 0);
		TRY(on_vm[i], "a VM call on a memory object", R(MEM), R(MEM), 0, 4096, SIETCH_EBADF);
		TRY(on_vm[i], "a VM call on the console", 1, 0, 0, 0, SIETCH_EBADF);
	}
	for (size_t i = 0; i < sizeof(on_vcpu) / sizeof(on_vcpu[0]); i++) {
		try_handles(on_vcpu[i], "a vCPU call", 0, 0, SIETCH_VCPU_REGS, R(BUF), sizeof(struct sietch_vcpu_regs));
		TRY(on_vcpu[i], "a vCPU call on an endpoint", R(EP), R(BUF), 0, 0, SIETCH_EBADF);
	}
	finish("vm");
}

/* ---- numbers outside the table, and that the groups cover every call ---- */

static const unsigned not_returning[] = {SYS_proc_exit, SYS_thread_exit, SYS_system_poweroff};

/* Rows are numbered in blocks given out ahead of use: a number inside the table may be a hole. */
static const bool is_row[SYS_COUNT] = {
#define ROW(number, ...) [number] = true,
	SIETCH_SYSCALLS(ROW)
#undef ROW
};

static void group_numbers(void)
{
	for (unsigned nr = 0; nr < SYS_COUNT; nr++) {
		if (is_row[nr])
			continue;
		tally.calls++;
		long r = sietch_syscall(nr, 0, 0, 0, 0, 0, 0);
		if (r != -SIETCH_ENOSYS)
			note_wrong("a hole in the system-call table", r, SIETCH_ENOSYS, 0);
	}
	static const uint64_t numbers[] = {SYS_COUNT, SYS_COUNT + 1, 255, 1ul << 32, L_HUGE, P_NONCANON};
	for (size_t i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++) {
		char what[48];
		snprintf(what, sizeof(what), "system call %#lx", (unsigned long)numbers[i]);
		tally.calls++;
		long r = sietch_syscall((long)numbers[i], 0, 0, 0, 0, 0, 0);
		if (r != -SIETCH_ENOSYS)
			note_wrong(what, r, SIETCH_ENOSYS, 0);
	}
	finish("numbers");

	dry_run = true;
	group_proc();
	group_thread();
	thread_bad_entries();
	group_mem();
	group_file();
	group_ipc();
	group_vm();
	dry_run = false;
	for (unsigned nr = 0; nr < SYS_COUNT; nr++) {
		bool skipped = !is_row[nr]; /* a hole in the table: group "numbers" would see ENOSYS */
		for (size_t i = 0; i < sizeof(not_returning) / sizeof(not_returning[0]); i++)
			skipped |= not_returning[i] == nr;
		ut_check(covered[nr] || skipped, "system call %u is in the table but no group tries it", nr);
	}
}

void case_badargs_proc(void) { group_proc(); }
void case_badargs_mem(void) { group_mem(); }
void case_badargs_file(void) { group_file(); }
void case_badargs_ipc(void) { group_ipc(); }
void case_badargs_numbers(void) { group_numbers(); }
void case_badargs_vm(void) { group_vm(); }

void case_badargs_thread(void)
{
	/* In a child of its own: a thread started at an unmapped address ends its process. */
	int status = ut_wait_close(ut_spawn_helper("thread-bad-entry", NULL));
	if (status == UT_STATUS_FAULT)
		note_text("thread_create accepted an unmapped or non-executable entry point: the thread faulted "
			  "and the process was killed");
	else if (status != 0)
		note_text("thread_create with an unmapped or non-executable entry point did not return EFAULT");
	group_thread();
}

void helper_thread_bad_entry(void) { thread_bad_entries(); }
