/*
 * The console's libos half: reading whole lines from the console, whatever
 * the sizes of the kernel's reads are, so that a line too long for the
 * caller's buffer is refused as a whole instead of becoming two lines; and
 * job control, which a shell uses to say who reads the console.
 */
#pragma once

#include <stddef.h>
#include "lib/common/syscall.h"

/*
 * Reads one line from handle (0 is the console) into buf, NUL-terminated,
 * with its '\n' when one ended it. Returns the bytes stored, 0 at end of file,
 * -SIETCH_E2BIG when the line had more than size - 1 bytes (all of it was
 * read and dropped), or another negative SIETCH_E* code from the read.
 */
long console_read_line(long handle, char *buf, size_t size);

/*
 * Job control (the console_foreground system call): process (a handle with
 * KILL, or -1 for the caller) leads a group of its own, which its later
 * children join. With SIETCH_CONSOLE_FOREGROUND that group reads the console
 * and every other process reads end of file; with SIETCH_CONSOLE_INTERRUPT
 * too, Ctrl-C ends the group with status 130. console is a handle to the
 * console with READ (0, stdin). Returns 0 or a negative SIETCH_E* code.
 */
long console_foreground(long console, long process, unsigned flags);
