/*
 * System calls on names and handles, and the generic calls on any object
 * (read, write, seek, stat), which dispatch through the object's operations
 * (kernel/object/object.h) and know no type. Each decodes every argument (a
 * handle with the right rights, a length within bounds, a pointer inside the
 * user half) before it does anything; invoking only moves bytes.
 */
#include "kernel/ctl/file.h"
#include "kernel/object/handle.h"
#include "kernel/ctl/namespace_internal.h"
#include "kernel/ctl/syscall.h"
#include "kernel/mm/uaccess.h"
#include "kernel/proc/proc.h"

#define PATH_BYTES 256          /* the longest path open takes, NUL included */
#define IO_MAX (1ul << 20)      /* bytes one read or write moves; more is a short count, as POSIX allows */
#define DIR_READ_MAX 64         /* entries one dir_read returns */

/* ---- open ---- */

static long invoke_open(struct name_node *node, uint32_t rights)
{
	struct object *object;
	if (node->device && node->device->ops->open) {
		long err = node->device->ops->open(node->device, &rights, &object);
		if (err)
			return err;
	} else if (node->device) {
		object = node->device;
		object_ref(object);
	} else if (name_node_is_file(node)) {
		if (!(object = file_open(node)))
			return -SIETCH_ENOMEM;
	} else {
		object = &node->object;
		object_ref(object);
	}
	long handle = handle_install(proc_handles(), object, rights);
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
long sys_close(const struct syscall_args *args) { return handle_close(proc_handles(), (long)args->arg[0]); }

/* (handle, rights) -> new handle with rights narrowed */
long sys_handle_dup(const struct syscall_args *args)
{
	long handle = (long)args->arg[0];
	uint64_t rights = args->arg[1];
	if (rights & ~(uint64_t)SIETCH_RIGHTS_ALL)
		return -SIETCH_EINVAL;
	return handle_dup(proc_handles(), handle, (uint32_t)rights);
}

/* ---- read, write, seek, stat: any object, through its operations ---- */

typedef long (*io_op)(struct object *object, uint64_t user_buf, size_t len);

/* A positive SIETCH_E* code an object gives for an operation it lacks, or EBADF: not that kind of object. */
static long op_missing(int error) { return -(long)(error ? error : SIETCH_EBADF); }

/*
 * Handle, operation, right, then the buffer, in that order: the object must
 * have the operation (read of a directory is EISDIR even without READ), the
 * handle the right, and the buffer, len clamped to IO_MAX, must lie in the
 * user half. Then the operation moves the bytes.
 */
static long io_call(uint64_t handle, uint32_t right, uint64_t user_buf, uint64_t len)
{
	struct object *object;
	uint32_t rights;
	long result = handle_get(proc_handles(), (long)handle, 0, 0, &object, &rights);
	if (result)
		return result;
	size_t count = len < IO_MAX ? len : IO_MAX;
	io_op op = right == SIETCH_RIGHT_READ ? object->ops->read : object->ops->write;
	if (!op)
		result = op_missing(object->ops->io_error);
	else if (!(rights & right))
		result = -SIETCH_EPERM;
	else if (count && !user_range_ok(user_buf, count))
		result = -SIETCH_EFAULT;
	else if (count)
		result = op(object, user_buf, count);
	object_unref(object);
	return result;
}

/* (handle, void *buf, size_t len) -> bytes */
long sys_read(const struct syscall_args *args)
{
	return io_call(args->arg[0], SIETCH_RIGHT_READ, args->arg[1], args->arg[2]);
}

/* (handle, const void *buf, size_t len) -> bytes */
long sys_write(const struct syscall_args *args)
{
	return io_call(args->arg[0], SIETCH_RIGHT_WRITE, args->arg[1], args->arg[2]);
}

/* (handle, int64_t offset, int whence) -> new offset */
long sys_seek(const struct syscall_args *args)
{
	int64_t offset = (int64_t)args->arg[1];
	uint64_t whence = args->arg[2];
	struct object *object;
	long result = handle_get(proc_handles(), (long)args->arg[0], 0, 0, &object, 0);
	if (result)
		return result;
	if (!object->ops->seek)
		result = op_missing(object->ops->seek_error);
	else if (whence != SIETCH_SEEK_SET && whence != SIETCH_SEEK_CUR && whence != SIETCH_SEEK_END)
		result = -SIETCH_EINVAL;
	else
		result = object->ops->seek(object, offset, (int)whence);
	object_unref(object);
	return result;
}

/* Any handle: its type, its rights, and a size where it has one. */
static void invoke_stat(struct object *object, uint32_t rights, struct sietch_stat *st)
{
	st->type = object->type;
	st->rights = rights;
	st->size = object->ops->size ? object->ops->size(object) : 0;
}

/* (handle, struct sietch_stat *) -> 0 */
long sys_stat(const struct syscall_args *args)
{
	uint64_t user_stat = args->arg[1];
	struct sietch_stat st;
	struct object *object;
	uint32_t rights;
	long err = handle_get(proc_handles(), (long)args->arg[0], 0, 0, &object, &rights);
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

/* ---- dir_read ---- */

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
	struct name_node *dir;
	long err = handle_get_as(proc_handles(), (long)args->arg[0], OBJECT_DIR, SIETCH_RIGHT_READ, &dir);
	if (err)
		return err;
	if (count && !user_range_ok(user_buf, count * sizeof(struct sietch_dirent)))
		err = -SIETCH_EFAULT;
	long result = err ? err : invoke_dir_read(dir, index, user_buf, count);
	object_unref(&dir->object);
	return result;
}
