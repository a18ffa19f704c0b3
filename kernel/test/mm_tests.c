/* Self-tests of frames, the heap and page tables, on the real hardware (or QEMU) we booted on. */
#include "kernel/arch/percpu.h"
#include "kernel/arch/smp.h"
#include "kernel/mm/frame.h"
#include "kernel/mm/heap.h"
#include "kernel/mm/uaccess.h"
#include "kernel/mm/vm.h"
#include "kernel/test/ktest.h"
#include "lib/common/pt.h"
#include "lib/common/string.h"

extern char __text_start[], __rodata_start[], __data_start[];

#define FRAMES_TO_TAKE 512

KTEST(frame_alloc_free)
{
	static uint64_t taken[FRAMES_TO_TAKE];
	uint64_t before = frame_free_count();
	for (int i = 0; i < FRAMES_TO_TAKE; i++) {
		taken[i] = frame_alloc();
		KTEST_EXPECT(taken[i] != FRAME_NONE && taken[i] != 0, "allocation %d failed", i);
		uint64_t *words = phys_to_virt(taken[i]);
		for (int w = 0; w < 512; w++)
			KTEST_EXPECT(words[w] == 0, "frame 0x%lx not zeroed", taken[i]);
		words[0] = taken[i];
	}
	for (int i = 0; i < FRAMES_TO_TAKE; i++)
		KTEST_EXPECT(*(uint64_t *)phys_to_virt(taken[i]) == taken[i], "frame 0x%lx handed out twice", taken[i]);
	KTEST_EXPECT(frame_free_count() == before - FRAMES_TO_TAKE, "free count did not drop by %d", FRAMES_TO_TAKE);
	for (int i = 0; i < FRAMES_TO_TAKE; i++)
		frame_free(taken[i]);
	KTEST_EXPECT(frame_free_count() == before, "free count %lu, expected %lu", frame_free_count(), before);
	return 0;
}

/* Every CPU allocates, stamps, checks and frees at once: a lost lock shows as a frame owned twice. */
#define HAMMER_ROUNDS 300
#define HAMMER_BATCH 16

struct hammer_result {
	volatile uint32_t errors;
};

static void frame_hammer(void *arg)
{
	struct hammer_result *result = arg;
	uint64_t mine[HAMMER_BATCH];
	uint64_t stamp = ((uint64_t)this_cpu()->id << 32);
	for (int round = 0; round < HAMMER_ROUNDS; round++) {
		for (int i = 0; i < HAMMER_BATCH; i++) {
			mine[i] = frame_alloc();
			if (mine[i] == FRAME_NONE) {
				__atomic_add_fetch(&result->errors, 1, __ATOMIC_RELAXED);
				return;
			}
			*(volatile uint64_t *)phys_to_virt(mine[i]) = stamp | (uint64_t)(round * HAMMER_BATCH + i);
		}
		for (int i = 0; i < HAMMER_BATCH; i++) {
			if (*(volatile uint64_t *)phys_to_virt(mine[i]) != (stamp | (uint64_t)(round * HAMMER_BATCH + i)))
				__atomic_add_fetch(&result->errors, 1, __ATOMIC_RELAXED);
			frame_free(mine[i]);
		}
	}
}

KTEST(frame_smp_hammer)
{
	struct hammer_result result = { 0 };
	uint64_t before = frame_free_count();
	smp_run_on_all(frame_hammer, &result);
	KTEST_EXPECT(result.errors == 0, "%u frames were handed to two CPUs at once", result.errors);
	KTEST_EXPECT(frame_free_count() == before, "free count %lu, expected %lu", frame_free_count(), before);
	return 0;
}

static void heap_hammer(void *arg)
{
	struct hammer_result *result = arg;
	uint8_t *mine[HAMMER_BATCH];
	uint8_t stamp = (uint8_t)(0x40 + this_cpu()->id);
	for (int round = 0; round < HAMMER_ROUNDS; round++) {
		for (int i = 0; i < HAMMER_BATCH; i++) {
			size_t size = 8 + (size_t)((round * 131 + i * 977) % 6000);
			mine[i] = kmalloc(size);
			if (!mine[i]) {
				__atomic_add_fetch(&result->errors, 1, __ATOMIC_RELAXED);
				return;
			}
			memset(mine[i], stamp, size);
			mine[i][size - 1] = stamp;
		}
		for (int i = 0; i < HAMMER_BATCH; i++) {
			if (mine[i][0] != stamp)
				__atomic_add_fetch(&result->errors, 1, __ATOMIC_RELAXED);
			kfree(mine[i]);
		}
	}
}

