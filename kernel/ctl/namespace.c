/*
 * The global name tree (kernel/ctl/namespace.h): the files of the boot image
 * (a ustar archive, read in place) and the devices under /dev. Nodes are
 * added, never removed, under one lock that also covers lookups.
 */
#include "kernel/ctl/namespace.h"

#include "kernel/arch/spinlock.h"
#include "kernel/console.h"
#include "kernel/ctl/namespace_internal.h"
#include "kernel/mm/heap.h"
#include "lib/common/string.h"
#include "lib/common/tar.h"

static uint64_t dir_size(struct object *object) { return namespace_node_size(name_node_of(object)); }

/* A directory handle is read with dir_read, not read; nodes are never freed. */
static const struct object_ops dir_ops = {
	.size = dir_size,
	.io_error = SIETCH_EISDIR,
	.seek_error = SIETCH_ESPIPE,
};

#define PATH_DEVICE_MAX 128 /* the longest name under /dev namespace_add_device takes */

static struct spinlock namespace_lock = SPINLOCK_INIT("namespace");
static struct name_node root = {
	.object = OBJECT_INIT(OBJECT_DIR, &dir_ops),
	.rights = NAME_RIGHTS_READ_ONLY,
};

/* One component of a path: name[0 .. len). */
struct component {
	const char *name;
	size_t len;
};

/* The next component at or after *pos, skipping repeated slashes; false at the end. */
static bool component_next(const char *path, size_t path_len, size_t *pos, struct component *out)
{
	size_t i = *pos;
	while (i < path_len && path[i] == '/')
		i++;
	if (i == path_len)
		return false;
	size_t start = i;
	while (i < path_len && path[i] != '/')
		i++;
	*out = (struct component){ path + start, i - start };
	*pos = i;
	return true;
}

static bool component_is(const struct component *c, const char *s)
{
	return c->len == strlen(s) && memcmp(c->name, s, c->len) == 0;
}

/* 0 if every component is a name a node may have ("." is allowed and means "here"). */
static long path_check(const char *path, size_t len)
{
	struct component c;
	if (memchr(path, '\0', len))
		return -SIETCH_EINVAL;
	for (size_t pos = 0; component_next(path, len, &pos, &c);) {
		if (component_is(&c, ".."))
			return -SIETCH_EINVAL; /* the tree has one root; ".." could only name what "/" already does */
		if (c.len >= SIETCH_NAME_MAX)
			return -SIETCH_ENAMETOOLONG;
	}
	return 0;
}

/* Lock held. */
static struct name_node *child_find(const struct name_node *dir, const struct component *c)
{
	for (struct name_node *child = dir->children; child; child = child->next) {
		if (component_is(c, child->name))
			return child;
	}
	return 0;
}

/* Lock held: a new node at the end of dir's children, or NULL if out of memory. */
static struct name_node *child_add(struct name_node *dir, const struct component *c, uint32_t type, uint32_t rights)
{
	struct name_node *node = kzalloc(sizeof(*node));
	if (!node)
		return 0;
	/* file and device nodes never reach a handle: open hands out an open file or the device */
	object_init(&node->object, type, type == OBJECT_DIR ? &dir_ops : &object_ops_none);
	memcpy(node->name, c->name, c->len); /* path_check bounded c->len; kzalloc supplied the NUL */
	node->rights = rights;
	node->parent = dir;
	if (dir->last_child)
		dir->last_child->next = node;
	else
		dir->children = node;
	dir->last_child = node;
	dir->child_count++;
	return node;
}

/* Lock held: the directory c names in dir, made if absent; NULL if c is something else or memory ran out. */
static struct name_node *dir_get(struct name_node *dir, const struct component *c)
{
	struct name_node *node = child_find(dir, c);
	if (!node)
		return child_add(dir, c, OBJECT_DIR, NAME_RIGHTS_READ_ONLY);
	return name_node_is_dir(node) ? node : 0;
}

