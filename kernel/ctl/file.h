/*
 * Open files: a file of the name tree and an offset. Every open makes a new
 * one; handles duplicated from it share it, and so share the offset, as
 * POSIX file descriptions are shared.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include "kernel/arch/spinlock.h"
#include "kernel/ctl/object.h"

struct name_node;

struct open_file {
	struct object object; /* OBJECT_FILE */
	struct spinlock lock; /* the offset */
	const struct name_node *node;
	int64_t offset; /* never negative; may be past the end */
};
_Static_assert(__builtin_offsetof(struct open_file, object) == 0, "handles hold &file->object");

/* A new open file of a file node (one reference, the caller's), or NULL if out of memory. */
struct object *file_open(const struct name_node *node);
/* For an object a handle of type OBJECT_FILE points at. */
static inline struct open_file *file_of(struct object *object) { return (struct open_file *)object; }

/* Copies up to len bytes at the offset to user memory and advances it; bytes read, or -SIETCH_EFAULT. */
long file_read(struct open_file *file, uint64_t user_buf, size_t len);
/* whence is SIETCH_SEEK_*; the new offset, or -SIETCH_EINVAL if it would be negative or overflow. */
long file_seek(struct open_file *file, int64_t offset, int whence);
uint64_t file_size(const struct open_file *file);
