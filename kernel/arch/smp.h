/* Starting the other CPUs, and asking them to do things. */
#pragma once

#include <stdint.h>

void smp_start(void);           /* every CPU in the MADT; returns when all are online */

/* Runs fn(arg) on every online CPU at once (the caller's included) and waits for all. */
void smp_run_on_all(void (*fn)(void *arg), void *arg);

void smp_stop_others(void);     /* for panics: halt every other CPU */
void smp_idle(void) __attribute__((noreturn));
