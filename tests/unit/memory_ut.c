/*
 * Host tests for kernel/ctl/memory.c: creation and charging, mapping rules,
 * and above all the lifetime rule, that no frame is freed while a page table
 * may still point at it. Frames come from the host heap, at "physical"
 * addresses that phys_to_virt turns back into the host pointers; page tables
 * are a list of mapped pages.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/mm/vm.h"
#ifndef VM_SHARED
#define VM_SHARED (1u << 5) /* what memory.c needs from vm.h; see memory.h */
#endif
#include "kernel/ctl/memory.c"

static struct proc self;

struct proc *proc_current(void) { return &self; }
/* proc's exit hook that memory_init adds: teardown runs it as a process exit would. */
static struct proc_exit_hook *exit_hook;
void proc_exit_hook_add(struct proc_exit_hook *hook) { exit_hook = hook; }

#include "tests/unit/stubs/kernel_base.h"
#include "tests/unit/stubs/handles.h"

/* ---- Frames ---- */

static int live_frames, frames_before_failure = -1;

uint64_t frame_alloc(void)
{
	if (frames_before_failure == 0)
		return FRAME_NONE;
	if (frames_before_failure > 0)
		frames_before_failure--;
	void *p = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
	memset(p, 0, PAGE_SIZE);
	live_frames++;
	return (uint64_t)(uintptr_t)p - DIRECT_MAP_BASE;
}

void frame_free(uint64_t phys)
{
	live_frames--;
	free(phys_to_virt(phys)); /* a double free is the sanitizer's to report */
}

/* ---- Page tables: a list of mapped 4 KiB pages ---- */

#include "tests/unit/stubs/page_list.h"

int vm_map(struct addr_space *as, uint64_t va, uint64_t pa, uint64_t size, unsigned flags)
{
	assert_int_equal(size, PAGE_SIZE);
	assert_int_equal(as->lock.locked, 0);
	if (find_pte(as, va))
		return -SIETCH_EEXIST;
	add_pte(as, va, pa, flags);
	return 0;
}

int vm_unmap(struct addr_space *as, uint64_t va, uint64_t size, bool free_frames)
{
	assert_false(free_frames); /* the object's frames are never the address space's to free */
	for (int i = 0; i < pte_count;)
		if (ptes[i].space == as && ptes[i].va >= va && ptes[i].va < va + size)
			ptes[i] = ptes[--pte_count];
		else
			i++;
	return 0;
}

bool vm_translate(struct addr_space *as, uint64_t va, uint64_t *pa, uint64_t *pte)
{
	assert_int_equal(as->lock.locked, 1); /* the tables may only be walked under the lock */
	struct fake_pte *p = find_pte(as, va);
	if (p && pa)
		*pa = p->pa;
	if (p && pte)
		*pte = 0;
	return p != NULL;
}

/* ---- Shorthands ---- */

#define MMAP_START 0x10000000ull

static long create(uint64_t size)
{
	struct syscall_args args = { { size, 0, 0, 0, 0, 0 } };
	return sys_memory_create(&args);
}

static long map(long h, uint64_t addr, uint64_t prot)
{
	struct syscall_args args = { { (uint64_t)h, addr, prot, 0, 0, 0 } };
	return sys_memory_map(&args);
}

static struct memory_object *object_at(long h) { return container_of(self.handles.slot[h].object, struct memory_object, object); }

static int mapping_count(void)
{
	int n = 0;
	for (struct memory_mapping *m = mappings; m; m = m->next)
		n++;
	return n;
}

static int setup(void **state)
{
	(void)state;
	memset(&self, 0, sizeof(self));
	object_init(&self.object, OBJECT_PROCESS, &object_ops_none);
	self.page_limit = 64;
	self.mmap_next = MMAP_START;
	self.space.lock = (struct spinlock)SPINLOCK_INIT("space");
	pte_count = 0;
	frames_before_failure = -1;
	memory_init();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fake_handle_close_all(&self.handles);
	vm_unmap(&self.space, 0, UINT64_MAX / 2, false);
	exit_hook->exited(&self); /* memory_space_destroyed */
	assert_int_equal(mapping_count(), 0);
	assert_int_equal(live_frames, 0);
	assert_int_equal(self.pages, 0);
	assert_int_equal(self.object.refs, 1);
	return 0;
}

/* ---- Creation ---- */

static void test_create_charges_and_zeroes(void **state)
{
	(void)state;
	long h = create(3 * PAGE_SIZE + 1);
	assert_true(h >= 0);
	assert_int_equal(self.handles.slot[h].rights, SIETCH_RIGHT_READ | SIETCH_RIGHT_WRITE | SIETCH_RIGHT_DUP);
	struct memory_object *mo = object_at(h);
	assert_int_equal(mo->object.type, OBJECT_MEMORY);
	assert_int_equal(mo->object.refs, 1);
	assert_int_equal(mo->pages, 4);
	assert_int_equal(self.pages, 4);
	assert_int_equal(self.object.refs, 2); /* the object keeps its creator, to uncharge it */
	assert_int_equal(live_frames, 4 + 1);  /* the pages and one index frame */
	for (uint64_t p = 0; p < mo->pages; p++) {
		const uint8_t *page = phys_to_virt(*memory_frame_slot(mo, p));
		for (uint64_t i = 0; i < PAGE_SIZE; i++)
			assert_int_equal(page[i], 0);
	}
	fake_handle_close(&self.handles, h);
	assert_int_equal(live_frames, 0);
	assert_int_equal(self.pages, 0);
}

