/* The C library: newlib over lib/libc's glue. Formatting, the heap, stdlib, time, files. */
#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include "user/usertests/usertests.h"

#define YEAR_2020 1577836800l /* 2020-01-01T00:00:00Z */
#define YEAR_2100 4102444800l

/* ---- printf ---- */

static void expect_format(const char *got, int n, const char *want, const char *format)
{
	ut_check(strcmp(got, want) == 0, "format \"%s\" gave \"%s\", wanted \"%s\"", format, got, want);
	ut_check(n == (int)strlen(want), "format \"%s\" returned %d, wanted %zu", format, n, strlen(want));
}

#define FORMAT(want, ...)                                                  \
	do {                                                               \
		char buf_[128];                                            \
		int n_ = snprintf(buf_, sizeof(buf_), __VA_ARGS__);        \
		expect_format(buf_, n_, want, #__VA_ARGS__);               \
	} while (0)

void case_libc_printf(void)
{
	FORMAT("42|   42|42   |00042|-42", "%d|%5d|%-5d|%05d|%d", 42, 42, 42, 42, -42);
	FORMAT("ff|FF|0xff|377|4294967295", "%x|%X|%#x|%o|%u", 255u, 255u, 255u, 255u, 4294967295u);
	FORMAT("-9223372036854775808|18446744073709551615", "%lld|%llu", -9223372036854775807ll - 1,
	       18446744073709551615ull);
	FORMAT("x|abc|ab|       abc|%", "%c|%s|%.2s|%10s|%%", 'x', "abc", "abc", "abc");
	const char *volatile null_string = NULL; /* volatile: the compiler would refuse to format NULL */
	FORMAT("(null)", "%s", null_string);
	FORMAT("3.250000|3.142|   3.142|-0.125|+2.50", "%f|%.3f|%8.3f|%.3f|%+.2f", 3.25, 3.14159, 3.14159, -0.125,
	       2.5);
	FORMAT("10000000000.0|0.000100", "%.1f|%f", 1e10, 0.0001);
	FORMAT("1.234568e+04|1.5E-07", "%e|%.1E", 12345.678, 1.5e-7);
	FORMAT("0.0001|1e-05|123457|1.5", "%g|%g|%g|%g", 0.0001, 0.00001, 123456.7, 1.5);
	FORMAT("inf|-inf|nan", "%f|%f|%f", INFINITY, -INFINITY, NAN);
	FORMAT("0x1000", "%p", (void *)0x1000);

	/* Truncation: the return value is what the whole output would have been. */
	char small[5];
	const char *volatile long_string = "abcdefgh"; /* volatile: the truncation is the point */
	int n = snprintf(small, sizeof(small), "%s", long_string);
	ut_check(n == 8 && strcmp(small, "abcd") == 0, "snprintf into 5 bytes gave %d, \"%s\"", n, small);

	/* The same engine through a FILE. */
	char mem[64] = {0};
	FILE *f = fmemopen(mem, sizeof(mem), "w");
	ut_check(f != NULL, "fmemopen failed: errno %d", errno);
	ut_check(fprintf(f, "x=%d y=%.2f %s", 7, 1.5, "z") == 12, "fprintf did not return 12");
	ut_check(fclose(f) == 0, "fclose of a memory stream failed");
	ut_check(strcmp(mem, "x=7 y=1.50 z") == 0, "fprintf to a memory stream wrote \"%s\"", mem);

	/* stdout is the console: printf of nothing prints nothing and returns 0. */
	ut_check(isatty(1) == 1, "stdout is not a terminal");
	ut_check(printf("%s", "") == 0, "printf of an empty string did not return 0");

	/* And back: sscanf. */
	int i = 0;
	double d = 0;
	char word[16] = {0};
	ut_check(sscanf("12 3.5 abc", "%d %lf %15s", &i, &d, word) == 3 && i == 12 && d == 3.5 &&
			 strcmp(word, "abc") == 0,
		 "sscanf read %d, %g, \"%s\"", i, d, word);
}

/* ---- malloc ---- */

#define SMALL_BLOCKS 1000

static uint32_t lcg_next(uint32_t *state)
{
	*state = *state * 1664525u + 1013904223u;
	return *state >> 8;
}

/* A thousand small blocks hold their contents, and free in any order. */
static void malloc_small(void)
{
	static unsigned char *small[SMALL_BLOCKS];
	static size_t sizes[SMALL_BLOCKS];
	uint32_t rng = 12345;
	for (int i = 0; i < SMALL_BLOCKS; i++) {
		sizes[i] = 1 + lcg_next(&rng) % 256;
		small[i] = malloc(sizes[i]);
		ut_check(small[i] != NULL, "malloc(%zu) failed after %d blocks", sizes[i], i);
		ut_check((uintptr_t)small[i] % 16 == 0, "malloc returned %p, not 16-byte aligned", (void *)small[i]);
		memset(small[i], i & 0xff, sizes[i]);
	}
	for (int i = 0; i < SMALL_BLOCKS; i++)
		for (size_t j = 0; j < sizes[i]; j++)
			ut_check(small[i][j] == (i & 0xff), "block %d of %zu bytes was overwritten at %zu", i, sizes[i], j);
	for (int i = 0; i < SMALL_BLOCKS; i += 2) /* every other, then the rest: holes get reused */
		free(small[i]);
	for (int i = 1; i < SMALL_BLOCKS; i += 2)
		free(small[i]);
}

/* calloc zeroes; realloc keeps the contents as it grows (to 1 MiB) and shrinks. */
static void malloc_resize(void)
{
	unsigned *z = calloc(1000, sizeof(*z));
	ut_check(z != NULL, "calloc failed");
	for (int i = 0; i < 1000; i++)
		ut_check(z[i] == 0, "calloc memory is not zero at %d", i);
	free(z);

	char *p = malloc(16);
	ut_check(p != NULL, "malloc(16) failed");
	memcpy(p, "0123456789abcdef", 16);
	static const size_t steps[] = {64, 4096, 100000, 1u << 20, 10};
	for (size_t s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
		p = realloc(p, steps[s]);
		ut_check(p != NULL, "realloc to %zu failed", steps[s]);
		ut_check(memcmp(p, "0123456789", 10) == 0, "realloc to %zu lost the contents", steps[s]);
		if (steps[s] > 16)
			memset(p + 16, 'r', steps[s] - 16);
	}
	free(p);
}

void case_libc_malloc(void)
{
	malloc_small();
	malloc_resize();

	/* Large blocks: 8 MiB (a quarter of what is free, at least 1 MiB, on a small machine),
	 * touched end to end, freed and taken again. */
	uint64_t quarter = ut_free_mib() / 4;
	size_t mib = quarter < 1 ? 1 : quarter < 8 ? (size_t)quarter : 8, block = mib << 20;
	for (int round = 0; round < 2; round++) {
		unsigned char *b = malloc(block);
		ut_check(b != NULL, "malloc of %zu MiB failed (round %d)", mib, round);
		memset(b, 0x5a, block);
		ut_check(b[0] == 0x5a && b[block / 2] == 0x5a && b[block - 1] == 0x5a, "a %zu MiB block does not hold", mib);
		free(b);
	}

	void *aligned = memalign(4096, 100);
	ut_check(aligned && (uintptr_t)aligned % 4096 == 0, "memalign(4096) gave %p", aligned);
	free(aligned);
	void *q = NULL;
	ut_check(posix_memalign(&q, 64, 1000) == 0 && (uintptr_t)q % 64 == 0, "posix_memalign(64) gave %p", q);
	free(q);
	free(NULL);

	volatile size_t huge = SIZE_MAX, big = (size_t)1 << 62; /* volatile: no compile-time size warning */
	errno = 0;
	ut_check(malloc(huge) == NULL && errno == ENOMEM, "malloc(SIZE_MAX) did not fail with ENOMEM");
	errno = 0;
	ut_check(malloc(big) == NULL && errno == ENOMEM, "malloc(1 << 62) did not fail with ENOMEM");
	char *p = malloc(100); /* still works after refusing */
	ut_check(p != NULL, "malloc failed after a refused one");
	free(p);
}

/* ---- stdlib and libm ---- */

#define SORT_COUNT 1000

static int compare_ints(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

void case_libc_stdlib(void)
{
	static int v[SORT_COUNT];
	uint32_t rng = 99, xor_before = 0, xor_after = 0;
	long long sum_before = 0, sum_after = 0;
	for (int i = 0; i < SORT_COUNT; i++) {
		v[i] = (int)(lcg_next(&rng) % 100000) - 50000;
		sum_before += v[i];
		xor_before ^= (uint32_t)v[i];
	}
	qsort(v, SORT_COUNT, sizeof(v[0]), compare_ints);
	for (int i = 0; i < SORT_COUNT; i++) {
		ut_check(i == 0 || v[i - 1] <= v[i], "qsort left %d before %d at %d", v[i - 1], v[i], i);
		sum_after += v[i];
		xor_after ^= (uint32_t)v[i];
	}
	ut_check(sum_before == sum_after && xor_before == xor_after, "qsort changed the elements");
	int key = v[SORT_COUNT / 3];
	int *found = bsearch(&key, v, SORT_COUNT, sizeof(v[0]), compare_ints);
	ut_check(found && *found == key, "bsearch did not find %d", key);

	char *end = NULL;
	double d = strtod("3.25", &end);
	ut_check(d == 3.25 && *end == '\0', "strtod(\"3.25\") gave %g", d);
	ut_check(strtod("-1.5e-3", NULL) == -1.5e-3, "strtod(\"-1.5e-3\") is wrong");
	ut_check(strtol("0x7f", NULL, 0) == 127 && strtol("-0755", NULL, 0) == -493, "strtol with base 0 is wrong");
	ut_check(strtoull("18446744073709551615", NULL, 10) == UINT64_MAX, "strtoull of UINT64_MAX is wrong");
	errno = 0;
	ut_check(strtol("99999999999999999999", NULL, 10) == LONG_MAX && errno == ERANGE, "strtol did not saturate");
	ut_check(atoi("  -42x") == -42, "atoi(\"  -42x\") is wrong");

	ut_check(sqrt(16.0) == 4.0 && pow(2.0, 10.0) == 1024.0, "sqrt or pow is wrong");
	ut_check(fabs(sin(M_PI / 2) - 1.0) < 1e-12 && fabs(log(M_E) - 1.0) < 1e-12, "sin or log is wrong");

	char text[32] = "hello, world";
	ut_check(strlen(text) == 12 && strchr(text, ',') == text + 5 && strstr(text, "world") == text + 7,
		 "string functions are wrong");
	ut_check(strcmp("abc", "abd") < 0 && strncmp("abc", "abd", 2) == 0 && memcmp("\xff", "\x01", 1) > 0,
		 "comparisons are wrong");
	char *dup = strdup(text);
	ut_check(dup && strcmp(dup, text) == 0, "strdup is wrong");
	free(dup);
}

/* ---- time ---- */

void case_libc_time(void)
{
	time_t t = time(NULL);
	ut_check(t > YEAR_2020 && t < YEAR_2100, "time() is %lld, not between 2020 and 2100", (long long)t);
	struct timeval tv;
	ut_check(gettimeofday(&tv, NULL) == 0, "gettimeofday failed: errno %d", errno);
	ut_check(tv.tv_sec >= t && tv.tv_sec - t <= 2, "gettimeofday says %lld s, time() %lld s", (long long)tv.tv_sec,
		 (long long)t);
	ut_check(tv.tv_usec >= 0 && tv.tv_usec < 1000000, "tv_usec is %ld", (long)tv.tv_usec);
	struct tm tm;
	ut_check(gmtime_r(&t, &tm) && tm.tm_year + 1900 >= 2020, "gmtime gave year %d", tm.tm_year + 1900);

	/* The monotonic clock moves at the rate of sleeps. */
	uint64_t before = ut_now_ns();
	ut_expect_ok(os_sleep_ns(30 * UT_NS_PER_MS), "sleep");
	uint64_t slept = ut_now_ns() - before;
	ut_check(slept >= 30 * UT_NS_PER_MS && slept < 2 * UT_NS_PER_S, "a 30 ms sleep took %llu ns",
		 (unsigned long long)slept);
	uint64_t a = ut_now_ns(), b = ut_now_ns();
	ut_check(b >= a, "the monotonic clock went back from %llu to %llu", (unsigned long long)a, (unsigned long long)b);

	/* CPU time grows with work, not with sleep. */
	long cpu_before = ut_expect_ok(os_clock_ns(SIETCH_CLOCK_PROCESS), "clock_get(PROCESS)");
	for (volatile unsigned long spin = 0; spin < 20000000ul; spin++)
		;
	long cpu_after = ut_expect_ok(os_clock_ns(SIETCH_CLOCK_PROCESS), "clock_get(PROCESS)");
	ut_check(cpu_after > cpu_before, "20 million loop rounds used no CPU time (%ld ns, then %ld ns)", cpu_before,
		 cpu_after);
	clock_t c = clock();
	ut_check(c != (clock_t)-1 && c > 0, "clock() is %ld", (long)c);
}

/* ---- files from the boot image ---- */

void case_files(void)
{
	FILE *f = fopen(UT_PATH, "rb");
	ut_check(f != NULL, "fopen(\"" UT_PATH "\") failed: errno %d", errno);
	char magic[4];
	ut_check(fread(magic, 1, 4, f) == 4 && memcmp(magic, "\x7f" "ELF", 4) == 0,
		 "the first 4 bytes of " UT_PATH " are not \\x7fELF");
	ut_check(fseek(f, 0, SEEK_END) == 0, "fseek to the end failed");
	long size = ftell(f);
	struct stat st;
	ut_check(stat(UT_PATH, &st) == 0 && st.st_size == size && size > 4096,
		 "ftell at the end says %ld, stat says %lld", size, (long long)st.st_size);
	ut_check(S_ISREG(st.st_mode), "stat says " UT_PATH " is not a regular file");
	ut_check(fseek(f, 1, SEEK_SET) == 0 && fread(magic, 1, 3, f) == 3 && memcmp(magic, "ELF", 3) == 0,
		 "reading after fseek(1) is wrong");
	ut_check(fread(magic, 1, 4, f) == 4, "a read in the middle came up short");
	ut_check(fseek(f, 0, SEEK_END) == 0 && fread(magic, 1, 4, f) == 0 && feof(f), "a read at the end is not EOF");
	fclose(f);

	errno = 0;
	ut_check(fopen("/bin/no-such-file", "r") == NULL && errno == ENOENT,
		 "fopen of a missing file did not fail with ENOENT (errno %d)", errno);
	errno = 0;
	ut_check(fopen(UT_PATH, "w") == NULL && errno != 0, "fopen of a boot-image file for writing succeeded");

	/* The directory lists this program with the size stat gives. */
	long dir = ut_expect_ok(os_open("/bin", SIETCH_RIGHT_READ), "open /bin");
	struct sietch_dirent entries[8];
	bool found = false;
	for (size_t index = 0;;) {
		long n = ut_expect_ok(os_dir_read(dir, index, entries, 8), "dir_read of /bin");
		if (n == 0)
			break;
		for (long i = 0; i < n; i++)
			if (strcmp(entries[i].name, "usertests") == 0)
				found = entries[i].type == SIETCH_TYPE_FILE && (long)entries[i].size == size;
		index += (size_t)n;
	}
	os_close(dir);
	ut_check(found, "/bin has no file usertests of %ld bytes", size);

	/* Reading through the raw handle gives the same bytes as stdio. */
	long h = ut_expect_ok(os_open(UT_PATH, SIETCH_RIGHT_READ), "open");
	char raw[4];
	ut_check(os_read(h, raw, 4) == 4 && memcmp(raw, "\x7f" "ELF", 4) == 0, "os_read gives other bytes");
	ut_check(os_seek(h, 0, SIETCH_SEEK_END) == size && os_read(h, raw, 4) == 0, "os_read at the end is not 0");
	os_close(h);
}
