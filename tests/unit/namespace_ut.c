/* Host tests for kernel/ctl/namespace.c: trees built from ustar archives put together here. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/stubs/kernel_base.h"

static int skipped_lines; /* kprintf lines about members left out */
static void count_skipped(const char *fmt, va_list ap)
{
	(void)ap;
	if (strstr(fmt, "skipped '"))
		skipped_lines++;
}

#include "lib/common/tar.c"
#include "kernel/ctl/namespace.c"
#include "tests/unit/stubs/boot_image.h"

/* ---- archives ---- */

struct archive {
	uint8_t *bytes;
	size_t len, cap;
};

static void *archive_grow(struct archive *a, size_t n)
{
	if (a->len + n > a->cap) {
		a->cap = (a->len + n) * 2;
		a->bytes = realloc(a->bytes, a->cap);
	}
	void *p = a->bytes + a->len;
	memset(p, 0, n);
	a->len += n;
	return p;
}

/* A member and its data, at the end of the archive. */
static void archive_add(struct archive *a, const char *name, char type, const char *data)
{
	size_t size = data ? strlen(data) : 0;
	ustar_header(archive_grow(a, TAR_BLOCK), name, type, size);
	if (size)
		memcpy(archive_grow(a, (size + TAR_BLOCK - 1) / TAR_BLOCK * TAR_BLOCK), data, size);
}

static void archive_file(struct archive *a, const char *name, const char *data)
{
	archive_add(a, name, TAR_TYPE_FILE, data);
}

static void archive_end(struct archive *a) { archive_grow(a, 2 * TAR_BLOCK); }

/* ---- the tree ---- */

struct fixture {
	struct archive archive;
};

static int setup(void **state)
{
	skipped_lines = 0;
	kprintf_hook = count_skipped;
	*state = calloc(1, sizeof(struct fixture));
	return 0;
}

/* Tears the tree down so each test starts from an empty root (and the leak checker sees every node freed). */
static int teardown(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(namespace_lock.locked, 0);
	name_tree_free(&root);
	root.last_child = 0;
	root.child_count = 0;
	free(f->archive.bytes);
	free(f);
	return 0;
}

static struct name_node *lookup(const char *path) { return namespace_lookup(path, strlen(path)); }

static long resolve(const char *path)
{
	struct name_node *node = (struct name_node *)0x1; /* must be left alone on failure */
	long err = namespace_resolve(path, strlen(path), &node);
	if (err)
		assert_ptr_equal(node, (struct name_node *)0x1);
	return err;
}

static void assert_file(const char *path, const char *contents)
{
	struct name_node *node = lookup(path);
	assert_non_null(node);
	const void *data;
	size_t size;
	assert_true(namespace_file_data(node, &data, &size));
	assert_int_equal(size, strlen(contents));
	assert_memory_equal(data, contents, size);
}

static void assert_dir(const char *path, size_t entries)
{
	struct name_node *node = lookup(path);
	assert_non_null(node);
	assert_true(name_node_is_dir(node));
	assert_int_equal(node->object.type, OBJECT_DIR);
	assert_int_equal(node->child_count, entries);
	assert_int_equal(namespace_node_size(node), entries);
}

static void build_basic(struct fixture *f)
{
	archive_file(&f->archive, "bin/sh", "shell");
	archive_file(&f->archive, "bin/ls", "lister");
	archive_file(&f->archive, "etc/motd", "hello\n");
	archive_file(&f->archive, "empty", "");
	archive_end(&f->archive);
	namespace_init(f->archive.bytes, f->archive.len);
}

static void test_basic_tree(void **state)
{
	struct fixture *f = *state;
	build_basic(f);
	assert_int_equal(skipped_lines, 0);
	assert_dir("/", 3);
	assert_dir("/bin", 2);
	assert_dir("/etc", 1);
	assert_file("/bin/sh", "shell");
	assert_file("/bin/ls", "lister");
	assert_file("/etc/motd", "hello\n");
	assert_file("/empty", "");

	/* file data points into the archive, which stays in memory: nothing copied */
	const void *data;
	size_t size;
	assert_true(namespace_file_data(lookup("/bin/sh"), &data, &size));
	assert_true((const uint8_t *)data > f->archive.bytes &&
		    (const uint8_t *)data + size <= f->archive.bytes + f->archive.len);

	struct name_node *sh = lookup("/bin/sh");
	assert_int_equal(sh->object.type, OBJECT_FILE);
	assert_int_equal(sh->object.refs, 1);
	assert_null(sh->object.ops->release);
	assert_int_equal(sh->rights, SIETCH_RIGHT_READ | SIETCH_RIGHT_EXEC | SIETCH_RIGHT_DUP);
	assert_int_equal(namespace_node_size(sh), 5);
	assert_ptr_equal(sh->parent, lookup("/bin"));
	assert_ptr_equal(lookup("/"), &root);
}

