/* Host tests for lib/common/string.c. Its functions are renamed on the way
 * in so they do not clash with the host C library, which serves as the
 * reference. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define memcpy sietch_memcpy
#define memmove sietch_memmove
#define memset sietch_memset
#define memcmp sietch_memcmp
#define memchr sietch_memchr
#define strlen sietch_strlen
#define strnlen sietch_strnlen
#define strcmp sietch_strcmp
#define strncmp sietch_strncmp
#define strchr sietch_strchr
#include "lib/common/string.c"
#undef memcpy
#undef memmove
#undef memset
#undef memcmp
#undef memchr
#undef strlen
#undef strnlen
#undef strcmp
#undef strncmp
#undef strchr

#define BUF 96

static int sign(int v)
{
	return (v > 0) - (v < 0);
}

static void fill(uint8_t *b, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(seed + i * 37);
}

/* Every source and destination offset within a word, every length up to 40:
 * covers the word loop, the byte tail and the unaligned path. */
static void test_memcpy_memset(void **state)
{
	(void)state;
	_Alignas(8) uint8_t src[BUF], got[BUF], want[BUF];

	fill(src, BUF, 1);
	for (size_t so = 0; so < 8; so++)
		for (size_t d = 0; d < 8; d++)
			for (size_t n = 0; n <= 40; n++) {
				memset(got, 0xee, BUF);
				memset(want, 0xee, BUF);
				assert_ptr_equal(sietch_memcpy(got + d, src + so, n), got + d);
				memcpy(want + d, src + so, n);
				assert_memory_equal(got, want, BUF);

				assert_ptr_equal(sietch_memset(got + d, 0x5a + (int)n, n), got + d);
				memset(want + d, 0x5a + (int)n, n);
				assert_memory_equal(got, want, BUF);
			}
	/* only the low byte of c counts */
	sietch_memset(got, 0x1ff, 16);
	for (int i = 0; i < 16; i++)
		assert_int_equal(got[i], 0xff);
}

static void test_memmove(void **state)
{
	(void)state;
	uint8_t got[BUF], want[BUF];

	for (size_t from = 0; from < 24; from++)
		for (size_t to = 0; to < 24; to++)
			for (size_t n = 0; n <= 40; n++) {
				fill(got, BUF, 3);
				fill(want, BUF, 3);
				assert_ptr_equal(sietch_memmove(got + to, got + from, n), got + to);
				memmove(want + to, want + from, n);
				assert_memory_equal(got, want, BUF);
			}
}

static void test_compare(void **state)
{
	(void)state;
	const char *words[] = { "", "a", "ab", "abc", "abd", "b", "\x80", "\xff", "a\x80" };
	size_t n = sizeof(words) / sizeof(words[0]);

	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			const char *a = words[i], *b = words[j];
			assert_int_equal(sign(sietch_strcmp(a, b)), sign(strcmp(a, b)));
			for (size_t k = 0; k < 5; k++)
				assert_int_equal(sign(sietch_strncmp(a, b, k)), sign(strncmp(a, b, k)));
			size_t len = strlen(a) < strlen(b) ? strlen(a) + 1 : strlen(b) + 1;
			assert_int_equal(sign(sietch_memcmp(a, b, len)), sign(memcmp(a, b, len)));
		}
	assert_int_equal(sietch_memcmp("abc", "abd", 2), 0);
	assert_int_equal(sietch_memcmp(NULL, NULL, 0), 0);
}

static void test_lengths(void **state)
{
	(void)state;
	char unterminated[4] = { 'a', 'b', 'c', 'd' };

	assert_int_equal(sietch_strlen(""), 0);
	assert_int_equal(sietch_strlen("sietch"), 6);
	assert_int_equal(sietch_strnlen("sietch", 3), 3);
	assert_int_equal(sietch_strnlen("sietch", 100), 6);
	assert_int_equal(sietch_strnlen(unterminated, 4), 4); /* reads no further */
	assert_int_equal(sietch_strnlen(unterminated, 0), 0);
}

static void test_search(void **state)
{
	(void)state;
	const char text[] = "sietch\xfftabr";

	assert_ptr_equal(sietch_memchr(text, 't', sizeof(text)), text + 3);
	assert_ptr_equal(sietch_memchr(text, 0xff, sizeof(text)), text + 6);
	assert_ptr_equal(sietch_memchr(text, 0x1ff, sizeof(text)), text + 6); /* as unsigned char */
	assert_ptr_equal(sietch_memchr(text, '\0', sizeof(text)), text + sizeof(text) - 1);
	assert_null(sietch_memchr(text, 'r', 3));
	assert_null(sietch_memchr(NULL, 'r', 0));

	assert_ptr_equal(sietch_strchr(text, 't'), text + 3);
	assert_ptr_equal(sietch_strchr(text, '\xff'), text + 6);
	assert_ptr_equal(sietch_strchr(text, '\0'), text + sizeof(text) - 1);
	assert_null(sietch_strchr(text, 'z'));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memcpy_memset),
		cmocka_unit_test(test_memmove),
		cmocka_unit_test(test_compare),
		cmocka_unit_test(test_lengths),
		cmocka_unit_test(test_search),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
