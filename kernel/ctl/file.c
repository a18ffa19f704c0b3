/* Open files over the boot image's files (kernel/ctl/file.h). The data stays in the initrd; nothing is copied twice. */
#include "kernel/ctl/file.h"

#include "kernel/ctl/namespace_internal.h"
#include "kernel/mm/heap.h"
#include "kernel/mm/uaccess.h"
#include "lib/common/syscall.h"

static struct open_file *file_of(struct object *object) { return container_of(object, struct open_file, object); }

static void file_release(struct object *object) { kfree(file_of(object)); }

/*
 * POSIX (XSH 2.9.7) wants reads that share an offset to be atomic with each
 * other, so the range is claimed under the lock and copied after it: the copy
 * walks the process's page tables, and no file lock need be held for that.
 */
static long file_read(struct object *object, uint64_t user_buf, size_t len)
{
	struct open_file *file = file_of(object);
	size_t size = file->node->size;
	spin_lock(&file->lock);
	if ((uint64_t)file->offset >= size) {
		spin_unlock(&file->lock); /* at or past the end, where seek may have put it: it stays there */
		return 0;
	}
	size_t start = (size_t)file->offset;
	size_t count = len < size - start ? len : size - start;
	file->offset = (int64_t)(start + count);
	spin_unlock(&file->lock);
	long err = copy_to_user(user_buf, (const uint8_t *)file->node->data + start, count);
	if (err) {
		/* nothing was read: give the range back unless another read has moved on from it */
		spin_lock(&file->lock);
		if (file->offset == (int64_t)(start + count))
			file->offset = (int64_t)start;
		spin_unlock(&file->lock);
		return err;
	}
	return (long)count;
}

static long file_seek(struct object *object, int64_t offset, int whence)
{
	struct open_file *file = file_of(object);
	int64_t result;
	spin_lock(&file->lock);
	int64_t base = whence == SIETCH_SEEK_CUR ? file->offset : whence == SIETCH_SEEK_END ? (int64_t)file->node->size : 0;
	bool bad = (whence != SIETCH_SEEK_SET && whence != SIETCH_SEEK_CUR && whence != SIETCH_SEEK_END) ||
		   __builtin_add_overflow(base, offset, &result) || result < 0;
	if (!bad)
		file->offset = result;
	spin_unlock(&file->lock);
	return bad ? -SIETCH_EINVAL : result;
}

/* Unreachable while open grants no WRITE on a file: the operation is there so that write says EPERM, not EBADF. */
static long file_write(struct object *object, uint64_t user_buf, size_t len)
{
	(void)object, (void)user_buf, (void)len;
	return -SIETCH_EROFS;
}

static uint64_t file_size(struct object *object) { return file_of(object)->node->size; }

static const struct object_ops file_ops = {
	.release = file_release,
	.read = file_read,
	.write = file_write,
	.seek = file_seek,
	.size = file_size,
};

struct object *file_open(const struct name_node *node)
{
	struct open_file *file = kzalloc(sizeof(*file));
	if (!file)
		return 0;
	object_init(&file->object, OBJECT_FILE, &file_ops);
	file->lock = (struct spinlock)SPINLOCK_INIT("file");
	file->node = node;
	file->offset = 0;
	return &file->object;
}
