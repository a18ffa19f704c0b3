/* Starting the other CPUs, and asking them to do things. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* Every CPU in the MADT; returns when all are online. Each enters arch_hooks.cpu_started. */
void smp_start(void);

/* Runs fn(arg) on every online CPU at once (the caller's included) and waits for all. */
void smp_run_on_all(void (*fn)(void *arg), void *arg);

void smp_stop_others(void);     /* for panics: halt every other CPU */
/* Every other CPU running on page tables `root` flushes its TLB; returns when all have. Interrupts must be enabled. */
void tlb_shootdown(uint64_t root);
/* For the idle loop (interrupts off): has smp_run_on_all left work this CPU has not run? */
bool smp_work_waiting(void);
void smp_run_work(void); /* runs it, interrupts on */
