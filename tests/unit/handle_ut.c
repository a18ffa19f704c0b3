/* Host tests for kernel/object/handle.c. */
#include <stdarg.h>
#include <stddef.h>
#include <limits.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/stubs/kernel_base.h"
#include "kernel/object/handle.c"

struct test_object {
	struct object object;
	int released;
};

static void test_release(struct object *object) { container_of(object, struct test_object, object)->released++; }

static const struct object_ops test_ops = { .release = test_release };

static void test_object_init(struct test_object *t, uint32_t type)
{
	t->released = 0;
	object_init(&t->object, type, &test_ops);
}

static int setup(void **state)
{
	struct handle_table *table = malloc(sizeof(*table));
	memset(table, 0xa5, sizeof(*table)); /* init must not rely on zeroed memory */
	handle_table_init(table);
	*state = table;
	return 0;
}

static int teardown(void **state)
{
	struct handle_table *table = *state;
	assert_int_equal(table->lock.locked, 0);
	free(table);
	return 0;
}

static void test_init_empty(void **state)
{
	struct handle_table *table = *state;
	struct object *out = 0;
	for (long h = 0; h < HANDLE_SLOTS; h++)
		assert_int_equal(handle_get(table, h, 0, 0, &out, 0), -SIETCH_EBADF);
	assert_null(out);
}

static void test_install_get(void **state)
{
	struct handle_table *table = *state;
	struct test_object file;
	test_object_init(&file, OBJECT_FILE);

	long h = handle_install(table, &file.object, SIETCH_RIGHT_READ | SIETCH_RIGHT_DUP);
	assert_int_equal(h, 0);
	assert_int_equal(file.object.refs, 2);

	struct object *out = 0;
	uint32_t rights = 0;
	assert_int_equal(handle_get(table, h, OBJECT_FILE, SIETCH_RIGHT_READ, &out, &rights), 0);
	assert_ptr_equal(out, &file.object);
	assert_int_equal(rights, SIETCH_RIGHT_READ | SIETCH_RIGHT_DUP);
	assert_int_equal(file.object.refs, 3);
	object_unref(out);

	out = 0;
	assert_int_equal(handle_get(table, h, 0, 0, &out, 0), 0); /* type 0: any; rights_out may be NULL */
	assert_ptr_equal(out, &file.object);
	object_unref(out);
	assert_int_equal(file.object.refs, 2);

	/* the next install takes the next free slot */
	assert_int_equal(handle_install(table, &file.object, SIETCH_RIGHT_READ), 1);
	handle_table_close_all(table);
	assert_int_equal(file.object.refs, 1);
	assert_int_equal(file.released, 0);
}

static void test_wrong_type_and_rights(void **state)
{
	struct handle_table *table = *state;
	struct test_object dir;
	test_object_init(&dir, OBJECT_DIR);
	long h = handle_install(table, &dir.object, SIETCH_RIGHT_READ);
	struct object *out = 0;

	assert_int_equal(handle_get(table, h, OBJECT_FILE, 0, &out, 0), -SIETCH_EBADF);
	assert_int_equal(handle_get(table, h, OBJECT_DIR, SIETCH_RIGHT_WRITE, &out, 0), -SIETCH_EPERM);
	assert_int_equal(handle_get(table, h, 0, SIETCH_RIGHT_READ | SIETCH_RIGHT_EXEC, &out, 0), -SIETCH_EPERM);
	assert_null(out);
	assert_int_equal(dir.object.refs, 2); /* failures take no reference */
	handle_table_close_all(table);
}

/* The object a typed lookup hands back sits anywhere in its struct: container_of finds the struct. */
struct test_wrapper {
	uint64_t before[3];
	struct object object;
	int tag;
};