/* Lock held: one archive member into the tree; false for one it cannot take (directories made on the way stay). */
static bool archive_member_add(const struct tar_entry *entry)
{
	size_t len = strnlen(entry->name, sizeof(entry->name));
	if (path_check(entry->name, len))
		return false;
	struct name_node *dir = &root;
	struct component c, next;
	size_t pos = 0;
	bool more = component_next(entry->name, len, &pos, &c);
	while (more) {
		more = component_next(entry->name, len, &pos, &next);
		bool last = !more;
		if (component_is(&c, ".") && (!last || entry->type == TAR_TYPE_DIR)) {
			/* a "./" prefix, or "a/./b": the same directory */
		} else if (component_is(&c, ".")) {
			return false; /* a file cannot be called "." */
		} else if (!last || entry->type == TAR_TYPE_DIR) {
			if (!(dir = dir_get(dir, &c)))
				return false;
		} else {
			struct name_node *file = child_find(dir, &c);
			if (!file)
				file = child_add(dir, &c, OBJECT_FILE, NAME_RIGHTS_READ_ONLY);
			if (!file || !name_node_is_file(file))
				return false;
			file->data = entry->data; /* a later member of the same name wins, as tar extracts */
			file->size = entry->size;
		}
		c = next;
	}
	return true;
}

void namespace_init(const void *initrd, size_t initrd_size)
{
	struct tar_entry entry;
	size_t offset = 0, members = 0, skipped = 0;
	spin_lock(&namespace_lock);
	while (initrd && tar_next(initrd, initrd_size, &offset, &entry)) {
		members++;
		bool wanted = entry.type == TAR_TYPE_FILE || entry.type == TAR_TYPE_DIR;
		if (!wanted || !archive_member_add(&entry)) {
			skipped++;
			kprintf("namespace: skipped '%s' (type %c) in the boot image\n", entry.name, entry.type);
		}
	}
	spin_unlock(&namespace_lock);
	kprintf("namespace: %zu entries from the boot image, %zu skipped\n", members, skipped);
}

long namespace_resolve(const char *path, size_t len, struct name_node **out)
{
	if (len == 0)
		return -SIETCH_ENOENT;
	if (path[0] != '/')
		return -SIETCH_EINVAL; /* the kernel has no working directory; the C library makes paths absolute */
	long err = path_check(path, len);
	if (err)
		return err;
	struct name_node *node = &root;
	struct component c;
	spin_lock(&namespace_lock);
	for (size_t pos = 0; !err && component_next(path, len, &pos, &c);) {
		if (!name_node_is_dir(node))
			err = -SIETCH_ENOTDIR; /* "." included: "/bin/sh/." names no directory */
		else if (component_is(&c, "."))
			continue;
		else if (!(node = child_find(node, &c)))
			err = -SIETCH_ENOENT;
	}
	spin_unlock(&namespace_lock);
	if (!err && path[len - 1] == '/' && !name_node_is_dir(node))
		err = -SIETCH_ENOTDIR; /* POSIX: a trailing slash names a directory */
	if (!err)
		*out = node;
	return err;
}

struct name_node *namespace_lookup(const char *path, size_t len)
{
	struct name_node *node;
	return namespace_resolve(path, len, &node) ? 0 : node;
}

bool namespace_file_data(const struct name_node *node, const void **data, size_t *size)
{
	if (!node || !name_node_is_file(node))
		return false;
	*data = node->data;
	*size = node->size;
	return true;
}

bool namespace_add_device(const char *name, struct object *device)
{
	static const struct component dev = { "dev", 3 };
	size_t len = name ? strnlen(name, PATH_DEVICE_MAX) : 0;
	if (!device || len == 0 || len >= PATH_DEVICE_MAX || path_check(name, len) || name[0] == '/' ||
	    name[len - 1] == '/')
		return false;
	spin_lock(&namespace_lock);
	struct name_node *dir = dir_get(&root, &dev), *node = 0;
	struct component c, next;
	size_t pos = 0;
	bool more = component_next(name, len, &pos, &c);
	/* every component but the last is a directory under /dev, made on the way ("net" of "net/vnic0") */
	while (dir && more && (more = component_next(name, len, &pos, &next))) {
		dir = component_is(&c, ".") ? dir : dir_get(dir, &c);
		c = next;
	}
	if (dir && !component_is(&c, ".") && !child_find(dir, &c))
		node = child_add(dir, &c, device->type, NAME_RIGHTS_DEVICE);
	if (node) {
		object_ref(device);
		node->device = device;
	}
	spin_unlock(&namespace_lock);
	return node != 0;
}

