/*
 * Synchronous IPC endpoints, after L4/seL4 call and reply (seL4 manual §4.2,
 * "Endpoints"): a client calls with a small message and blocks; a server
 * receives the message with a reply token naming that call, and later replies
 * to the token, which copies the answer into the client's buffer and wakes it.
 *
 * Every call has a record (struct ipc_call), allocated by the calling thread
 * and freed by it when it leaves, whatever happened. A record is on exactly
 * one of its endpoint's two lists until it is answered: `queued` (waiting for
 * a receiver, first come first served) or `received` (waiting for a reply).
 * Tokens come from one counter that never repeats, and a reply looks its token
 * up only in its own endpoint's `received` list, so a token is good for one
 * reply, on one endpoint, while its caller is still waiting: a stale, reused
 * or foreign token is -SIETCH_EINVAL.
 *
 * An endpoint is closed when its last handle goes: the callers and receivers
 * still waiting get -SIETCH_EIO. For that, a thread sleeping on an endpoint
 * does not keep an object reference (which would keep it open); it keeps a
 * hold instead, which only keeps the memory, and the object's release hook
 * closes the endpoint and drops the object's own hold.
 *
 * A server that dies holding received calls fails them (-SIETCH_EIO), as if
 * it had closed: every endpoint is on one registry that process exit scans.
 *
 * A call and a reply wake their partner to the front of the run queue
 * (wait_wake_one_next): otherwise each step of a round trip waits behind every
 * runnable thread's time slice (a tick, 10 ms) whenever the CPUs are busy.
 *
 * handle_send lives here too: it is how a handle travels to another process,
 * whose new handle value the sender then tells the receiver in a message.
 */
#include <stddef.h>
#include "kernel/arch/spinlock.h"
#include "kernel/ctl/endpoint.h"
#include "kernel/object/handle.h"
#include "kernel/object/object.h"
#include "kernel/ctl/syscall.h"
#include "kernel/mm/heap.h"
#include "kernel/mm/uaccess.h"
#include "kernel/proc/hooks.h"
#include "kernel/proc/proc.h"
#include "kernel/proc/wait.h"
#include "lib/common/syscall.h"

#define ENDPOINT_RIGHTS (SIETCH_RIGHT_CALL | SIETCH_RIGHT_RECEIVE | SIETCH_RIGHT_DUP)

enum call_state { CALL_QUEUED, CALL_RECEIVED, CALL_REPLIED, CALL_FAILED };

struct ipc_call {
	struct ipc_call *next;
	uint64_t token; /* while received */
	uint32_t receiver_pid; /* while received */
	enum call_state state;
	struct sietch_msg msg; /* the request, then the reply */
	struct wait_queue caller;
};

struct call_list {
	struct ipc_call *head, *tail;
};

struct endpoint {
	struct object object; /* OBJECT_ENDPOINT: handles, and calls in progress that do not sleep */
	uint32_t holds;       /* the object itself, and every thread sleeping here */
	struct spinlock lock;
	bool closed;
	struct call_list queued, received;
	struct wait_queue receivers;
	struct endpoint *registry_next;
};

/* Every endpoint not yet freed; the lock order is registry_lock, then an endpoint's lock. */
static struct endpoint *registry;
static struct spinlock registry_lock = SPINLOCK_INIT("endpoint_registry");

static uint64_t next_token = 1;

/* ---- The lists and the token rules: no locks, no sleeping. ---- */

static void call_list_append(struct call_list *list, struct ipc_call *call)
{
	call->next = NULL;
	if (list->tail)
		list->tail->next = call;
	else
		list->head = call;
	list->tail = call;
}

static void call_list_prepend(struct call_list *list, struct ipc_call *call)
{
	call->next = list->head;
	list->head = call;
	if (!list->tail)
		list->tail = call;
}

static struct ipc_call *call_list_pop(struct call_list *list)
{
	struct ipc_call *call = list->head;
	if (call) {
		list->head = call->next;
		if (!list->head)
			list->tail = NULL;
		call->next = NULL;
	}
	return call;
}

/* Unlinks the record *link points at (the head pointer or a record's next). */
static struct ipc_call *call_list_unlink(struct call_list *list, struct ipc_call **link)
{
	struct ipc_call *call = *link;
	*link = call->next;
	if (list->tail == call) /* a link that is not the head is the `next` of the record before */
		list->tail = link == &list->head ? NULL : container_of(link, struct ipc_call, next);
	call->next = NULL;
	return call;
}

