/*
 * Everything the kernel names for a process (a file, a directory, the console,
 * a process, an IPC endpoint, a notification, a memory object) is an object:
 * a type and a reference count. Handles (kernel/ctl/handle.h) point at objects.
 */
#pragma once

#include <stdint.h>
#include "lib/common/syscall.h"

enum object_type {
	OBJECT_FILE = SIETCH_TYPE_FILE,
	OBJECT_DIR = SIETCH_TYPE_DIR,
	OBJECT_CONSOLE = SIETCH_TYPE_CONSOLE,
	OBJECT_PROCESS = SIETCH_TYPE_PROCESS,
	OBJECT_ENDPOINT = SIETCH_TYPE_ENDPOINT,
	OBJECT_NOTIFY = SIETCH_TYPE_NOTIFY,
	OBJECT_MEMORY = SIETCH_TYPE_MEMORY,
};

struct object {
	uint32_t type;
	uint32_t refs;
	void (*release)(struct object *object); /* called once, when the last reference goes */
};

static inline void object_init(struct object *object, uint32_t type, void (*release)(struct object *))
{
	object->type = type;
	object->refs = 1;
	object->release = release;
}

static inline void object_ref(struct object *object) { __atomic_add_fetch(&object->refs, 1, __ATOMIC_ACQ_REL); }

static inline void object_unref(struct object *object)
{
	if (object && __atomic_sub_fetch(&object->refs, 1, __ATOMIC_ACQ_REL) == 0 && object->release)
		object->release(object);
}
