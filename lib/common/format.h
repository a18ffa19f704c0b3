/*
 * printf-style formatting without a C library, for the kernel console and
 * anywhere a bounded buffer is wanted.
 *
 * Conversions: %d %i %u %x %X %p %s %c %%, length modifiers hh h l ll z,
 * flags '-' and '0', a field width (or '*'), and a precision (or '.*'): the
 * maximum length for %s, the minimum digit count for integers (C11
 * §7.21.6.1). %p prints "0x" and 16 hex digits; a NULL %s prints "(null)".
 * An unknown conversion is copied to the output as it stands.
 */
#pragma once

#include <stdarg.h>
#include <stddef.h>

/* The core: hands every output character to emit, in order. */
void format_to(void (*emit)(void *ctx, char c), void *ctx, const char *fmt, va_list ap);

/* snprintf semantics: writes at most size-1 characters plus a NUL (when
 * size > 0) and returns the length the whole output would have had. */
int format_v(char *buf, size_t size, const char *fmt, va_list ap);
int format(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
