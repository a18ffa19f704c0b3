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

#define ROW_NUMBER(number, ...) number,
static const unsigned numbers[] = { SIETCH_SYSCALLS(ROW_NUMBER) };
#undef ROW_NUMBER
#define ROWS (sizeof(numbers) / sizeof(numbers[0]))

/*
 * Rows are added by hand, often by several people at once, in blocks of
 * numbers handed out ahead (igb 40-47, vm 60-69): the table may have holes,
 * which the kernel's dispatcher answers with ENOSYS, but no number twice and
 * the last row is SYS_COUNT - 1.
 */
static void test_numbers_are_unique(void **state)
{
	(void)state;
	int seen[SYS_COUNT] = { 0 };
	unsigned highest = 0;
	for (size_t i = 0; i < ROWS; i++) {
		assert_true(numbers[i] < SYS_COUNT);
		seen[numbers[i]]++;
		highest = numbers[i] > highest ? numbers[i] : highest;
	}
	for (size_t n = 0; n < SYS_COUNT; n++)
		assert_true(seen[n] <= 1);
	assert_int_equal(highest, SYS_COUNT - 1);
}

static void test_argument_counts(void **state)
{
	(void)state;
	static const unsigned counts[] = {
#define ROW_COUNT(number, name, function, count, ...) count,
		SIETCH_SYSCALLS(ROW_COUNT)
#undef ROW_COUNT
	};
	for (size_t i = 0; i < ROWS; i++)
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
SAME_TYPE(os_vm_create, long(unsigned));
SAME_TYPE(os_vm_map, long(long, long, uint64_t, uint64_t, uint64_t, unsigned));
SAME_TYPE(os_vm_unmap, long(long, uint64_t, uint64_t));
SAME_TYPE(os_vcpu_create, long(long, unsigned));
SAME_TYPE(os_vcpu_run, long(long, struct sietch_vcpu_run *));
SAME_TYPE(os_vcpu_get, long(long, unsigned, void *, size_t));
SAME_TYPE(os_vcpu_set, long(long, unsigned, const void *, size_t));
SAME_TYPE(os_vcpu_inject, long(long, const struct sietch_vcpu_event *));

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numbers_are_unique),
		cmocka_unit_test(test_argument_counts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