static bool call_list_remove(struct call_list *list, struct ipc_call *call)
{
	for (struct ipc_call **link = &list->head; *link; link = &(*link)->next)
		if (*link == call) {
			call_list_unlink(list, link);
			return true;
		}
	return false;
}

static struct ipc_call *call_list_take_token(struct call_list *list, uint64_t token)
{
	for (struct ipc_call **link = &list->head; *link; link = &(*link)->next)
		if ((*link)->token == token)
			return call_list_unlink(list, link);
	return NULL;
}

/* ---- Endpoint operations, with ep->lock held. ---- */

static long endpoint_enqueue_locked(struct endpoint *ep, struct ipc_call *call)
{
	if (ep->closed)
		return -SIETCH_EIO;
	call->state = CALL_QUEUED;
	call_list_append(&ep->queued, call);
	wait_wake_one_next(&ep->receivers); /* the caller waits for it from now on */
	return 0;
}

/* The oldest queued call, now received under a fresh token; NULL if none is queued. */
static struct ipc_call *endpoint_take_locked(struct endpoint *ep)
{
	struct ipc_call *call = call_list_pop(&ep->queued);
	if (!call)
		return NULL;
	call->token = __atomic_fetch_add(&next_token, 1, __ATOMIC_RELAXED);
	call->receiver_pid = proc_current()->pid;
	call->state = CALL_RECEIVED;
	call_list_append(&ep->received, call);
	return call;
}

/* A receiver could not take delivery: the call goes back to the front of the queue. */
static void endpoint_untake_locked(struct endpoint *ep, uint64_t token)
{
	struct ipc_call *call = call_list_take_token(&ep->received, token);
	if (!call)
		return; /* its caller has left, or the endpoint closed */
	call->state = CALL_QUEUED;
	call_list_prepend(&ep->queued, call);
	wait_wake_one(&ep->receivers);
}

static long endpoint_reply_locked(struct endpoint *ep, uint64_t token, const struct sietch_msg *msg)
{
	struct ipc_call *call = call_list_take_token(&ep->received, token);
	if (!call)
		return -SIETCH_EINVAL;
	call->msg = *msg;
	call->state = CALL_REPLIED;
	wait_wake_one_next(&call->caller); /* its one thread, ahead of the time slices of others */
	return 0;
}

/* The caller is leaving (killed): take its call off whichever list has it. */
static void endpoint_withdraw_locked(struct endpoint *ep, struct ipc_call *call)
{
	if (call->state == CALL_QUEUED)
		call_list_remove(&ep->queued, call);
	else if (call->state == CALL_RECEIVED)
		call_list_remove(&ep->received, call);
	call->state = CALL_FAILED;
}

static void endpoint_fail_all_locked(struct call_list *list)
{
	struct ipc_call *call;
	while ((call = call_list_pop(list))) {
		call->state = CALL_FAILED;
		wait_wake_all(&call->caller);
	}
}

/* The receiver of these calls has died: nobody will ever reply to them. */
static void endpoint_fail_received_by_locked(struct endpoint *ep, uint32_t pid)
{
	struct ipc_call **link = &ep->received.head;
	while (*link) {
		if ((*link)->receiver_pid != pid) {
			link = &(*link)->next;
			continue;
		}
		struct ipc_call *call = call_list_unlink(&ep->received, link);
		call->state = CALL_FAILED;
		wait_wake_all(&call->caller);
	}
}

static void endpoint_close_locked(struct endpoint *ep)
{
	ep->closed = true;
	endpoint_fail_all_locked(&ep->queued);
	endpoint_fail_all_locked(&ep->received);
	wait_wake_all(&ep->receivers);
}

/* ---- Lifetime ---- */

static struct endpoint *endpoint_of(struct object *object) { return container_of(object, struct endpoint, object); }

