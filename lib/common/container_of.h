/*
 * container_of: from a pointer to a member back to the struct that holds it.
 * The one way the kernel turns a `struct object *` (or a list link) into the
 * object's own struct, wherever the member sits; the compiler checks that
 * `ptr` points at the member's type.
 */
#pragma once

#include <stddef.h>

#define container_of(ptr, type, member)                                                \
	({                                                                             \
		const __typeof__(((type *)0)->member) *container_of_member_ = (ptr); \
		(type *)(void *)((char *)container_of_member_ - offsetof(type, member)); \
	})
