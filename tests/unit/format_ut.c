/* Host tests for lib/common/format.c: results are compared with the host
 * C library's snprintf wherever the two are meant to agree. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "lib/common/format.c"

/* Formats with both implementations and checks output and return value.
 * The format is not a literal, so flag combinations the compiler would flag
 * as pointless ("%-05d") can still be tested. */
static void same(const char *fmt, ...)
{
	char got[128], want[128];
	va_list ap, ap2;

	va_start(ap, fmt);
	va_copy(ap2, ap);
	int g = format_v(got, sizeof(got), fmt, ap);
	int w = vsnprintf(want, sizeof(want), fmt, ap2);
	va_end(ap2);
	va_end(ap);
	assert_string_equal(got, want);
	assert_int_equal(g, w);
}

static void expect(const char *want, const char *fmt, ...)
{
	char got[128];
	va_list ap;

	va_start(ap, fmt);
	int g = format_v(got, sizeof(got), fmt, ap);
	va_end(ap);
	assert_string_equal(got, want);
	assert_int_equal(g, (int)strlen(want));
}


static void test_integers(void **state)
{
	(void)state;
	same("%d %i %u", 0, -1, 4000000000u);
	same("%d|%d", INT32_MIN, INT32_MAX);
	same("%ld|%lld", (long)INT64_MIN, (long long)INT64_MAX);
	same("%lu|%llu", (unsigned long)UINT64_MAX, 12345678901234ull);
	same("%x %X %lx %llX", 0xdeadbeefu, 0xabcu, 0xfedcba9876543210ul, 0x1ull);
	same("%zu %zx %zd", (size_t)123, (size_t)0xffff, (size_t)42);
	same("%hhu %hd %hhx", 300, 70000, 0x1ff);
	same("%hhd", 200);
}

static void test_width_and_flags(void **state)
{
	(void)state;
	same("[%5d][%-5d][%05d]", 42, 42, 42);
	same("[%05d][%-05d][%5d]", -42, -42, -42);
	same("[%08x][%-8X][%2x]", 0xbeefu, 0xbeefu, 0x12345u);
	same("[%016lx]", 0x1234ul);
	same("[%.3d][%8.3d][%-8.3d][%08.3d]", 7, -7, 7, 7);
	same("[%.0d][%.0x][%3.0u]", 0, 0u, 0u);
	same("[%*d][%-*d][%*d]", 6, 1, 6, 1, -6, 1);
	same("[%.*s][%.*d]", 3, "abcdef", 4, 9);
	same("[%.*s]", -1, "all");
}

static void test_strings_and_chars(void **state)
{
	(void)state;
	same("[%s][%10s][%-10s]", "abc", "abc", "abc");
	same("[%.2s][%5.2s][%-5.1s][%.0s]", "abc", "abc", "abc", "abc");
	same("[%c%c%c][%3c][%-3c]", 'a', 'b', 'c', 'x', 'y');
	same("100%% %s", "done");
	/* precision bounds the read: the array need not be NUL-terminated */
	char unterminated[3] = { 'x', 'y', 'z' };
	same("%.3s", unterminated);
	expect("(null)", "%s", (const char *)NULL);
}

static void test_pointer(void **state)
{
	(void)state;
	expect("0x0000000000000000", "%p", (void *)0);
	expect("0xffff800000001000", "%p", (void *)0xffff800000001000ull);
	expect("[    0x00000000000000ab]", "[%22p]", (void *)0xab);
}

/* Calls through a non-literal format so the compiler's checks stay quiet. */
static int format_any(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = format_v(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

static void test_unknown_conversions(void **state)
{
	(void)state;
	char buf[32];

	assert_int_equal(format_any(buf, sizeof(buf), "a%qb", 1), 4);
	assert_string_equal(buf, "a%qb");
	assert_int_equal(format_any(buf, sizeof(buf), "end%"), 4);
	assert_string_equal(buf, "end%");
	assert_int_equal(format_any(buf, sizeof(buf), "end%-08l"), 8);
	assert_string_equal(buf, "end%-08l");
}

static void test_truncation(void **state)
{
	(void)state;
	char buf[8];

	memset(buf, 'X', sizeof(buf));
	assert_int_equal(format(buf, 4, "%d", 123456), 6);
	assert_string_equal(buf, "123");
	assert_int_equal(buf[4], 'X');

	assert_int_equal(format(buf, 1, "%s", "abc"), 3);
	assert_int_equal(buf[0], '\0');

	memset(buf, 'X', sizeof(buf));
	assert_int_equal(format(buf, 0, "%s", "abc"), 3);
	assert_int_equal(buf[0], 'X');
	assert_int_equal(format(NULL, 0, "%d", 12), 2);

	assert_int_equal(format(buf, sizeof(buf), "%s", "1234567"), 7);
	assert_string_equal(buf, "1234567");
	assert_int_equal(format(buf, sizeof(buf), "%s", "12345678"), 8);
	assert_string_equal(buf, "1234567");
}

struct sink {
	char text[64];
	size_t len;
};

static void sink_emit(void *ctx, char c)
{
	struct sink *s = ctx;
	if (s->len + 1 < sizeof(s->text))
		s->text[s->len++] = c;
}

static void sink_print(struct sink *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	format_to(sink_emit, s, fmt, ap);
	va_end(ap);
}

static void test_format_to(void **state)
{
	(void)state;
	struct sink s = { 0 };

	sink_print(&s, "mem: map base=0x%llx len=0x%llx type=%u", 0x100000ull, 0x7ee0000ull, 1u);
	assert_string_equal(s.text, "mem: map base=0x100000 len=0x7ee0000 type=1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_integers),
		cmocka_unit_test(test_width_and_flags),
		cmocka_unit_test(test_strings_and_chars),
		cmocka_unit_test(test_pointer),
		cmocka_unit_test(test_unknown_conversions),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_format_to),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
