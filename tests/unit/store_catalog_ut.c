/*
 * Host tests for lib/common/store_catalog.c over a disk in memory: create,
 * remove, lookup, free-range search, persistence across loads, crashes in
 * the middle of an update, and damaged copies that must be reported and not
 * overwritten blindly.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/common/crc32c.c"
#include "lib/common/store_catalog.c"

#define BS 512
#define BLOCKS 128
#define BASE 10
#define CAPACITY 16 /* 2048 bytes of entries: 4 blocks, 5 a copy */

struct memdisk {
	uint8_t data[BLOCKS * BS];
	unsigned writes, flushes;
	int fail_writes;
	long tear_after; /* >= 0: the next write keeps this many bytes */
};

static struct memdisk disk;
static struct blockdev dev;
static struct store_entry entries[CAPACITY];
static uint8_t io[5 * BS];
static struct store_catalog cat;

static int md_read(void *ctx, uint64_t block, uint32_t count, void *buf)
{
	(void)ctx;
	assert_true(block + count <= BLOCKS);
	memcpy(buf, disk.data + block * BS, (size_t)count * BS);
	return 0;
}

static int md_write(void *ctx, uint64_t block, uint32_t count, const void *buf)
{
	(void)ctx;
	assert_true(block + count <= BLOCKS);
	if (disk.fail_writes) {
		disk.fail_writes--;
		return -SIETCH_EIO;
	}
	size_t len = (size_t)count * BS;
	if (disk.tear_after >= 0 && (size_t)disk.tear_after < len)
		len = (size_t)disk.tear_after;
	disk.tear_after = -1;
	disk.writes++;
	memcpy(disk.data + block * BS, buf, len);
	return 0;
}

static int md_flush(void *ctx)
{
	(void)ctx;
	disk.flushes++;
	return 0;
}

static int setup(void **state)
{
	(void)state;
	memset(&disk, 0, sizeof(disk));
	disk.tear_after = -1;
	memset(disk.data, 0x5a, BASE * BS); /* someone else's blocks before ours */
	dev = (struct blockdev){ &disk, BS, BLOCKS, md_read, md_write, md_flush };
	assert_int_equal(store_catalog_init(&cat, &dev, BASE, CAPACITY, entries, io), 0);
	return 0;
}

static struct store_entry area(const char *name, uint32_t nsid, uint64_t first, uint64_t count)
{
	struct store_entry e = { .nsid = nsid, .first_block = first, .block_count = count,
				 .owner = 7, .owner_rights = SIETCH_RIGHT_READ | SIETCH_RIGHT_WRITE,
				 .other_rights = SIETCH_RIGHT_READ };
	strcpy(e.name, name);
	return e;
}

/* The machine restarts: the catalogue is read back from the disk alone. */
static int reload(void)
{
	assert_int_equal(store_catalog_init(&cat, &dev, BASE, CAPACITY, entries, io), 0);
	return store_catalog_load(&cat);
}

static void format_with(int n)
{
	char name[8];
	assert_int_equal(store_catalog_format(&cat), 0);
	for (int i = 0; i < n; i++) {
		name[0] = (char)('a' + i);
		name[1] = 0;
		struct store_entry e = area(name, 1, 1000 + (uint64_t)i * 100, 100);
		assert_int_equal(store_catalog_create(&cat, &e), 0);
	}
}

static void test_layout_sizes(void **state)
{
	(void)state;
	assert_int_equal(store_catalog_copy_blocks(512, 16), 5);
	assert_int_equal(store_catalog_copy_blocks(4096, 64), 3);
	assert_int_equal(store_catalog_copy_blocks(4096, 1), 2);
	/* The reserved region must fit on the device. */
	assert_int_equal(store_catalog_init(&cat, &dev, BLOCKS - 9, CAPACITY, entries, io), -SIETCH_EINVAL);
}

