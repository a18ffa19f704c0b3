/* A device interrupt that signals a notification (kernel/ctl/notify.h). */
#include "kernel/arch/interrupt.h"
#include "kernel/ctl/notify.h"
#include "kernel/object/object.h"
#include "kernel/mm/heap.h"
#include "lib/common/syscall.h"

struct notify_binding {
	struct notify *notify;
	uint64_t bits;
};

static void notify_interrupt_fire(struct interrupt *irq, void *context)
{
	(void)irq;
	struct notify_binding *b = context;
	notify_post(b->notify, b->bits);
}

long notify_bind_interrupt(struct notify *n, struct interrupt *irq, uint64_t bits)
{
	if (!bits || irq->kind == INTERRUPT_NONE)
		return -SIETCH_EINVAL;
	if (irq->fn)
		return -SIETCH_EBUSY;
	struct notify_binding *b = kmalloc(sizeof(*b));
	if (!b)
		return -SIETCH_ENOMEM;
	b->notify = n;
	b->bits = bits;
	object_ref(notify_object(n));
	interrupt_set_handler(irq, notify_interrupt_fire, b);
	return 0;
}

void notify_unbind_interrupt(struct interrupt *irq)
{
	if (irq->fn != notify_interrupt_fire)
		return;
	struct notify_binding *b = irq->context;
	interrupt_set_handler(irq, 0, 0); /* no delivery is still using b after this */
	object_unref(notify_object(b->notify));
	kfree(b);
}
