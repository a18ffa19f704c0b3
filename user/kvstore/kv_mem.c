/* Counting allocator: a 16-byte header before each block keeps its size, so that
 * freeing subtracts exactly what was added (malloc_usable_size is not portable). */
#include "kv_mem.h"

#include <stdlib.h>

struct kv_mem_header {
	size_t size;
	size_t pad; /* keeps the block 16-byte aligned, as malloc's is */
};

static uint64_t used_bytes, peak_bytes;

static void account(int64_t delta)
{
	used_bytes += (uint64_t)delta;
	if (used_bytes > peak_bytes)
		peak_bytes = used_bytes;
}

void *kv_alloc(size_t size)
{
	struct kv_mem_header *h = malloc(sizeof(*h) + size);
	if (!h)
		return NULL;
	h->size = size;
	account((int64_t)(sizeof(*h) + size));
	return h + 1;
}

void *kv_calloc(size_t size)
{
	struct kv_mem_header *h = calloc(1, sizeof(*h) + size);
	if (!h)
		return NULL;
	h->size = size;
	account((int64_t)(sizeof(*h) + size));
	return h + 1;
}

void *kv_realloc(void *p, size_t size)
{
	if (!p)
		return kv_alloc(size);
	struct kv_mem_header *old = (struct kv_mem_header *)p - 1;
	size_t old_size = old->size;
	struct kv_mem_header *h = realloc(old, sizeof(*h) + size);
	if (!h)
		return NULL;
	h->size = size;
	account((int64_t)size - (int64_t)old_size);
	return h + 1;
}

void kv_free(void *p)
{
	if (!p)
		return;
	struct kv_mem_header *h = (struct kv_mem_header *)p - 1;
	account(-(int64_t)(sizeof(*h) + h->size));
	free(h);
}

uint64_t kv_mem_used(void)
{
	return used_bytes;
}

uint64_t kv_mem_peak(void)
{
	return peak_bytes;
}