KTEST(heap_smp_hammer)
{
	struct hammer_result result = { 0 };
	size_t before = heap_bytes_in_use();
	smp_run_on_all(heap_hammer, &result);
	KTEST_EXPECT(result.errors == 0, "%u heap blocks were shared between CPUs", result.errors);
	KTEST_EXPECT(heap_bytes_in_use() == before, "heap in use %zu, expected %zu", heap_bytes_in_use(), before);
	return 0;
}

KTEST(vm_map_unmap)
{
	uint64_t before = frame_free_count();
	struct addr_space as;
	KTEST_EXPECT(vm_space_create(&as) == 0, "cannot create an address space");
	uint64_t frame = frame_alloc(), va = 0x400000, pa, pte;
	KTEST_EXPECT(vm_map(&as, va, frame, PAGE_SIZE, VM_USER | VM_WRITE) == 0, "map failed");
	KTEST_EXPECT(vm_map(&as, va, frame, PAGE_SIZE, VM_USER) == -SIETCH_EEXIST, "double map allowed");
	KTEST_EXPECT(vm_translate(&as, va + 123, &pa, &pte) && pa == frame + 123, "translate gave 0x%lx", pa);
	KTEST_EXPECT((pte & PTE_USER) && (pte & PTE_WRITE) && (pte & PTE_NX), "wrong bits 0x%lx", pte);
	KTEST_EXPECT(vm_protect(&as, va, PAGE_SIZE, VM_USER | VM_EXEC) == 0, "protect failed");
	KTEST_EXPECT(vm_translate(&as, va, 0, &pte) && !(pte & PTE_WRITE) && !(pte & PTE_NX), "protect: 0x%lx", pte);
	KTEST_EXPECT(vm_unmap(&as, va, PAGE_SIZE, true) == 0, "unmap failed");
	KTEST_EXPECT(!vm_translate(&as, va, 0, 0), "still mapped after unmap");
	uint64_t big = frame_alloc_contiguous(512, 512, ~0ull);
	KTEST_EXPECT(big != FRAME_NONE, "no 2 MiB run");
	KTEST_EXPECT(vm_map(&as, 0x40000000, big, LARGE_PAGE_SIZE, VM_USER | VM_LARGE) == 0, "2 MiB map failed");
	KTEST_EXPECT(vm_translate(&as, 0x40000000 + 0x12345, &pa, 0) && pa == big + 0x12345, "2 MiB translate");
	vm_space_destroy(&as);
	KTEST_EXPECT(frame_free_count() == before, "leaked %ld frames", (long)(before - frame_free_count()));
	return 0;
}

/* What a space of another format saw of its invalidate operation. */
static struct {
	int calls;
	uint64_t va, size;
} seen_invalidate;

static void record_invalidate(struct addr_space *as, uint64_t va, uint64_t size)
{
	(void)as;
	seen_invalidate.calls++;
	seen_invalidate.va = va;
	seen_invalidate.size = size;
}

static const struct vm_space_ops recording_ops = { .invalidate = record_invalidate };

/* vm_* edit an EPT space in EPT's own bits and hand its invalidations to its own operation. */
KTEST(vm_space_of_another_format)
{
	uint64_t before = frame_free_count(), frame = frame_alloc(), va = 0x7fe00000, pte;
	struct addr_space as;
	seen_invalidate.calls = 0;
	KTEST_EXPECT(vm_space_create_empty(&as, &pt_format_ept, &recording_ops) == 0, "cannot create");
	KTEST_EXPECT(vm_map(&as, va, frame, PAGE_SIZE, VM_WRITE) == 0, "map failed");
	KTEST_EXPECT(vm_translate(&as, va, 0, &pte), "not mapped");
	KTEST_EXPECT((pte & ~PTE_ADDR_MASK) == (EPT_READ | EPT_WRITE | EPT_MEMTYPE_WB), "entry 0x%lx", pte);
	KTEST_EXPECT(vm_protect(&as, va, PAGE_SIZE, VM_EXEC) == 0, "protect failed");
	KTEST_EXPECT(vm_translate(&as, va, 0, &pte) && (pte & 7) == (EPT_READ | EPT_EXEC), "protect: 0x%lx", pte);
	KTEST_EXPECT(seen_invalidate.calls == 1 && seen_invalidate.va == va && seen_invalidate.size == PAGE_SIZE,
		     "protect invalidated %d times, last 0x%lx+0x%lx", seen_invalidate.calls, seen_invalidate.va,
		     seen_invalidate.size);
	KTEST_EXPECT(vm_unmap(&as, va, PAGE_SIZE, true) == 0, "unmap failed");
	KTEST_EXPECT(seen_invalidate.calls == 2, "unmap did not invalidate");
	KTEST_EXPECT(vm_unmap(&as, va, PAGE_SIZE, true) == -SIETCH_ENOENT, "unmapped twice");
	vm_space_destroy(&as);
	KTEST_EXPECT(frame_free_count() == before, "leaked %ld frames", (long)(before - frame_free_count()));
	return 0;
}

