/*
 * Freestanding string functions for the kernel. Byte loops, except that
 * memcpy and memset move 8-byte words when the pointers allow it.
 *
 * GCC recognises "copy/zero this array" loops and replaces them with calls to
 * memcpy/memset (-ftree-loop-distribute-patterns, on at -O2 even with
 * -ffreestanding), which here would recurse forever; NO_LIBCALLS turns that
 * pass off for these functions. Clang does not do it under -ffreestanding.
 */
#include "lib/common/string.h"

#include <stdbool.h>
#include <stdint.h>

#if defined(__clang__)
#define NO_LIBCALLS
#else
#define NO_LIBCALLS __attribute__((optimize("no-tree-loop-distribute-patterns")))
#endif

/* A word type the compiler may assume aliases anything (GCC "may_alias"). */
typedef uint64_t __attribute__((may_alias)) word_t;

static inline bool word_aligned(uintptr_t addr)
{
	return (addr & (sizeof(word_t) - 1)) == 0;
}

NO_LIBCALLS void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (word_aligned((uintptr_t)d | (uintptr_t)s)) {
		for (; n >= sizeof(word_t); n -= sizeof(word_t)) {
			*(word_t *)d = *(const word_t *)s;
			d += sizeof(word_t);
			s += sizeof(word_t);
		}
	}
	while (n--)
		*d++ = *s++;
	return dst;
}

NO_LIBCALLS void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if ((uintptr_t)d - (uintptr_t)s >= n) {
		/* dst is below src or past its end: a forward copy never
		 * overwrites a byte it has yet to read. */
		while (n--)
			*d++ = *s++;
	} else {
		while (n--)
			d[n] = s[n];
	}
	return dst;
}

NO_LIBCALLS void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;
	unsigned char byte = (unsigned char)c;

	if (word_aligned((uintptr_t)d)) {
		word_t word = byte * 0x0101010101010101ull;
		for (; n >= sizeof(word_t); n -= sizeof(word_t)) {
			*(word_t *)d = word;
			d += sizeof(word_t);
		}
	}
	while (n--)
		*d++ = byte;
	return dst;
}

NO_LIBCALLS int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (size_t i = 0; i < n; i++) {
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	}
	return 0;
}

NO_LIBCALLS void *memchr(const void *s, int c, size_t n)
{
	const unsigned char *p = s;

	for (size_t i = 0; i < n; i++) {
		if (p[i] == (unsigned char)c)
			return (void *)(p + i);
	}
	return NULL;
}

NO_LIBCALLS size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

NO_LIBCALLS size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

NO_LIBCALLS int strcmp(const char *a, const char *b)
{
	const unsigned char *x = (const unsigned char *)a;
	const unsigned char *y = (const unsigned char *)b;

	while (*x && *x == *y) {
		x++;
		y++;
	}
	return (*x > *y) - (*x < *y);
}

NO_LIBCALLS int strncmp(const char *a, const char *b, size_t n)
{
	const unsigned char *x = (const unsigned char *)a;
	const unsigned char *y = (const unsigned char *)b;

	for (; n > 0; n--, x++, y++) {
		if (*x != *y || *x == 0)
			return (*x > *y) - (*x < *y);
	}
	return 0;
}

/* C11 §7.24.5.2: the terminating NUL counts as part of the string. */
NO_LIBCALLS char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}
