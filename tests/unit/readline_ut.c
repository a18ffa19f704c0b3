/* Host tests for drivers/console/os/readline.c: whole lines from reads of any size, over-long lines refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lib/os/os.h"

/* The console as a script of reads: each entry is what one read returns at most; a read
 * shorter than the entry leaves the rest for the next read, as the console does. */
static const char *const *script;
static size_t reads, taken;
static long fake_read(long handle, void *buf, size_t len)
{
	assert_int_equal(handle, 0);
	const char *next = script[reads];
	if (!next)
		return -SIETCH_EINTR; /* the script ran out: as if it would block for ever */
	size_t left = strlen(next) - taken, n = left < len ? left : len;
	memcpy(buf, next + taken, n);
	taken += n;
	if (taken == strlen(next))
		reads++, taken = 0;
	return (long)n;
}
#define os_read(handle, buf, len) fake_read(handle, buf, len)

#include "drivers/console/os/readline.c"

static void run(const char *const *s)
{
	script = s;
	reads = taken = 0;
}

static void test_one_line(void **state)
{
	(void)state;
	char buf[16];
	run((const char *const[]){"ls -l\n", 0});
	assert_int_equal(console_read_line(0, buf, sizeof(buf)), 6);
	assert_string_equal(buf, "ls -l\n");
}

static void test_line_in_pieces(void **state)
{
	(void)state;
	char buf[16];
	run((const char *const[]){"ec", "ho ", "hi\n", 0});
	assert_int_equal(console_read_line(0, buf, sizeof(buf)), 8);
	assert_string_equal(buf, "echo hi\n");
}

static void test_end_of_file(void **state)
{
	(void)state;
	char buf[16];
	run((const char *const[]){"", 0});
	assert_int_equal(console_read_line(0, buf, sizeof(buf)), 0);
	run((const char *const[]){"ab", "", 0}); /* Ctrl-D after text: the text, then end of file */
	assert_int_equal(console_read_line(0, buf, sizeof(buf)), 2);
	assert_string_equal(buf, "ab");
}

static void test_exactly_full(void **state)
{
	(void)state;
	char buf[8];
	run((const char *const[]){"123456\n", 0});
	assert_int_equal(console_read_line(0, buf, sizeof(buf)), 7);
	assert_string_equal(buf, "123456\n");
}

static void test_too_long_refused_whole(void **state)
{
	(void)state;
	char buf[8];
	/* "echo xxxxxxxx poweroff": never two lines, and the next line is whole */
	run((const char *const[]){"echo xxxxxxx", "x poweroff\n", "ls\n", 0});
	assert_int_equal(console_read_line(0, buf, sizeof(buf)), -SIETCH_E2BIG);
	assert_int_equal(console_read_line(0, buf, sizeof(buf)), 3);
	assert_string_equal(buf, "ls\n");
}

static void test_too_long_by_the_newline(void **state)
{
	(void)state;
	char buf[8];
	run((const char *const[]){"1234567\n", "ok\n", 0});
	assert_int_equal(console_read_line(0, buf, sizeof(buf)), -SIETCH_E2BIG);
	assert_int_equal(console_read_line(0, buf, sizeof(buf)), 3);
}

static void test_errors(void **state)
{
	(void)state;
	char buf[8];
	run((const char *const[]){0});
	assert_int_equal(console_read_line(0, buf, sizeof(buf)), -SIETCH_EINTR);
	assert_int_equal(console_read_line(0, buf, 1), -SIETCH_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_line),
		cmocka_unit_test(test_line_in_pieces),
		cmocka_unit_test(test_end_of_file),
		cmocka_unit_test(test_exactly_full),
		cmocka_unit_test(test_too_long_refused_whole),
		cmocka_unit_test(test_too_long_by_the_newline),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, 0, 0);
}
