/*
 * usertests: in-OS tests of the kernel and the C library, after xv6's
 * user/usertests.c. Every case runs in a process of its own, so a case that
 * crashes or hangs costs only itself.
 *
 *   usertests              run every case
 *   usertests NAME...      run only these cases
 *   usertests -l           list the cases
 *   usertests -c NAME ...  run case or helper NAME in this process (what the
 *                          runner and the cases spawn); the exit status is the verdict
 *
 * Output, one line per case, then a summary; the exit status is 0 only if
 * every case passed:
 *
 *   usertests: NAME: pass
 *   usertests: NAME: fail: WHY
 *   usertests: NAME: skip: WHY        (the machine is too small for it)
 *   usertests: done: N passed, N failed[, N skipped]
 *
 * A case passes by returning. It fails through ut_fail(), which prints the
 * case's line itself (only the case knows why) and exits with UT_EXIT_FAILED;
 * for any other exit status the runner prints the line. A case has a time
 * limit, after which the runner kills it, and must leave no process running:
 * the runner kills what is left and fails a case that passed otherwise.
 * Helpers are small programs that cases spawn (`usertests -c exit 42`); they
 * never print, they answer through their exit status.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/os/os.h"

#define UT_PATH "/bin/usertests"
#define UT_EXIT_FAILED 99  /* the case printed its own fail line */
#define UT_EXIT_SKIPPED 98 /* the case printed its own skip line: the machine cannot hold it */

/* Exit statuses the kernel gives processes it ends (kernel/proc/proc.h). */
#define UT_STATUS_FAULT 139   /* page fault */
#define UT_STATUS_ILLEGAL 132 /* #UD, #GP: an invalid or privileged instruction */
#define UT_STATUS_ARITH 136   /* divide error */
#define UT_STATUS_KILLED 137  /* os_kill's usual status */

#define UT_NS_PER_MS 1000000ull
#define UT_NS_PER_S 1000000000ull

struct ut_case {
	const char *name;
	void (*run)(void);
	bool helper;        /* spawned by other cases only: not run on its own, never prints */
	unsigned timeout_s; /* 0: UT_TIMEOUT_DEFAULT_S */
};

#define UT_TIMEOUT_DEFAULT_S 30

/* The case or helper running in this process, and the arguments after its name. */
extern const char *ut_name;
extern bool ut_is_helper;
extern int ut_argc;
extern char **ut_argv;

/* Ends the case: prints `usertests: NAME: fail: WHY` and exits with UT_EXIT_FAILED (a helper only exits). */
_Noreturn void ut_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Ends the case as skipped: prints `usertests: NAME: skip: WHY`, exits with UT_EXIT_SKIPPED. */
_Noreturn void ut_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define ut_check(cond, ...)                \
	do {                               \
		if (!(cond))               \
			ut_fail(__VA_ARGS__); \
	} while (0)

/* Checks that a call returned exactly -err ("what" names the call in the message). */
void ut_expect_error(long result, long err, const char *what);
/* Checks that a call did not fail; returns its result. */
long ut_expect_ok(long result, const char *what);

/* Writes one whole line (or any text) to the console in a single write. */
void ut_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "139 (page fault)": an exit status with the kernel's reason where it has one. */
const char *ut_status_text(int status, char *buf, size_t size);

/* Spawns `usertests -c helper args...` (args NULL-terminated); fails the case if spawn fails. */
long ut_spawn_helper(const char *helper, ...) __attribute__((sentinel));
/* The same, but returns spawn's error (a negated SIETCH_E* code) instead of failing. */
long ut_try_spawn_helper(const char *helper, ...) __attribute__((sentinel));
/* Waits for a process and closes its handle; fails the case if wait fails. */
int ut_wait_close(long process);
/* Spawns a helper with no arguments, waits, and checks its exit status. */
void ut_expect_helper_status(const char *helper, int want);

/* Free frames in the whole system (counters, SYSTEM scope), once the count has settled. */
uint64_t ut_free_frames(void);
/* The machine's memory the kernel manages, and what of it is free now, in MiB: cases that
 * need memory scale to it, so usertests passes at 32 MiB as at gigabytes. */
uint64_t ut_memory_mib(void);
uint64_t ut_free_mib(void);

static inline uint64_t ut_now_ns(void) { return (uint64_t)os_clock_ns(SIETCH_CLOCK_MONOTONIC); }

/* The cases, by file. */
void case_spawn(void); /* proc.c */
void case_argv(void);
void case_kill(void);
void case_kill_creating(void);
void case_console_group(void);
void case_sleepers(void);
void helper_nop(void);
void helper_exit(void);
void helper_argv(void);
void helper_sleep_forever(void);
void helper_spin_forever(void);
void helper_block_receive(void);
void helper_block_notify(void);
void helper_block_console(void);
void helper_spawn_reader(void);
void helper_sleep_for(void);
void helper_spawn_sleepers(void);
void helper_block_threads(void);
void helper_create_waiters(void);
void helper_exit_while_creating(void);
void helper_sleepers(void);

void case_alloc_limit(void); /* limits.c */
void case_frames(void);
void case_proc_limit(void);
void case_spawn_nomem(void);
void case_fuzz(void);
void helper_alloc_until_refused(void);
void helper_hold_memory(void);

void case_mem_kernel_read(void); /* mem.c */
void case_mem_text_write(void);
void case_mem_isolation(void);
void case_mem_map(void);
void case_stack_overflow(void);
void case_privileged(void);
void case_illegal(void);
void case_divide(void);
void helper_read_kernel(void);
void helper_write_text(void);
void helper_secret_writer(void);
void helper_secret_reader(void);
void helper_secret_mapper(void);
void helper_write_readonly(void);
void helper_exec_data(void);
void helper_use_after_unmap(void);
void helper_recurse(void);
void helper_hlt(void);
void helper_cli(void);
void helper_port_io(void);
void helper_ud2(void);
void helper_div_zero(void);
void helper_div_overflow(void);
void case_mem_unmap_threads(void);
void helper_unmap_under_reader(void);

void case_badargs_proc(void); /* badargs.c */
void case_badargs_mem(void);
void case_badargs_file(void);
void case_badargs_ipc(void);
void case_badargs_numbers(void);
void case_badargs_vm(void);
void case_badargs_thread(void);
void helper_thread_bad_entry(void);

void case_fpu_threads(void); /* fpu.c */

void case_threads(void); /* threads.c */
void case_notify(void);
void case_ipc_threads(void);
void case_exit_threads(void);
void case_thread_limit(void);
void case_spawn_threads(void);
void case_ipc_many(void);
void case_ipc_busy_cpu(void);
void case_libc_threads(void);
void helper_malloc_threads(void);
void helper_exit_with_threads(void);
void helper_thread_exits_process(void);
void helper_main_thread_exits(void);

void case_ipc_process(void); /* share.c */
void case_shm(void);
void case_handles(void);
void helper_ipc_server(void);
void helper_shm_writer(void);
void case_ipc_server_death(void);
void helper_receive_and_hang(void);

void case_counters(void); /* counters.c */
void case_pci_list(void); /* pci.c */

void case_dedicated_core(void); /* core.c */
void case_time_page(void);
void case_dedicated_share(void);
void helper_churn(void);
void helper_spin_pinned(void);
void helper_write_time_page(void);

void case_libc_printf(void); /* libc.c */
void case_libc_malloc(void);
void case_libc_stdlib(void);
void case_libc_time(void);
void case_files(void);
