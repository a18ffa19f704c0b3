/*
 * Size classes 32..2048 bytes carved from single frames; anything larger gets
 * its own run of frames. Every block carries a 16-byte header naming its
 * class (or frame count), so kfree needs no size and catches double frees.
 */
#include "kernel/mm/heap.h"
#include "kernel/arch/spinlock.h"
#include "kernel/console.h"
#include "kernel/mm/frame.h"
#include "kernel/mm/vm.h"
#include "lib/common/string.h"

#define HEAP_CLASSES 7 /* 32, 64, ..., 2048 */
#define HEAP_MIN_SHIFT 5
#define HEAP_LARGE 0xff
#define HEAP_MAGIC_USED 0x5349455443484150ull /* "SIETCHAP" */
#define HEAP_MAGIC_FREE 0x46524545424c4f4bull /* "FREEBLOK" */

struct heap_header {
	uint64_t magic;
	uint32_t size_class; /* class index, or HEAP_LARGE */
	uint32_t frames;     /* large blocks: frames in the run */
};
_Static_assert(sizeof(struct heap_header) == 16, "keeps payloads 16-byte aligned");

struct free_block {
	struct heap_header header;
	struct free_block *next;
};

static struct free_block *free_lists[HEAP_CLASSES];
static struct spinlock heap_lock = SPINLOCK_INIT("heap");
static size_t bytes_in_use;

static size_t class_size(int c) { return (size_t)1 << (c + HEAP_MIN_SHIFT); }

static int size_class_for(size_t total)
{
	for (int c = 0; c < HEAP_CLASSES; c++)
		if (total <= class_size(c))
			return c;
	return -1;
}

/* Called with heap_lock held: one frame becomes blocks of class c. */
static bool heap_refill(int c)
{
	uint64_t phys = frame_alloc();
	if (phys == FRAME_NONE)
		return false;
	uint8_t *page = phys_to_virt(phys);
	for (size_t off = 0; off + class_size(c) <= PAGE_SIZE; off += class_size(c)) {
		struct free_block *b = (struct free_block *)(page + off);
		b->header.magic = HEAP_MAGIC_FREE;
		b->header.size_class = (uint32_t)c;
		b->next = free_lists[c];
		free_lists[c] = b;
	}
	return true;
}

static void *kmalloc_large(size_t total)
{
	uint64_t frames = (total + PAGE_SIZE - 1) / PAGE_SIZE;
	uint64_t phys = frame_alloc_contiguous(frames, 1, ~0ull);
	if (phys == FRAME_NONE)
		return NULL;
	struct heap_header *h = phys_to_virt(phys);
	*h = (struct heap_header){ HEAP_MAGIC_USED, HEAP_LARGE, (uint32_t)frames };
	__atomic_add_fetch(&bytes_in_use, frames * PAGE_SIZE, __ATOMIC_RELAXED);
	return h + 1;
}

void *kmalloc(size_t size)
{
	if (size > (1ull << 40))
		return NULL;
	size_t total = size + sizeof(struct heap_header);
	int c = size_class_for(total);
	if (c < 0)
		return kmalloc_large(total);
	spin_lock(&heap_lock);
	if (!free_lists[c] && !heap_refill(c)) {
		spin_unlock(&heap_lock);
		return NULL;
	}
	struct free_block *b = free_lists[c];
	free_lists[c] = b->next;
	if (b->header.magic != HEAP_MAGIC_FREE)
		panic("kmalloc: free list of class %d corrupted at %p", c, (void *)b);
	b->header.magic = HEAP_MAGIC_USED;
	__atomic_add_fetch(&bytes_in_use, class_size(c), __ATOMIC_RELAXED);
	spin_unlock(&heap_lock);
	return &b->next;
}

void *kzalloc(size_t size)
{
	void *p = kmalloc(size);
	if (p)
		memset(p, 0, size);
	return p;
}

void kfree(void *p)
{
	if (!p)
		return;
	struct heap_header *h = (struct heap_header *)p - 1;
	if (h->magic != HEAP_MAGIC_USED)
		panic("kfree: %p is not an allocated block (double free?)", p);
	if (h->size_class == HEAP_LARGE) {
		uint32_t frames = h->frames;
		h->magic = 0;
		__atomic_sub_fetch(&bytes_in_use, frames * PAGE_SIZE, __ATOMIC_RELAXED);
		frame_free_contiguous(virt_to_phys(h), frames);
		return;
	}
	if (h->size_class >= HEAP_CLASSES)
		panic("kfree: %p has a corrupted header", p);
	struct free_block *b = (struct free_block *)h;
	spin_lock(&heap_lock);
	b->header.magic = HEAP_MAGIC_FREE;
	b->next = free_lists[h->size_class];
	free_lists[h->size_class] = b;
	__atomic_sub_fetch(&bytes_in_use, class_size((int)h->size_class), __ATOMIC_RELAXED);
	spin_unlock(&heap_lock);
}

size_t heap_bytes_in_use(void) { return __atomic_load_n(&bytes_in_use, __ATOMIC_RELAXED); }
