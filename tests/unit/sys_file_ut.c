/*
 * Host tests for kernel/ctl/sys_file.c, with its real neighbours (handle.c,
 * namespace.c, file.c, lib/common/tar.c) and fakes for the process, user
 * memory and the console device.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/proc/proc.h"
#include "tests/unit/stubs/kernel_base.h"
#include "tests/unit/stubs/user_window.h"

static struct proc test_proc;
struct proc *proc_current(void) { return &test_proc; }

long copy_string_from_user(char *dst, size_t size, uint64_t user_src, size_t len)
{
	if (len >= size)
		return -SIETCH_ENAMETOOLONG;
	long err = copy_from_user(dst, user_src, len);
	if (!err)
		dst[len] = '\0';
	return err;
}

/* A console device: records what reaches it. */
static size_t console_reads, console_written;
static long console_read(struct object *object, uint64_t user_buf, size_t len)
{
	(void)object;
	(void)user_buf;
	console_reads++;
	return (long)(len < 3 ? len : 3);
}
static long console_write(struct object *object, uint64_t user_buf, size_t len)
{
	(void)object;
	(void)user_buf;
	console_written += len;
	return (long)len;
}
static const struct object_ops console_ops = { .read = console_read, .write = console_write, .seek_error = SIETCH_ESPIPE };
static struct object console = OBJECT_INIT(OBJECT_CONSOLE, &console_ops);

#include "lib/common/tar.c"
#include "kernel/object/handle.c"
#include "kernel/ctl/namespace.c"
#include "kernel/ctl/file.c"
#include "kernel/ctl/sys_file.c"
#include "tests/unit/stubs/boot_image.h"

/* ---- a boot image ---- */

static size_t archive_add(uint8_t *at, const char *name, char type, const char *data)
{
	size_t size = data ? strlen(data) : 0;
	memset(at, 0, TAR_BLOCK);
	ustar_header((struct tar_header *)at, name, type, size);
	size_t blocks = (size + TAR_BLOCK - 1) / TAR_BLOCK;
	memset(at + TAR_BLOCK, 0, blocks * TAR_BLOCK);
	memcpy(at + TAR_BLOCK, data ? data : "", size);
	return TAR_BLOCK * (1 + blocks);
}

#define MOTD "Welcome to Sietch.\nSecond line.\n" /* 32 bytes */
static uint8_t image[16 * TAR_BLOCK];

static int setup(void **state)
{
	(void)state;
	size_t at = 0;
	at += archive_add(image + at, "bin/", TAR_TYPE_DIR, 0);
	at += archive_add(image + at, "bin/sh", TAR_TYPE_FILE, "\177ELF shell");
	at += archive_add(image + at, "bin/ls", TAR_TYPE_FILE, "\177ELF ls");
	at += archive_add(image + at, "etc/motd", TAR_TYPE_FILE, MOTD);
	memset(image + at, 0, sizeof(image) - at);
	namespace_init(image, sizeof(image));
	assert_true(namespace_add_device("console", &console));
	handle_table_init(&test_proc.handles);
	console_reads = console_written = 0;
	memset(user_mem, 0, sizeof(user_mem));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	handle_table_close_all(&test_proc.handles);
	name_tree_free(&root);
	root.last_child = 0;
	root.child_count = 0;
	assert_int_equal(console.refs, 1);
	assert_int_equal(root.object.refs, 1);
	assert_int_equal(namespace_lock.locked, 0);
	return 0;
}

/* ---- system calls as a process makes them ---- */

static long call(long (*sys)(const struct syscall_args *), uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	struct syscall_args args = { { a0, a1, a2, a3, 0xbad0bad0, 0xbad0bad0 } };
	return sys(&args);
}

/* Puts the path in user memory (at the end, so a read past it faults) and opens it. */
static long open_path(const char *path, uint32_t rights)
{
	size_t len = strlen(path);
	memcpy(user_mem + sizeof(user_mem) - len, path, len);
	return call(sys_open, user(sizeof(user_mem) - len), len, rights, 0);
}

#define RO (SIETCH_RIGHT_READ | SIETCH_RIGHT_EXEC | SIETCH_RIGHT_DUP)