static void test_dot_slash_prefix_and_dir_members(void **state)
{
	struct fixture *f = *state;
	archive_add(&f->archive, "./", TAR_TYPE_DIR, 0);
	archive_add(&f->archive, "./bin/", TAR_TYPE_DIR, 0);
	archive_file(&f->archive, "./bin/sh", "shell");
	archive_file(&f->archive, "bin/./cat", "cat");
	archive_add(&f->archive, "usr/share/", TAR_TYPE_DIR, 0);
	archive_file(&f->archive, "/abs/file", "abs");
	archive_end(&f->archive);
	namespace_init(f->archive.bytes, f->archive.len);

	assert_int_equal(skipped_lines, 0);
	assert_dir("/", 3);
	assert_dir("/bin", 2); /* the directory member and the files share one node */
	assert_file("/bin/sh", "shell");
	assert_file("/bin/cat", "cat");
	assert_dir("/usr", 1);
	assert_dir("/usr/share", 0);
	assert_file("/abs/file", "abs");
}

static void test_intermediate_dirs(void **state)
{
	struct fixture *f = *state;
	archive_file(&f->archive, "a/b/c/d/file", "deep");
	archive_file(&f->archive, "a/b/other", "x");
	/* a path over 100 bytes lands in the ustar prefix field */
	char longpath[200];
	snprintf(longpath, sizeof(longpath), "long/%s/%s/leaf", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		 "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
	archive_file(&f->archive, longpath, "leaf");
	archive_end(&f->archive);
	namespace_init(f->archive.bytes, f->archive.len);

	assert_dir("/a", 1);
	assert_dir("/a/b", 2);
	assert_dir("/a/b/c", 1);
	assert_dir("/a/b/c/d", 1);
	assert_file("/a/b/c/d/file", "deep");
	assert_file("/a/b/other", "x");
	char abs[201];
	snprintf(abs, sizeof(abs), "/%s", longpath);
	assert_file(abs, "leaf");
}

static void test_slashes_and_dots(void **state)
{
	build_basic(*state);
	assert_ptr_equal(lookup("//bin///sh"), lookup("/bin/sh"));
	assert_ptr_equal(lookup("/bin/./sh"), lookup("/bin/sh"));
	assert_ptr_equal(lookup("/./bin/."), lookup("/bin"));
	assert_ptr_equal(lookup("/bin/"), lookup("/bin"));
	assert_ptr_equal(lookup("/bin//"), lookup("/bin"));
	assert_ptr_equal(lookup("///"), &root);
	assert_ptr_equal(lookup("/."), &root);

	/* a file is not a directory, with or without more path after it */
	assert_int_equal(resolve("/bin/sh/"), -SIETCH_ENOTDIR);
	assert_int_equal(resolve("/bin/sh/x"), -SIETCH_ENOTDIR);
	assert_int_equal(resolve("/bin/sh/."), -SIETCH_ENOTDIR);
	assert_null(lookup("/bin/sh/"));
}

static void test_bad_paths(void **state)
{
	build_basic(*state);
	assert_int_equal(resolve(""), -SIETCH_ENOENT);
	assert_int_equal(resolve("bin/sh"), -SIETCH_EINVAL); /* relative */
	assert_int_equal(resolve("./bin/sh"), -SIETCH_EINVAL);
	assert_int_equal(resolve("/nope"), -SIETCH_ENOENT);
	assert_int_equal(resolve("/bin/nope"), -SIETCH_ENOENT);
	assert_int_equal(resolve("/nope/sh"), -SIETCH_ENOENT);
	assert_int_equal(resolve("/bin/s"), -SIETCH_ENOENT); /* prefixes do not match */
	assert_int_equal(resolve("/bin/shh"), -SIETCH_ENOENT);
	assert_int_equal(resolve("/BIN/sh"), -SIETCH_ENOENT);
	assert_int_equal(resolve("/..."), -SIETCH_ENOENT); /* a name, not ".." */
	assert_int_equal(resolve("/..a"), -SIETCH_ENOENT);

	const char with_nul[] = "/bin/sh\0/x";
	struct name_node *node;
	assert_int_equal(namespace_resolve(with_nul, sizeof(with_nul) - 1, &node), -SIETCH_EINVAL);
	assert_int_equal(namespace_resolve("/bin\0", 5, &node), -SIETCH_EINVAL);
	assert_null(namespace_lookup(with_nul, sizeof(with_nul) - 1));
}

static void test_dotdot_rejected(void **state)
{
	build_basic(*state);
	const char *paths[] = { "/..", "/../", "/../bin/sh", "/bin/..", "/bin/../bin/sh", "/bin/sh/..", "//..//",
				"/nope/../bin", "/etc/./../bin" };
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		assert_int_equal(resolve(paths[i]), -SIETCH_EINVAL);
		assert_null(lookup(paths[i]));
	}
}

