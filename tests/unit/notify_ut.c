/* Host tests for kernel/ctl/notify.c, single-threaded: a fake wait_sleep runs what other threads would do. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/ctl/notify.c"

static struct proc self;

struct proc *proc_current(void) { return &self; }

#include "tests/unit/stubs/kernel_base.h"
#include "tests/unit/stubs/user_memory.h"
#include "tests/unit/stubs/handles.h"
#include "tests/unit/stubs/wait.h"

static long call2(long (*fn)(const struct syscall_args *), uint64_t a, uint64_t b)
{
	struct syscall_args args = { { a, b, 0, 0, 0, 0 } };
	return fn(&args);
}

static uint64_t u(const void *p) { return (uint64_t)(uintptr_t)p; }

static long handle;

static int setup(void **state)
{
	(void)state;
	memset(&self, 0, sizeof(self));
	sleep_hook = NULL;
	sleeps = wake_alls = copy_to_user_faults = 0;
	handle = call2(sys_notify_create, 0, 0);
	assert_true(handle >= 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fake_handle_close_all(&self.handles);
	return 0;
}

static void test_create(void **state)
{
	(void)state;
	assert_int_equal(self.handles.slot[handle].rights,
			 SIETCH_RIGHT_SIGNAL | SIETCH_RIGHT_RECEIVE | SIETCH_RIGHT_DUP);
	assert_int_equal(self.handles.slot[handle].object->type, OBJECT_NOTIFY);
	assert_int_equal(self.handles.slot[handle].object->refs, 1);
}

static void test_signals_coalesce_and_clear(void **state)
{
	(void)state;
	assert_int_equal(call2(sys_notify_signal, (uint64_t)handle, 0x1), 0);
	assert_int_equal(call2(sys_notify_signal, (uint64_t)handle, 0x8000000000000000ull), 0);
	assert_int_equal(call2(sys_notify_signal, (uint64_t)handle, 0x1), 0);
	assert_int_equal(wake_alls, 3);
	uint64_t bits = 0;
	assert_int_equal(call2(sys_notify_wait, (uint64_t)handle, u(&bits)), 0);
	assert_int_equal(bits, 0x8000000000000001ull);
	assert_int_equal(sleeps, 0);
	assert_int_equal(notify_of(self.handles.slot[handle].object)->bits, 0);
}

/* What an interrupt bound to the notification does: post without a handle; anything else is ignored. */
static void test_post_from_the_kernel(void **state)
{
	(void)state;
	struct object *object = self.handles.slot[handle].object;
	notify_post_object(object, 0x4);
	notify_post_object(object, 0x1);
	struct object not_a_notify = OBJECT_INIT(OBJECT_ENDPOINT, &object_ops_none);
	notify_post_object(&not_a_notify, 0x2);
	uint64_t bits = 0;
	assert_int_equal(call2(sys_notify_wait, (uint64_t)handle, u(&bits)), 0);
	assert_int_equal(bits, 0x5);
	assert_int_equal(object->refs, 1);
}

static long signal_from_elsewhere(struct wait_queue *queue)
{
	(void)queue;
	assert_int_equal(call2(sys_notify_signal, (uint64_t)handle, 0x30), 0);
	return 0;
}

static void test_wait_sleeps_until_signalled(void **state)
{
	(void)state;
	sleep_hook = signal_from_elsewhere;
	uint64_t bits = 0;
	assert_int_equal(call2(sys_notify_wait, (uint64_t)handle, u(&bits)), 0);
	assert_int_equal(bits, 0x30);
	assert_int_equal(sleeps, 1);
	assert_int_equal(self.handles.slot[handle].object->refs, 1);
}

static long killed(struct wait_queue *queue)
{
	(void)queue;
	return -SIETCH_EINTR;
}

static void test_killed_waiter(void **state)
{
	(void)state;
	sleep_hook = killed;
	uint64_t bits = 0;
	assert_int_equal(call2(sys_notify_wait, (uint64_t)handle, u(&bits)), -SIETCH_EINTR);
	assert_int_equal(self.handles.slot[handle].object->refs, 1);
}

static void test_undelivered_bits_stay(void **state)
{
	(void)state;
	uint64_t bits = 0;
	assert_int_equal(call2(sys_notify_signal, (uint64_t)handle, 0x5), 0);
	copy_to_user_faults = 1;
	assert_int_equal(call2(sys_notify_wait, (uint64_t)handle, u(&bits)), -SIETCH_EFAULT);
	assert_int_equal(call2(sys_notify_signal, (uint64_t)handle, 0x2), 0);
	assert_int_equal(call2(sys_notify_wait, (uint64_t)handle, u(&bits)), 0);
	assert_int_equal(bits, 0x7);
}

static void test_rights_and_arguments(void **state)
{
	(void)state;
	long signal_only = handle_install(&self.handles, self.handles.slot[handle].object, SIETCH_RIGHT_SIGNAL);
	long receive_only = handle_install(&self.handles, self.handles.slot[handle].object, SIETCH_RIGHT_RECEIVE);
	uint64_t bits;
	assert_int_equal(call2(sys_notify_signal, (uint64_t)handle, 0), -SIETCH_EINVAL);
	assert_int_equal(call2(sys_notify_signal, (uint64_t)receive_only, 1), -SIETCH_EPERM);
	assert_int_equal(call2(sys_notify_wait, (uint64_t)signal_only, u(&bits)), -SIETCH_EPERM);
	assert_int_equal(call2(sys_notify_wait, (uint64_t)handle, 0), -SIETCH_EFAULT);
	assert_int_equal(call2(sys_notify_signal, 99, 1), -SIETCH_EBADF);
	assert_int_equal(call2(sys_notify_wait, (uint64_t)-5, u(&bits)), -SIETCH_EBADF);
	assert_int_equal(self.handles.slot[handle].object->refs, 3);
	assert_int_equal(sleeps, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create, setup, teardown),
		cmocka_unit_test_setup_teardown(test_signals_coalesce_and_clear, setup, teardown),
		cmocka_unit_test_setup_teardown(test_post_from_the_kernel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wait_sleeps_until_signalled, setup, teardown),
		cmocka_unit_test_setup_teardown(test_killed_waiter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_undelivered_bits_stay, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rights_and_arguments, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
