/* The kernel heap: small objects from per-size free lists, large ones as whole frames. */
#pragma once

#include <stddef.h>

void *kmalloc(size_t size);  /* 16-byte aligned, or NULL */
void *kzalloc(size_t size);
void kfree(void *p);
size_t heap_bytes_in_use(void);
