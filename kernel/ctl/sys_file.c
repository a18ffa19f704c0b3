/*
 * System calls on names, files, directories, the console and handles. Each
 * decodes every argument (a handle of the right type with the right rights, a
 * length within bounds, a pointer inside the user half) before it does
 * anything; invoking only moves bytes.
 */
#include "drivers/console/kernel/console.h"
#include "kernel/ctl/file.h"
#include "kernel/ctl/handle.h"
#include "kernel/ctl/namespace_internal.h"
#include "kernel/ctl/syscall.h"
#include "kernel/mm/uaccess.h"
#include "kernel/proc/proc.h"

#define PATH_BYTES 256          /* the longest path open takes, NUL included */
#define IO_MAX (1ul << 20)      /* bytes one read or write moves; more is a short count, as POSIX allows */
#define DIR_READ_MAX 64         /* entries one dir_read returns */

static struct handle_table *handles(void) { return &proc_current()->handles; }

/* ---- open ---- */

static long invoke_open(struct name_node *node, uint32_t rights)
{
	struct object *object;
	if (node->device) {
		object = node->device;
		object_ref(object);
	} else if (name_node_is_file(node)) {
		if (!(object = file_open(node)))
			return -SIETCH_ENOMEM;
	} else {
		object = &node->object;
		object_ref(object);
	}
	long handle = handle_install(handles(), object, rights);
	object_unref(object); /* the handle has its own reference; a new file nobody holds goes */
	return handle;
}

/* (const char *path, size_t path_len, unsigned rights) -> handle */
long sys_open(const struct syscall_args *args)
{
	uint64_t user_path = args->arg[0];
	size_t len = args->arg[1];
	uint64_t rights = args->arg[2];
	char path[PATH_BYTES];
	struct name_node *node;

	if (rights & ~(uint64_t)SIETCH_RIGHTS_ALL)
		return -SIETCH_EINVAL;
	if (len == 0)
		return -SIETCH_ENOENT;
	long err = copy_string_from_user(path, sizeof(path), user_path, len);
	if (!err)
		err = namespace_resolve(path, len, &node);
	if (err)
		return err;
	if (rights & ~node->rights)
		return -SIETCH_EPERM; /* e.g. WRITE on a file of the boot image */
	return invoke_open(node, (uint32_t)rights);
}

/* (handle) -> 0 */
long sys_close(const struct syscall_args *args) { return handle_close(handles(), (long)args->arg[0]); }

/* (handle, rights) -> new handle with rights narrowed */
long sys_handle_dup(const struct syscall_args *args)
{
	long handle = (long)args->arg[0];
	uint64_t rights = args->arg[1];
	if (rights & ~(uint64_t)SIETCH_RIGHTS_ALL)
		return -SIETCH_EINVAL;
	return handle_dup(handles(), handle, (uint32_t)rights);
}

/* ---- read and write ---- */

struct io_request {
	struct object *object; /* a reference the caller drops */
	uint64_t user_buf;
	size_t len;
};

/* Handle, type, right, then the buffer: a file or the console, with `right`, and len clamped to IO_MAX. */
static long decode_io(const struct syscall_args *args, uint32_t right, struct io_request *req)
{
	uint32_t rights;
	long err = handle_get(handles(), (long)args->arg[0], 0, 0, &req->object, &rights);
	if (err)
		return err;
	uint32_t type = req->object->type;
	req->user_buf = args->arg[1];
	req->len = args->arg[2] < IO_MAX ? args->arg[2] : IO_MAX;
	if (type != OBJECT_FILE && type != OBJECT_CONSOLE)
		err = type == OBJECT_DIR ? -SIETCH_EISDIR : -SIETCH_EBADF;
	else if (!(rights & right))
		err = -SIETCH_EPERM; /* files never have WRITE */
	else if (req->len && !user_range_ok(req->user_buf, req->len))
		err = -SIETCH_EFAULT;
	if (err)
		object_unref(req->object);
	return err;
}