static void test_long_names(void **state)
{
	struct fixture *f = *state;
	char name63[64], name64[65], path[200];
	memset(name63, 'n', 63);
	name63[63] = '\0';
	memset(name64, 'm', 64);
	name64[64] = '\0';

	snprintf(path, sizeof(path), "bin/%s", name63);
	archive_file(&f->archive, path, "63");
	snprintf(path, sizeof(path), "bin/%s", name64);
	archive_file(&f->archive, path, "64"); /* skipped: no node may have this name */
	snprintf(path, sizeof(path), "%s/inside", name64);
	archive_file(&f->archive, path, "64/");
	archive_end(&f->archive);
	namespace_init(f->archive.bytes, f->archive.len);

	assert_int_equal(skipped_lines, 2);
	assert_dir("/", 1);
	assert_dir("/bin", 1);
	snprintf(path, sizeof(path), "/bin/%s", name63);
	assert_file(path, "63");
	assert_int_equal(strlen(lookup(path)->name), 63);

	snprintf(path, sizeof(path), "/bin/%s", name64);
	assert_int_equal(resolve(path), -SIETCH_ENAMETOOLONG);
	snprintf(path, sizeof(path), "/%s/inside", name64);
	assert_int_equal(resolve(path), -SIETCH_ENAMETOOLONG);
	/* a too-long component is refused wherever it is, even after a missing name */
	snprintf(path, sizeof(path), "/nope/%s", name64);
	assert_int_equal(resolve(path), -SIETCH_ENAMETOOLONG);
	snprintf(path, sizeof(path), "/bin/%sx", name63);
	assert_int_equal(resolve(path), -SIETCH_ENAMETOOLONG);
}

static void test_reads_only_len_bytes(void **state)
{
	build_basic(*state);
	/* exactly sized heap copies without a NUL: reading one byte more trips the sanitizer */
	const char *text = "/bin/sh";
	char *exact = malloc(7);
	memcpy(exact, text, 7);
	assert_ptr_equal(namespace_lookup(exact, 7), lookup("/bin/sh"));
	assert_ptr_equal(namespace_lookup(exact, 4), lookup("/bin"));
	assert_ptr_equal(namespace_lookup(exact, 5), lookup("/bin"));
	assert_ptr_equal(namespace_lookup(exact, 1), &root);
	assert_null(namespace_lookup(exact, 6)); /* "/bin/s" */
	free(exact);

	char *slash = malloc(1);
	*slash = '/';
	assert_ptr_equal(namespace_lookup(slash, 1), &root);
	free(slash);

	/* the bytes after len do not matter */
	assert_ptr_equal(namespace_lookup("/bin/shXYZ", 7), lookup("/bin/sh"));
	assert_ptr_equal(namespace_lookup("/bin/../..", 4), lookup("/bin"));
}

static void test_file_data(void **state)
{
	build_basic(*state);
	const void *data = (const void *)0x1;
	size_t size = 77;
	assert_false(namespace_file_data(lookup("/bin"), &data, &size));
	assert_false(namespace_file_data(&root, &data, &size));
	assert_false(namespace_file_data(0, &data, &size));
	assert_ptr_equal(data, (const void *)0x1);
	assert_int_equal(size, 77);
}

