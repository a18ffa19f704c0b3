/*
 * The serial console as an object (OBJECT_CONSOLE), named /dev/console and
 * given to every process as handles 0, 1 and 2. Writes go out under the
 * kernel log's lock, so a process's output never splits a kernel line.
 * Reads are cooked (line_discipline.h): a line is edited (backspace, DEL,
 * Ctrl-U) and echoed as it is typed, a line too long is refused as a whole,
 * and a read returns at most one line once it is complete; each Ctrl-D on an
 * empty line reads as one end of file.
 *
 * Job control: a process group (struct proc's console_group, inherited at
 * spawn) may be made the foreground with the console_foreground system call
 * (implemented here); the process named becomes a group of its own together
 * with the descendants it started meanwhile (proc_new_console_group). Only the foreground reads; every other process reads
 * end of file, and still writes. Ctrl-C ends the foreground group with status
 * 130 when it was made foreground with SIETCH_CONSOLE_INTERRUPT.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include "kernel/object/object.h"

/* Registers /dev/console and turns on the receive interrupt. After ioapic_init and cpus[0].apic_id are set. */
void console_device_init(void);
/* The console object. Borrowed: it lives for ever, and whoever stores it (a handle) takes its own reference. */
struct object *console_object(void);

/* Blocks until a line (or end of file) is there; bytes copied, 0 at end of file
 * (or at once, for a process outside the foreground), -SIETCH_EINTR, -SIETCH_EFAULT. */
long console_device_read(uint64_t user_buf, size_t len);
/* Bytes written, or -SIETCH_EFAULT if none could be read from user memory. */
long console_device_write(uint64_t user_buf, size_t len);
/* Kernel bytes to the console as they are, but for "\n" going out as "\r\n". */
void console_write(const char *buf, size_t len);
