/*
 * Host tests for kernel/ctl/endpoint.c: the call lists and token rules, and
 * the system calls run single-threaded. Whenever the code under test would
 * sleep, the fake wait_sleep runs a hook that plays the other thread (a
 * server receiving and replying, a kill, the last handle closing), with the
 * endpoint's lock released as the real one would.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/ctl/endpoint.c"

/* ---- The kernel around it ---- */

static struct proc self, other;

struct proc *proc_current(void) { return &self; }
void proc_exit_hook_add(struct proc_exit_hook *hook) { (void)hook; } /* endpoint_init: not called here */

#include "tests/unit/stubs/kernel_base.h"
#include "tests/unit/stubs/user_memory.h"
#include "tests/unit/stubs/handles.h"
#include "tests/unit/stubs/wait.h"

/* ---- Shorthands ---- */

static uint64_t u(const void *p) { return (uint64_t)(uintptr_t)p; }

static long call3(long (*fn)(const struct syscall_args *), uint64_t a, uint64_t b, uint64_t c)
{
	struct syscall_args args = { { a, b, c, 0, 0, 0 } };
	return fn(&args);
}

static long new_endpoint(void) { return call3(sys_endpoint_create, 0, 0, 0); }

static struct endpoint *endpoint_at(long h) { return endpoint_of(self.handles.slot[h].object); }

static struct sietch_msg msg_with(uint64_t label)
{
	struct sietch_msg m = { .label = label };
	for (int i = 0; i < SIETCH_MSG_WORDS; i++)
		m.words[i] = label * 100 + (uint64_t)i;
	return m;
}

static int list_length(const struct call_list *list)
{
	int n = 0;
	for (const struct ipc_call *c = list->head; c; c = c->next) {
		n++;
		if (!c->next)
			assert_ptr_equal(c, list->tail);
	}
	if (!n)
		assert_null(list->tail);
	return n;
}

static int setup(void **state)
{
	(void)state;
	memset(&self, 0, sizeof(self));
	memset(&other, 0, sizeof(other));
	object_init(&self.object, OBJECT_PROCESS, &object_ops_none);
	object_init(&other.object, OBJECT_PROCESS, &object_ops_none);
	self.state = other.state = PROC_ALIVE;
	sleep_hook = NULL;
	sleeps = wake_ones = wake_alls = 0;
	copy_to_user_faults = 0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fake_handle_close_all(&self.handles);
	fake_handle_close_all(&other.handles);
	return 0;
}

/* ---- The lists and tokens ---- */

static void test_create_rights(void **state)
{
	(void)state;
	long h = new_endpoint();
	assert_true(h >= 0);
	assert_int_equal(self.handles.slot[h].rights, SIETCH_RIGHT_CALL | SIETCH_RIGHT_RECEIVE | SIETCH_RIGHT_DUP);
	assert_int_equal(self.handles.slot[h].object->type, OBJECT_ENDPOINT);
	assert_int_equal(self.handles.slot[h].object->refs, 1); /* the handle's, and no other */
}

