/* Host tests for lib/common/tar.c: archives are put together here, header by
 * header, the way tar(1) lays them out. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/common/tar.c"

struct archive {
	uint8_t *bytes;
	size_t len, cap;
};

static void grow(struct archive *a, size_t n)
{
	if (a->len + n > a->cap) {
		a->cap = (a->len + n) * 2;
		a->bytes = realloc(a->bytes, a->cap);
	}
}

/* width-1 octal digits and a NUL, as tar(1) writes numeric fields */
static void octal(char *field, size_t width, uint64_t v)
{
	field[width - 1] = '\0';
	for (size_t i = width - 1; i-- > 0; v >>= 3)
		field[i] = (char)('0' + (v & 7));
}

static void seal_header(struct tar_header *h)
{
	unsigned sum = 0;
	memset(h->chksum, ' ', sizeof(h->chksum));
	for (size_t i = 0; i < TAR_BLOCK; i++)
		sum += ((unsigned char *)h)[i];
	octal(h->chksum, 7, sum); /* six digits, NUL, and the space left in place */
}

static struct tar_header make_header(const char *prefix, const char *name, char type, size_t size)
{
	struct tar_header h;
	memset(&h, 0, sizeof(h));
	memcpy(h.name, name, strnlen(name, sizeof(h.name)));
	memcpy(h.prefix, prefix, strnlen(prefix, sizeof(h.prefix)));
	octal(h.mode, sizeof(h.mode), 0755);
	octal(h.uid, sizeof(h.uid), 0);
	octal(h.gid, sizeof(h.gid), 0);
	octal(h.size, sizeof(h.size), size);
	octal(h.mtime, sizeof(h.mtime), 0);
	h.typeflag = type;
	memcpy(h.magic, "ustar", 6);
	memcpy(h.version, "00", 2);
	seal_header(&h);
	return h;
}

/* Appends a header (already sealed) and size bytes of data, padded. */
static void add_raw(struct archive *a, const struct tar_header *h, const void *data, size_t size)
{
	size_t padded = (size + TAR_BLOCK - 1) / TAR_BLOCK * TAR_BLOCK;
	grow(a, TAR_BLOCK + padded);
	memcpy(a->bytes + a->len, h, TAR_BLOCK);
	memset(a->bytes + a->len + TAR_BLOCK, 0, padded);
	if (size)
		memcpy(a->bytes + a->len + TAR_BLOCK, data, size);
	a->len += TAR_BLOCK + padded;
}

static void add(struct archive *a, const char *prefix, const char *name, char type, const char *data)
{
	size_t size = data ? strlen(data) : 0;
	struct tar_header h = make_header(prefix, name, type, size);
	add_raw(a, &h, data, size);
}

static void finish(struct archive *a)
{
	grow(a, 2 * TAR_BLOCK);
	memset(a->bytes + a->len, 0, 2 * TAR_BLOCK);
	a->len += 2 * TAR_BLOCK;
}

/* A copy of exactly len bytes, so reading one byte more trips the sanitizer. */
static uint8_t *exact_copy(const struct archive *a, size_t len)
{
	uint8_t *b = malloc(len ? len : 1);
	memcpy(b, a->bytes, len);
	return b;
}

static const char long_prefix[] =
	"a-directory-with-a-rather-long-name/and-another-one-below-it/"
	"and-a-third-one-to-get-past-one-hundred-characters";

static void build_sample(struct archive *a)
{
	memset(a, 0, sizeof(*a));
	add(a, "", "./", TAR_TYPE_DIR, NULL);
	add(a, "", "./bin/", TAR_TYPE_DIR, NULL);
	add(a, "", "./bin/init", TAR_TYPE_FILE, "\x7f" "ELF init");
	add(a, "", "./bin/sh", '\0', "#!sh"); /* old-style regular file */
	add(a, "", "./bin/link", TAR_TYPE_SYMLINK, NULL);
	add(a, long_prefix, "file.txt", TAR_TYPE_FILE, "long name");
	char big[1500];
	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	add(a, "", "big", TAR_TYPE_FILE, big);
	add(a, "", "empty", TAR_TYPE_FILE, "");
	finish(a);
}

