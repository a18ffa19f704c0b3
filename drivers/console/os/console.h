/*
 * The console's libos half: reading whole lines from the console, whatever
 * the sizes of the kernel's reads are, so that a line too long for the
 * caller's buffer is refused as a whole instead of becoming two lines.
 */
#pragma once

#include <stddef.h>

/*
 * Reads one line from handle (0 is the console) into buf, NUL-terminated,
 * with its '\n' when one ended it. Returns the bytes stored, 0 at end of file,
 * -SIETCH_E2BIG when the line had more than size - 1 bytes (all of it was
 * read and dropped), or another negative SIETCH_E* code from the read.
 */
long console_read_line(long handle, char *buf, size_t size);
