/*
 * Notifications (kernel/ctl/notify.c) as the rest of the kernel reaches
 * them: whatever is bound to a notification (an interrupt, later a device
 * event) posts bits to it, as notify_signal does for a process.
 */
#pragma once

#include <stdint.h>

struct object;

/*
 * ORs bits into the notification and wakes its waiters. Never sleeps, and its
 * lock disables interrupts, so an interrupt handler may call it. `notify` is an
 * OBJECT_NOTIFY that the caller holds a reference to (taken when it was bound).
 */
void notify_post_object(struct object *notify, uint64_t bits);