static void test_blank_device_is_not_formatted(void **state)
{
	(void)state;
	struct store_entry e = area("log", 1, 0, 10);
	assert_int_equal(store_catalog_load(&cat), -SIETCH_ENOENT);
	assert_int_equal(cat.damaged_copies, 0);
	assert_int_equal(store_catalog_create(&cat, &e), -SIETCH_EIO);
	assert_int_equal(disk.writes, 0);
	/* Nothing outside the reserved region was touched by formatting. */
	assert_int_equal(store_catalog_format(&cat), 0);
	for (int i = 0; i < BASE * BS; i++)
		assert_int_equal(disk.data[i], 0x5a);
	for (int i = (BASE + 10) * BS; i < BLOCKS * BS; i++)
		assert_int_equal(disk.data[i], 0);
	assert_int_equal(reload(), 0);
	assert_int_equal(cat.generation, 1);
}

static void test_create_lookup_remove_persist(void **state)
{
	(void)state;
	format_with(0);
	struct store_entry log = area("log", 1, 4096, 16384), db = area("db", 2, 0, 0);
	db.block_count = 1;
	db.flags = STORE_ENTRY_NAMESPACE;
	unsigned flushes = disk.flushes;
	assert_int_equal(store_catalog_create(&cat, &log), 0);
	assert_int_equal(disk.flushes, flushes + 1);
	assert_int_equal(store_catalog_create(&cat, &db), 0);

	assert_int_equal(reload(), 0);
	assert_int_equal(cat.generation, 3);
	const struct store_entry *e = store_catalog_lookup(&cat, "log");
	assert_non_null(e);
	assert_int_equal(e->nsid, 1);
	assert_int_equal(e->first_block, 4096);
	assert_int_equal(e->block_count, 16384);
	assert_int_equal(e->owner, 7);
	assert_int_equal(e->owner_rights, SIETCH_RIGHT_READ | SIETCH_RIGHT_WRITE);
	assert_int_equal(e->other_rights, SIETCH_RIGHT_READ);
	assert_int_equal(e->created, 2);
	e = store_catalog_lookup(&cat, "db");
	assert_non_null(e);
	assert_true(e->flags & STORE_ENTRY_NAMESPACE);
	assert_null(store_catalog_lookup(&cat, "nope"));

	assert_int_equal(store_catalog_remove(&cat, "log"), 0);
	assert_int_equal(store_catalog_remove(&cat, "log"), -SIETCH_ENOENT);
	assert_int_equal(reload(), 0);
	assert_null(store_catalog_lookup(&cat, "log"));
	assert_non_null(store_catalog_lookup(&cat, "db"));
}

static void test_create_refuses_bad_input(void **state)
{
	(void)state;
	format_with(0);
	struct store_entry e = area("x", 1, 100, 100);
	assert_int_equal(store_catalog_create(&cat, &e), 0);
	unsigned writes = disk.writes;

	e = area("x", 1, 500, 10);
	assert_int_equal(store_catalog_create(&cat, &e), -SIETCH_EEXIST);
	e = area("y", 1, 150, 10);
	assert_int_equal(store_catalog_create(&cat, &e), -SIETCH_EBUSY);
	e = area("y", 1, 50, 51);
	assert_int_equal(store_catalog_create(&cat, &e), -SIETCH_EBUSY);
	e = area("whole", 1, 0, 1);
	e.flags = STORE_ENTRY_NAMESPACE;
	assert_int_equal(store_catalog_create(&cat, &e), -SIETCH_EBUSY);
	e = area("Upper", 1, 1000, 1);
	assert_int_equal(store_catalog_create(&cat, &e), -SIETCH_EINVAL);
	e = area("..", 1, 1000, 1);
	assert_int_equal(store_catalog_create(&cat, &e), -SIETCH_EINVAL);
	e = area("a/b", 1, 1000, 1);
	assert_int_equal(store_catalog_create(&cat, &e), -SIETCH_EINVAL);
	e = area("", 1, 1000, 1);
	assert_int_equal(store_catalog_create(&cat, &e), -SIETCH_EINVAL);
	e = area("z", 1, 1000, 0);
	assert_int_equal(store_catalog_create(&cat, &e), -SIETCH_EINVAL);
	e = area("z", 1, UINT64_MAX - 1, 5);
	assert_int_equal(store_catalog_create(&cat, &e), -SIETCH_EINVAL);
	e = area("z", 0, 1000, 1);
	assert_int_equal(store_catalog_create(&cat, &e), -SIETCH_EINVAL);
	e = area("z", 1, 1000, 1);
	e.other_rights = SIETCH_RIGHT_KILL;
	assert_int_equal(store_catalog_create(&cat, &e), -SIETCH_EINVAL);
	e = area("z", 1, 1000, 1);
	memset(e.name, 'a', sizeof(e.name)); /* no NUL */
	assert_int_equal(store_catalog_create(&cat, &e), -SIETCH_EINVAL);
	assert_int_equal(disk.writes, writes);

	/* Another namespace may use the same blocks; a 47-character name is fine. */
	e = area("y", 2, 150, 10);
	assert_int_equal(store_catalog_create(&cat, &e), 0);
	e = area("abcdefghijklmnopqrstuvwxyz0123456789-_.abcdefgh", 2, 0, 1);
	assert_int_equal(strlen(e.name), STORE_NAME_MAX);
	assert_int_equal(store_catalog_create(&cat, &e), 0);
}

