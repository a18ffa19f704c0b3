/*
 * Reading and writing a process's memory. Every pointer a process hands the
 * kernel goes through these: the range is checked against the user half and
 * against the process's own page tables (present, user, and writable for a
 * copy out) page by page, and the copy goes through the direct map, so a bad
 * pointer is an error code, never a kernel fault.
 *
 * The calling process is the one whose address space this CPU runs
 * (vm_space_current): the memory layer needs nothing from the process layer
 * above it.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct addr_space;

long copy_from_user(void *dst, uint64_t user_src, size_t len);     /* 0 or -SIETCH_EFAULT */
long copy_to_user(uint64_t user_dst, const void *src, size_t len); /* 0 or -SIETCH_EFAULT */
/* A counted string (path, name): len bytes, no NUL needed; -SIETCH_ENAMETOOLONG if len >= size. */
long copy_string_from_user(char *dst, size_t size, uint64_t user_src, size_t len);
bool user_range_ok(uint64_t start, size_t len); /* inside the user half, no overflow */

/* The same copies with the address space named (NULL: none, -SIETCH_EFAULT). */
long uaccess_copy_from(struct addr_space *as, void *dst, uint64_t user_src, size_t len);
long uaccess_copy_to(struct addr_space *as, uint64_t user_dst, const void *src, size_t len);

/*
 * How long the copies keep an address space's lock (and so this CPU's
 * interrupts) at a time, over all CPUs since the last reset: what bounds the
 * latency a copy adds to an interrupt.
 */
struct uaccess_holds {
	uint64_t count;      /* holds of an address space's lock by a copy */
	uint64_t max_bytes;  /* the most bytes copied under one hold */
	uint64_t max_cycles; /* the longest hold, in TSC cycles */
};

void uaccess_holds_read(struct uaccess_holds *out);
void uaccess_holds_reset(void);