static void test_fifo_and_fresh_tokens(void **state)
{
	(void)state;
	struct endpoint *ep = endpoint_at(new_endpoint());
	struct ipc_call calls[3] = { { 0 } };
	for (int i = 0; i < 3; i++)
		assert_int_equal(endpoint_enqueue_locked(ep, &calls[i]), 0);
	assert_int_equal(wake_ones, 3);
	assert_int_equal(list_length(&ep->queued), 3);

	uint64_t last = 0;
	for (int i = 0; i < 3; i++) {
		struct ipc_call *c = endpoint_take_locked(ep);
		assert_ptr_equal(c, &calls[i]);
		assert_int_equal(c->state, CALL_RECEIVED);
		assert_true(c->token > last && c->token <= INT64_MAX);
		last = c->token;
	}
	assert_null(endpoint_take_locked(ep));
	assert_int_equal(list_length(&ep->queued), 0);
	assert_int_equal(list_length(&ep->received), 3);

	/* the middle one, then the tail: the list stays well formed */
	struct sietch_msg reply = msg_with(7);
	assert_int_equal(endpoint_reply_locked(ep, calls[1].token, &reply), 0);
	assert_int_equal(calls[1].state, CALL_REPLIED);
	assert_int_equal(calls[1].msg.words[3], 703);
	assert_int_equal(list_length(&ep->received), 2);
	assert_int_equal(endpoint_reply_locked(ep, calls[1].token, &reply), -SIETCH_EINVAL); /* only once */
	assert_int_equal(endpoint_reply_locked(ep, calls[2].token, &reply), 0);
	assert_int_equal(list_length(&ep->received), 1);
	assert_int_equal(endpoint_reply_locked(ep, last + 1, &reply), -SIETCH_EINVAL); /* never issued */
	assert_int_equal(endpoint_reply_locked(ep, calls[0].token, &reply), 0);
	assert_int_equal(list_length(&ep->received), 0);
}

static void test_withdraw_makes_token_stale(void **state)
{
	(void)state;
	struct endpoint *ep = endpoint_at(new_endpoint());
	struct ipc_call queued = { 0 }, received = { 0 };
	assert_int_equal(endpoint_enqueue_locked(ep, &received), 0);
	assert_int_equal(endpoint_enqueue_locked(ep, &queued), 0);
	assert_ptr_equal(endpoint_take_locked(ep), &received);

	endpoint_withdraw_locked(ep, &queued);
	endpoint_withdraw_locked(ep, &received);
	assert_int_equal(list_length(&ep->queued), 0);
	assert_int_equal(list_length(&ep->received), 0);
	struct sietch_msg reply = msg_with(1);
	assert_int_equal(endpoint_reply_locked(ep, received.token, &reply), -SIETCH_EINVAL);
	assert_null(endpoint_take_locked(ep));
}

static void test_foreign_token_refused(void **state)
{
	(void)state;
	struct endpoint *a = endpoint_at(new_endpoint()), *b = endpoint_at(new_endpoint());
	struct ipc_call on_a = { 0 }, on_b = { 0 };
	assert_int_equal(endpoint_enqueue_locked(a, &on_a), 0);
	assert_int_equal(endpoint_enqueue_locked(b, &on_b), 0);
	assert_non_null(endpoint_take_locked(a));
	assert_non_null(endpoint_take_locked(b));
	assert_int_not_equal(on_a.token, on_b.token);

	struct sietch_msg reply = msg_with(2);
	assert_int_equal(endpoint_reply_locked(b, on_a.token, &reply), -SIETCH_EINVAL);
	assert_int_equal(on_a.state, CALL_RECEIVED); /* untouched */
	assert_int_equal(endpoint_reply_locked(a, on_a.token, &reply), 0);
	assert_int_equal(endpoint_reply_locked(b, on_b.token, &reply), 0);
}

static void test_untake_requeues_at_front(void **state)
{
	(void)state;
	struct endpoint *ep = endpoint_at(new_endpoint());
	struct ipc_call first = { 0 }, second = { 0 };
	endpoint_enqueue_locked(ep, &first);
	endpoint_enqueue_locked(ep, &second);
	uint64_t token = endpoint_take_locked(ep)->token;
	endpoint_untake_locked(ep, token);
	assert_int_equal(first.state, CALL_QUEUED);
	assert_ptr_equal(endpoint_take_locked(ep), &first);
	assert_true(first.token > token); /* a new token: the one that failed delivery is dead */
	struct sietch_msg reply = msg_with(3);
	assert_int_equal(endpoint_reply_locked(ep, token, &reply), -SIETCH_EINVAL);
	endpoint_untake_locked(ep, token); /* gone: nothing happens */
	assert_ptr_equal(endpoint_take_locked(ep), &second);
}