bool namespace_add_boot_file(const char *name, const void *data, size_t size)
{
	static const struct component boot = { "boot", 4 };
	struct component c = { name, name ? strnlen(name, SIETCH_NAME_MAX) : 0 };
	if (!data || c.len == 0 || c.len >= SIETCH_NAME_MAX || memchr(name, '/', c.len) || component_is(&c, ".") ||
	    component_is(&c, ".."))
		return false;
	spin_lock(&namespace_lock);
	struct name_node *dir = dir_get(&root, &boot);
	struct name_node *node = dir && !child_find(dir, &c) ? child_add(dir, &c, OBJECT_FILE, NAME_RIGHTS_READ_ONLY) : 0;
	if (node) {
		node->data = data;
		node->size = size;
	}
	spin_unlock(&namespace_lock);
	return node != 0;
}

bool namespace_dir_entry(const struct name_node *dir, size_t index, struct sietch_dirent *out)
{
	memset(out, 0, sizeof(*out));
	spin_lock(&namespace_lock);
	const struct name_node *child = dir->children;
	for (; child && index > 0; index--)
		child = child->next;
	if (child) {
		out->type = child->object.type;
		out->size = name_node_is_dir(child) ? child->child_count : child->size;
		memcpy(out->name, child->name, sizeof(out->name));
	}
	spin_unlock(&namespace_lock);
	return child != 0;
}

uint64_t namespace_node_size(const struct name_node *node)
{
	spin_lock(&namespace_lock);
	uint64_t size = name_node_is_dir(node) ? node->child_count : node->size;
	spin_unlock(&namespace_lock);
	return size;
}

/* Lock held: dir_name's node under the root, made if absent. */
static struct name_node *top_dir(const char *dir_name)
{
	struct component d = { dir_name, strnlen(dir_name, SIETCH_NAME_MAX) };
	return dir_get(&root, &d);
}

bool namespace_add_entry(const char *dir_name, const char *name)
{
	struct component c = { name, name ? strnlen(name, SIETCH_NAME_MAX) : 0 };
	if (c.len == 0 || c.len >= SIETCH_NAME_MAX || memchr(name, '/', c.len) || component_is(&c, ".") ||
	    component_is(&c, ".."))
		return false;
	spin_lock(&namespace_lock);
	struct name_node *dir = top_dir(dir_name);
	struct name_node *node = dir && !child_find(dir, &c) ? child_add(dir, &c, OBJECT_FILE, NAME_RIGHTS_READ_ONLY) : 0;
	spin_unlock(&namespace_lock);
	return node != 0;
}

bool namespace_remove_entry(const char *dir_name, const char *name)
{
	struct component c = { name, name ? strnlen(name, SIETCH_NAME_MAX) : 0 };
	bool removed = false;
	spin_lock(&namespace_lock);
	struct name_node *dir = top_dir(dir_name);
	struct name_node *prev = 0;
	for (struct name_node *node = dir ? dir->children : 0; node; prev = node, node = node->next) {
		if (!component_is(&c, node->name) || !name_node_is_file(node) || node->data)
			continue;
		/* Unlinked, never freed: a lookup that raced with this may still hold the node (nodes
		 * live for ever, see namespace_internal.h); it names an empty file. */
		if (prev)
			prev->next = node->next;
		else
			dir->children = node->next;
		if (dir->last_child == node)
			dir->last_child = prev;
		dir->child_count--;
		removed = true;
		break;
	}
	spin_unlock(&namespace_lock);
	return removed;
}
