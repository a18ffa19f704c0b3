/*
 * lwIP's compiler and platform glue for Sietch (lwIP's doc/sys_arch.txt, "arch/cc.h").
 * The same file serves the program build (newlib) and the host unit tests (glibc):
 * it uses only the C library's standard headers.
 */
#pragma once

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>

/* Both C libraries have ssize_t; saying so keeps lwIP from declaring its own. */
#ifndef SSIZE_MAX
#define SSIZE_MAX LONG_MAX
#endif

/* Little-endian x86-64; lwIP reads this from BYTE_ORDER. */
#ifndef BYTE_ORDER
#define BYTE_ORDER LITTLE_ENDIAN
#endif

/* Diagnostics go to stderr, which is the serial console in Sietch. */
#define LWIP_PLATFORM_DIAG(x) \
	do { \
		printf x; \
	} while (0)
#define LWIP_PLATFORM_ASSERT(x) \
	do { \
		fprintf(stderr, "lwip: assertion \"%s\" failed at %s:%d\n", x, __FILE__, __LINE__); \
		abort(); \
	} while (0)

/* Only DHCP transaction IDs, TCP initial sequence numbers and local ports use it. */
#define LWIP_RAND() ((u32_t)rand())

/* newlib and glibc both have <sys/time.h>'s struct timeval; lwIP must not define its own. */
#define LWIP_TIMEVAL_PRIVATE 0