static void test_close_fails_everything(void **state)
{
	(void)state;
	long h = new_endpoint();
	struct endpoint *ep = endpoint_at(h);
	struct ipc_call queued = { 0 }, received = { 0 };
	endpoint_enqueue_locked(ep, &received);
	endpoint_enqueue_locked(ep, &queued);
	endpoint_take_locked(ep);
	endpoint_close_locked(ep);
	assert_int_equal(queued.state, CALL_FAILED);
	assert_int_equal(received.state, CALL_FAILED);
	assert_int_equal(list_length(&ep->queued) + list_length(&ep->received), 0);
	struct ipc_call late = { 0 };
	assert_int_equal(endpoint_enqueue_locked(ep, &late), -SIETCH_EIO);
}

/* ---- The system calls ---- */

static long server_handle;
static struct sietch_msg server_saw;
static long server_token;

/* The server's side, run while the caller sleeps: receive, check, answer with label + 1000. */
static long serve_one(struct wait_queue *queue)
{
	(void)queue;
	server_token = call3(sys_ipc_receive, (uint64_t)server_handle, u(&server_saw), 0);
	assert_true(server_token > 0);
	struct sietch_msg reply = msg_with(server_saw.label + 1000);
	assert_int_equal(call3(sys_ipc_reply, (uint64_t)server_handle, (uint64_t)server_token, u(&reply)), 0);
	return 0;
}

/* A second handle to the endpoint behind h, with only `rights`, in `table`. */
static long handle_with(struct handle_table *table, long h, uint32_t rights)
{
	return handle_install(table, self.handles.slot[h].object, rights);
}

static void test_call_receive_reply(void **state)
{
	(void)state;
	server_handle = new_endpoint();
	long client = handle_with(&self.handles, server_handle, SIETCH_RIGHT_CALL);
	struct sietch_msg msg = msg_with(5);
	sleep_hook = serve_one;
	assert_int_equal(call3(sys_ipc_call, (uint64_t)client, u(&msg), 0), 0);
	assert_int_equal(sleeps, 1);
	assert_int_equal(server_saw.label, 5);
	assert_int_equal(server_saw.words[7], 507);
	assert_int_equal(msg.label, 1005); /* the reply, in the caller's own buffer */
	assert_int_equal(msg.words[2], 100502);

	struct endpoint *ep = endpoint_at(server_handle);
	assert_int_equal(list_length(&ep->queued) + list_length(&ep->received), 0);
	assert_int_equal(ep->object.refs, 2); /* the two handles: no reference leaked */
	assert_int_equal(ep->holds, 1);       /* the object's own: no hold leaked */
	assert_int_equal(ep->lock.locked, 0);
	/* the token is spent */
	assert_int_equal(call3(sys_ipc_reply, (uint64_t)server_handle, (uint64_t)server_token, u(&msg)),
			 -SIETCH_EINVAL);
}

