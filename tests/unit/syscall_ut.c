/*
 * Host tests for the system-call table (lib/common/syscall.h) and what
 * lib/libc/syscall_raw.h generates from it. The generated functions are only
 * compiled here, never run: they execute SYSCALL.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "lib/libc/syscall_raw.h"

/*
 * Rows are added by hand, often by several people at once, in blocks of
 * numbers given out ahead of use: numbers must be unique and the last one
 * must end the table; a hole is allowed (the dispatcher answers ENOSYS there).
 */
static void test_numbers_are_unique(void **state)
{
	(void)state;
	static const unsigned numbers[] = {
#define ROW_NUMBER(number, ...) number,
		SIETCH_SYSCALLS(ROW_NUMBER)
#undef ROW_NUMBER
	};
	size_t rows = sizeof(numbers) / sizeof(numbers[0]);
	int seen[SYS_COUNT] = { 0 };
	assert_true(rows <= SYS_COUNT);
	for (size_t i = 0; i < rows; i++) {
		assert_true(numbers[i] < SYS_COUNT);
		seen[numbers[i]]++;
	}
	for (size_t n = 0; n < SYS_COUNT; n++)
		assert_true(seen[n] <= 1);
	assert_int_equal(numbers[rows - 1], SYS_COUNT - 1);
}

static void test_argument_counts(void **state)
{
	(void)state;
	static const unsigned counts[] = {
#define ROW_COUNT(number, name, function, count, ...) count,
		SIETCH_SYSCALLS(ROW_COUNT)
#undef ROW_COUNT
	};
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++)
		assert_true(counts[i] <= 6); /* the registers SYSCALL passes: rdi, rsi, rdx, r10, r8, r9 */
}

/* The documented libos API (lib/os/os.h) is generated: programs rely on these exact types. */
#define SAME_TYPE(function, type) _Static_assert(__builtin_types_compatible_p(__typeof__(function), type), #function)
SAME_TYPE(os_wait, long(long, int *));
SAME_TYPE(os_kill, long(long, int));
SAME_TYPE(os_self, long(void));
SAME_TYPE(os_proc_open, long(uint32_t, unsigned));
SAME_TYPE(os_proc_list, long(struct sietch_proc_info *, size_t));
SAME_TYPE(os_poweroff, long(void));
SAME_TYPE(os_yield, long(void));
SAME_TYPE(os_sleep_ns, long(uint64_t));
SAME_TYPE(os_counters, long(unsigned, uint64_t, struct sietch_counters *));
SAME_TYPE(os_mem_map, long(void *, size_t, unsigned, unsigned));
SAME_TYPE(os_mem_unmap, long(void *, size_t));
SAME_TYPE(os_memory_create, long(size_t));
SAME_TYPE(os_memory_map, long(long, void *, unsigned));
SAME_TYPE(os_close, long(long));
SAME_TYPE(os_read, long(long, void *, size_t));
SAME_TYPE(os_write, long(long, const void *, size_t));
SAME_TYPE(os_seek, long(long, int64_t, int));
SAME_TYPE(os_stat, long(long, struct sietch_stat *));
SAME_TYPE(os_dir_read, long(long, size_t, struct sietch_dirent *, size_t));
SAME_TYPE(os_handle_dup, long(long, unsigned));
SAME_TYPE(os_handle_send, long(long, long, unsigned));
SAME_TYPE(os_endpoint_create, long(void));
SAME_TYPE(os_call, long(long, struct sietch_msg *));
SAME_TYPE(os_receive, long(long, struct sietch_msg *));
SAME_TYPE(os_reply, long(long, uint64_t, const struct sietch_msg *));
SAME_TYPE(os_notify_create, long(void));
SAME_TYPE(os_notify_signal, long(long, uint64_t));
SAME_TYPE(os_notify_wait, long(long, uint64_t *));
SAME_TYPE(os_raw_proc_spawn, long(const char *, size_t, const char *, size_t));
SAME_TYPE(os_raw_thread_create, long(sietch_thread_entry, void *, void *));
SAME_TYPE(os_raw_open, long(const char *, size_t, unsigned));
SAME_TYPE(os_raw_clock_get, long(unsigned, uint64_t *));

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numbers_are_unique),
		cmocka_unit_test(test_argument_counts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
