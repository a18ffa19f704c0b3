/* Between the parts of kernel/ctl that serve names (namespace.c, file.c, sys_file.c) only. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kernel/ctl/namespace.h"
#include "kernel/object/object.h"
#include "lib/common/syscall.h"

/* The most open may grant: files and directories of the boot image are read-only. */
#define NAME_RIGHTS_READ_ONLY (SIETCH_RIGHT_READ | SIETCH_RIGHT_EXEC | SIETCH_RIGHT_DUP)
#define NAME_RIGHTS_DEVICE (SIETCH_RIGHT_READ | SIETCH_RIGHT_WRITE | SIETCH_RIGHT_DUP)

/*
 * A name in the tree. Directory nodes are what directory handles point at;
 * file nodes are never put in a handle (an open file, kernel/ctl/file.h,
 * wraps one so each open has its own offset); a device node hands out its
 * device object. Nodes are never freed, so their object's release is NULL.
 * Everything but a directory's list of children is fixed once the node is
 * linked in; the list only grows, under the namespace lock.
 */
struct name_node {
	struct object object;        /* OBJECT_DIR, OBJECT_FILE, or the device's type */
	char name[SIETCH_NAME_MAX];  /* NUL-terminated; empty for the root */
	uint32_t rights;             /* the most open may grant */
	struct name_node *parent;    /* NULL for the root */
	struct name_node *next;      /* the parent's next child */
	struct name_node *children, *last_child; /* in the order added */
	size_t child_count;
	const void *data; /* files: `size` bytes inside the initrd, which stays mapped */
	size_t size;
	struct object *device; /* devices: what open hands out; the tree holds a reference */
};

static inline bool name_node_is_dir(const struct name_node *node)
{
	return node->object.type == OBJECT_DIR && !node->device;
}
static inline bool name_node_is_file(const struct name_node *node)
{
	return node->object.type == OBJECT_FILE && !node->device;
}

/* For an object a handle of type OBJECT_DIR points at. */
static inline struct name_node *name_node_of(struct object *object)
{
	return container_of(object, struct name_node, object);
}

/*
 * As namespace_lookup, with the reason on failure: -SIETCH_EINVAL for a
 * relative path, a ".." component or a NUL byte; -SIETCH_ENAMETOOLONG for a
 * component of SIETCH_NAME_MAX bytes or more; -SIETCH_ENOTDIR when a file is
 * used as a directory; -SIETCH_ENOENT when a name is absent.
 */
long namespace_resolve(const char *path, size_t len, struct name_node **out);
/* Entry `index` of a directory, zero-padded for copying out; false past the end. */
bool namespace_dir_entry(const struct name_node *dir, size_t index, struct sietch_dirent *out);
/* Bytes for a file, entries for a directory, 0 for a device. */
uint64_t namespace_node_size(const struct name_node *node);