static void test_open(void **state)
{
	(void)state;
	long sh = open_path("/bin/sh", SIETCH_RIGHT_READ);
	assert_int_equal(sh, 0);
	assert_int_equal(open_path("/bin/sh", RO), 1);
	assert_int_equal(open_path("/bin", SIETCH_RIGHT_READ), 2);
	assert_int_equal(open_path("/", 0), 3);
	assert_int_equal(open_path("/dev/console", SIETCH_RIGHT_READ | SIETCH_RIGHT_WRITE), 4);
	assert_int_equal(console.refs, 3); /* the tree's and the handle's */

	struct open_file *file = 0;
	assert_int_equal(handle_get_as(&test_proc.handles, sh, OBJECT_FILE, SIETCH_RIGHT_READ, &file), 0);
	assert_ptr_equal(file->node, namespace_lookup("/bin/sh", 7));
	object_unref(&file->object);
}

/* A device that hands each opener an object of its own (as /dev/net/vnicN does), one at a time. */
static struct object grant;
static int grant_released, grants_out;
static void grant_release(struct object *object)
{
	(void)object;
	grant_released++;
	grants_out--;
}
static const struct object_ops grant_ops = { .release = grant_release };
static long exclusive_open(struct object *device, uint32_t *rights, struct object **out)
{
	(void)device;
	if (grants_out)
		return -SIETCH_EBUSY;
	object_init(&grant, OBJECT_MEMORY, &grant_ops);
	grants_out++;
	*rights &= ~SIETCH_RIGHT_DUP; /* narrowed by the device */
	*out = &grant;
	return 0;
}
static const struct object_ops exclusive_ops = { .open = exclusive_open };
static struct object exclusive = OBJECT_INIT(OBJECT_CONSOLE, &exclusive_ops);

static void test_open_hook(void **state)
{
	(void)state;
	assert_true(namespace_add_device("net/x0", &exclusive));
	long h = open_path("/dev/net/x0", SIETCH_RIGHT_READ | SIETCH_RIGHT_WRITE | SIETCH_RIGHT_DUP);
	assert_true(h >= 0);
	assert_int_equal(open_path("/dev/net/x0", SIETCH_RIGHT_READ), -SIETCH_EBUSY);
	struct object *got;
	uint32_t rights;
	assert_int_equal(handle_get(&test_proc.handles, h, 0, 0, &got, &rights), 0);
	assert_ptr_equal(got, &grant); /* the opener's own object, not the device */
	assert_int_equal(rights, SIETCH_RIGHT_READ | SIETCH_RIGHT_WRITE);
	object_unref(got);
	assert_int_equal(grant.refs, 1); /* the handle's only: open's reference went to it */
	assert_int_equal(call(sys_close, (uint64_t)h, 0, 0, 0), 0);
	assert_int_equal(grant_released, 1);
	assert_true(open_path("/dev/net/x0", SIETCH_RIGHT_READ) >= 0); /* free again */
	handle_table_close_all(&test_proc.handles);
	assert_int_equal(exclusive.refs, 2); /* the tree's: the device itself never reached a handle */
}

static void test_open_errors(void **state)
{
	(void)state;
	assert_int_equal(open_path("/bin/sh", SIETCH_RIGHT_WRITE), -SIETCH_EPERM);
	assert_int_equal(open_path("/bin/sh", SIETCH_RIGHT_READ | SIETCH_RIGHT_KILL), -SIETCH_EPERM);
	assert_int_equal(open_path("/bin", SIETCH_RIGHT_WRITE), -SIETCH_EPERM);
	assert_int_equal(open_path("/dev/console", SIETCH_RIGHT_EXEC), -SIETCH_EPERM);
	assert_int_equal(open_path("/bin/sh", 1u << 9), -SIETCH_EINVAL);
	assert_int_equal(call(sys_open, user(0), 7, (uint64_t)1 << 40, 0), -SIETCH_EINVAL);
	assert_int_equal(open_path("/bin/nope", SIETCH_RIGHT_READ), -SIETCH_ENOENT);
	assert_int_equal(open_path("bin/sh", SIETCH_RIGHT_READ), -SIETCH_EINVAL);
	assert_int_equal(open_path("/bin/../etc/motd", SIETCH_RIGHT_READ), -SIETCH_EINVAL);
	assert_int_equal(open_path("/bin/sh/", SIETCH_RIGHT_READ), -SIETCH_ENOTDIR);
	assert_int_equal(call(sys_open, user(0), 0, SIETCH_RIGHT_READ, 0), -SIETCH_ENOENT);

	/* bad pointers and lengths: nothing is read beyond what the caller owns */
	assert_int_equal(call(sys_open, 0, 7, SIETCH_RIGHT_READ, 0), -SIETCH_EFAULT);
	assert_int_equal(call(sys_open, 0xffff800000000000ull, 7, SIETCH_RIGHT_READ, 0), -SIETCH_EFAULT);
	assert_int_equal(call(sys_open, user(sizeof(user_mem) - 3), 7, SIETCH_RIGHT_READ, 0), -SIETCH_EFAULT);
	assert_int_equal(call(sys_open, user(0), PATH_BYTES, SIETCH_RIGHT_READ, 0), -SIETCH_ENAMETOOLONG);
	assert_int_equal(call(sys_open, user(0), UINT64_MAX, SIETCH_RIGHT_READ, 0), -SIETCH_ENAMETOOLONG);

	/* a full table: the new open file is released, not leaked (the sanitizer checks) */
	for (long i = 0; i < HANDLE_SLOTS; i++)
		assert_int_equal(open_path("/", 0), i);
	assert_int_equal(open_path("/bin/sh", SIETCH_RIGHT_READ), -SIETCH_EMFILE);
	assert_int_equal(open_path("/dev/console", SIETCH_RIGHT_READ), -SIETCH_EMFILE);
	assert_int_equal(console.refs, 2);
}

