/* Host tests for lib/common/crc32c.c: the standard check value and RFC 3720
 * §B.4's vectors, the table against the bitwise definition, chaining. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lib/common/crc32c.c"

static void test_check_value(void **state)
{
	(void)state;
	assert_int_equal(crc32c("123456789", 9), 0xe3069283u);
	assert_int_equal(crc32c("", 0), 0);
}

static void test_rfc3720_vectors(void **state)
{
	(void)state;
	uint8_t buf[32];
	memset(buf, 0, sizeof(buf));
	assert_int_equal(crc32c(buf, 32), 0x8a9136aau);
	memset(buf, 0xff, sizeof(buf));
	assert_int_equal(crc32c(buf, 32), 0x62a8ab43u);
	for (int i = 0; i < 32; i++)
		buf[i] = (uint8_t)i;
	assert_int_equal(crc32c(buf, 32), 0x46dd794eu);
	for (int i = 0; i < 32; i++)
		buf[i] = (uint8_t)(31 - i);
	assert_int_equal(crc32c(buf, 32), 0x113fdb5cu);
}

static void test_table_matches_bitwise_definition(void **state)
{
	(void)state;
	for (uint32_t b = 0; b < 256; b++) {
		uint32_t c = b;
		for (int k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ 0x82f63b78u : c >> 1;
		assert_int_equal(crc32c_table[b], c);
	}
}

static void test_chaining_equals_one_pass(void **state)
{
	(void)state;
	const char *text = "the quick brown fox jumps over the lazy dog";
	size_t len = strlen(text);
	for (size_t split = 0; split <= len; split++)
		assert_int_equal(crc32c_update(crc32c(text, split), text + split, len - split),
				 crc32c(text, len));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_value),
		cmocka_unit_test(test_rfc3720_vectors),
		cmocka_unit_test(test_table_matches_bitwise_definition),
		cmocka_unit_test(test_chaining_equals_one_pass),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
