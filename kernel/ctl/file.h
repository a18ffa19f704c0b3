/*
 * Open files: a file of the name tree and an offset. Every open makes a new
 * one; handles duplicated from it share it, and so share the offset, as
 * POSIX file descriptions are shared.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include "kernel/arch/spinlock.h"
#include "kernel/object/object.h"

struct name_node;

struct open_file {
	struct object object; /* OBJECT_FILE: read, seek, size */
	struct spinlock lock; /* the offset */
	const struct name_node *node;
	int64_t offset; /* never negative; may be past the end */
};

/* A new open file of a file node (one reference, the caller's), or NULL if out of memory. */
struct object *file_open(const struct name_node *node);
/*
 * The operations (kernel/object/object.h): read copies up to len bytes at the
 * offset to user memory and advances it (bytes read, or -SIETCH_EFAULT);
 * seek returns the new offset, or -SIETCH_EINVAL if it would be negative or
 * overflow; write fails with -SIETCH_EROFS (the boot image is read-only, and
 * open never grants WRITE on a file).
 */
