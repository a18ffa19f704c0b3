/* What every case uses: failing with a reason, spawning helpers, waiting, finding handles. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "user/usertests/usertests.h"

#define UT_HELPER_ARGS_MAX 16
#define UT_LINE_MAX 512

const char *ut_name = "?";
bool ut_is_helper;
int ut_argc;
char **ut_argv;

static void say_va(const char *fmt, va_list ap)
{
	char line[UT_LINE_MAX];
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line)) { /* cut, but keep the end of line */
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	os_write(SIETCH_HANDLE_STDOUT, line, (size_t)n);
}

void ut_say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	say_va(fmt, ap);
	va_end(ap);
}

/* Ends the case with its verdict line (a helper's would read as a case of its own; its status says enough). */
static _Noreturn void end_case(const char *verdict, int status, const char *fmt, va_list ap)
{
	char why[UT_LINE_MAX - 64];
	vsnprintf(why, sizeof(why), fmt, ap);
	if (!ut_is_helper)
		ut_say("usertests: %s: %s: %s\n", ut_name, verdict, why);
	os_exit(status); /* not exit(): nothing else of this case may run or print */
}

_Noreturn void ut_fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	end_case("fail", UT_EXIT_FAILED, fmt, ap);
}

void ut_expect_error(long result, long err, const char *what)
{
	if (result != -err)
		ut_fail("%s returned %ld (%s), wanted -%s", what, result, result < 0 ? os_strerror(result) : "success",
			os_strerror(err));
}

_Noreturn void ut_skip(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	end_case("skip", UT_EXIT_SKIPPED, fmt, ap);
}

long ut_expect_ok(long result, const char *what)
{
	if (result < 0)
		ut_fail("%s failed: %s", what, os_strerror(result));
	return result;
}

const char *ut_status_text(int status, char *buf, size_t size)
{
	const char *why = "";
	switch (status) {
	case UT_STATUS_FAULT:
		why = " (killed: page fault)";
		break;
	case UT_STATUS_ILLEGAL:
		why = " (killed: invalid or privileged instruction)";
		break;
	case UT_STATUS_ARITH:
		why = " (killed: arithmetic fault)";
		break;
	case UT_STATUS_KILLED:
		why = " (killed)";
		break;
	case 134:
		why = " (abort)";
		break;
	case UT_EXIT_FAILED:
		why = " (a check failed)";
		break;
	}
	snprintf(buf, size, "%d%s", status, why);
	return buf;
}

static long spawn_helper(const char *helper, va_list ap)
{
	char *argv[UT_HELPER_ARGS_MAX + 4] = {"usertests", "-c", (char *)helper};
	int argc = 3;
	for (char *arg; (arg = va_arg(ap, char *));) {
		if (argc == UT_HELPER_ARGS_MAX + 3)
			ut_fail("too many arguments for helper %s", helper);
		argv[argc++] = arg;
	}
	argv[argc] = NULL;
	return os_spawn(UT_PATH, argv);
}

long ut_spawn_helper(const char *helper, ...)
{
	va_list ap;
	va_start(ap, helper);
	long h = spawn_helper(helper, ap);
	va_end(ap);
	if (h < 0)
		ut_fail("spawn of helper %s failed: %s", helper, os_strerror(h));
	return h;
}

long ut_try_spawn_helper(const char *helper, ...)
{
	va_list ap;
	va_start(ap, helper);
	long h = spawn_helper(helper, ap);
	va_end(ap);
	return h;
}

int ut_wait_close(long process)
{
	int status = -1;
	long r = os_wait(process, &status);
	if (r < 0)
		ut_fail("wait failed: %s", os_strerror(r));
	os_close(process);
	return status;
}

void ut_expect_helper_status(const char *helper, int want)
{
	int status = ut_wait_close(ut_spawn_helper(helper, NULL));
	if (status != want) {
		char got[64], wanted[64];
		ut_fail("helper %s exited with status %s, wanted %s", helper, ut_status_text(status, got, sizeof(got)),
			ut_status_text(want, wanted, sizeof(wanted)));
	}
}

static uint64_t free_frames_now(void)
{
	struct sietch_counters c;
	ut_expect_ok(os_counters(SIETCH_COUNTERS_SYSTEM, 0, &c), "counters_read(SYSTEM)");
	return c.free_frames;
}

uint64_t ut_memory_mib(void)
{
	struct sietch_counters c;
	ut_expect_ok(os_counters(SIETCH_COUNTERS_SYSTEM, 0, &c), "counters_read(SYSTEM)");
	return c.total_frames * OS_PAGE_SIZE >> 20;
}

uint64_t ut_free_mib(void) { return free_frames_now() * OS_PAGE_SIZE >> 20; }

#define SETTLE_STEP_NS (5 * UT_NS_PER_MS)
#define SETTLE_LIMIT_NS UT_NS_PER_S

/*
 * The kernel frees some things a moment after the process that used them is
 * gone (a dead thread's kernel stack, once no CPU runs on it): the count is
 * read until two readings a few milliseconds apart agree.
 */
uint64_t ut_free_frames(void)
{
	uint64_t deadline = ut_now_ns() + SETTLE_LIMIT_NS, last = free_frames_now();
	for (;;) {
		os_sleep_ns(SETTLE_STEP_NS);
		uint64_t now = free_frames_now();
		if (now == last || ut_now_ns() > deadline)
			return now;
		last = now;
	}
}
