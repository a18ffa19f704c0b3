/*
 * TLB shootdowns: after a user mapping is removed, the CPUs that may still
 * cache it are told to drop it. Only the CPUs that have the address space
 * loaded are asked (kernel/mm/vm.c keeps the set), so a CPU given to one
 * process is never interrupted by another's unmaps.
 */
#pragma once

#include <stdint.h>

void tlb_init(void); /* the IPI handler; once, before any other CPU starts */
/* Every CPU in cpu_mask (bit per CPU index; the caller's own is skipped) running on
 * page tables `root` flushes its TLB; returns when all have. Interrupts must be enabled. */
void tlb_shootdown(uint64_t root, uint64_t cpu_mask);