/* (handle, void *buf, size_t len) -> bytes */
long sys_read(const struct syscall_args *args)
{
	struct io_request req;
	long result = decode_io(args, SIETCH_RIGHT_READ, &req);
	if (result)
		return result;
	if (req.len == 0)
		result = 0;
	else if (req.object->type == OBJECT_FILE)
		result = file_read(file_of(req.object), req.user_buf, req.len);
	else
		result = console_device_read(req.user_buf, req.len);
	object_unref(req.object);
	return result;
}

/* (handle, const void *buf, size_t len) -> bytes */
long sys_write(const struct syscall_args *args)
{
	struct io_request req;
	long result = decode_io(args, SIETCH_RIGHT_WRITE, &req);
	if (result)
		return result;
	if (req.len == 0)
		result = 0;
	else if (req.object->type == OBJECT_CONSOLE)
		result = console_device_write(req.user_buf, req.len);
	else
		result = -SIETCH_EPERM; /* a file with WRITE cannot be made; kept should that change */
	object_unref(req.object);
	return result;
}

/* ---- seek, stat, dir_read ---- */

/* (handle, int64_t offset, int whence) -> new offset */
long sys_seek(const struct syscall_args *args)
{
	int64_t offset = (int64_t)args->arg[1];
	uint64_t whence = args->arg[2];
	struct object *object;
	long err = handle_get(handles(), (long)args->arg[0], 0, 0, &object, 0);
	if (err)
		return err;
	if (object->type != OBJECT_FILE)
		err = object->type == OBJECT_CONSOLE || object->type == OBJECT_DIR ? -SIETCH_ESPIPE : -SIETCH_EBADF;
	else if (whence != SIETCH_SEEK_SET && whence != SIETCH_SEEK_CUR && whence != SIETCH_SEEK_END)
		err = -SIETCH_EINVAL;
	long result = err ? err : file_seek(file_of(object), offset, (int)whence);
	object_unref(object);
	return result;
}

/* Any handle: its type, its rights, and a size where it has one. */
static void invoke_stat(struct object *object, uint32_t rights, struct sietch_stat *st)
{
	st->type = object->type;
	st->rights = rights;
	if (object->type == OBJECT_FILE)
		st->size = file_size(file_of(object));
	else if (object->type == OBJECT_DIR)
		st->size = namespace_node_size(name_node_of(object));
	else
		st->size = 0;
}

/* (handle, struct sietch_stat *) -> 0 */
long sys_stat(const struct syscall_args *args)
{
	uint64_t user_stat = args->arg[1];
	struct sietch_stat st;
	struct object *object;
	uint32_t rights;
	long err = handle_get(handles(), (long)args->arg[0], 0, 0, &object, &rights);
	if (err)
		return err;
	if (!user_range_ok(user_stat, sizeof(st))) {
		object_unref(object);
		return -SIETCH_EFAULT;
	}
	invoke_stat(object, rights, &st);
	object_unref(object);
	return copy_to_user(user_stat, &st, sizeof(st));
}

/* One entry at a time through the stack: the name lock is never held across a user copy. */
static long invoke_dir_read(struct name_node *dir, size_t index, uint64_t user_buf, size_t count)
{
	struct sietch_dirent entry;
	size_t n = 0;
	for (; n < count && index + n >= index && namespace_dir_entry(dir, index + n, &entry); n++) {
		if (copy_to_user(user_buf + n * sizeof(entry), &entry, sizeof(entry)))
			return n ? (long)n : -SIETCH_EFAULT;
	}
	return (long)n;
}

/* (handle, size_t index, struct sietch_dirent *, size_t count) -> entries filled */
long sys_dir_read(const struct syscall_args *args)
{
	size_t index = args->arg[1];
	uint64_t user_buf = args->arg[2];
	size_t count = args->arg[3] < DIR_READ_MAX ? args->arg[3] : DIR_READ_MAX;
	struct object *object;
	long err = handle_get(handles(), (long)args->arg[0], OBJECT_DIR, SIETCH_RIGHT_READ, &object, 0);
	if (err)
		return err;
	if (count && !user_range_ok(user_buf, count * sizeof(struct sietch_dirent)))
		err = -SIETCH_EFAULT;
	long result = err ? err : invoke_dir_read(name_node_of(object), index, user_buf, count);
	object_unref(object);
	return result;
}