static void test_dir_entries(void **state)
{
	build_basic(*state);
	struct sietch_dirent e;
	memset(&e, 0xcc, sizeof(e));
	assert_true(namespace_dir_entry(&root, 0, &e));
	assert_string_equal(e.name, "bin");
	assert_int_equal(e.type, SIETCH_TYPE_DIR);
	assert_int_equal(e.size, 2);
	assert_int_equal(e.reserved, 0);
	for (size_t i = strlen(e.name); i < sizeof(e.name); i++)
		assert_int_equal(e.name[i], 0); /* no stale bytes to copy out to a process */

	assert_true(namespace_dir_entry(&root, 1, &e));
	assert_string_equal(e.name, "etc");
	assert_true(namespace_dir_entry(&root, 2, &e));
	assert_string_equal(e.name, "empty");
	assert_int_equal(e.type, SIETCH_TYPE_FILE);
	assert_int_equal(e.size, 0);
	assert_false(namespace_dir_entry(&root, 3, &e));
	assert_false(namespace_dir_entry(&root, SIZE_MAX, &e));

	struct name_node *bin = lookup("/bin");
	assert_true(namespace_dir_entry(bin, 0, &e));
	assert_string_equal(e.name, "sh");
	assert_int_equal(e.size, 5);
	assert_true(namespace_dir_entry(bin, 1, &e));
	assert_string_equal(e.name, "ls");
	assert_int_equal(e.size, 6);
	assert_false(namespace_dir_entry(bin, 2, &e));
	assert_false(namespace_dir_entry(lookup("/etc/motd"), 0, &e)); /* a file has no entries */
}

struct test_device {
	struct object object;
	int released;
};

static void device_release(struct object *object) { container_of(object, struct test_device, object)->released++; }

static const struct object_ops device_ops = { .release = device_release };

