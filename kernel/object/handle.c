/*
 * Handle tables (kernel/object/handle.h). A handle value is slot + generation *
 * HANDLE_SLOTS; closing a slot bumps its generation, so the old value stops
 * naming anything. Object references are dropped outside the table lock:
 * a release function may take other locks.
 *
 * Only spinlock.h and object.h are needed, so host tests can include this file.
 */
#include "kernel/object/handle.h"

#include <stdbool.h>
#include "kernel/arch/spinlock.h"
#include "kernel/object/object.h"
#include "lib/common/syscall.h"

/*
 * Generations wrap before a handle value reaches 2^31: the C library keeps
 * handles in an int (POSIX file descriptors), so a value must fit one.
 */
#define HANDLE_GENERATIONS ((uint32_t)(0x80000000u / HANDLE_SLOTS))

_Static_assert((HANDLE_SLOTS & (HANDLE_SLOTS - 1)) == 0, "slot is the low bits of a handle");

static long handle_value(uint32_t slot, uint32_t generation) { return (long)generation * HANDLE_SLOTS + (long)slot; }

/* Splits a handle value; false for values no table can hold. */
static bool handle_decode(long handle, uint32_t *slot, uint32_t *generation)
{
	if (handle < 0 || handle / HANDLE_SLOTS >= HANDLE_GENERATIONS)
		return false;
	*slot = (uint32_t)(handle % HANDLE_SLOTS);
	*generation = (uint32_t)(handle / HANDLE_SLOTS);
	return true;
}

/* Lock held: the live entry a handle names, or NULL. */
static struct handle_entry *entry_find(struct handle_table *table, long handle)
{
	uint32_t slot, generation;
	if (!handle_decode(handle, &slot, &generation))
		return 0;
	struct handle_entry *entry = &table->slot[slot];
	if (!entry->object || entry->generation != generation)
		return 0;
	return entry;
}

/* Lock held: empties an entry and returns the reference it held. */
static struct object *entry_clear(struct handle_entry *entry)
{
	struct object *object = entry->object;
	entry->object = 0;
	entry->rights = 0;
	entry->generation = (entry->generation + 1) % HANDLE_GENERATIONS;
	return object;
}

/* Lock held: fills a free entry with a new reference; returns the handle value. */
static long entry_fill(struct handle_table *table, uint32_t slot, struct object *object, uint32_t rights)
{
	struct handle_entry *entry = &table->slot[slot];
	object_ref(object);
	entry->object = object;
	entry->rights = rights & SIETCH_RIGHTS_ALL;
	return handle_value(slot, entry->generation);
}

/* Lock held: the lowest free slot (as POSIX hands out descriptors), or -SIETCH_EMFILE. */
static long slot_find_free(struct handle_table *table)
{
	for (uint32_t slot = 0; slot < HANDLE_SLOTS; slot++) {
		if (!table->slot[slot].object)
			return slot;
	}
	return -SIETCH_EMFILE;
}

void handle_table_init(struct handle_table *table)
{
	table->lock = (struct spinlock)SPINLOCK_INIT("handles");
	for (uint32_t slot = 0; slot < HANDLE_SLOTS; slot++)
		table->slot[slot] = (struct handle_entry){ 0 };
}

long handle_install(struct handle_table *table, struct object *object, uint32_t rights)
{
	if (!object)
		return -SIETCH_EINVAL;
	spin_lock(&table->lock);
	long slot = slot_find_free(table);
	long handle = slot < 0 ? slot : entry_fill(table, (uint32_t)slot, object, rights);
	spin_unlock(&table->lock);
	return handle;
}

/* `handle` is a slot number; the value returned carries the slot's generation (0 in a new table). */
long handle_install_at(struct handle_table *table, long handle, struct object *object, uint32_t rights)
{
	if (!object)
		return -SIETCH_EINVAL;
	if (handle < 0 || handle >= HANDLE_SLOTS)
		return -SIETCH_EBADF;
	spin_lock(&table->lock);
	long result = -SIETCH_EBUSY;
	if (!table->slot[handle].object)
		result = entry_fill(table, (uint32_t)handle, object, rights);
	spin_unlock(&table->lock);
	return result;
}

long handle_get(struct handle_table *table, long handle, uint32_t type, uint32_t rights, struct object **out,
		uint32_t *rights_out)
{
	spin_lock(&table->lock);
	struct handle_entry *entry = entry_find(table, handle);
	long result = 0;
	if (!entry || (type && entry->object->type != type))
		result = -SIETCH_EBADF;
	else if ((entry->rights & rights) != rights)
		result = -SIETCH_EPERM;
	if (result == 0) {
		object_ref(entry->object);
		*out = entry->object;
		if (rights_out)
			*rights_out = entry->rights;
	}
	spin_unlock(&table->lock);
	return result;
}

long handle_get_typed(struct handle_table *table, long handle, uint32_t type, uint32_t rights, struct object **out)
{
	if (!type)
		return -SIETCH_EBADF; /* a typed lookup that would take anything is a mistake, not a wildcard */
	return handle_get(table, handle, type, rights, out, 0);
}

long handle_close(struct handle_table *table, long handle)
{
	spin_lock(&table->lock);
	struct handle_entry *entry = entry_find(table, handle);
	struct object *object = entry ? entry_clear(entry) : 0;
	spin_unlock(&table->lock);
	if (!object)
		return -SIETCH_EBADF;
	object_unref(object);
	return 0;
}

long handle_dup(struct handle_table *table, long handle, uint32_t rights)
{
	spin_lock(&table->lock);
	struct handle_entry *entry = entry_find(table, handle);
	long result = -SIETCH_EBADF;
	if (entry && (!(entry->rights & SIETCH_RIGHT_DUP) || (rights & ~entry->rights)))
		result = -SIETCH_EPERM; /* rights are only ever narrowed */
	else if (entry)
		result = slot_find_free(table);
	if (result >= 0)
		result = entry_fill(table, (uint32_t)result, entry->object, rights);
	spin_unlock(&table->lock);
	return result;
}

void handle_table_close_all(struct handle_table *table)
{
	for (uint32_t slot = 0; slot < HANDLE_SLOTS; slot++) {
		spin_lock(&table->lock);
		struct handle_entry *entry = &table->slot[slot];
		struct object *object = entry->object ? entry_clear(entry) : 0;
		spin_unlock(&table->lock);
		object_unref(object);
	}
}