static void test_full_catalogue(void **state)
{
	(void)state;
	format_with(CAPACITY);
	struct store_entry e = area("more", 1, 90000, 1);
	assert_int_equal(store_catalog_create(&cat, &e), -SIETCH_ENOSPC);
	assert_int_equal(store_catalog_remove(&cat, "c"), 0);
	assert_int_equal(store_catalog_create(&cat, &e), 0);
	assert_int_equal(reload(), 0);
	assert_non_null(store_catalog_lookup(&cat, "more"));
}

static void test_find_free(void **state)
{
	(void)state;
	format_with(3); /* namespace 1: [1000,1100) [1100,1200) [1200,1300) */
	uint64_t at;
	assert_int_equal(store_catalog_find_free(&cat, 1, 0, 10000, 1000, &at), 0);
	assert_int_equal(at, 0);
	assert_int_equal(store_catalog_find_free(&cat, 1, 0, 10000, 1001, &at), 0);
	assert_int_equal(at, 1300);
	assert_int_equal(store_catalog_find_free(&cat, 1, 1050, 10000, 5, &at), 0);
	assert_int_equal(at, 1300);
	assert_int_equal(store_catalog_find_free(&cat, 1, 0, 2000, 1001, &at), -SIETCH_ENOSPC);
	assert_int_equal(store_catalog_find_free(&cat, 2, 1000, 10, 10, &at), 0);
	assert_int_equal(at, 1000);
	struct store_entry whole = area("whole", 3, 0, 1);
	whole.flags = STORE_ENTRY_NAMESPACE;
	assert_int_equal(store_catalog_create(&cat, &whole), 0);
	assert_int_equal(store_catalog_find_free(&cat, 3, 0, 100, 1, &at), -SIETCH_ENOSPC);
}

/* A crash in the middle of writing a change, at every byte: loading gives
 * the state before or after it, and reports the torn copy. */
static void test_torn_update_gives_old_or_new(void **state)
{
	(void)state;
	format_with(2);
	static uint8_t before[BLOCKS * BS];
	memcpy(before, disk.data, sizeof(before));

	for (long tear = 0; tear <= 5 * BS + 37; tear += 37) {
		memcpy(disk.data, before, sizeof(before));
		assert_int_equal(reload(), 0);
		struct store_entry e = area("new", 1, 5000, 10);
		disk.tear_after = tear;
		assert_int_equal(store_catalog_create(&cat, &e), 0);
		assert_int_equal(reload(), 0);
		const struct store_entry *found = store_catalog_lookup(&cat, "new");
		assert_non_null(store_catalog_lookup(&cat, "a"));
		assert_non_null(store_catalog_lookup(&cat, "b"));
		if (found) {
			assert_int_equal(cat.generation, 4);
			assert_int_equal(found->first_block, 5000);
		} else {
			assert_int_equal(cat.generation, 3);
			/* The slot it tore was written, so it is damaged, unless
			 * the tear came before anything changed in it. */
			assert_true(cat.damaged_copies == 0 || cat.damaged_copies == 1);
		}
	}
}

