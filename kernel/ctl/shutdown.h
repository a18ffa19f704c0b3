/*
 * What must happen before the machine powers off (a driver flushing its
 * device's volatile write cache): callbacks registered once at start-up,
 * run by the power-off system call before the ACPI power-off. They may
 * sleep; they run in the caller's thread.
 */
#pragma once

#include <stdbool.h>

#define SHUTDOWN_CALLBACKS_MAX 8

/* false when the table is full. */
bool shutdown_register(void (*fn)(void));
void shutdown_run_all(void);