static void test_read_file(void **state)
{
	(void)state;
	long h = open_path("/etc/motd", SIETCH_RIGHT_READ);
	assert_int_equal(call(sys_read, h, user(0), 10, 0), 10);
	assert_int_equal(call(sys_read, h, user(10), 100, 0), 22);
	assert_memory_equal(user_mem, MOTD, 32);
	assert_int_equal(call(sys_read, h, user(0), 100, 0), 0); /* end of file */
	assert_int_equal(call(sys_read, h, user(0), 0, 0), 0);

	/* a huge length is clamped, not trusted: the copy is the file's size */
	assert_int_equal(call(sys_seek, h, 0, SIETCH_SEEK_SET, 0), 0);
	assert_int_equal(call(sys_read, h, user(0), sizeof(user_mem), 0), 32);
	assert_int_equal(call(sys_seek, h, 0, SIETCH_SEEK_SET, 0), 0);
	assert_int_equal(call(sys_read, h, user(0), UINT64_MAX, 0), 32);
	assert_int_equal(call(sys_read, h, USER_TOP - 16, UINT64_MAX, 0), -SIETCH_EFAULT); /* IO_MAX bytes do not fit */
}

static void test_read_bad_buffer_keeps_offset(void **state)
{
	(void)state;
	long h = open_path("/etc/motd", SIETCH_RIGHT_READ);
	assert_int_equal(call(sys_read, h, 0x1000, 5, 0), -SIETCH_EFAULT);
	assert_int_equal(call(sys_read, h, 0xffff800000000000ull, 5, 0), -SIETCH_EFAULT);
	assert_int_equal(call(sys_read, h, USER_TOP - 2, 5, 0), -SIETCH_EFAULT);
	assert_int_equal(call(sys_read, h, user(sizeof(user_mem) - 4), 5, 0), -SIETCH_EFAULT);
	assert_int_equal(call(sys_seek, h, 0, SIETCH_SEEK_CUR, 0), 0);
	assert_int_equal(call(sys_read, h, user(0), 7, 0), 7);
	assert_memory_equal(user_mem, "Welcome", 7);
}

static void test_dup_shares_offset(void **state)
{
	(void)state;
	long h = open_path("/etc/motd", RO);
	long d = call(sys_handle_dup, h, SIETCH_RIGHT_READ, 0, 0);
	assert_true(d >= 0);
	assert_int_equal(call(sys_read, h, user(0), 8, 0), 8);
	assert_int_equal(call(sys_read, d, user(0), 4, 0), 4);
	assert_memory_equal(user_mem, "to S", 4);
	/* a second open has its own */
	long other = open_path("/etc/motd", SIETCH_RIGHT_READ);
	assert_int_equal(call(sys_read, other, user(0), 4, 0), 4);
	assert_memory_equal(user_mem, "Welc", 4);

	/* narrowed: no DUP, no READ */
	assert_int_equal(call(sys_handle_dup, d, SIETCH_RIGHT_READ, 0, 0), -SIETCH_EPERM);
	long none = call(sys_handle_dup, h, SIETCH_RIGHT_DUP, 0, 0);
	assert_int_equal(call(sys_read, none, user(0), 4, 0), -SIETCH_EPERM);
	assert_int_equal(call(sys_handle_dup, h, SIETCH_RIGHT_WRITE, 0, 0), -SIETCH_EPERM);
	assert_int_equal(call(sys_handle_dup, h, (uint64_t)1 << 32 | SIETCH_RIGHT_READ, 0, 0), -SIETCH_EINVAL);
	assert_int_equal(call(sys_handle_dup, 999, 0, 0, 0), -SIETCH_EBADF);
}