static void test_one_damaged_copy_reported_then_rotated(void **state)
{
	(void)state;
	format_with(2); /* generations 1, 2, 3: copy 1 holds 3, copy 0 holds 2 */
	/* A flipped bit in an entry block of the newest copy. */
	disk.data[(BASE + 5 + 2) * BS + 17] ^= 0x08;
	assert_int_equal(reload(), 0);
	assert_int_equal(cat.damaged_copies, 2);
	assert_int_equal(cat.generation, 2); /* the state before the last change */
	assert_non_null(store_catalog_lookup(&cat, "a"));
	assert_null(store_catalog_lookup(&cat, "b"));

	/* The next change goes to the damaged (older-or-equal) slot only. */
	static uint8_t copy0[5 * BS];
	memcpy(copy0, disk.data + BASE * BS, sizeof(copy0));
	struct store_entry e = area("c", 1, 9000, 1);
	assert_int_equal(store_catalog_create(&cat, &e), 0);
	assert_memory_equal(copy0, disk.data + BASE * BS, sizeof(copy0));
	assert_int_equal(reload(), 0);
	assert_int_equal(cat.damaged_copies, 0);
	assert_int_equal(cat.generation, 3);
	assert_non_null(store_catalog_lookup(&cat, "c"));
}

static void test_both_copies_damaged_refuses_changes(void **state)
{
	(void)state;
	format_with(2);
	disk.data[BASE * BS + 20] ^= 1;           /* copy 0's header (its generation) */
	disk.data[(BASE + 5) * BS + 36] ^= 1;     /* copy 1's header checksum */
	unsigned writes = disk.writes;
	assert_int_equal(reload(), -SIETCH_EIO);
	assert_int_equal(cat.damaged_copies, 3);
	struct store_entry e = area("c", 1, 9000, 1);
	assert_int_equal(store_catalog_create(&cat, &e), -SIETCH_EIO);
	assert_int_equal(store_catalog_remove(&cat, "a"), -SIETCH_EIO);
	assert_null(store_catalog_lookup(&cat, "a"));
	assert_int_equal(disk.writes, writes); /* nothing overwritten */

	/* A blank copy and a damaged one: damaged, not "never formatted". */
	memset(disk.data + BASE * BS, 0, 5 * BS);
	assert_int_equal(reload(), -SIETCH_EIO);
	assert_int_equal(cat.damaged_copies, 2);
}

/* A checksum that matches over entries no valid catalogue holds: a name
 * without its NUL, or bytes in an unused slot. The copy is damaged all the
 * same. */
static void forge_copy0(size_t offset, uint8_t value)
{
	uint8_t *copy0 = disk.data + BASE * BS;
	struct store_catalog_header h;
	copy0[BS + offset] = value;
	memcpy(&h, copy0, sizeof(h));
	h.entries_crc = crc32c(copy0 + BS, 4 * BS);
	h.crc = header_crc(&h);
	memcpy(copy0, &h, sizeof(h));
}

static void test_invalid_entry_with_good_checksum(void **state)
{
	(void)state;
	format_with(1); /* copy 0 holds generation 2 with "a" in slot 0 */
	static uint8_t copy0[5 * BS];
	memcpy(copy0, disk.data + BASE * BS, sizeof(copy0));

	forge_copy0(STORE_NAME_MAX, 'x');
	assert_int_equal(reload(), 0);
	assert_int_equal(cat.damaged_copies, 1);
	assert_int_equal(cat.generation, 1);

	memcpy(disk.data + BASE * BS, copy0, sizeof(copy0));
	forge_copy0(3 * sizeof(struct store_entry) + 100, 1);
	assert_int_equal(reload(), 0);
	assert_int_equal(cat.damaged_copies, 1);
}

