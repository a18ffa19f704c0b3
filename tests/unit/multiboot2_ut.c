/* Host tests for lib/common/multiboot2.c: boot information blocks are built
 * in arrays, well formed and not. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lib/common/multiboot2.c"

struct info {
	_Alignas(8) uint8_t buf[1024];
	uint32_t len;
};

static void info_start(struct info *b)
{
	memset(b->buf, 0xee, sizeof(b->buf)); /* garbage past the end */
	b->len = sizeof(struct mb2_info_header);
}

/* Appends a tag; returns its offset. size is what goes in the size field. */
static uint32_t add_tag_sized(struct info *b, uint32_t type, const void *payload, uint32_t plen,
			      uint32_t size)
{
	uint32_t off = b->len;
	struct mb2_tag tag = { type, size };
	memcpy(b->buf + off, &tag, sizeof(tag));
	if (plen)
		memcpy(b->buf + off + sizeof(tag), payload, plen);
	b->len = (off + sizeof(tag) + plen + 7) & ~7u;
	return off;
}

static uint32_t add_tag(struct info *b, uint32_t type, const void *payload, uint32_t plen)
{
	return add_tag_sized(b, type, payload, plen, (uint32_t)sizeof(struct mb2_tag) + plen);
}

static const void *info_finish(struct info *b)
{
	add_tag(b, MB2_TAG_END, NULL, 0);
	struct mb2_info_header h = { b->len, 0 };
	memcpy(b->buf, &h, sizeof(h));
	return b->buf;
}

static void add_mmap(struct info *b, uint32_t entry_size, const struct mb2_mmap_entry *e, int n)
{
	uint8_t payload[256] = { 0 };
	uint32_t head[2] = { entry_size, 0 };
	memcpy(payload, head, sizeof(head));
	for (int i = 0; i < n; i++)
		memcpy(payload + 8 + i * entry_size, &e[i], sizeof(e[i]));
	add_tag(b, MB2_TAG_MMAP, payload, 8 + n * entry_size);
}

static void add_module(struct info *b, uint32_t start, uint32_t end, const char *s)
{
	uint8_t payload[64];
	memcpy(payload, &start, 4);
	memcpy(payload + 4, &end, 4);
	memcpy(payload + 8, s, strlen(s) + 1);
	add_tag(b, MB2_TAG_MODULE, payload, 8 + (uint32_t)strlen(s) + 1);
}

static const struct mb2_mmap_entry qemu_map[] = {
	{ 0x0, 0x9fc00, MB2_MEMORY_AVAILABLE, 0 },
	{ 0x9fc00, 0x400, MB2_MEMORY_RESERVED, 0 },
	{ 0x100000, 0x7ee0000, MB2_MEMORY_AVAILABLE, 0 },
	{ 0xfffc0000, 0x40000, MB2_MEMORY_RESERVED, 0 },
};

static void test_typical_info(void **state)
{
	(void)state;
	struct info b;
	uint8_t rsdp1[20] = "RSD PTR ", rsdp2[36] = "RSD PTR ";
	rsdp2[15] = 2;

	info_start(&b);
	add_tag(&b, MB2_TAG_CMDLINE, "test=all fault=pf", 18);
	add_tag(&b, MB2_TAG_BOOTLOADER_NAME, "GRUB 2.06", 10);
	add_module(&b, 0x800000, 0x812345, "initrd.tar");
	add_module(&b, 0x900000, 0x900100, "");
	add_mmap(&b, 24, qemu_map, 4);
	add_tag(&b, MB2_TAG_ACPI_OLD, rsdp1, sizeof(rsdp1));
	add_tag(&b, MB2_TAG_ACPI_NEW, rsdp2, sizeof(rsdp2));
	const void *info = info_finish(&b);

	assert_int_equal(mb2_total_size(info), b.len);
	assert_string_equal(mb2_cmdline(info), "test=all fault=pf");

	assert_int_equal(mb2_mmap_count(info), 4);
	uint64_t base, len;
	uint32_t type;
	for (size_t i = 0; i < 4; i++) {
		assert_true(mb2_mmap_entry(info, i, &base, &len, &type));
		assert_int_equal(base, qemu_map[i].base_addr);
		assert_int_equal(len, qemu_map[i].length);
		assert_int_equal(type, qemu_map[i].type);
	}
	assert_false(mb2_mmap_entry(info, 4, &base, &len, &type));

	size_t rlen = 0;
	const uint8_t *r = mb2_rsdp(info, &rlen);
	assert_non_null(r);
	assert_int_equal(rlen, 36);
	assert_int_equal(r[15], 2);

	uint32_t start, end;
	const char *s;
	assert_true(mb2_module(info, 0, &start, &end, &s));
	assert_int_equal(start, 0x800000);
	assert_int_equal(end, 0x812345);
	assert_string_equal(s, "initrd.tar");
	assert_true(mb2_module(info, 1, &start, &end, &s));
	assert_int_equal(start, 0x900000);
	assert_string_equal(s, "");
	assert_false(mb2_module(info, 2, &start, &end, &s));
}

