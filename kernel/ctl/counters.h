/*
 * Crossing counters: every kernel entry, by kind, system-wide and for the
 * process it happened in (DESIGN.md: "measured, not claimed"). The hot paths
 * only add; sys_counters_read copies them out.
 */
#pragma once

#include <stdint.h>
#include "lib/common/syscall.h"

extern struct sietch_counters system_counters;

void counters_init(void); /* count every trap and context switch from now on (arch_hooks, proc_hooks) */
void counters_syscall(uint64_t number);
void counters_interrupt(uint64_t vector, uint32_t cpu); /* and by kind: tick, IPI, device */
void counters_exception(uint64_t vector);
void counters_context_switch(void);