static void test_create_limits(void **state)
{
	(void)state;
	assert_int_equal(create(0), -SIETCH_EINVAL);
	assert_int_equal(create((1ull << 30) + 1), -SIETCH_EINVAL);
	assert_int_equal(create(UINT64_MAX), -SIETCH_EINVAL);
	assert_int_equal(create(65 * PAGE_SIZE), -SIETCH_ENOMEM); /* over page_limit */
	self.pages = 60;
	assert_int_equal(create(5 * PAGE_SIZE), -SIETCH_ENOMEM);
	long h = create(4 * PAGE_SIZE);
	assert_true(h >= 0);
	assert_int_equal(self.pages, 64);
	fake_handle_close(&self.handles, h);
	self.pages = 0;
	assert_int_equal(live_frames, 0);
}

static void test_create_out_of_frames_undoes_everything(void **state)
{
	(void)state;
	for (int budget = 0; budget < 4; budget++) {
		frames_before_failure = budget;
		assert_int_equal(create(3 * PAGE_SIZE), -SIETCH_ENOMEM);
		assert_int_equal(live_frames, 0);
		assert_int_equal(self.pages, 0);
		assert_int_equal(self.object.refs, 1);
	}
}

static void test_index_spans_frames(void **state)
{
	(void)state;
	/* more pages than one index frame lists: the second index frame is used */
	self.page_limit = 1024;
	uint64_t pages = FRAMES_PER_INDEX + 3;
	long h = create(pages * PAGE_SIZE);
	assert_true(h >= 0);
	struct memory_object *mo = object_at(h);
	assert_int_equal(mo->index_count, 2);
	assert_int_equal(live_frames, pages + 2);
	assert_int_not_equal(*memory_frame_slot(mo, pages - 1), *memory_frame_slot(mo, 0));
	fake_handle_close(&self.handles, h);
}

/* ---- Mapping ---- */

static void test_map_anywhere_and_fixed(void **state)
{
	(void)state;
	long h = create(2 * PAGE_SIZE);
	assert_int_equal(map(h, 0, SIETCH_PROT_READ | SIETCH_PROT_WRITE), (long)MMAP_START);
	assert_int_equal(self.mmap_next, MMAP_START + 3 * PAGE_SIZE); /* and a guard page */
	struct memory_object *mo = object_at(h);
	for (int p = 0; p < 2; p++) {
		struct fake_pte *pte = find_pte(&self.space, MMAP_START + p * PAGE_SIZE);
		assert_non_null(pte);
		assert_int_equal(pte->pa, *memory_frame_slot(mo, (uint64_t)p));
		assert_int_equal(pte->flags, VM_USER | VM_SHARED | VM_WRITE);
	}
	assert_int_equal(map(h, 0x40000000, SIETCH_PROT_READ), 0x40000000);
	assert_int_equal(find_pte(&self.space, 0x40001000)->flags, VM_USER | VM_SHARED);
	assert_int_equal(self.pages, 2); /* charged once, to the creator, however often it is mapped */
	assert_int_equal(mapping_count(), 2);
	assert_int_equal(mo->object.refs, 3);
}

static void test_map_refusals(void **state)
{
	(void)state;
	long h = create(2 * PAGE_SIZE);
	long read_only = handle_install(&self.handles, self.handles.slot[h].object, SIETCH_RIGHT_READ);
	long write_only = handle_install(&self.handles, self.handles.slot[h].object, SIETCH_RIGHT_WRITE);
	const uint64_t rw = SIETCH_PROT_READ | SIETCH_PROT_WRITE;
	assert_int_equal(map(read_only, 0, rw), -SIETCH_EPERM);
	assert_int_equal(map(write_only, 0, SIETCH_PROT_READ), -SIETCH_EPERM);
	assert_int_equal(map(h, 0, SIETCH_PROT_READ | SIETCH_PROT_EXEC), -SIETCH_EINVAL);
	assert_int_equal(map(h, 0, SIETCH_PROT_WRITE), -SIETCH_EINVAL);
	assert_int_equal(map(h, 0, 0), -SIETCH_EINVAL);
	assert_int_equal(map(h, 0, 1u << 8), -SIETCH_EINVAL);
	assert_int_equal(map(h, 0x40000800, rw), -SIETCH_EINVAL);            /* misaligned */
	assert_int_equal(map(h, 0x1000, rw), -SIETCH_EINVAL);                /* below user space */
	assert_int_equal(map(h, USER_TOP - PAGE_SIZE, rw), -SIETCH_EINVAL);  /* runs past its end */
	assert_int_equal(map(h, 0xffff800000000000ull, rw), -SIETCH_EINVAL); /* the kernel's half */
	assert_int_equal(map(99, 0, rw), -SIETCH_EBADF);
	assert_true(map(h, USER_TOP - 2 * PAGE_SIZE, rw) > 0); /* the very top fits */
	self.mmap_next = USER_TOP - PAGE_SIZE;
	assert_int_equal(map(h, 0, rw), -SIETCH_ENOMEM); /* no room left above mmap_next */
	assert_int_equal(mapping_count(), 1);
	assert_int_equal(object_at(h)->object.refs, 4);
}

