/*
 * Shareable memory objects; the lifetime rules are in memory.h.
 *
 * An object's frames need not be contiguous, so it lists them in index frames
 * of FRAMES_PER_INDEX physical addresses each (a 1 GiB object needs 512), and
 * the object itself only keeps the short list of index frames.
 *
 * Mapping records sit in one list for the whole system: objects are mapped a
 * few times per process, at start-up, and the list is walked only on unmap and
 * exit.
 */
#include "kernel/ctl/memory.h"
#include <stdbool.h>
#include <stddef.h>
#include "kernel/arch/spinlock.h"
#include "kernel/object/handle.h"
#include "kernel/object/object.h"
#include "kernel/ctl/syscall.h"
#include "kernel/mm/frame.h"
#include "kernel/mm/heap.h"
#include "kernel/arch/layout.h"
#include "kernel/mm/vm.h"
#include "kernel/proc/hooks.h"
#include "kernel/proc/proc.h"
#include "lib/common/syscall.h"

#define MEMORY_MAX_SIZE (1ull << 30)
#define MEMORY_RIGHTS (SIETCH_RIGHT_READ | SIETCH_RIGHT_WRITE | SIETCH_RIGHT_DUP)
#define FRAMES_PER_INDEX (PAGE_SIZE / sizeof(uint64_t))
#define MEMORY_PLACE_TRIES 8 /* unplaced maps step over what MAP_FIXED put in the way, this many times */

struct memory_object {
	struct object object; /* OBJECT_MEMORY: held by handles and by mappings */
	struct proc *owner;   /* charged for the pages; a reference */
	uint64_t pages;       /* the size, in pages */
	uint64_t filled;      /* pages that have a frame (all of them, once created) */
	uint64_t index_count;
	uint64_t *index; /* physical addresses of the index frames, FRAME_NONE where not allocated */
};

struct memory_mapping {
	struct memory_mapping *next;
	struct addr_space *space;
	uint64_t va, size;
	struct memory_object *object; /* a reference */
};

static struct memory_mapping *mappings;
static struct spinlock mappings_lock = SPINLOCK_INIT("memory_mappings");

/* ---- Accounting ---- */

static bool memory_charge(struct proc *proc, uint64_t pages)
{
	spin_lock(&proc->lock);
	bool ok = proc->pages <= proc->page_limit && proc->page_limit - proc->pages >= pages;
	if (ok)
		proc->pages += pages;
	spin_unlock(&proc->lock);
	return ok;
}

static void memory_uncharge(struct proc *proc, uint64_t pages)
{
	spin_lock(&proc->lock);
	proc->pages -= pages < proc->pages ? pages : proc->pages; /* exit may have zeroed it already */
	spin_unlock(&proc->lock);
}

/* ---- Frames ---- */

static uint64_t *memory_frame_slot(const struct memory_object *mo, uint64_t page)
{
	uint64_t *list = phys_to_virt(mo->index[page / FRAMES_PER_INDEX]);
	return &list[page % FRAMES_PER_INDEX];
}

static bool memory_alloc_frames(struct memory_object *mo)
{
	mo->index_count = (mo->pages + FRAMES_PER_INDEX - 1) / FRAMES_PER_INDEX;
	mo->index = kmalloc(mo->index_count * sizeof(uint64_t));
	if (!mo->index)
		return false;
	for (uint64_t i = 0; i < mo->index_count; i++)
		mo->index[i] = FRAME_NONE;
	for (uint64_t i = 0; i < mo->index_count; i++)
		if ((mo->index[i] = frame_alloc()) == FRAME_NONE)
			return false;
	for (; mo->filled < mo->pages; mo->filled++) {
		uint64_t frame = frame_alloc(); /* zeroed: no other process's data shows through */
		if (frame == FRAME_NONE)
			return false;
		*memory_frame_slot(mo, mo->filled) = frame;
	}
	return true;
}

static void memory_free_frames(struct memory_object *mo)
{
	for (uint64_t page = 0; page < mo->filled; page++)
		frame_free(*memory_frame_slot(mo, page));
	for (uint64_t i = 0; mo->index && i < mo->index_count; i++)
		if (mo->index[i] != FRAME_NONE)
			frame_free(mo->index[i]);
	kfree(mo->index);
}