static void test_wrong_handles(void **state)
{
	(void)state;
	long file = open_path("/bin/sh", RO);
	long dir = open_path("/bin", RO);
	long console_h = open_path("/dev/console", SIETCH_RIGHT_WRITE);
	struct object process = OBJECT_INIT(OBJECT_PROCESS, &object_ops_none);
	long proc_h = handle_install(&test_proc.handles, &process, SIETCH_RIGHTS_ALL);

	assert_int_equal(call(sys_write, file, user(0), 1, 0), -SIETCH_EPERM); /* files have no write right */
	assert_int_equal(call(sys_write, dir, user(0), 1, 0), -SIETCH_EISDIR);
	assert_int_equal(call(sys_read, dir, user(0), 1, 0), -SIETCH_EISDIR);
	assert_int_equal(call(sys_read, console_h, user(0), 1, 0), -SIETCH_EPERM);
	assert_int_equal(call(sys_read, proc_h, user(0), 1, 0), -SIETCH_EBADF);
	assert_int_equal(call(sys_write, proc_h, user(0), 1, 0), -SIETCH_EBADF);
	assert_int_equal(call(sys_seek, proc_h, 0, SIETCH_SEEK_SET, 0), -SIETCH_EBADF);
	assert_int_equal(call(sys_dir_read, file, 0, user(0), 1), -SIETCH_EBADF);
	assert_int_equal(call(sys_dir_read, console_h, 0, user(0), 1), -SIETCH_EBADF);
	const uint64_t bad[] = { 77, (uint64_t)-1, (uint64_t)1 << 63, (uint64_t)file + HANDLE_SLOTS };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(call(sys_read, bad[i], user(0), 1, 0), -SIETCH_EBADF);
		assert_int_equal(call(sys_write, bad[i], user(0), 1, 0), -SIETCH_EBADF);
		assert_int_equal(call(sys_seek, bad[i], 0, 0, 0), -SIETCH_EBADF);
		assert_int_equal(call(sys_stat, bad[i], user(0), 0, 0), -SIETCH_EBADF);
		assert_int_equal(call(sys_dir_read, bad[i], 0, user(0), 1), -SIETCH_EBADF);
		assert_int_equal(call(sys_close, bad[i], 0, 0, 0), -SIETCH_EBADF);
	}
	assert_int_equal(call(sys_close, proc_h, 0, 0, 0), 0);
	assert_int_equal(process.refs, 1);
	assert_int_equal(call(sys_close, file, 0, 0, 0), 0);
	assert_int_equal(call(sys_read, file, user(0), 1, 0), -SIETCH_EBADF);
	assert_int_equal(call(sys_close, file, 0, 0, 0), -SIETCH_EBADF);
}

static void test_console_io(void **state)
{
	(void)state;
	long h = open_path("/dev/console", SIETCH_RIGHT_READ | SIETCH_RIGHT_WRITE);
	assert_int_equal(call(sys_write, h, user(0), 100, 0), 100);
	assert_int_equal(console_written, 100);
	assert_int_equal(call(sys_write, h, user(0), (uint64_t)1 << 40, 0), 1 << 20); /* clamped to IO_MAX */
	assert_int_equal(call(sys_write, h, user(0), 0, 0), 0);
	assert_int_equal(call(sys_write, h, USER_TOP - 10, 100, 0), -SIETCH_EFAULT);
	assert_int_equal(call(sys_write, h, UINT64_MAX - 5, 100, 0), -SIETCH_EFAULT);
	assert_int_equal(call(sys_read, h, user(0), 100, 0), 3);
	assert_int_equal(console_reads, 1);
	assert_int_equal(call(sys_read, h, user(0), 0, 0), 0);
	assert_int_equal(console_reads, 1); /* a read of nothing does not wait for a line */
	assert_int_equal(call(sys_seek, h, 0, SIETCH_SEEK_SET, 0), -SIETCH_ESPIPE);
}