static void test_rights_and_arguments(void **state)
{
	(void)state;
	long h = new_endpoint();
	long call_only = handle_with(&self.handles, h, SIETCH_RIGHT_CALL);
	long receive_only = handle_with(&self.handles, h, SIETCH_RIGHT_RECEIVE);
	struct sietch_msg msg = msg_with(1);

	assert_int_equal(call3(sys_ipc_call, (uint64_t)receive_only, u(&msg), 0), -SIETCH_EPERM);
	assert_int_equal(call3(sys_ipc_receive, (uint64_t)call_only, u(&msg), 0), -SIETCH_EPERM);
	assert_int_equal(call3(sys_ipc_reply, (uint64_t)call_only, 1, u(&msg)), -SIETCH_EPERM);
	assert_int_equal(call3(sys_ipc_call, 200, u(&msg), 0), -SIETCH_EBADF);
	assert_int_equal(call3(sys_ipc_call, (uint64_t)-1, u(&msg), 0), -SIETCH_EBADF);
	assert_int_equal(call3(sys_ipc_call, (uint64_t)h, 0, 0), -SIETCH_EFAULT);
	assert_int_equal(call3(sys_ipc_receive, (uint64_t)h, 0, 0), -SIETCH_EFAULT);
	assert_int_equal(call3(sys_ipc_reply, (uint64_t)h, 0, u(&msg)), -SIETCH_EINVAL);
	assert_int_equal(call3(sys_ipc_reply, (uint64_t)h, 1ull << 63, u(&msg)), -SIETCH_EINVAL);
	assert_int_equal(call3(sys_ipc_reply, (uint64_t)h, 12345, 0), -SIETCH_EFAULT);
	assert_int_equal(call3(sys_ipc_reply, (uint64_t)h, 12345, u(&msg)), -SIETCH_EINVAL); /* never issued */

	/* a call whose buffer cannot take the reply is refused before anyone sees it */
	copy_to_user_faults = 1;
	assert_int_equal(call3(sys_ipc_call, (uint64_t)h, u(&msg), 0), -SIETCH_EFAULT);
	assert_int_equal(list_length(&endpoint_at(h)->queued), 0);
	assert_int_equal(sleeps, 0);
	assert_int_equal(endpoint_at(h)->object.refs, 3);
}

static long killed(struct wait_queue *queue)
{
	(void)queue;
	return -SIETCH_EINTR;
}

static void test_killed_caller_withdraws(void **state)
{
	(void)state;
	long h = new_endpoint();
	struct sietch_msg msg = msg_with(9);
	sleep_hook = killed;
	assert_int_equal(call3(sys_ipc_call, (uint64_t)h, u(&msg), 0), -SIETCH_EINTR);
	assert_int_equal(msg.label, 9); /* no reply was written */
	struct endpoint *ep = endpoint_at(h);
	assert_int_equal(list_length(&ep->queued), 0);
	assert_int_equal(ep->holds, 1);
	assert_int_equal(ep->object.refs, 1);
	/* the record was freed: the sanitizer would have reported a leak or a use after free */
}

static long received_then_killed(struct wait_queue *queue)
{
	(void)queue;
	server_token = call3(sys_ipc_receive, (uint64_t)server_handle, u(&server_saw), 0);
	assert_true(server_token > 0);
	return -SIETCH_EINTR;
}

static void test_killed_after_receive(void **state)
{
	(void)state;
	server_handle = new_endpoint();
	struct sietch_msg msg = msg_with(4);
	sleep_hook = received_then_killed;
	assert_int_equal(call3(sys_ipc_call, (uint64_t)server_handle, u(&msg), 0), -SIETCH_EINTR);
	/* the server's reply now finds no one: an error, not a write into freed memory */
	struct sietch_msg reply = msg_with(5);
	assert_int_equal(call3(sys_ipc_reply, (uint64_t)server_handle, (uint64_t)server_token, u(&reply)),
			 -SIETCH_EINVAL);
	assert_int_equal(list_length(&endpoint_at(server_handle)->received), 0);
}

static long close_last_handle(struct wait_queue *queue)
{
	(void)queue;
	fake_handle_close_all(&self.handles);
	return 0;
}

static void test_close_wakes_caller_with_eio(void **state)
{
	(void)state;
	long h = new_endpoint();
	struct sietch_msg msg = msg_with(3);
	sleep_hook = close_last_handle;
	assert_int_equal(call3(sys_ipc_call, (uint64_t)h, u(&msg), 0), -SIETCH_EIO);
	assert_null(self.handles.slot[h].object);
	/* the endpoint was freed when the caller let go of it: LeakSanitizer checks */
}

static void test_close_wakes_receiver_with_eio(void **state)
{
	(void)state;
	long h = new_endpoint();
	struct sietch_msg msg;
	sleep_hook = close_last_handle;
	assert_int_equal(call3(sys_ipc_receive, (uint64_t)h, u(&msg), 0), -SIETCH_EIO);
	assert_int_equal(sleeps, 1);
}

