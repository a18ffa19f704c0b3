/* Allocation with accounting: every byte the engine holds is counted, for INFO's
 * used_memory and the maxmemory limit. One engine per process, so one counter. */
#pragma once

#include <stddef.h>
#include <stdint.h>

void *kv_alloc(size_t size);               /* NULL when out of memory */
void *kv_calloc(size_t size);              /* zeroed */
void *kv_realloc(void *p, size_t size);    /* NULL (and p kept) when out of memory */
void kv_free(void *p);                     /* NULL is allowed */
uint64_t kv_mem_used(void);
uint64_t kv_mem_peak(void);
