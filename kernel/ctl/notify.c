/*
 * Notifications: a word of bits that signalers OR in and a waiter takes all at
 * once, as seL4's notification objects (seL4 manual §5, "Notifications"). A
 * signal never blocks and signals coalesce, so an interrupt-like event source
 * can post to a server that is busy; the server learns which sources fired.
 */
#include <stddef.h>
#include "kernel/arch/spinlock.h"
#include "kernel/object/handle.h"
#include "kernel/ctl/notify.h"
#include "kernel/object/object.h"
#include "kernel/ctl/syscall.h"
#include "kernel/mm/heap.h"
#include "kernel/mm/uaccess.h"
#include "kernel/proc/proc.h"
#include "kernel/proc/wait.h"
#include "lib/common/syscall.h"

#define NOTIFY_RIGHTS (SIETCH_RIGHT_SIGNAL | SIETCH_RIGHT_RECEIVE | SIETCH_RIGHT_DUP)

struct notify {
	struct object object; /* OBJECT_NOTIFY */
	struct spinlock lock;
	uint64_t bits;
	struct wait_queue waiters;
};

static struct notify *notify_of(struct object *object) { return container_of(object, struct notify, object); }

struct notify *notify_from_object(struct object *object)
{
	return object && object->type == OBJECT_NOTIFY ? notify_of(object) : 0;
}

static void notify_release(struct object *object) { kfree(notify_of(object)); }

static const struct object_ops notify_ops = { .release = notify_release };

void notify_post(struct notify *n, uint64_t bits)
{
	spin_lock(&n->lock);
	n->bits |= bits;
	wait_wake_all(&n->waiters);
	spin_unlock(&n->lock);
}

void notify_post_object(struct object *notify, uint64_t bits)
{
	if (notify->type == OBJECT_NOTIFY)
		notify_post(notify_of(notify), bits);
}

/* Sleeps until some bit is set, then takes them all. */
static long notify_take(struct notify *n, uint64_t *bits)
{
	long err = 0;
	spin_lock(&n->lock);
	while (!n->bits && !err)
		err = wait_sleep(&n->waiters, &n->lock);
	if (!err) {
		*bits = n->bits;
		n->bits = 0;
	}
	spin_unlock(&n->lock);
	return err;
}

bool notify_try_take(struct notify *n, uint64_t *bits)
{
	spin_lock(&n->lock);
	*bits = n->bits;
	n->bits = 0;
	spin_unlock(&n->lock);
	return *bits != 0;
}

struct object *notify_object(struct notify *n) { return &n->object; }

struct notify *notify_create(void)
{
	struct notify *n = kzalloc(sizeof(*n));
	if (!n)
		return 0;
	object_init(&n->object, OBJECT_NOTIFY, &notify_ops);
	n->lock = (struct spinlock)SPINLOCK_INIT("notify");
	n->waiters = (struct wait_queue)WAIT_QUEUE_INIT;
	return n;
}

long sys_notify_create(const struct syscall_args *args)
{
	(void)args;
	struct notify *n = notify_create();
	if (!n)
		return -SIETCH_ENOMEM;
	long handle = handle_install(proc_handles(), &n->object, NOTIFY_RIGHTS);
	object_unref(&n->object); /* the handle has its own reference, or it failed and this frees n */
	return handle;
}

long sys_notify_signal(const struct syscall_args *args)
{
	uint64_t bits = args->arg[1];
	struct notify *n;
	long err = handle_get_as(proc_handles(), (long)args->arg[0], OBJECT_NOTIFY, SIETCH_RIGHT_SIGNAL, &n);
	if (err)
		return err;
	if (bits == 0) {
		object_unref(&n->object);
		return -SIETCH_EINVAL;
	}

	notify_post(n, bits);
	object_unref(&n->object);
	return 0;
}

long sys_notify_wait(const struct syscall_args *args)
{
	uint64_t user_bits = args->arg[1], bits = 0;
	struct notify *n;
	long err = handle_get_as(proc_handles(), (long)args->arg[0], OBJECT_NOTIFY, SIETCH_RIGHT_RECEIVE, &n);
	if (err)
		return err;
	if (!user_range_ok(user_bits, sizeof(bits))) {
		object_unref(&n->object);
		return -SIETCH_EFAULT;
	}

	err = notify_take(n, &bits);
	if (!err && (err = copy_to_user(user_bits, &bits, sizeof(bits))))
		notify_post(n, bits); /* not delivered: the bits stay pending for the next wait */
	object_unref(&n->object);
	return err;
}
