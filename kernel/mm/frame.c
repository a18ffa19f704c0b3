/*
 * The frame allocator: lib/common/frame_pool's bitmap behind a lock. The
 * bitmap itself is placed in usable RAM found before any allocator exists,
 * inside the low 1 GiB that the boot page tables already map.
 */
#include "kernel/mm/frame.h"
#include "kernel/arch/spinlock.h"
#include "kernel/console.h"
#include "kernel/arch/layout.h"
#include "kernel/mm/vm.h"
#include "lib/common/frame_pool.h"
#include "lib/common/multiboot2.h"
#include "lib/common/string.h"

#define EARLY_MAP_LIMIT (1ull << 30) /* boot/entry.S maps the first 1 GiB */
#define MB2_MEMORY_AVAILABLE 1

extern char __kernel_phys_start[], __kernel_end[];

static struct frame_pool pool;
static struct spinlock frame_lock = SPINLOCK_INIT("frame");
static uint64_t managed_frames;

struct phys_range {
	uint64_t start, end;
};

static int overlaps(struct phys_range a, struct phys_range b) { return a.start < b.end && b.start < a.end; }

/* The kernel image, the boot information and the modules must survive until we are done with them. */
static size_t boot_reserved_ranges(const void *info, struct phys_range *out, size_t max)
{
	size_t n = 0;
	out[n++] = (struct phys_range){ 0, 0x1000 };
	out[n++] = (struct phys_range){ (uint64_t)__kernel_phys_start, (uint64_t)__kernel_end - KERNEL_VMA };
	uint64_t info_phys = virt_to_phys(info);
	out[n++] = (struct phys_range){ info_phys, info_phys + mb2_total_size(info) };
	uint32_t start, end;
	const char *name;
	for (size_t i = 0; n < max && mb2_module(info, i, &start, &end, &name); i++)
		out[n++] = (struct phys_range){ start, end };
	return n;
}

static uint64_t highest_usable_address(const void *info)
{
	uint64_t top = 0, base, len;
	uint32_t type;
	for (size_t i = 0; mb2_mmap_entry(info, i, &base, &len, &type); i++)
		if (type == MB2_MEMORY_AVAILABLE && base + len > top)
			top = base + len;
	return top;
}

static uint64_t find_early_space(const void *info, uint64_t size, const struct phys_range *reserved, size_t nreserved)
{
	uint64_t base, len;
	uint32_t type;
	for (size_t i = 0; mb2_mmap_entry(info, i, &base, &len, &type); i++) {
		if (type != MB2_MEMORY_AVAILABLE)
			continue;
		uint64_t candidate = (base + 0xfff) & ~0xfffull;
		if (candidate < 0x100000)
			candidate = 0x100000;
		while (candidate + size <= base + len && candidate + size <= EARLY_MAP_LIMIT) {
			struct phys_range want = { candidate, candidate + size };
			size_t r = 0;
			while (r < nreserved && !overlaps(want, reserved[r]))
				r++;
			if (r == nreserved)
				return candidate;
			candidate = (reserved[r].end + 0xfff) & ~0xfffull;
		}
	}
	panic("no room for the frame bitmap below 1 GiB");
}

void frame_init(const void *info)
{
	struct phys_range reserved[16];
	size_t nreserved = boot_reserved_ranges(info, reserved, 15);
	uint64_t frames = highest_usable_address(info) / 4096;
	uint64_t bitmap_bytes = frame_pool_bitmap_words(frames) * 8;
	uint64_t bitmap_phys = find_early_space(info, bitmap_bytes, reserved, nreserved);
	reserved[nreserved++] = (struct phys_range){ bitmap_phys, bitmap_phys + bitmap_bytes };

	frame_pool_init(&pool, phys_to_virt(bitmap_phys), frames);
	uint64_t base, len;
	uint32_t type;
	for (size_t i = 0; mb2_mmap_entry(info, i, &base, &len, &type); i++)
		if (type == MB2_MEMORY_AVAILABLE)
			frame_pool_add_range(&pool, base, len);
	managed_frames = pool.free;
	for (size_t r = 0; r < nreserved; r++)
		frame_pool_reserve_range(&pool, reserved[r].start, reserved[r].end - reserved[r].start);
}

uint64_t frame_alloc_contiguous(uint64_t count, uint64_t align_frames, uint64_t below)
{
	spin_lock(&frame_lock);
	uint64_t phys = frame_pool_alloc_contiguous(&pool, count, align_frames, below);
	spin_unlock(&frame_lock);
	if (phys != FRAME_NONE)
		memset(phys_to_virt(phys), 0, count * 4096);
	return phys;
}

uint64_t frame_alloc(void)
{
	spin_lock(&frame_lock);
	uint64_t phys = frame_pool_alloc(&pool);
	spin_unlock(&frame_lock);
	if (phys != FRAME_NONE)
		memset(phys_to_virt(phys), 0, 4096);
	return phys;
}

void frame_free(uint64_t phys)
{
	spin_lock(&frame_lock);
	bool ok = frame_pool_free(&pool, phys);
	spin_unlock(&frame_lock);
	if (!ok)
		panic("frame_free: 0x%lx was not allocated", phys);
}

void frame_free_contiguous(uint64_t phys, uint64_t count)
{
	for (uint64_t i = 0; i < count; i++)
		frame_free(phys + i * 4096);
}

uint64_t frame_free_count(void) { return __atomic_load_n(&pool.free, __ATOMIC_RELAXED); }
uint64_t frame_managed_count(void) { return managed_frames; }