/* ---- The object ---- */

/* No handle and no mapping is left, so no page table points at a frame. */
static void memory_release(struct object *object)
{
	struct memory_object *mo = container_of(object, struct memory_object, object);
	memory_free_frames(mo);
	memory_uncharge(mo->owner, mo->pages);
	object_unref(&mo->owner->object);
	kfree(mo);
}

static const struct object_ops memory_ops = { .release = memory_release };

/* ---- Mapping ---- */

/* All of mo at va, or nothing. */
static int memory_map_pages(struct addr_space *space, struct memory_object *mo, uint64_t va, unsigned flags)
{
	for (uint64_t page = 0; page < mo->pages; page++) {
		int err = vm_map(space, va + page * PAGE_SIZE, *memory_frame_slot(mo, page), PAGE_SIZE, flags);
		if (err) {
			if (page)
				vm_unmap(space, va, page * PAGE_SIZE, false);
			return err;
		}
	}
	return 0;
}

/*
 * Takes the next `size` bytes at proc->mmap_next, and a guard page after them
 * as mem_map does; false if the user half has no room left there.
 */
static bool memory_place(struct proc *proc, uint64_t size, uint64_t *va)
{
	spin_lock(&proc->lock);
	uint64_t start = (proc->mmap_next + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	bool ok = start >= USER_BASE && start <= USER_TOP && USER_TOP - start >= size;
	if (ok) {
		proc->mmap_next = start + size + PAGE_SIZE;
		*va = start;
	}
	spin_unlock(&proc->lock);
	return ok;
}

static int memory_map_anywhere(struct proc *proc, struct memory_object *mo, unsigned flags, uint64_t *va)
{
	int err = -SIETCH_EEXIST;
	for (int tries = 0; err == -SIETCH_EEXIST && tries < MEMORY_PLACE_TRIES; tries++) {
		if (!memory_place(proc, mo->pages * PAGE_SIZE, va))
			return -SIETCH_ENOMEM;
		err = memory_map_pages(&proc->space, mo, *va, flags);
	}
	return err;
}

/* Maps mo at addr (0: anywhere) and records the mapping, which takes over the caller's reference to mo. */
static long memory_map_invoke(struct proc *proc, struct memory_object *mo, uint64_t addr, unsigned flags)
{
	struct memory_mapping *m = kzalloc(sizeof(*m));
	if (!m)
		return -SIETCH_ENOMEM;
	int err = addr ? memory_map_pages(&proc->space, mo, addr, flags) : memory_map_anywhere(proc, mo, flags, &addr);
	if (err) {
		kfree(m);
		return err;
	}
	/* Recorded only once mapped: a record always stands for pages that were there. */
	*m = (struct memory_mapping){ .space = &proc->space, .va = addr, .size = mo->pages * PAGE_SIZE, .object = mo };
	spin_lock(&mappings_lock);
	m->next = mappings;
	mappings = m;
	spin_unlock(&mappings_lock);
	return (long)addr;
}

/* ---- Mapping records ---- */

/* Unlinks the records of `space` that lie wholly inside [va, va + len), and returns them. */
static struct memory_mapping *memory_mappings_take(struct addr_space *space, uint64_t va, uint64_t len)
{
	struct memory_mapping *taken = NULL;
	spin_lock(&mappings_lock);
	for (struct memory_mapping **link = &mappings; *link;) {
		struct memory_mapping *m = *link;
		if (m->space == space && m->va >= va && m->va - va <= len && m->size <= len - (m->va - va)) {
			*link = m->next;
			m->next = taken;
			taken = m;
		} else {
			link = &m->next;
		}
	}
	spin_unlock(&mappings_lock);
	return taken;
}

static void memory_mappings_put_back(struct memory_mapping *list)
{
	spin_lock(&mappings_lock);
	while (list) {
		struct memory_mapping *m = list;
		list = m->next;
		m->next = mappings;
		mappings = m;
	}
	spin_unlock(&mappings_lock);
}

/* Whether anything at all is mapped in m's range: if so, it may still be m's pages. */
static bool memory_mapping_present(struct memory_mapping *m)
{
	bool present = false;
	spin_lock(&m->space->lock); /* vm_translate walks the tables unlocked */
	for (uint64_t off = 0; off < m->size && !present; off += PAGE_SIZE)
		present = vm_translate(m->space, m->va + off, NULL, NULL);
	spin_unlock(&m->space->lock);
	return present;
}

static void memory_mapping_free(struct memory_mapping *m)
{
	object_unref(&m->object->object);
	kfree(m);
}

void memory_space_destroyed(struct addr_space *space)
{
	struct memory_mapping *m = memory_mappings_take(space, 0, UINT64_MAX);
	while (m) {
		struct memory_mapping *next = m->next;
		memory_mapping_free(m);
		m = next;
	}
}

static void memory_process_exited(struct proc *p) { memory_space_destroyed(&p->space); }

static struct proc_exit_hook memory_exit_hook = { .exited = memory_process_exited };

void memory_init(void) { proc_exit_hook_add(&memory_exit_hook); }

void memory_space_unmapped(struct addr_space *space, uint64_t va, uint64_t len)
{
	struct memory_mapping *m = memory_mappings_take(space, va, len), *keep = NULL;
	while (m) {
		struct memory_mapping *next = m->next;
		if (memory_mapping_present(m)) {
			m->next = keep;
			keep = m;
		} else {
			memory_mapping_free(m);
		}
		m = next;
	}
	memory_mappings_put_back(keep);
}

/* ---- For other kernel users ---- */

long memory_get(long handle, uint32_t rights, struct memory_object **out)
{
	return handle_get_as(proc_handles(), handle, OBJECT_MEMORY, rights, out);
}

void memory_put(struct memory_object *mo) { object_unref(&mo->object); }

uint64_t memory_pages(const struct memory_object *mo) { return mo->pages; }

uint64_t memory_frame(const struct memory_object *mo, uint64_t page) { return *memory_frame_slot(mo, page); }

/* ---- System calls ---- */

long sys_memory_create(const struct syscall_args *args)
{
	uint64_t size = args->arg[0];
	if (size == 0 || size > MEMORY_MAX_SIZE)
		return -SIETCH_EINVAL;
	uint64_t pages = (size + PAGE_SIZE - 1) / PAGE_SIZE;
	struct proc *self = proc_current();
	if (!memory_charge(self, pages))
		return -SIETCH_ENOMEM;

	struct memory_object *mo = kzalloc(sizeof(*mo));
	if (!mo) {
		memory_uncharge(self, pages);
		return -SIETCH_ENOMEM;
	}
	object_init(&mo->object, OBJECT_MEMORY, &memory_ops);
	object_ref(&self->object);
	mo->owner = self;
	mo->pages = pages;
	long handle = -SIETCH_ENOMEM;
	if (memory_alloc_frames(mo))
		handle = handle_install(&self->handles, &mo->object, MEMORY_RIGHTS);
	object_unref(&mo->object); /* the handle's reference stays; on failure this undoes everything */
	return handle;
}

long sys_memory_map(const struct syscall_args *args)
{
	uint64_t addr = args->arg[1], prot = args->arg[2];
	/* Data only: no PROT_EXEC, and x86 has no write-only pages. */
	if (prot != SIETCH_PROT_READ && prot != (SIETCH_PROT_READ | SIETCH_PROT_WRITE))
		return -SIETCH_EINVAL;
	bool writable = prot & SIETCH_PROT_WRITE;
	struct memory_object *mo;
	uint32_t rights = SIETCH_RIGHT_READ | (writable ? SIETCH_RIGHT_WRITE : 0);
	long err = handle_get_as(proc_handles(), (long)args->arg[0], OBJECT_MEMORY, rights, &mo);
	if (err)
		return err;
	uint64_t size = mo->pages * PAGE_SIZE;
	if (addr && ((addr & (PAGE_SIZE - 1)) || addr < USER_BASE || addr > USER_TOP || USER_TOP - addr < size)) {
		object_unref(&mo->object);
		return -SIETCH_EINVAL;
	}

	long result = memory_map_invoke(proc_current(), mo, addr, VM_USER | VM_SHARED | (writable ? VM_WRITE : 0));
	if (result < 0)
		object_unref(&mo->object);
	return result;
}