static void test_iterate(void **state)
{
	(void)state;
	struct archive a;
	struct tar_entry e;
	size_t off = 0;
	build_sample(&a);
	uint8_t *buf = exact_copy(&a, a.len);

	assert_true(tar_next(buf, a.len, &off, &e));
	assert_string_equal(e.name, "./");
	assert_int_equal(e.type, TAR_TYPE_DIR);
	assert_int_equal(e.size, 0);
	assert_int_equal(e.mode, 0755);
	assert_true(tar_next(buf, a.len, &off, &e));
	assert_string_equal(e.name, "./bin/");
	assert_true(tar_next(buf, a.len, &off, &e));
	assert_string_equal(e.name, "./bin/init");
	assert_int_equal(e.type, TAR_TYPE_FILE);
	assert_int_equal(e.size, 9);
	assert_memory_equal(e.data, "\x7f" "ELF init", 9);
	assert_ptr_equal(e.data, buf + 3 * TAR_BLOCK);
	assert_true(tar_next(buf, a.len, &off, &e));
	assert_string_equal(e.name, "./bin/sh");
	assert_int_equal(e.type, TAR_TYPE_FILE);
	assert_true(tar_next(buf, a.len, &off, &e));
	assert_int_equal(e.type, TAR_TYPE_SYMLINK);
	assert_true(tar_next(buf, a.len, &off, &e));
	assert_int_equal(strlen(e.name), strlen(long_prefix) + 1 + strlen("file.txt"));
	assert_true(tar_next(buf, a.len, &off, &e));
	assert_string_equal(e.name, "big");
	assert_int_equal(e.size, 1499);
	assert_true(tar_next(buf, a.len, &off, &e));
	assert_string_equal(e.name, "empty");
	assert_int_equal(e.size, 0);
	assert_false(tar_next(buf, a.len, &off, &e));
	assert_false(tar_next(buf, a.len, &off, &e)); /* stays at the end */
	free(buf);
	free(a.bytes);
}

static void test_find(void **state)
{
	(void)state;
	struct archive a;
	struct tar_entry e;
	build_sample(&a);

	assert_true(tar_find(a.bytes, a.len, "bin/init", &e));
	assert_int_equal(e.size, 9);
	assert_true(tar_find(a.bytes, a.len, "/bin/init", &e));
	assert_true(tar_find(a.bytes, a.len, "./bin/init", &e));
	assert_true(tar_find(a.bytes, a.len, "bin", &e));
	assert_int_equal(e.type, TAR_TYPE_DIR);
	assert_true(tar_find(a.bytes, a.len, "bin/", &e));
	assert_true(tar_find(a.bytes, a.len, "big", &e));
	assert_int_equal(e.size, 1499);

	char path[300];
	snprintf(path, sizeof(path), "%s/file.txt", long_prefix);
	assert_true(tar_find(a.bytes, a.len, path, &e));
	assert_memory_equal(e.data, "long name", 9);

	assert_false(tar_find(a.bytes, a.len, "bin/ini", &e));
	assert_true(tar_find(a.bytes, a.len, "bin/init/", &e)); /* a trailing '/' is ignored */
	assert_int_equal(e.type, TAR_TYPE_FILE);
	assert_false(tar_find(a.bytes, a.len, "missing", &e));
	free(a.bytes);
}

static void test_full_width_fields(void **state)
{
	(void)state;
	struct archive a = { 0 };
	struct tar_entry e;
	char name[101], prefix[156];
	memset(name, 'n', 100);
	name[100] = '\0';
	memset(prefix, 'p', 155);
	prefix[155] = '\0';

	/* name and prefix fill their fields with no NUL */
	add(&a, prefix, name, TAR_TYPE_FILE, "x");
	finish(&a);
	size_t off = 0;
	assert_true(tar_next(a.bytes, a.len, &off, &e));
	assert_int_equal(strlen(e.name), 256);
	assert_int_equal(e.name[155], '/');
	free(a.bytes);
}

static void test_truncated(void **state)
{
	(void)state;
	struct archive a;
	struct tar_entry e;
	build_sample(&a);

	/* cut at every length: never reads past the end, never returns an
	 * entry whose data is not all there */
	for (size_t len = 0; len <= a.len; len += 7) {
		uint8_t *buf = exact_copy(&a, len);
		size_t off = 0;
		int n = 0;
		while (tar_next(buf, len, &off, &e)) {
			assert_true((const uint8_t *)e.data + e.size <= buf + len);
			assert_true(off <= len);
			n++;
		}
		assert_true(n <= 8);
		free(buf);
	}

	/* the big file's data is cut short: it is not returned, but what
	 * comes before it still is */
	size_t big_header = 8 * TAR_BLOCK; /* after 8 blocks of earlier entries */
	size_t cut = big_header + TAR_BLOCK + 1000;
	uint8_t *buf = exact_copy(&a, cut);
	assert_false(tar_find(buf, cut, "big", &e));
	assert_true(tar_find(buf, cut, "bin/init", &e));
	free(buf);

	/* the last file's padding is missing: still readable */
	struct archive b = { 0 };
	add(&b, "", "f", TAR_TYPE_FILE, "abc");
	buf = exact_copy(&b, TAR_BLOCK + 3);
	size_t off = 0;
	assert_true(tar_next(buf, TAR_BLOCK + 3, &off, &e));
	assert_int_equal(off, TAR_BLOCK + 3);
	assert_false(tar_next(buf, TAR_BLOCK + 3, &off, &e));
	free(buf);
	free(b.bytes);
	free(a.bytes);
}