static void test_write_error_changes_nothing(void **state)
{
	(void)state;
	format_with(1);
	struct store_entry e = area("c", 1, 9000, 1);
	disk.fail_writes = 1;
	assert_int_equal(store_catalog_create(&cat, &e), -SIETCH_EIO);
	assert_null(store_catalog_lookup(&cat, "c"));
	disk.fail_writes = 1;
	assert_int_equal(store_catalog_remove(&cat, "a"), -SIETCH_EIO);
	assert_non_null(store_catalog_lookup(&cat, "a"));
	assert_int_equal(cat.generation, 2);
	assert_int_equal(store_catalog_create(&cat, &e), 0);
	assert_int_equal(reload(), 0);
	assert_non_null(store_catalog_lookup(&cat, "c"));
}

/* Rights are part of the durable record: a change survives a restart, a
 * bad or failed change leaves them as they were, and a copy whose entry
 * claims a right outside read/write is damaged even with good checksums. */
static void test_rights_change_persists(void **state)
{
	(void)state;
	format_with(1); /* "a": owner read/write, others read */
	const uint32_t rw = SIETCH_RIGHT_READ | SIETCH_RIGHT_WRITE, r = SIETCH_RIGHT_READ;
	assert_int_equal(store_catalog_set_rights(&cat, "a", rw, rw), 0);
	assert_int_equal(cat.generation, 3);
	assert_int_equal(reload(), 0);
	assert_int_equal(store_catalog_lookup(&cat, "a")->other_rights, rw);

	assert_int_equal(store_catalog_set_rights(&cat, "a", r, r), 0);
	unsigned writes = disk.writes;
	assert_int_equal(store_catalog_set_rights(&cat, "a", r, SIETCH_RIGHT_KILL), -SIETCH_EINVAL);
	assert_int_equal(store_catalog_set_rights(&cat, "nope", r, r), -SIETCH_ENOENT);
	disk.fail_writes = 1;
	assert_int_equal(store_catalog_set_rights(&cat, "a", rw, rw), -SIETCH_EIO);
	assert_int_equal(store_catalog_lookup(&cat, "a")->other_rights, r);
	assert_int_equal(disk.writes, writes); /* nothing reached the disk */
	assert_int_equal(reload(), 0);
	const struct store_entry *e = store_catalog_lookup(&cat, "a");
	assert_int_equal(e->owner_rights, r);
	assert_int_equal(e->other_rights, r);
	assert_int_equal(e->block_count, 100); /* the rest of the entry untouched */
	assert_int_equal(e->first_block, 1000);
	assert_int_equal(cat.generation, 4);

	/* generation 4 is in copy 0: a forged right there makes it damaged */
	forge_copy0(offsetof(struct store_entry, other_rights), 0x80);
	assert_int_equal(reload(), 0);
	assert_int_equal(cat.damaged_copies, 1);
	assert_int_equal(store_catalog_lookup(&cat, "a")->other_rights, rw); /* generation 3, copy 1 */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_layout_sizes, setup),
		cmocka_unit_test_setup(test_blank_device_is_not_formatted, setup),
		cmocka_unit_test_setup(test_create_lookup_remove_persist, setup),
		cmocka_unit_test_setup(test_create_refuses_bad_input, setup),
		cmocka_unit_test_setup(test_full_catalogue, setup),
		cmocka_unit_test_setup(test_find_free, setup),
		cmocka_unit_test_setup(test_torn_update_gives_old_or_new, setup),
		cmocka_unit_test_setup(test_one_damaged_copy_reported_then_rotated, setup),
		cmocka_unit_test_setup(test_both_copies_damaged_refuses_changes, setup),
		cmocka_unit_test_setup(test_invalid_entry_with_good_checksum, setup),
		cmocka_unit_test_setup(test_write_error_changes_nothing, setup),
		cmocka_unit_test_setup(test_rights_change_persists, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