KTEST(kernel_wx)
{
	uint64_t pte;
	KTEST_EXPECT(vm_translate(&kernel_space, (uint64_t)__text_start, 0, &pte), "text unmapped");
	KTEST_EXPECT(!(pte & PTE_WRITE) && !(pte & PTE_NX), "text is 0x%lx", pte);
	KTEST_EXPECT(vm_translate(&kernel_space, (uint64_t)__rodata_start, 0, &pte), "rodata unmapped");
	KTEST_EXPECT(!(pte & PTE_WRITE) && (pte & PTE_NX), "rodata is 0x%lx", pte);
	KTEST_EXPECT(vm_translate(&kernel_space, (uint64_t)__data_start, 0, &pte), "data unmapped");
	KTEST_EXPECT((pte & PTE_WRITE) && (pte & PTE_NX), "data is 0x%lx", pte);
	KTEST_EXPECT(vm_translate(&kernel_space, (uint64_t)phys_to_virt(virt_to_phys(__text_start)), 0, &pte),
		     "text alias unmapped");
	KTEST_EXPECT(!(pte & PTE_WRITE), "text is writable through the direct map: 0x%lx", pte);
	KTEST_EXPECT(!vm_translate(&kernel_space, 0x1000, 0, 0), "low memory still identity-mapped");
	return 0;
}

/* Fresh writable user pages at [va, va+len); false if a frame or table ran out. */
static bool map_user_pages(struct addr_space *as, uint64_t va, uint64_t len, unsigned flags)
{
	for (uint64_t off = 0; off < len; off += PAGE_SIZE) {
		uint64_t frame = frame_alloc();
		if (frame == FRAME_NONE || vm_map(as, va + off, frame, PAGE_SIZE, VM_USER | flags))
			return false;
	}
	return true;
}

#define COPY_TEST_BYTES (1ull << 20)

/*
 * A 1 MiB copy into and out of a process's memory holds the address space's
 * lock (with interrupts off) for one page at a time, never for the whole
 * copy; and a page that is not writable or not there still stops it.
 */
KTEST(copy_user_holds_one_page)
{
	uint64_t before = frame_free_count(), pages = COPY_TEST_BYTES / PAGE_SIZE;
	uint64_t va = 0x400000, run = frame_alloc_contiguous(2 * pages, 1, ~0ull);
	struct addr_space as;
	KTEST_EXPECT(run != FRAME_NONE, "no 2 MiB of frames");
	KTEST_EXPECT(vm_space_create(&as) == 0, "cannot create an address space");
	KTEST_EXPECT(map_user_pages(&as, va, COPY_TEST_BYTES + PAGE_SIZE, VM_WRITE), "cannot map");
	uint8_t *out = phys_to_virt(run), *back = out + COPY_TEST_BYTES;
	for (uint64_t i = 0; i < COPY_TEST_BYTES; i++)
		out[i] = (uint8_t)(i * 7 + (i >> 12));

	uaccess_holds_reset();
	KTEST_EXPECT(uaccess_copy_to(&as, va + 123, out, COPY_TEST_BYTES) == 0, "copy out failed");
	KTEST_EXPECT(uaccess_copy_from(&as, back, va + 123, COPY_TEST_BYTES) == 0, "copy in failed");
	struct uaccess_holds holds;
	uaccess_holds_read(&holds);
	KTEST_EXPECT(holds.max_bytes <= PAGE_SIZE, "%lu bytes copied under one hold of the lock", holds.max_bytes);
	KTEST_EXPECT(holds.count >= 2 * (pages + 1), "%lu holds for two copies of %lu pages", holds.count, pages + 1);
	KTEST_EXPECT(memcmp(out, back, COPY_TEST_BYTES) == 0, "the data came back different");

	KTEST_EXPECT(map_user_pages(&as, va + COPY_TEST_BYTES + PAGE_SIZE, PAGE_SIZE, 0), "cannot map");
	KTEST_EXPECT(uaccess_copy_to(&as, va + COPY_TEST_BYTES, out, 2 * PAGE_SIZE) == -SIETCH_EFAULT,
		     "copied into a read-only page");
	KTEST_EXPECT(uaccess_copy_from(&as, back, va + COPY_TEST_BYTES, 3 * PAGE_SIZE) == -SIETCH_EFAULT,
		     "copied from an unmapped page");
	KTEST_EXPECT(uaccess_copy_from(NULL, back, va, 1) == -SIETCH_EFAULT, "copied without an address space");

	vm_space_destroy(&as);
	frame_free_contiguous(run, 2 * pages);
	KTEST_EXPECT(frame_free_count() == before, "leaked %ld frames", (long)(before - frame_free_count()));
	return 0;
}
