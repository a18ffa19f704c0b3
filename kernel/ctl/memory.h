/*
 * Shareable memory objects (OBJECT_MEMORY): pages allocated once, zeroed,
 * charged to the process that created them, and mapped whole into any
 * process holding a handle, for bulk data next to IPC messages.
 *
 * The pages belong to the object, not to the address spaces they are mapped
 * into: their page-table entries carry VM_SHARED, and neither vm_unmap nor
 * vm_space_destroy frees such a frame. An object holds its pages until no
 * handle and no mapping refers to it. Each mapping holds a reference, kept in
 * a record here and dropped only when the mapping is provably gone:
 */
#pragma once

#include <stdint.h>
#include "kernel/mm/vm.h"

/*
 * After vm_space_destroy(space): drops the reference of every mapping that
 * was in it. Required in process teardown, while the caller still holds a
 * reference to the process (dropping a mapping can free the object, and with
 * it the object's reference to its creator, which may be this process).
 */
void memory_space_destroyed(struct addr_space *space);
/* Once at boot, before the first spawn: every process teardown calls the above (a proc exit hook). */
void memory_init(void);

/*
 * After vm_unmap(space, va, len) has returned: drops the reference of every
 * mapping inside [va, va + len) none of whose pages is still mapped. Optional:
 * without it, an object unmapped by hand stays alive until its mapper exits.
 */
void memory_space_unmapped(struct addr_space *space, uint64_t va, uint64_t len);

/*
 * For kernel users of memory objects other than mappings (a VM's
 * guest-physical map): the object behind a handle, with a new reference
 * (memory_put drops it); its size in pages; the frame of one page.
 */
struct memory_object;
long memory_get(long handle, uint32_t rights, struct memory_object **out);
void memory_put(struct memory_object *mo);
uint64_t memory_pages(const struct memory_object *mo);
uint64_t memory_frame(const struct memory_object *mo, uint64_t page);
