/*
 * A fake handle table for host unit tests of the kernel objects that only
 * look handles up and install them (endpoint.c, notify.c, memory.c): slot
 * numbers are the handles, with no generations, so a test can reach
 * table->slot[h] directly. The real one is tested in handle_ut.c.
 *
 * This header defines functions, not just declares them: each test binary is
 * one translation unit (tests/unit/<name>_ut.c), which includes it once.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kernel/object/handle.h"
#include "kernel/object/object.h"
#include "lib/common/syscall.h"

long handle_get(struct handle_table *table, long handle, uint32_t type, uint32_t rights, struct object **out,
		uint32_t *rights_out)
{
	if (handle < 0 || handle >= HANDLE_SLOTS || !table->slot[handle].object)
		return -SIETCH_EBADF;
	struct handle_entry *e = &table->slot[handle];
	if (type && e->object->type != type)
		return -SIETCH_EBADF;
	if ((e->rights & rights) != rights)
		return -SIETCH_EPERM;
	object_ref(e->object);
	*out = e->object;
	if (rights_out)
		*rights_out = e->rights;
	return 0;
}

long handle_get_typed(struct handle_table *table, long handle, uint32_t type, uint32_t rights, struct object **out)
{
	uint32_t held;
	return type ? handle_get(table, handle, type, rights, out, &held) : -SIETCH_EBADF;
}

long handle_install(struct handle_table *table, struct object *object, uint32_t rights)
{
	for (long h = 0; h < HANDLE_SLOTS; h++)
		if (!table->slot[h].object) {
			object_ref(object);
			table->slot[h] = (struct handle_entry){ object, rights, 0 };
			return h;
		}
	return -SIETCH_EMFILE;
}

/* The slot is emptied before the reference goes, as handle_close does. */
static inline void fake_handle_close(struct handle_table *table, long h)
{
	struct object *object = table->slot[h].object;
	table->slot[h].object = NULL;
	object_unref(object);
}

static inline void fake_handle_close_all(struct handle_table *table)
{
	for (long h = 0; h < HANDLE_SLOTS; h++)
		if (table->slot[h].object)
			fake_handle_close(table, h);
}