static void test_seek(void **state)
{
	(void)state;
	long h = open_path("/etc/motd", SIETCH_RIGHT_READ);
	assert_int_equal(call(sys_seek, h, 5, SIETCH_SEEK_SET, 0), 5);
	assert_int_equal(call(sys_seek, h, 3, SIETCH_SEEK_CUR, 0), 8);
	assert_int_equal(call(sys_seek, h, (uint64_t)-2, SIETCH_SEEK_CUR, 0), 6);
	assert_int_equal(call(sys_seek, h, (uint64_t)-6, SIETCH_SEEK_END, 0), 26);
	assert_int_equal(call(sys_read, h, user(0), 100, 0), 6);
	assert_memory_equal(user_mem, "line.\n", 6);
	assert_int_equal(call(sys_seek, h, 1000, SIETCH_SEEK_END, 0), 1032); /* past the end is allowed */
	assert_int_equal(call(sys_read, h, user(0), 100, 0), 0);

	assert_int_equal(call(sys_seek, h, (uint64_t)-1, SIETCH_SEEK_SET, 0), -SIETCH_EINVAL);
	assert_int_equal(call(sys_seek, h, (uint64_t)-33, SIETCH_SEEK_END, 0), -SIETCH_EINVAL);
	assert_int_equal(call(sys_seek, h, INT64_MAX, SIETCH_SEEK_CUR, 0), -SIETCH_EINVAL); /* overflow */
	assert_int_equal(call(sys_seek, h, INT64_MAX, SIETCH_SEEK_END, 0), -SIETCH_EINVAL);
	assert_int_equal(call(sys_seek, h, 0, 3, 0), -SIETCH_EINVAL);
	assert_int_equal(call(sys_seek, h, 0, (uint64_t)-1, 0), -SIETCH_EINVAL);
	assert_int_equal(call(sys_seek, h, 0, (uint64_t)1 << 32, 0), -SIETCH_EINVAL);
	assert_int_equal(call(sys_seek, h, 0, SIETCH_SEEK_CUR, 0), 1032); /* failures moved nothing */
	assert_int_equal(call(sys_seek, h, INT64_MAX, SIETCH_SEEK_SET, 0), INT64_MAX);
	assert_int_equal(call(sys_read, h, user(0), 100, 0), 0);

	long dir = open_path("/bin", SIETCH_RIGHT_READ);
	assert_int_equal(call(sys_seek, dir, 0, SIETCH_SEEK_SET, 0), -SIETCH_ESPIPE);
}

static void test_stat(void **state)
{
	(void)state;
	struct sietch_stat *st = (struct sietch_stat *)user_mem;
	long file = open_path("/etc/motd", SIETCH_RIGHT_READ | SIETCH_RIGHT_DUP);
	assert_int_equal(call(sys_stat, file, user(0), 0, 0), 0);
	assert_int_equal(st->type, SIETCH_TYPE_FILE);
	assert_int_equal(st->rights, SIETCH_RIGHT_READ | SIETCH_RIGHT_DUP);
	assert_int_equal(st->size, 32);

	long dir = open_path("/bin", 0);
	assert_int_equal(call(sys_stat, dir, user(0), 0, 0), 0);
	assert_int_equal(st->type, SIETCH_TYPE_DIR);
	assert_int_equal(st->rights, 0);
	assert_int_equal(st->size, 2);

	long con = open_path("/dev/console", SIETCH_RIGHT_WRITE);
	assert_int_equal(call(sys_stat, con, user(0), 0, 0), 0);
	assert_int_equal(st->type, SIETCH_TYPE_CONSOLE);
	assert_int_equal(st->size, 0);

	assert_int_equal(call(sys_stat, file, 0, 0, 0), -SIETCH_EFAULT);
	assert_int_equal(call(sys_stat, file, USER_TOP - 8, 0, 0), -SIETCH_EFAULT);
	assert_int_equal(call(sys_stat, file, user(sizeof(user_mem) - 8), 0, 0), -SIETCH_EFAULT);
}

