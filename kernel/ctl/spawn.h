/*
 * Starting a program by its name in the global tree: the system call and the
 * kernel's start of pid 1. kernel/proc/spawn.c builds the process; this file
 * finds the image and hands it what a new process gets from above proc.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include "kernel/object/object.h"
#include "kernel/proc/proc.h"

/*
 * path is a name in the global tree; argv_block holds NUL-terminated strings
 * back to back. 0 and a new reference in *out, or -SIETCH_ENOENT (no such
 * name), EISDIR (a directory or a device), or what proc_spawn returns.
 */
long spawn_program(const char *path, const char *argv_block, size_t block_len, uint32_t parent_pid,
		   struct proc **out);
/* The object every new process gets as handles 0-2: the console driver's, at init. */
void spawn_set_stdio(struct object *stdio);
