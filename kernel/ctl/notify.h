/*
 * Notifications for kernel code: the objects behind sys_notify_* (notify.c),
 * and their binding to device interrupts (notify_interrupt.c), so that a
 * process owning a device sleeps in notify_wait until its interrupt fires.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct notify;
struct object;
struct interrupt;

struct notify *notify_create(void);          /* with one reference, the caller's; NULL if out of memory */
struct object *notify_object(struct notify *n); /* for object_ref / object_unref / handle_install */
/* The notification behind an OBJECT_NOTIFY object (from handle_get_typed); NULL for any other type. */
struct notify *notify_from_object(struct object *object);
/* ORs bits in and wakes the waiters. Safe in interrupt context. */
void notify_post(struct notify *n, uint64_t bits);
/* Takes the pending bits without sleeping; false if there were none. */
bool notify_try_take(struct notify *n, uint64_t *bits);

/*
 * Every delivery of irq posts bits to n, until notify_unbind_interrupt. The
 * binding holds a reference on n. irq must have been allocated
 * (kernel/arch/interrupt.h) and must be unbound before interrupt_free.
 * Returns 0, -SIETCH_EINVAL (bits 0), -SIETCH_EBUSY (irq already bound),
 * -SIETCH_ENOMEM.
 */
long notify_bind_interrupt(struct notify *n, struct interrupt *irq, uint64_t bits);
void notify_unbind_interrupt(struct interrupt *irq);

/*
 * ORs bits into the notification behind an OBJECT_NOTIFY object and wakes its
 * waiters. Never sleeps, and its lock disables interrupts, so an interrupt
 * handler may call it. The caller holds a reference (taken when it was bound).
 */
void notify_post_object(struct object *notify, uint64_t bits);