static void test_corrupt(void **state)
{
	(void)state;
	struct archive a = { 0 };
	struct tar_entry e;
	size_t off;

	add(&a, "", "one", TAR_TYPE_FILE, "1");
	add(&a, "", "two", TAR_TYPE_FILE, "2");
	finish(&a);

	/* a bad checksum ends the walk */
	a.bytes[TAR_BLOCK * 2 + 5] ^= 1; /* in "two"'s header */
	off = 0;
	assert_true(tar_next(a.bytes, a.len, &off, &e));
	assert_false(tar_next(a.bytes, a.len, &off, &e));
	assert_false(tar_find(a.bytes, a.len, "two", &e));
	a.bytes[TAR_BLOCK * 2 + 5] ^= 1;
	assert_true(tar_find(a.bytes, a.len, "two", &e));

	struct tar_header *h = (struct tar_header *)(a.bytes + TAR_BLOCK * 2);
	struct tar_header saved = *h;

	/* a checksum that is not octal */
	memcpy(h->chksum, "abcdef\0 ", 8);
	assert_false(tar_find(a.bytes, a.len, "two", &e));
	*h = saved;

	/* no ustar magic (a v7 archive): not read */
	memcpy(h->magic, "xxxxx", 6);
	seal_header(h);
	assert_false(tar_find(a.bytes, a.len, "two", &e));
	*h = saved;

	/* a size that is not octal, or that is far past the end */
	memcpy(h->size, "0000000009x", 12);
	seal_header(h);
	assert_false(tar_find(a.bytes, a.len, "two", &e));
	octal(h->size, sizeof(h->size), 077777777);
	seal_header(h);
	assert_false(tar_find(a.bytes, a.len, "two", &e));
	memcpy(h->size, "\x80\0\0\0\0\0\0\0\0\0\0\x01", 12); /* GNU base-256 */
	seal_header(h);
	assert_false(tar_find(a.bytes, a.len, "two", &e));
	memcpy(h->size, "77777777777", 12); /* 8 GiB - 1 */
	seal_header(h);
	assert_false(tar_find(a.bytes, a.len, "two", &e));
	*h = saved;

	/* a GNU-style "ustar  " magic and space-terminated fields are fine */
	memcpy(h->magic, "ustar ", 6);
	memcpy(h->version, " ", 2);
	memcpy(h->size, "         1 ", 12);
	seal_header(h);
	assert_true(tar_find(a.bytes, a.len, "two", &e));
	assert_int_equal(e.size, 1);
	*h = saved;

	/* an offset past the end, or a size too small for a block */
	off = a.len + 1;
	assert_false(tar_next(a.bytes, a.len, &off, &e));
	off = 0;
	assert_false(tar_next(a.bytes, TAR_BLOCK - 1, &off, &e));
	assert_false(tar_find(a.bytes, 0, "one", &e));
	free(a.bytes);
}

static void test_signed_checksum(void **state)
{
	(void)state;
	struct archive a = { 0 };
	struct tar_entry e;
	struct tar_header h = make_header("", "caf\xc3\xa9", TAR_TYPE_FILE, 0);

	/* historic tars summed the header as signed chars */
	int sum = 0;
	memset(h.chksum, ' ', sizeof(h.chksum));
	for (size_t i = 0; i < TAR_BLOCK; i++)
		sum += ((signed char *)&h)[i];
	octal(h.chksum, 7, (uint64_t)sum);
	add_raw(&a, &h, NULL, 0);
	finish(&a);
	assert_true(tar_find(a.bytes, a.len, "caf\xc3\xa9", &e));
	free(a.bytes);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_iterate),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_full_width_fields),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_corrupt),
		cmocka_unit_test(test_signed_checksum),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
