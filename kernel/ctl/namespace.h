/*
 * The global name tree: /bin and every other file of the boot image
 * (initrd.tar), /dev/console, and whatever later drivers add (/dev/net,
 * /store). Nodes live for the life of the system; directories and files are
 * objects so handles can point at them.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include "kernel/object/object.h"

struct name_node;

void namespace_init(const void *initrd, size_t initrd_size);
/* Absolute path, `len` bytes (no NUL needed). NULL if absent. */
struct name_node *namespace_lookup(const char *path, size_t len);
bool namespace_file_data(const struct name_node *node, const void **data, size_t *size);
/* Adds a boot module (memory the kernel keeps for ever) as the read-only file /boot/NAME; false if
 * NAME is not a plain file name, is taken, or memory ran out. */
bool namespace_add_boot_file(const char *name, const void *data, size_t size);
/* Adds a device object under /dev ("console", or "net/vnic0" with the directories made on the way); the
 * tree keeps a reference. False if the name is taken or malformed, or out of memory. */
bool namespace_add_device(const char *name, struct object *device);
/*
 * A name with no data under a top-level directory (/store/NAME: the storage
 * areas, whose details a driver keeps), and its removal. Only such entries
 * can be removed; the node is unlinked but never freed.
 */
bool namespace_add_entry(const char *dir, const char *name);
bool namespace_remove_entry(const char *dir, const char *name);
