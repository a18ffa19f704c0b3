/*
 * Spinlocks that also disable interrupts, so an interrupt handler on the same
 * CPU can never spin on a lock its own CPU holds (xv6's push_off/pop_off).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct spinlock {
	volatile uint32_t locked;
	int holder_cpu; /* for panics: who holds it */
	const char *name;
};

#define SPINLOCK_INIT(n) { .locked = 0, .holder_cpu = -1, .name = (n) }

void spin_lock(struct spinlock *lock);
void spin_unlock(struct spinlock *lock);
bool spin_held(const struct spinlock *lock);

/* Nested interrupt disabling; the outermost pop restores the saved state. */
void irq_save_push(void);
void irq_restore_pop(void);
