/*
 * Who may reach a process by its pid rather than through a handle: proc_open
 * (which then hands out a handle) and counters_read of another process. Both
 * must ask the same question, or the weaker one becomes the way around the
 * stronger.
 */
#pragma once

#include <stdbool.h>

struct proc;

/* Authority follows the spawn tree: a process may reach its descendants, and init (pid 1) may reach anyone. */
bool authority_over_process(struct proc *self, struct proc *target);
