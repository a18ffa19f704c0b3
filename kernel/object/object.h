/*
 * Everything the kernel names for a process (a file, a directory, the console,
 * a process, an IPC endpoint, a notification, a memory object; later a VNIC,
 * a storage area, a VM) is an object: a type, a reference count and a table
 * of operations. Handles (kernel/object/handle.h) point at objects.
 *
 * An object is a member `struct object object` of its type's own struct; a
 * typed handle lookup (handle_get_as in kernel/object/handle.h) checks the type
 * and gives back that struct through container_of. The generic calls on a
 * handle (read, write, seek, stat, close: kernel/ctl/sys_file.c) know no type:
 * they check the handle's rights and the user buffer, then call the
 * operation, so a new kind of object plugs in by filling its ops.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include "lib/common/container_of.h"
#include "lib/common/syscall.h"

enum object_type {
	OBJECT_FILE = SIETCH_TYPE_FILE,
	OBJECT_DIR = SIETCH_TYPE_DIR,
	OBJECT_CONSOLE = SIETCH_TYPE_CONSOLE,
	OBJECT_PROCESS = SIETCH_TYPE_PROCESS,
	OBJECT_ENDPOINT = SIETCH_TYPE_ENDPOINT,
	OBJECT_NOTIFY = SIETCH_TYPE_NOTIFY,
	OBJECT_MEMORY = SIETCH_TYPE_MEMORY,
	OBJECT_VNIC = SIETCH_TYPE_VNIC,
	OBJECT_VM = SIETCH_TYPE_VM,
	OBJECT_VCPU = SIETCH_TYPE_VCPU,
};

struct object;
struct dma_owner;
struct proc;

/*
 * What a type does. Every member may be NULL. The I/O operations run after
 * the generic decode: the handle has the right (READ for read, WRITE for
 * write), the buffer lies in the user half, 0 < len <= IO_MAX, and whence is
 * one of SIETCH_SEEK_*; they return bytes moved (or the new offset) or a
 * negated SIETCH_E* code. Kernel code other than the generic calls may call
 * them too (an interrupt handler must not: they may sleep).
 */
struct object_ops {
	/* The last reference went. NULL for objects that live for ever. */
	void (*release)(struct object *object);
	long (*read)(struct object *object, uint64_t user_buf, size_t len);
	long (*write)(struct object *object, uint64_t user_buf, size_t len);
	long (*seek)(struct object *object, int64_t offset, int whence);
	/* stat's size: bytes for a file, entries for a directory; NULL reports 0. */
	uint64_t (*size)(struct object *object);
	/*
	 * A positive SIETCH_E* code that read and write (io_error) or seek
	 * (seek_error) return when their operation is NULL, before any right is
	 * looked at; 0 means SIETCH_EBADF, "not that kind of object". POSIX has
	 * read of a directory fail with EISDIR and lseek of a terminal with
	 * ESPIPE, whatever the descriptor's mode.
	 */
	int io_error;
	int seek_error;
	/*
	 * A device grant (a VNIC, a storage area) that dma_alloc may allocate
	 * under: 0 and its DMA owner in *out if `caller` owns the grant, else a
	 * negated SIETCH_E* code. NULL: not a device, dma_alloc says EBADF.
	 */
	long (*dma_owner)(struct object *object, struct proc *caller, struct dma_owner **out);
	/*
	 * A device in the name tree that hands each opener an object of its own
	 * (a VNIC grant): 0 with *out holding one reference, rights possibly
	 * narrowed in *rights, or a negated SIETCH_E* code (EBUSY: taken).
	 * NULL: open hands out the device object itself.
	 */
	long (*open)(struct object *device, uint32_t *rights, struct object **out);
	/* counters_read of a handle (SIETCH_COUNTERS_VM, _VCPU): fills what the
	 * object counts of *out (zeroed before); a negated SIETCH_E* code. */
	long (*counters)(struct object *object, struct sietch_counters *out);
};

struct object {
	uint32_t type;
	uint32_t refs;
	const struct object_ops *ops; /* never NULL */
};

#define OBJECT_INIT(object_type, object_ops) { .type = (object_type), .refs = 1, .ops = (object_ops) }

static inline void object_init(struct object *object, uint32_t type, const struct object_ops *ops)
{
	*object = (struct object)OBJECT_INIT(type, ops);
}

static inline void object_ref(struct object *object) { __atomic_add_fetch(&object->refs, 1, __ATOMIC_ACQ_REL); }

static inline void object_unref(struct object *object)
{
	if (object && __atomic_sub_fetch(&object->refs, 1, __ATOMIC_ACQ_REL) == 0 && object->ops->release)
		object->ops->release(object);
}

/* For objects with no operations at all: a name node never put in a handle, a test's object. */
static const struct object_ops object_ops_none;