static void test_typed_lookup(void **state)
{
	struct handle_table *table = *state;
	struct test_wrapper endpoint = { .tag = 42 }, notify = { .tag = 7 };
	object_init(&endpoint.object, OBJECT_ENDPOINT, &object_ops_none);
	object_init(&notify.object, OBJECT_NOTIFY, &object_ops_none);
	long ep = handle_install(table, &endpoint.object, SIETCH_RIGHT_CALL);
	long n = handle_install(table, &notify.object, SIETCH_RIGHT_SIGNAL);

	struct test_wrapper *out = 0;
	assert_int_equal(handle_get_as(table, ep, OBJECT_ENDPOINT, SIETCH_RIGHT_CALL, &out), 0);
	assert_ptr_equal(out, &endpoint);
	assert_int_equal(out->tag, 42);
	assert_int_equal(endpoint.object.refs, 3); /* the caller's own reference */
	object_unref(&out->object);

	/* a handle to something else is not a handle of this type: EBADF, and nothing is written or held */
	out = 0;
	assert_int_equal(handle_get_as(table, n, OBJECT_ENDPOINT, 0, &out), -SIETCH_EBADF);
	assert_int_equal(handle_get_as(table, ep, OBJECT_NOTIFY, 0, &out), -SIETCH_EBADF);
	assert_int_equal(handle_get_as(table, ep, OBJECT_MEMORY, SIETCH_RIGHT_CALL, &out), -SIETCH_EBADF);
	assert_int_equal(handle_get_as(table, ep, 0, 0, &out), -SIETCH_EBADF); /* no type is no wildcard */
	assert_int_equal(handle_get_as(table, n, OBJECT_NOTIFY, SIETCH_RIGHT_RECEIVE, &out), -SIETCH_EPERM);
	assert_int_equal(handle_get_as(table, ep + 1000, OBJECT_ENDPOINT, 0, &out), -SIETCH_EBADF);
	assert_null(out);
	assert_int_equal(endpoint.object.refs, 2);
	assert_int_equal(notify.object.refs, 2);
	handle_table_close_all(table);
}

static void test_install_masks_rights(void **state)
{
	struct handle_table *table = *state;
	struct test_object t;
	test_object_init(&t, OBJECT_CONSOLE);
	long h = handle_install(table, &t.object, 0xffffffffu);
	struct object *out;
	uint32_t rights;
	assert_int_equal(handle_get(table, h, 0, 0, &out, &rights), 0);
	assert_int_equal(rights, SIETCH_RIGHTS_ALL);
	object_unref(out);
	assert_int_equal(handle_install(table, 0, SIETCH_RIGHT_READ), -SIETCH_EINVAL);
	handle_table_close_all(table);
}

static void test_bad_values(void **state)
{
	struct handle_table *table = *state;
	struct test_object t;
	test_object_init(&t, OBJECT_FILE);
	long h = handle_install(table, &t.object, SIETCH_RIGHTS_ALL);
	struct object *out = 0;
	const long bad[] = { -1, -SIETCH_EBADF, -(long)HANDLE_SLOTS, LONG_MIN, LONG_MAX, 1, HANDLE_SLOTS - 1,
			     h + HANDLE_SLOTS, h + 7 * HANDLE_SLOTS, (long)HANDLE_GENERATIONS * HANDLE_SLOTS + h,
			     (long)(uint64_t)-1 };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(handle_get(table, bad[i], 0, 0, &out, 0), -SIETCH_EBADF);
		assert_int_equal(handle_close(table, bad[i]), -SIETCH_EBADF);
		assert_int_equal(handle_dup(table, bad[i], 0), -SIETCH_EBADF);
	}
	assert_null(out);
	assert_int_equal(t.object.refs, 2);
	handle_table_close_all(table);
}

static void test_close(void **state)
{
	struct handle_table *table = *state;
	struct test_object t;
	test_object_init(&t, OBJECT_FILE);
	long h = handle_install(table, &t.object, SIETCH_RIGHT_READ);
	object_unref(&t.object); /* the table holds the only reference now */
	assert_int_equal(t.object.refs, 1);

	assert_int_equal(handle_close(table, h), 0);
	assert_int_equal(t.released, 1);
	struct object *out = 0;
	assert_int_equal(handle_get(table, h, 0, 0, &out, 0), -SIETCH_EBADF);
	assert_int_equal(handle_close(table, h), -SIETCH_EBADF);
	assert_int_equal(t.released, 1);
}