static void test_map_over_something_undoes(void **state)
{
	(void)state;
	long h = create(4 * PAGE_SIZE);
	struct addr_space *space = &self.space;
	vm_map(space, 0x40002000, 0x1234000, PAGE_SIZE, VM_USER); /* someone else's page, third in the way */
	assert_int_equal(map(h, 0x40000000, SIETCH_PROT_READ), -SIETCH_EEXIST);
	assert_int_equal(pte_count, 1);
	assert_int_equal(find_pte(space, 0x40002000)->pa, 0x1234000);
	assert_int_equal(mapping_count(), 0);
	assert_int_equal(object_at(h)->object.refs, 1);

	/* unplaced: steps over it */
	self.mmap_next = 0x40000000;
	long va = map(h, 0, SIETCH_PROT_READ);
	assert_int_equal(va, 0x40005000);
	assert_int_equal(find_pte(space, 0x40002000)->pa, 0x1234000);
	assert_int_equal(pte_count, 1 + 4);
	vm_unmap(space, 0x40002000, PAGE_SIZE, false);
}

/* ---- Lifetime ---- */

static void test_mapping_outlives_handle(void **state)
{
	(void)state;
	long h = create(2 * PAGE_SIZE);
	long va = map(h, 0, SIETCH_PROT_READ | SIETCH_PROT_WRITE);
	fake_handle_close(&self.handles, h);
	assert_int_equal(live_frames, 2 + 1); /* still mapped: kept */

	/* unmap reported but nothing was unmapped: kept */
	memory_space_unmapped(&self.space, (uint64_t)va, 2 * PAGE_SIZE);
	assert_int_equal(live_frames, 3);
	/* half unmapped: the record is not wholly inside the range, kept */
	vm_unmap(&self.space, (uint64_t)va, PAGE_SIZE, false);
	memory_space_unmapped(&self.space, (uint64_t)va, PAGE_SIZE);
	assert_int_equal(live_frames, 3);
	/* the range covers it, but one page is still there: kept */
	memory_space_unmapped(&self.space, (uint64_t)va, 2 * PAGE_SIZE);
	assert_int_equal(live_frames, 3);
	assert_int_equal(mapping_count(), 1);
	/* all gone: freed, and the creator uncharged */
	vm_unmap(&self.space, (uint64_t)va + PAGE_SIZE, PAGE_SIZE, false);
	memory_space_unmapped(&self.space, 0, UINT64_MAX);
	assert_int_equal(live_frames, 0);
	assert_int_equal(self.pages, 0);
	assert_int_equal(mapping_count(), 0);
}

static void test_space_destroyed_drops_every_mapping(void **state)
{
	(void)state;
	struct addr_space elsewhere = { .lock = SPINLOCK_INIT("elsewhere") };
	long h = create(PAGE_SIZE);
	map(h, 0, SIETCH_PROT_READ);
	map(h, 0, SIETCH_PROT_READ);
	/* another process's mapping of it (made by hand: only the current process maps through the call) */
	struct memory_object *mo = object_at(h);
	object_ref(&mo->object);
	assert_int_equal(memory_map_invoke(&self, mo, 0x50000000, VM_USER | VM_SHARED), 0x50000000);
	assert_int_equal(mappings->va, 0x50000000); /* records go in at the head */
	mappings->space = &elsewhere;
	vm_unmap(&self.space, 0x50000000, PAGE_SIZE, false);
	vm_map(&elsewhere, 0x50000000, *memory_frame_slot(mo, 0), PAGE_SIZE, VM_USER | VM_SHARED);
	assert_int_equal(mapping_count(), 3);

	fake_handle_close(&self.handles, h);
	vm_unmap(&self.space, 0, UINT64_MAX / 2, false); /* what vm_space_destroy does, minus the frames */
	memory_space_destroyed(&self.space);
	assert_int_equal(mapping_count(), 1);
	assert_int_equal(live_frames, 1 + 1); /* still mapped elsewhere */
	vm_unmap(&elsewhere, 0, UINT64_MAX / 2, false);
	memory_space_destroyed(&elsewhere);
	assert_int_equal(live_frames, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_charges_and_zeroes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_out_of_frames_undoes_everything, setup, teardown),
		cmocka_unit_test_setup_teardown(test_index_spans_frames, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_anywhere_and_fixed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_over_something_undoes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mapping_outlives_handle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_space_destroyed_drops_every_mapping, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
