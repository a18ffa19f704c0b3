/*
 * The interrupt vectors above the exceptions (SDM vol.3 §6.2: 0-31 are
 * reserved for exceptions). A few are fixed (kernel/arch/trap.h: the timer,
 * the ISA serial line, the IPIs, spurious); the rest are handed out by
 * vector_alloc to interrupt objects (kernel/arch/interrupt.h). Vectors are
 * global: the IDT is shared, so a vector means the same on every CPU.
 */
#pragma once

#include <stdint.h>

struct trap_frame;
struct interrupt;

/*
 * The allocator's range. Below it: the fixed legacy vectors (32 + ISA IRQ).
 * Above it: the IPIs and the spurious vector, in the highest priority class
 * (the local APIC's priority is vector >> 4, SDM vol.3 §11.8.3.1).
 */
#define VECTOR_DYNAMIC_FIRST 0x30
#define VECTOR_DYNAMIC_LAST 0xef

/* A free vector in [VECTOR_DYNAMIC_FIRST, VECTOR_DYNAMIC_LAST], or -SIETCH_ENOSPC. */
int vector_alloc(void);
void vector_free(uint8_t vector);
/* Number of vectors vector_alloc can still hand out. */
uint32_t vector_free_count(void);

/* Deliver `vector` to irq (kernel/arch/interrupt.c); NULL unbinds and waits out a delivery in progress. */
void vector_bind(uint8_t vector, struct interrupt *irq);

/* From trap_dispatch: run whatever owns the vector (a fixed handler or an interrupt object). */
void vector_dispatch(struct trap_frame *frame);
