/*
 * A process's handle table: small integers naming objects, each with rights.
 * A handle value is slot + generation * HANDLE_SLOTS, so a closed handle is
 * not silently the next object put in its slot; a process can only name
 * entries of its own table, so handles cannot be forged, and rights can only
 * be narrowed (handle_dup), never widened.
 */
#pragma once

#include <stdint.h>
#include "kernel/arch/spinlock.h"
#include "kernel/object/object.h"
#include "lib/common/container_of.h"

#define HANDLE_SLOTS 256

struct handle_entry {
	struct object *object; /* NULL when free */
	uint32_t rights;
	uint32_t generation;
};

struct handle_table {
	struct spinlock lock;
	struct handle_entry slot[HANDLE_SLOTS];
};

void handle_table_init(struct handle_table *table);
/* Takes a new reference to object. Returns the handle, or -SIETCH_EMFILE. */
long handle_install(struct handle_table *table, struct object *object, uint32_t rights);
/* Installs at exactly this slot (0, 1, 2 for the console); -SIETCH_EBUSY if taken. */
long handle_install_at(struct handle_table *table, long handle, struct object *object, uint32_t rights);
/*
 * Looks up a handle of the given type (0 = any type) that has every right in
 * `rights`. On success stores a new reference in *out (the caller unrefs it)
 * and returns 0; -SIETCH_EBADF for no such handle or the wrong type,
 * -SIETCH_EPERM for missing rights.
 */
long handle_get(struct handle_table *table, long handle, uint32_t type, uint32_t rights, struct object **out,
		uint32_t *rights_out);
/* handle_get of one type (never 0): -SIETCH_EBADF for a handle to anything else. */
long handle_get_typed(struct handle_table *table, long handle, uint32_t type, uint32_t rights, struct object **out);
/*
 * The typed lookup: *out becomes the struct of `type` that the handle names
 * (its `struct object` member must be called `object`), holding a new
 * reference that the caller drops with object_unref(&(*out)->object).
 *
 *	struct endpoint *ep;
 *	long err = handle_get_as(table, h, OBJECT_ENDPOINT, SIETCH_RIGHT_CALL, &ep);
 */
#define handle_get_as(table, handle, type, rights, out)                                                      \
	({                                                                                                   \
		struct object *handle_object_;                                                               \
		long handle_err_ = handle_get_typed((table), (handle), (type), (rights), &handle_object_); \
		if (!handle_err_)                                                                            \
			*(out) = container_of(handle_object_, __typeof__(**(out)), object);                 \
		handle_err_;                                                                                 \
	})
long handle_close(struct handle_table *table, long handle);
long handle_dup(struct handle_table *table, long handle, uint32_t rights); /* needs SIETCH_RIGHT_DUP */
void handle_table_close_all(struct handle_table *table);