static void test_generation_reuse(void **state)
{
	struct handle_table *table = *state;
	struct test_object a, b;
	test_object_init(&a, OBJECT_FILE);
	test_object_init(&b, OBJECT_FILE);

	long ha = handle_install(table, &a.object, SIETCH_RIGHT_READ);
	assert_int_equal(ha, 0);
	assert_int_equal(handle_close(table, ha), 0);
	long hb = handle_install(table, &b.object, SIETCH_RIGHT_READ);
	assert_int_equal(hb % HANDLE_SLOTS, 0); /* same slot ... */
	assert_int_equal(hb, HANDLE_SLOTS);     /* ... next generation */

	struct object *out = 0;
	assert_int_equal(handle_get(table, ha, 0, 0, &out, 0), -SIETCH_EBADF); /* the old value names nothing */
	assert_int_equal(handle_close(table, ha), -SIETCH_EBADF);
	assert_int_equal(handle_get(table, hb, 0, 0, &out, 0), 0);
	assert_ptr_equal(out, &b.object);
	object_unref(out);
	handle_table_close_all(table);
	assert_int_equal(a.object.refs, 1);
	assert_int_equal(b.object.refs, 1);
}

static void test_generation_wraps_below_int_max(void **state)
{
	struct handle_table *table = *state;
	struct test_object t;
	test_object_init(&t, OBJECT_FILE);
	table->slot[5].generation = HANDLE_GENERATIONS - 1;
	long h = handle_install_at(table, 5, &t.object, SIETCH_RIGHT_READ);
	assert_int_equal(h, (long)(HANDLE_GENERATIONS - 1) * HANDLE_SLOTS + 5);
	assert_true(h <= INT32_MAX);
	struct object *out;
	assert_int_equal(handle_get(table, h, 0, 0, &out, 0), 0);
	object_unref(out);
	assert_int_equal(handle_close(table, h), 0);
	assert_int_equal(table->slot[5].generation, 0);
	assert_int_equal(handle_install_at(table, 5, &t.object, SIETCH_RIGHT_READ), 5);
	assert_int_equal(handle_get(table, h, 0, 0, &out, 0), -SIETCH_EBADF);
	handle_table_close_all(table);
}

static void test_install_at(void **state)
{
	struct handle_table *table = *state;
	struct test_object console;
	test_object_init(&console, OBJECT_CONSOLE);
	uint32_t rw = SIETCH_RIGHT_READ | SIETCH_RIGHT_WRITE;

	assert_int_equal(handle_install_at(table, 1, &console.object, SIETCH_RIGHT_WRITE), 1);
	assert_int_equal(handle_install_at(table, 0, &console.object, SIETCH_RIGHT_READ), 0);
	assert_int_equal(handle_install_at(table, 2, &console.object, SIETCH_RIGHT_WRITE), 2);
	assert_int_equal(handle_install_at(table, 1, &console.object, rw), -SIETCH_EBUSY);
	assert_int_equal(handle_install_at(table, -1, &console.object, rw), -SIETCH_EBADF);
	assert_int_equal(handle_install_at(table, HANDLE_SLOTS, &console.object, rw), -SIETCH_EBADF);
	assert_int_equal(handle_install_at(table, 3, 0, rw), -SIETCH_EINVAL);
	assert_int_equal(console.object.refs, 4);
	assert_int_equal(handle_install(table, &console.object, rw), 3); /* 0..2 are taken */

	struct object *out;
	assert_int_equal(handle_get(table, 0, OBJECT_CONSOLE, SIETCH_RIGHT_WRITE, &out, 0), -SIETCH_EPERM);
	assert_int_equal(handle_get(table, 1, OBJECT_CONSOLE, SIETCH_RIGHT_WRITE, &out, 0), 0);
	object_unref(out);
	handle_table_close_all(table);
	assert_int_equal(console.object.refs, 1);
}