static void endpoint_drop(struct endpoint *ep)
{
	if (__atomic_sub_fetch(&ep->holds, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	spin_lock(&registry_lock);
	for (struct endpoint **link = &registry; *link; link = &(*link)->registry_next)
		if (*link == ep) {
			*link = ep->registry_next;
			break;
		}
	spin_unlock(&registry_lock);
	kfree(ep);
}

void endpoint_process_exited(uint32_t pid)
{
	spin_lock(&registry_lock);
	for (struct endpoint *ep = registry; ep; ep = ep->registry_next) {
		spin_lock(&ep->lock);
		endpoint_fail_received_by_locked(ep, pid);
		spin_unlock(&ep->lock);
	}
	spin_unlock(&registry_lock);
}

static void endpoint_proc_exited(struct proc *p) { endpoint_process_exited(p->pid); }

static struct proc_exit_hook endpoint_exit_hook = { .exited = endpoint_proc_exited };

void endpoint_init(void) { proc_exit_hook_add(&endpoint_exit_hook); }

/* Trades the caller's object reference for a hold, so that sleeping does not keep the endpoint open. */
static void endpoint_hold_instead(struct endpoint *ep)
{
	__atomic_add_fetch(&ep->holds, 1, __ATOMIC_ACQ_REL);
	object_unref(&ep->object); /* may close it right here */
}

static void endpoint_release(struct object *object)
{
	struct endpoint *ep = endpoint_of(object);
	spin_lock(&ep->lock);
	endpoint_close_locked(ep);
	spin_unlock(&ep->lock);
	endpoint_drop(ep);
}

static const struct object_ops endpoint_ops = { .release = endpoint_release };

/* ---- Invocations ---- */

/* Sends msg and sleeps until it is answered; the reply replaces *msg. Needs a hold on ep. */
static long endpoint_call(struct endpoint *ep, struct sietch_msg *msg)
{
	struct ipc_call *call = kzalloc(sizeof(*call));
	if (!call)
		return -SIETCH_ENOMEM;
	call->msg = *msg;
	call->caller = (struct wait_queue)WAIT_QUEUE_INIT;
	spin_lock(&ep->lock);
	long err = endpoint_enqueue_locked(ep, call);
	while (!err && (call->state == CALL_QUEUED || call->state == CALL_RECEIVED)) {
		err = wait_sleep(&call->caller, &ep->lock);
		if (err)
			endpoint_withdraw_locked(ep, call);
	}
	if (!err && call->state == CALL_FAILED)
		err = -SIETCH_EIO;
	if (!err)
		*msg = call->msg;
	spin_unlock(&ep->lock);
	kfree(call);
	return err;
}

/* Sleeps until a call is queued; its message goes to *msg and its token to *token. Needs a hold on ep. */
static long endpoint_receive(struct endpoint *ep, struct sietch_msg *msg, uint64_t *token)
{
	spin_lock(&ep->lock);
	struct ipc_call *call;
	long err = 0;
	while (!(call = endpoint_take_locked(ep))) {
		err = ep->closed ? -SIETCH_EIO : wait_sleep(&ep->receivers, &ep->lock);
		if (err)
			break;
	}
	if (err == -SIETCH_EINTR && ep->queued.head)
		wait_wake_one(&ep->receivers); /* a wake-up meant for this thread goes to another */
	if (!err) {
		*msg = call->msg;
		*token = call->token;
	}
	spin_unlock(&ep->lock);
	return err;
}

long sys_endpoint_create(const struct syscall_args *args)
{
	(void)args;
	struct endpoint *ep = kzalloc(sizeof(*ep));
	if (!ep)
		return -SIETCH_ENOMEM;
	object_init(&ep->object, OBJECT_ENDPOINT, &endpoint_ops);
	ep->holds = 1;
	ep->lock = (struct spinlock)SPINLOCK_INIT("endpoint");
	ep->receivers = (struct wait_queue)WAIT_QUEUE_INIT;
	spin_lock(&registry_lock);
	ep->registry_next = registry;
	registry = ep;
	spin_unlock(&registry_lock);
	long handle = handle_install(proc_handles(), &ep->object, ENDPOINT_RIGHTS);
	object_unref(&ep->object); /* the handle has its own reference, or it failed and this frees ep */
	return handle;
}

long sys_ipc_call(const struct syscall_args *args)
{
	uint64_t user_msg = args->arg[1];
	struct sietch_msg msg;
	struct endpoint *ep;
	long err = handle_get_as(proc_handles(), (long)args->arg[0], OBJECT_ENDPOINT, SIETCH_RIGHT_CALL, &ep);
	if (err)
		return err;
	err = copy_from_user(&msg, user_msg, sizeof(msg));
	if (!err) /* the reply comes back here: find out now, not after the server has done the work */
		err = copy_to_user(user_msg, &msg, sizeof(msg));
	if (err) {
		object_unref(&ep->object);
		return err;
	}

	endpoint_hold_instead(ep);
	err = endpoint_call(ep, &msg);
	endpoint_drop(ep);
	return err ? err : copy_to_user(user_msg, &msg, sizeof(msg));
}

long sys_ipc_receive(const struct syscall_args *args)
{
	uint64_t user_msg = args->arg[1];
	struct endpoint *ep;
	long err = handle_get_as(proc_handles(), (long)args->arg[0], OBJECT_ENDPOINT, SIETCH_RIGHT_RECEIVE, &ep);
	if (err)
		return err;
	if (!user_range_ok(user_msg, sizeof(struct sietch_msg))) {
		object_unref(&ep->object);
		return -SIETCH_EFAULT;
	}

	struct sietch_msg msg;
	uint64_t token = 0;
	endpoint_hold_instead(ep);
	err = endpoint_receive(ep, &msg, &token);
	if (!err && (err = copy_to_user(user_msg, &msg, sizeof(msg)))) {
		spin_lock(&ep->lock);
		endpoint_untake_locked(ep, token);
		spin_unlock(&ep->lock);
	}
	endpoint_drop(ep);
	return err ? err : (long)token;
}

long sys_ipc_reply(const struct syscall_args *args)
{
	uint64_t token = args->arg[1], user_msg = args->arg[2];
	struct sietch_msg msg;
	struct endpoint *ep;
	long err = handle_get_as(proc_handles(), (long)args->arg[0], OBJECT_ENDPOINT, SIETCH_RIGHT_RECEIVE, &ep);
	if (err)
		return err;
	if (token == 0 || token > INT64_MAX)
		err = -SIETCH_EINVAL;
	else
		err = copy_from_user(&msg, user_msg, sizeof(msg));

	if (!err) {
		spin_lock(&ep->lock);
		err = endpoint_reply_locked(ep, token, &msg);
		spin_unlock(&ep->lock);
	}
	object_unref(&ep->object);
	return err;
}

/*
 * handle_send(process, handle, rights): puts a copy of `handle` with
 * `rights` into the handle table of the process that the first handle names,
 * and returns the new handle's value there; the sender passes that value on
 * in a message. As for handle_dup, the handle sent needs SIETCH_RIGHT_DUP and
 * `rights` must be among those it has (-SIETCH_EPERM), or -SIETCH_EINVAL for
 * bits outside SIETCH_RIGHTS_ALL. The process handle needs SIETCH_RIGHT_KILL:
 * whoever may end a process may also hand it things, and that is its parent
 * (spawn's handle) and whoever proc_open lets in. A process that is exiting
 * or has exited takes no handles: -SIETCH_ESRCH.
 */
static long handle_send_invoke(struct proc *target, struct object *object, uint32_t rights)
{
	/* Under target->lock: exit marks the process dying under it before closing its table, so a
	 * handle put in here is either seen by that close or refused. */
	spin_lock(&target->lock);
	long handle = -SIETCH_ESRCH;
	if (target->state == PROC_ALIVE && !target->dying)
		handle = handle_install(&target->handles, object, rights);
	spin_unlock(&target->lock);
	return handle;
}

long sys_handle_send(const struct syscall_args *args)
{
	struct handle_table *table = proc_handles();
	uint64_t rights = args->arg[2];
	struct proc *target;
	struct object *object = NULL;
	uint32_t held;
	if (rights & ~(uint64_t)SIETCH_RIGHTS_ALL)
		return -SIETCH_EINVAL;
	long err = handle_get_as(table, (long)args->arg[0], OBJECT_PROCESS, SIETCH_RIGHT_KILL, &target);
	if (err)
		return err;
	err = handle_get(table, (long)args->arg[1], 0, SIETCH_RIGHT_DUP, &object, &held);
	if (!err && (rights & ~(uint64_t)held))
		err = -SIETCH_EPERM; /* rights are only ever narrowed */

	if (!err)
		err = handle_send_invoke(target, object, (uint32_t)rights);
	object_unref(object);
	object_unref(&target->object);
	return err;
}