static void test_dir_read(void **state)
{
	(void)state;
	struct sietch_dirent *e = (struct sietch_dirent *)user_mem;
	long rootdir = open_path("/", SIETCH_RIGHT_READ);
	assert_int_equal(call(sys_dir_read, rootdir, 0, user(0), 10), 3);
	assert_string_equal(e[0].name, "bin");
	assert_int_equal(e[0].type, SIETCH_TYPE_DIR);
	assert_int_equal(e[0].size, 2);
	assert_string_equal(e[1].name, "etc");
	assert_string_equal(e[2].name, "dev");
	assert_int_equal(call(sys_dir_read, rootdir, 1, user(0), 1), 1);
	assert_string_equal(e[0].name, "etc");
	assert_int_equal(call(sys_dir_read, rootdir, 3, user(0), 10), 0);
	assert_int_equal(call(sys_dir_read, rootdir, UINT64_MAX, user(0), 10), 0);
	assert_int_equal(call(sys_dir_read, rootdir, 0, user(0), 0), 0);

	long devdir = open_path("/dev", SIETCH_RIGHT_READ);
	assert_int_equal(call(sys_dir_read, devdir, 0, user(0), 10), 1);
	assert_string_equal(e[0].name, "console");
	assert_int_equal(e[0].type, SIETCH_TYPE_CONSOLE);

	/* a count far beyond the buffer: clamped, then the range is checked */
	assert_int_equal(call(sys_dir_read, rootdir, 0, user(0), UINT64_MAX), 3);
	assert_int_equal(call(sys_dir_read, rootdir, 0, USER_TOP - sizeof(*e), 2), -SIETCH_EFAULT);
	assert_int_equal(call(sys_dir_read, rootdir, 0, 0x1000, 2), -SIETCH_EFAULT);
	/* the buffer holds one entry: one, then the fault stops it */
	assert_int_equal(call(sys_dir_read, rootdir, 0, user(sizeof(user_mem) - sizeof(*e)), 3), 1);

	long noread = open_path("/", 0);
	assert_int_equal(call(sys_dir_read, noread, 0, user(0), 1), -SIETCH_EPERM);
}

/* ---- a new kind of object plugs into the generic calls through its operations alone ---- */

struct test_queue {
	uint64_t pending; /* bytes a read would return */
	struct object object;
	uint64_t last_len, released;
	int64_t position;
};

static struct test_queue *queue_of(struct object *object) { return container_of(object, struct test_queue, object); }

static long queue_read(struct object *object, uint64_t user_buf, size_t len)
{
	(void)user_buf;
	struct test_queue *q = queue_of(object);
	q->last_len = len;
	return (long)(len < q->pending ? len : q->pending);
}
static long queue_seek(struct object *object, int64_t offset, int whence)
{
	(void)whence;
	return queue_of(object)->position = offset;
}
static uint64_t queue_size(struct object *object) { return queue_of(object)->pending; }
static void queue_release(struct object *object) { queue_of(object)->released++; }

static const struct object_ops queue_ops = {
	.release = queue_release,
	.read = queue_read,
	.seek = queue_seek,
	.size = queue_size,
	.io_error = SIETCH_EIO, /* only for write: this queue is read-only */
};

static void test_new_object_type(void **state)
{
	(void)state;
	struct test_queue q = { .pending = 10 };
	object_init(&q.object, 40, &queue_ops);
	long h = handle_install(&test_proc.handles, &q.object, SIETCH_RIGHT_READ);
	object_unref(&q.object); /* the handle holds it now */

	assert_int_equal(call(sys_read, h, user(0), 100, 0), 10);
	assert_int_equal(q.last_len, 100);
	assert_int_equal(call(sys_read, h, user(0), (uint64_t)1 << 40, 0), 10);
	assert_int_equal(q.last_len, 1 << 20); /* the generic decode clamps to IO_MAX */
	assert_int_equal(call(sys_read, h, USER_TOP - 2, 5, 0), -SIETCH_EFAULT); /* and checks the buffer first */
	assert_int_equal(call(sys_write, h, user(0), 5, 0), -SIETCH_EIO); /* the type's own refusal */
	assert_int_equal(call(sys_seek, h, 7, SIETCH_SEEK_SET, 0), 7);
	assert_int_equal(call(sys_seek, h, 7, 9, 0), -SIETCH_EINVAL);
	struct sietch_stat *st = (struct sietch_stat *)user_mem;
	assert_int_equal(call(sys_stat, h, user(0), 0, 0), 0);
	assert_int_equal(st->type, 40);
	assert_int_equal(st->size, 10);
	assert_int_equal(st->rights, SIETCH_RIGHT_READ);

	assert_int_equal(call(sys_dir_read, h, 0, user(0), 1), -SIETCH_EBADF); /* typed calls still check the type */
	assert_int_equal(call(sys_close, h, 0, 0, 0), 0);
	assert_int_equal(q.released, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_hook, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_bad_buffer_keeps_offset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dup_shares_offset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_handles, setup, teardown),
		cmocka_unit_test_setup_teardown(test_console_io, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seek, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stat, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dir_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_new_object_type, setup, teardown),
	};
	return cmocka_run_group_tests(tests, 0, 0);
}