static void test_dup(void **state)
{
	struct handle_table *table = *state;
	struct test_object t;
	test_object_init(&t, OBJECT_FILE);
	uint32_t rd = SIETCH_RIGHT_READ | SIETCH_RIGHT_DUP;
	long h = handle_install(table, &t.object, rd | SIETCH_RIGHT_EXEC);

	long d = handle_dup(table, h, SIETCH_RIGHT_READ);
	assert_int_equal(d, 1);
	assert_int_equal(t.object.refs, 3);
	struct object *out;
	uint32_t rights;
	assert_int_equal(handle_get(table, d, OBJECT_FILE, SIETCH_RIGHT_READ, &out, &rights), 0);
	assert_ptr_equal(out, &t.object);
	assert_int_equal(rights, SIETCH_RIGHT_READ);
	object_unref(out);

	/* narrowed rights stay narrowed: no DUP, so no further dup; and no widening */
	assert_int_equal(handle_dup(table, d, SIETCH_RIGHT_READ), -SIETCH_EPERM);
	assert_int_equal(handle_dup(table, h, rd | SIETCH_RIGHT_WRITE), -SIETCH_EPERM);
	assert_int_equal(handle_dup(table, h, SIETCH_RIGHT_KILL), -SIETCH_EPERM);
	assert_int_equal(handle_dup(table, h, 1u << 31), -SIETCH_EPERM);
	assert_int_equal(t.object.refs, 3);

	long same = handle_dup(table, h, rd | SIETCH_RIGHT_EXEC); /* equal rights are a subset too */
	assert_int_equal(same, 2);
	long none = handle_dup(table, h, 0);
	assert_int_equal(none, 3);
	assert_int_equal(handle_get(table, none, 0, 0, &out, &rights), 0);
	assert_int_equal(rights, 0);
	object_unref(out);

	/* closing the original leaves the duplicates working */
	assert_int_equal(handle_close(table, h), 0);
	assert_int_equal(handle_get(table, d, 0, SIETCH_RIGHT_READ, &out, 0), 0);
	object_unref(out);
	assert_int_equal(handle_dup(table, h, 0), -SIETCH_EBADF);
	handle_table_close_all(table);
	assert_int_equal(t.object.refs, 1);
}

static void test_table_full(void **state)
{
	struct handle_table *table = *state;
	struct test_object t;
	test_object_init(&t, OBJECT_FILE);
	for (long i = 0; i < HANDLE_SLOTS; i++)
		assert_int_equal(handle_install(table, &t.object, SIETCH_RIGHT_DUP), i);
	assert_int_equal(t.object.refs, 1 + HANDLE_SLOTS);

	assert_int_equal(handle_install(table, &t.object, SIETCH_RIGHT_DUP), -SIETCH_EMFILE);
	assert_int_equal(handle_dup(table, 0, SIETCH_RIGHT_DUP), -SIETCH_EMFILE);
	assert_int_equal(t.object.refs, 1 + HANDLE_SLOTS); /* nothing leaked by the failures */

	/* a closed slot is the one handed out next */
	assert_int_equal(handle_close(table, 100), 0);
	assert_int_equal(handle_dup(table, 7, 0), 100 + HANDLE_SLOTS);
	assert_int_equal(handle_install(table, &t.object, 0), -SIETCH_EMFILE);

	handle_table_close_all(table);
	assert_int_equal(t.object.refs, 1);
	assert_int_equal(t.released, 0);
}

static void test_close_all_releases_everything(void **state)
{
	struct handle_table *table = *state;
	enum { N = 10 };
	struct test_object objects[N];
	for (int i = 0; i < N; i++) {
		test_object_init(&objects[i], i % 2 ? OBJECT_FILE : OBJECT_DIR);
		long h = handle_install(table, &objects[i].object, SIETCH_RIGHTS_ALL);
		if (i % 3 == 0)
			handle_dup(table, h, SIETCH_RIGHT_READ); /* two handles, one object */
		object_unref(&objects[i].object); /* only the table holds them now */
	}
	handle_table_close_all(table);
	for (int i = 0; i < N; i++) {
		assert_int_equal(objects[i].released, 1);
		assert_int_equal(objects[i].object.refs, 0);
	}
	struct object *out;
	for (long h = 0; h < HANDLE_SLOTS; h++) {
		assert_null(table->slot[h].object);
		assert_int_equal(handle_get(table, h, 0, 0, &out, 0), -SIETCH_EBADF);
	}
	/* a second close_all finds nothing, and the table is usable again */
	handle_table_close_all(table);
	struct test_object t;
	test_object_init(&t, OBJECT_FILE);
	assert_int_equal(handle_install(table, &t.object, 0), HANDLE_SLOTS); /* slot 0, generation 1 */
	handle_table_close_all(table);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_init_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_install_get, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_type_and_rights, setup, teardown),
		cmocka_unit_test_setup_teardown(test_typed_lookup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_install_masks_rights, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_close, setup, teardown),
		cmocka_unit_test_setup_teardown(test_generation_reuse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_generation_wraps_below_int_max, setup, teardown),
		cmocka_unit_test_setup_teardown(test_install_at, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_table_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_close_all_releases_everything, setup, teardown),
	};
	return cmocka_run_group_tests(tests, 0, 0);
}
