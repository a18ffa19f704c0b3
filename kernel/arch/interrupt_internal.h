/* Between the vector table (vector.c) and interrupt objects (interrupt.c): nothing else uses these. */
#pragma once

#include <stdint.h>

struct interrupt;

/* Runs irq's function, or records it pending if masked. The vector's lock is held. */
void interrupt_deliver(struct interrupt *irq);
/* The lock that delivery on `vector` holds; mask and unmask take it too. */
void vector_lock(uint8_t vector);
void vector_unlock(uint8_t vector);
