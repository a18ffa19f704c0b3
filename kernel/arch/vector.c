/*
 * Who owns each interrupt vector: a fixed handler (trap_set_handler) or an
 * interrupt object (vector_bind), and which of the dynamic range are free.
 * Each vector has a lock that delivery holds, so unbinding waits out a
 * delivery running on another CPU.
 */
#include "kernel/arch/vector.h"
#include <stdbool.h>
#include "kernel/arch/interrupt_internal.h"
#include "kernel/arch/spinlock.h"
#include "kernel/arch/trap.h"
#include "kernel/console.h"
#include "lib/common/syscall.h"

struct vector_slot {
	struct spinlock lock;
	irq_handler_fn handler; /* fixed vectors */
	struct interrupt *irq;  /* allocated vectors, once bound */
	bool allocated;
};

static struct vector_slot slots[256] = { [0 ... 255] = { .lock = SPINLOCK_INIT("vector") } };
static struct spinlock alloc_lock = SPINLOCK_INIT("vector_alloc");

static bool vector_dynamic(uint32_t v) { return v >= VECTOR_DYNAMIC_FIRST && v <= VECTOR_DYNAMIC_LAST; }

void trap_set_handler(uint8_t vector, irq_handler_fn handler)
{
	if (vector_dynamic(vector))
		panic("trap_set_handler: vector 0x%x belongs to the allocator", vector);
	slots[vector].handler = handler;
}

int vector_alloc(void)
{
	int found = -SIETCH_ENOSPC;
	spin_lock(&alloc_lock);
	for (uint32_t v = VECTOR_DYNAMIC_FIRST; v <= VECTOR_DYNAMIC_LAST; v++) {
		if (!slots[v].allocated) {
			slots[v].allocated = true;
			found = (int)v;
			break;
		}
	}
	spin_unlock(&alloc_lock);
	return found;
}

void vector_free(uint8_t vector)
{
	if (!vector_dynamic(vector) || !slots[vector].allocated)
		panic("vector_free: 0x%x was not allocated", vector);
	vector_bind(vector, 0);
	spin_lock(&alloc_lock);
	slots[vector].allocated = false;
	spin_unlock(&alloc_lock);
}

uint32_t vector_free_count(void)
{
	uint32_t n = 0;
	spin_lock(&alloc_lock);
	for (uint32_t v = VECTOR_DYNAMIC_FIRST; v <= VECTOR_DYNAMIC_LAST; v++)
		n += !slots[v].allocated;
	spin_unlock(&alloc_lock);
	return n;
}

void vector_bind(uint8_t vector, struct interrupt *irq)
{
	struct vector_slot *slot = &slots[vector];
	spin_lock(&slot->lock);
	slot->irq = irq;
	spin_unlock(&slot->lock);
}

void vector_lock(uint8_t vector) { spin_lock(&slots[vector].lock); }
void vector_unlock(uint8_t vector) { spin_unlock(&slots[vector].lock); }

void vector_dispatch(struct trap_frame *frame)
{
	struct vector_slot *slot = &slots[frame->vector & 0xff];
	if (slot->handler) {
		slot->handler(frame);
		return;
	}
	if (!slot->allocated)
		return; /* spurious, or raised after its interrupt was freed */
	spin_lock(&slot->lock);
	if (slot->irq)
		interrupt_deliver(slot->irq);
	spin_unlock(&slot->lock);
}