static void test_devices(void **state)
{
	struct test_device console = { .released = 0 };
	object_init(&console.object, OBJECT_CONSOLE, &device_ops);

	/* before the boot image: /dev does not need it */
	assert_true(namespace_add_device("console", &console.object));
	assert_int_equal(console.object.refs, 2);
	build_basic(*state);

	struct name_node *node = lookup("/dev/console");
	assert_non_null(node);
	assert_ptr_equal(node->device, &console.object);
	assert_int_equal(node->rights, SIETCH_RIGHT_READ | SIETCH_RIGHT_WRITE | SIETCH_RIGHT_DUP);
	assert_false(name_node_is_file(node));
	assert_false(name_node_is_dir(node));
	const void *data;
	size_t size;
	assert_false(namespace_file_data(node, &data, &size));
	assert_int_equal(resolve("/dev/console/"), -SIETCH_ENOTDIR);
	assert_int_equal(resolve("/dev/console/x"), -SIETCH_ENOTDIR);

	assert_dir("/dev", 1);
	struct sietch_dirent e;
	assert_true(namespace_dir_entry(lookup("/dev"), 0, &e));
	assert_string_equal(e.name, "console");
	assert_int_equal(e.type, SIETCH_TYPE_CONSOLE);
	assert_int_equal(e.size, 0);

	/* names that are not one plain component, and duplicates */
	char name64[65];
	memset(name64, 'd', 64);
	name64[64] = '\0';
	const char *bad[] = { "", ".", "..", "a/../b", "/console", "console/", name64, "console", "console/x" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(namespace_add_device(bad[i], &console.object));
	assert_false(namespace_add_device(0, &console.object));
	assert_false(namespace_add_device("null", 0));
	assert_int_equal(console.object.refs, 2);

	name64[63] = '\0';
	assert_true(namespace_add_device(name64, &console.object));
	assert_true(namespace_add_device("tty1", &console.object));
	assert_dir("/dev", 3);
	assert_int_equal(console.object.refs, 4);

	/* one level of directory made on the way, as /dev/net/vnic0 needs */
	assert_true(namespace_add_device("net/vnic0", &console.object));
	assert_true(namespace_add_device("net/vnic1", &console.object));
	assert_false(namespace_add_device("net/vnic1", &console.object));
	assert_false(namespace_add_device("net", &console.object)); /* a directory already */
	assert_dir("/dev", 4);
	assert_dir("/dev/net", 2);
	assert_int_equal(console.object.refs, 6);

	name_tree_free(&root); /* what teardown does: the tree's references go */
	root.last_child = 0;
	root.child_count = 0;
	assert_int_equal(console.object.refs, 1);
	assert_int_equal(console.released, 0);
}

static void test_dev_not_a_dir(void **state)
{
	struct fixture *f = *state;
	archive_file(&f->archive, "dev", "a file where /dev would go");
	archive_end(&f->archive);
	namespace_init(f->archive.bytes, f->archive.len);
	struct object device;
	object_init(&device, OBJECT_CONSOLE, &object_ops_none);
	assert_false(namespace_add_device("console", &device));
	assert_int_equal(device.refs, 1);
}

/* /store/NAME: data-less entries a driver adds and removes. */
static void test_entries(void **state)
{
	build_basic(*state);
	assert_true(namespace_add_entry("store", "log"));
	assert_true(namespace_add_entry("store", "data"));
	assert_true(namespace_add_entry("store", "last"));
	assert_false(namespace_add_entry("store", "log")); /* taken */
	const char *bad[] = { "", ".", "..", "a/b" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(namespace_add_entry("store", bad[i]));
	assert_false(namespace_add_entry("store", 0));
	assert_false(namespace_add_entry("bin", "sh")); /* a name the boot image has */
	assert_dir("/store", 3);
	struct name_node *log = lookup("/store/log"), *last = lookup("/store/last");
	assert_non_null(log);
	assert_true(name_node_is_file(log));
	const void *data;
	size_t size;
	assert_true(namespace_file_data(log, &data, &size));
	assert_int_equal(size, 0);

	/* removal unlinks: the first, then the last (the list's tail moves back) */
	assert_true(namespace_remove_entry("store", "log"));
	assert_false(namespace_remove_entry("store", "log"));
	assert_null(lookup("/store/log"));
	assert_true(namespace_remove_entry("store", "last"));
	assert_dir("/store", 1);
	assert_true(namespace_add_entry("store", "log")); /* the name is free again, at the end */
	struct sietch_dirent e;
	assert_true(namespace_dir_entry(lookup("/store"), 1, &e));
	assert_string_equal(e.name, "log");
	assert_false(namespace_remove_entry("bin", "sh")); /* only data-less entries go */
	assert_non_null(lookup("/bin/sh"));
	/* unlinked nodes are never freed by the tree; the test frees its own */
	free(log);
	free(last);
}

static void test_conflicts_and_skips(void **state)
{
	struct fixture *f = *state;
	archive_file(&f->archive, "x", "file x");
	archive_file(&f->archive, "x/y", "under a file"); /* skipped */
	archive_add(&f->archive, "x/", TAR_TYPE_DIR, 0);   /* skipped */
	archive_add(&f->archive, "d/", TAR_TYPE_DIR, 0);
	archive_file(&f->archive, "d", "a file over a dir"); /* skipped */
	archive_file(&f->archive, "twice", "first");
	archive_file(&f->archive, "twice", "second"); /* a later member wins, as tar extracts */
	archive_add(&f->archive, "link", TAR_TYPE_SYMLINK, 0);
	archive_add(&f->archive, "hard", TAR_TYPE_HARDLINK, 0);
	archive_add(&f->archive, "fifo", TAR_TYPE_FIFO, 0);
	archive_file(&f->archive, "../evil", "escape");
	archive_file(&f->archive, "a/../b", "escape");
	archive_file(&f->archive, "c/..", "escape");
	archive_file(&f->archive, "e/.", "not a file name");
	archive_end(&f->archive);
	namespace_init(f->archive.bytes, f->archive.len);

	assert_int_equal(skipped_lines, 10);
	assert_file("/x", "file x");
	assert_dir("/d", 0);
	assert_file("/twice", "second");
	assert_int_equal(resolve("/link"), -SIETCH_ENOENT);
	assert_int_equal(resolve("/hard"), -SIETCH_ENOENT);
	assert_int_equal(resolve("/fifo"), -SIETCH_ENOENT);
	assert_int_equal(resolve("/evil"), -SIETCH_ENOENT);
	assert_int_equal(resolve("/a"), -SIETCH_ENOENT); /* nothing made before the ".." was seen */
	assert_int_equal(resolve("/b"), -SIETCH_ENOENT);
	assert_int_equal(resolve("/c"), -SIETCH_ENOENT);
	assert_dir("/", 4); /* x, d, twice, e */
	assert_dir("/e", 0);
}

static void test_bad_archives(void **state)
{
	struct fixture *f = *state;
	namespace_init(0, 0);
	assert_dir("/", 0);

	uint8_t garbage[3 * TAR_BLOCK];
	memset(garbage, 'G', sizeof(garbage));
	namespace_init(garbage, sizeof(garbage));
	assert_dir("/", 0);

	/* cut in the middle of a member's data: the members before it are kept */
	archive_file(&f->archive, "keep", "kept");
	size_t cut = f->archive.len + TAR_BLOCK + 10;
	char big[2000];
	memset(big, 'b', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	archive_file(&f->archive, "lost", big);
	namespace_init(f->archive.bytes, cut);
	assert_file("/keep", "kept");
	assert_int_equal(resolve("/lost"), -SIETCH_ENOENT);
	assert_dir("/", 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_basic_tree, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dot_slash_prefix_and_dir_members, setup, teardown),
		cmocka_unit_test_setup_teardown(test_intermediate_dirs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slashes_and_dots, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_paths, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dotdot_rejected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reads_only_len_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_data, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dir_entries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_devices, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dev_not_a_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_entries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_conflicts_and_skips, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_archives, setup, teardown),
	};
	return cmocka_run_group_tests(tests, 0, 0);
}