static void test_call_on_closing_endpoint(void **state)
{
	(void)state;
	/* The handle is closed while the call is being decoded: the caller's own reference is the last. */
	long h = new_endpoint();
	struct endpoint *ep = endpoint_at(h);
	object_ref(&ep->object);
	fake_handle_close(&self.handles, h);
	struct sietch_msg msg = msg_with(1);
	endpoint_hold_instead(ep); /* drops the last reference: closes */
	assert_true(ep->closed);
	assert_int_equal(endpoint_call(ep, &msg), -SIETCH_EIO);
	uint64_t token;
	assert_int_equal(endpoint_receive(ep, &msg, &token), -SIETCH_EIO);
	endpoint_drop(ep);
}

static long fault_then_serve(struct wait_queue *queue)
{
	(void)queue;
	copy_to_user_faults = 1;
	long lost = call3(sys_ipc_receive, (uint64_t)server_handle, u(&server_saw), 0);
	assert_int_equal(lost, -SIETCH_EFAULT);
	struct endpoint *ep = endpoint_at(server_handle);
	assert_int_equal(list_length(&ep->queued), 1); /* back in the queue, not lost */
	assert_int_equal(serve_one(queue), 0);
	return 0;
}

static void test_receive_fault_requeues(void **state)
{
	(void)state;
	server_handle = new_endpoint();
	struct sietch_msg msg = msg_with(6);
	sleep_hook = fault_then_serve;
	assert_int_equal(call3(sys_ipc_call, (uint64_t)server_handle, u(&msg), 0), 0);
	assert_int_equal(msg.label, 1006);
}

static struct ipc_call arriving;

static long call_arrives_then_killed(struct wait_queue *queue)
{
	struct endpoint *ep = endpoint_at(server_handle);
	assert_ptr_equal(queue, &ep->receivers);
	spin_lock(&ep->lock);
	endpoint_enqueue_locked(ep, &arriving);
	spin_unlock(&ep->lock);
	wake_ones = 0;
	return -SIETCH_EINTR;
}

static void test_killed_receiver_passes_the_wakeup_on(void **state)
{
	(void)state;
	server_handle = new_endpoint();
	memset(&arriving, 0, sizeof(arriving));
	struct sietch_msg msg;
	sleep_hook = call_arrives_then_killed;
	assert_int_equal(call3(sys_ipc_receive, (uint64_t)server_handle, u(&msg), 0), -SIETCH_EINTR);
	assert_int_equal(wake_ones, 1); /* another receiver gets the call this one will not take */
	struct endpoint *ep = endpoint_at(server_handle);
	assert_int_equal(arriving.state, CALL_QUEUED);
	endpoint_withdraw_locked(ep, &arriving);
}

/* ---- handle_send ---- */

static long send(long target, long h, uint64_t rights)
{
	return call3(sys_handle_send, (uint64_t)target, (uint64_t)h, rights);
}

static void test_handle_send(void **state)
{
	(void)state;
	long ep = new_endpoint();
	long child = handle_install(&self.handles, &other.object, SIETCH_RIGHT_WAIT | SIETCH_RIGHT_KILL);
	long in_child = send(child, ep, SIETCH_RIGHT_CALL | SIETCH_RIGHT_DUP);
	assert_true(in_child >= 0);
	assert_ptr_equal(other.handles.slot[in_child].object, self.handles.slot[ep].object);
	assert_int_equal(other.handles.slot[in_child].rights, SIETCH_RIGHT_CALL | SIETCH_RIGHT_DUP);
	assert_int_equal(self.handles.slot[ep].object->refs, 2);
	assert_int_equal(other.object.refs, 2); /* ours and the handle's; the lookup's was dropped */

	/* narrowed, never widened */
	long narrow = handle_with(&self.handles, ep, SIETCH_RIGHT_CALL | SIETCH_RIGHT_DUP);
	assert_int_equal(send(child, narrow, SIETCH_RIGHT_CALL | SIETCH_RIGHT_RECEIVE), -SIETCH_EPERM);
	long again = send(child, narrow, SIETCH_RIGHT_CALL);
	assert_true(again >= 0);
	assert_int_equal(other.handles.slot[again].rights, SIETCH_RIGHT_CALL);
	/* to itself, as handle_dup */
	long mine = send(handle_install(&self.handles, &self.object, SIETCH_RIGHT_KILL), ep, SIETCH_RIGHT_CALL);
	assert_true(mine >= 0);
	assert_int_equal(self.handles.slot[mine].rights, SIETCH_RIGHT_CALL);
	assert_int_equal(self.lock.locked, 0);
}

