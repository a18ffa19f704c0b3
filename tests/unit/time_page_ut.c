/* Host tests for lib/common/time_page.h: the clock formula the kernel and every process share. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "lib/common/time_page.h"

#define HOUR_NS (3600ull * TIME_NS_PER_SECOND)
#define YEAR_NS (365ull * 24 * HOUR_NS)

/* The exact answer, for comparison. */
static uint64_t exact_ns(uint64_t cycles, uint64_t hz)
{
	return (uint64_t)((unsigned __int128)cycles * TIME_NS_PER_SECOND / hz);
}

static void check_rate(uint64_t hz)
{
	struct sietch_time_page tp = {0};
	time_page_fill(&tp, hz, 12345);
	assert_int_equal(tp.version, SIETCH_TIME_PAGE_VERSION);
	assert_int_equal(time_page_ns(&tp, 12345), 0);
	/* mult is rounded down: the clock may lag, by less than one part in mult (plus the final rounding). */
	uint64_t spans[] = {1, hz / 1000, hz, hz * 3600, hz * 3600 * 24 * 365};
	for (size_t i = 0; i < sizeof(spans) / sizeof(spans[0]); i++) {
		uint64_t got = time_page_ns(&tp, 12345 + spans[i]), want = exact_ns(spans[i], hz);
		uint64_t slack = want / tp.mult + 1;
		assert_true(got <= want);
		assert_true(want - got <= slack);
	}
}

static void test_common_rates(void **state)
{
	(void)state;
	check_rate(1000000000ull);
	check_rate(2665000000ull);
	check_rate(3999999999ull);
	check_rate(100000000ull);  /* a slow TSC: mult above 2^32 */
	check_rate(5300000000ull);
}

static void test_one_year_error_is_small(void **state)
{
	(void)state;
	struct sietch_time_page tp = {0};
	time_page_fill(&tp, 2665000000ull, 0);
	uint64_t year = 2665000000ull * 3600 * 24 * 365;
	uint64_t got = time_page_ns(&tp, year);
	assert_true(YEAR_NS - got < 100 * 1000 * 1000ull); /* under 0.1 s in a year */
}

static void test_monotonic_in_tsc(void **state)
{
	(void)state;
	struct sietch_time_page tp = {0};
	time_page_fill(&tp, 2665000000ull, 1ull << 40);
	uint64_t last = 0;
	for (uint64_t tsc = 1ull << 40; tsc < (1ull << 40) + 100000; tsc += 7) {
		uint64_t ns = time_page_ns(&tp, tsc);
		assert_true(ns >= last);
		last = ns;
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_common_rates),
		cmocka_unit_test(test_one_year_error_is_small),
		cmocka_unit_test(test_monotonic_in_tsc),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
