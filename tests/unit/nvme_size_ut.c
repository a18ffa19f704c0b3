/* Host tests for drivers/nvme/os/size.c: the sizes mkstore takes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "drivers/nvme/os/size.c"

static void test_units(void **state)
{
	(void)state;
	uint64_t n;
	assert_int_equal(nvme_parse_size("4096", &n), 0);
	assert_int_equal(n, 4096);
	assert_int_equal(nvme_parse_size("64K", &n), 0);
	assert_int_equal(n, 64 << 10);
	assert_int_equal(nvme_parse_size("64M", &n), 0);
	assert_int_equal(n, 64 << 20);
	assert_int_equal(nvme_parse_size("2g", &n), 0);
	assert_int_equal(n, 2ull << 30);
}

static void test_refused(void **state)
{
	(void)state;
	uint64_t n = 7;
	const char *bad[] = { "", "0", "M", "64MB", "-1", "12x", "18446744073709551615G", "99999999999999999999" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(nvme_parse_size(bad[i], &n), -SIETCH_EINVAL);
	assert_int_equal(n, 7); /* untouched */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_units),
		cmocka_unit_test(test_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