static void test_handle_send_refusals(void **state)
{
	(void)state;
	long ep = new_endpoint();
	long no_dup = handle_with(&self.handles, ep, SIETCH_RIGHT_CALL);
	long child = handle_install(&self.handles, &other.object, SIETCH_RIGHT_WAIT | SIETCH_RIGHT_KILL);
	long child_no_kill = handle_install(&self.handles, &other.object, SIETCH_RIGHT_WAIT | SIETCH_RIGHT_DUP);

	assert_int_equal(send(child, no_dup, SIETCH_RIGHT_CALL), -SIETCH_EPERM);
	assert_int_equal(send(child_no_kill, ep, SIETCH_RIGHT_CALL), -SIETCH_EPERM);
	assert_int_equal(send(ep, ep, SIETCH_RIGHT_CALL), -SIETCH_EBADF); /* not a process */
	assert_int_equal(send(child, 77, SIETCH_RIGHT_CALL), -SIETCH_EBADF);
	assert_int_equal(send(child, ep, 1u << 9), -SIETCH_EINVAL);
	assert_int_equal(send(child, ep, 1ull << 40), -SIETCH_EINVAL);
	other.dying = true;
	assert_int_equal(send(child, ep, SIETCH_RIGHT_CALL), -SIETCH_ESRCH);
	other.dying = false;
	other.state = PROC_EXITED;
	assert_int_equal(send(child, ep, SIETCH_RIGHT_CALL), -SIETCH_ESRCH);
	for (long h = 0; h < HANDLE_SLOTS; h++)
		assert_null(other.handles.slot[h].object);
	assert_int_equal(self.handles.slot[ep].object->refs, 2); /* nothing leaked by the refusals */
	assert_int_equal(other.object.refs, 3);
	assert_int_equal(other.lock.locked, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_rights, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fifo_and_fresh_tokens, setup, teardown),
		cmocka_unit_test_setup_teardown(test_withdraw_makes_token_stale, setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreign_token_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_untake_requeues_at_front, setup, teardown),
		cmocka_unit_test_setup_teardown(test_close_fails_everything, setup, teardown),
		cmocka_unit_test_setup_teardown(test_call_receive_reply, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rights_and_arguments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_killed_caller_withdraws, setup, teardown),
		cmocka_unit_test_setup_teardown(test_killed_after_receive, setup, teardown),
		cmocka_unit_test_setup_teardown(test_close_wakes_caller_with_eio, setup, teardown),
		cmocka_unit_test_setup_teardown(test_close_wakes_receiver_with_eio, setup, teardown),
		cmocka_unit_test_setup_teardown(test_call_on_closing_endpoint, setup, teardown),
		cmocka_unit_test_setup_teardown(test_receive_fault_requeues, setup, teardown),
		cmocka_unit_test_setup_teardown(test_killed_receiver_passes_the_wakeup_on, setup, teardown),
		cmocka_unit_test_setup_teardown(test_handle_send, setup, teardown),
		cmocka_unit_test_setup_teardown(test_handle_send_refusals, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