static void test_find_iterates(void **state)
{
	(void)state;
	struct info b;

	info_start(&b);
	add_tag(&b, 20, "a", 1);
	add_tag(&b, 21, "bb", 2);
	add_tag(&b, 20, "ccc", 3);
	const void *info = info_finish(&b);

	const struct mb2_tag *t = mb2_find(info, 20, NULL);
	assert_non_null(t);
	assert_int_equal(t->size, 9);
	t = mb2_find(info, 20, t);
	assert_non_null(t);
	assert_int_equal(t->size, 11);
	assert_null(mb2_find(info, 20, t));
	assert_null(mb2_find(info, 99, NULL));
	/* the end tag is never returned */
	assert_null(mb2_find(info, MB2_TAG_END, NULL));
}

static void test_absent(void **state)
{
	(void)state;
	struct info b;
	size_t len = 99;
	uint32_t start, end;
	const char *s;

	info_start(&b);
	const void *info = info_finish(&b);
	assert_string_equal(mb2_cmdline(info), "");
	assert_int_equal(mb2_mmap_count(info), 0);
	assert_null(mb2_rsdp(info, &len));
	assert_false(mb2_module(info, 0, &start, &end, &s));

	assert_int_equal(mb2_total_size(NULL), 0);
	assert_string_equal(mb2_cmdline(NULL), "");
	assert_null(mb2_find(NULL, 1, NULL));
}

static void test_old_rsdp_fallback(void **state)
{
	(void)state;
	struct info b;
	uint8_t rsdp1[20] = "RSD PTR ", rsdp2[36] = "RSD PTR ";
	size_t len = 0;

	info_start(&b);
	add_tag(&b, MB2_TAG_ACPI_OLD, rsdp1, sizeof(rsdp1));
	const void *info = info_finish(&b);
	assert_ptr_equal(mb2_rsdp(info, &len), b.buf + 16);
	assert_int_equal(len, 20);

	/* a new-RSDP tag too short to hold one is passed over */
	info_start(&b);
	add_tag(&b, MB2_TAG_ACPI_NEW, rsdp2, 20);
	add_tag(&b, MB2_TAG_ACPI_OLD, rsdp1, sizeof(rsdp1));
	info = info_finish(&b);
	assert_non_null(mb2_rsdp(info, &len));
	assert_int_equal(len, 20);

	info_start(&b);
	add_tag(&b, MB2_TAG_ACPI_OLD, rsdp1, 12);
	info = info_finish(&b);
	assert_null(mb2_rsdp(info, &len));
}

static void test_malformed_sizes(void **state)
{
	(void)state;
	struct info b;

	/* a tag with size < 8 ends the walk */
	info_start(&b);
	add_tag_sized(&b, 7, "", 0, 4);
	add_tag(&b, MB2_TAG_CMDLINE, "hidden", 7);
	const void *info = info_finish(&b);
	assert_null(mb2_find(info, 7, NULL));
	assert_string_equal(mb2_cmdline(info), "");

	/* a tag running past total_size is not returned */
	info_start(&b);
	add_tag_sized(&b, MB2_TAG_CMDLINE, "abc", 4, 500);
	info = info_finish(&b);
	assert_string_equal(mb2_cmdline(info), "");

	/* total_size cuts off a tag that would otherwise be fine */
	info_start(&b);
	add_tag(&b, MB2_TAG_MMAP, "", 0);
	add_tag(&b, MB2_TAG_CMDLINE, "abcdefgh", 9);
	info = info_finish(&b);
	struct mb2_info_header h = { 8 + 8 + 8 + 8, 0 };
	memcpy(b.buf, &h, sizeof(h));
	assert_string_equal(mb2_cmdline(info), "");
	h.total_size = 4;
	memcpy(b.buf, &h, sizeof(h));
	assert_null(mb2_find(info, MB2_TAG_MMAP, NULL));
	h.total_size = 0;
	memcpy(b.buf, &h, sizeof(h));
	assert_null(mb2_find(info, MB2_TAG_MMAP, NULL));
}

static void test_unterminated_strings(void **state)
{
	(void)state;
	struct info b;
	uint32_t start, end;
	const char *s;

	info_start(&b);
	add_tag(&b, MB2_TAG_CMDLINE, "abcdefgh", 8); /* no NUL inside the tag */
	uint8_t mod[12] = { 0, 0, 0x80, 0, 0, 0, 0x90, 0, 'x', 'y', 'z', 'w' };
	add_tag(&b, MB2_TAG_MODULE, mod, sizeof(mod));
	add_tag(&b, MB2_TAG_MODULE, mod, 4); /* too short for a module: skipped */
	add_tag(&b, MB2_TAG_MODULE, mod, 8);
	const void *info = info_finish(&b);
	assert_string_equal(mb2_cmdline(info), "");
	assert_true(mb2_module(info, 0, &start, &end, &s));
	assert_int_equal(start, 0x800000);
	assert_int_equal(end, 0x900000);
	assert_string_equal(s, "");
	assert_true(mb2_module(info, 1, &start, &end, &s));
	assert_string_equal(s, "");
	assert_false(mb2_module(info, 2, &start, &end, &s));

	info_start(&b);
	add_tag(&b, MB2_TAG_CMDLINE, "", 0); /* no string at all */
	info = info_finish(&b);
	assert_string_equal(mb2_cmdline(info), "");
}

static void test_malformed_mmap(void **state)
{
	(void)state;
	struct info b;
	uint64_t base, len;
	uint32_t type;

	/* entries bigger than 24 bytes (a later version): stride by entry_size */
	info_start(&b);
	add_mmap(&b, 32, qemu_map, 4);
	const void *info = info_finish(&b);
	assert_int_equal(mb2_mmap_count(info), 4);
	assert_true(mb2_mmap_entry(info, 3, &base, &len, &type));
	assert_int_equal(base, 0xfffc0000);

	/* entry_size too small to hold an entry */
	info_start(&b);
	add_mmap(&b, 16, qemu_map, 4);
	info = info_finish(&b);
	assert_int_equal(mb2_mmap_count(info), 0);
	assert_false(mb2_mmap_entry(info, 0, &base, &len, &type));

	/* entry_size 0 must not divide by zero */
	info_start(&b);
	add_mmap(&b, 0, qemu_map, 0);
	info = info_finish(&b);
	assert_int_equal(mb2_mmap_count(info), 0);

	/* a tag too short for its own header */
	info_start(&b);
	add_tag(&b, MB2_TAG_MMAP, "\x18\0\0\0", 4);
	info = info_finish(&b);
	assert_int_equal(mb2_mmap_count(info), 0);

	/* a partial last entry is not counted */
	info_start(&b);
	add_mmap(&b, 24, qemu_map, 2);
	struct mb2_tag *t = (struct mb2_tag *)(b.buf + 8);
	t->size -= 1;
	info = info_finish(&b);
	assert_int_equal(mb2_mmap_count(info), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_typical_info),
		cmocka_unit_test(test_find_iterates),
		cmocka_unit_test(test_absent),
		cmocka_unit_test(test_old_rsdp_fallback),
		cmocka_unit_test(test_malformed_sizes),
		cmocka_unit_test(test_unterminated_strings),
		cmocka_unit_test(test_malformed_mmap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
