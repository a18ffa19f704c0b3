/*
 * In-kernel self-tests, chosen on the command line (`test=all`, `test=a,b`;
 * `test=boot` runs none: the machine boots and stops). A name that is no
 * test is a failure.
 * Each prints one machine-readable line; the run ends with a summary and a
 * QEMU exit status (kernel/console.h) that tools/run maps to pass or fail.
 */
#pragma once

#include <stddef.h>
#include "lib/common/format.h"

struct ktest {
	const char *name;
	/* Returns 0 on success; on failure writes the reason into why. */
	int (*run)(char *why, size_t why_size);
};

#define KTEST(test_name)                                                                          \
	static int ktest_##test_name(char *why, size_t why_size);                                 \
	static const struct ktest ktest_entry_##test_name                                         \
		__attribute__((section(".ktests"), used, aligned(8))) = { #test_name, ktest_##test_name }; \
	static int ktest_##test_name(char *why, size_t why_size)

/* Fail the test with a formatted reason unless cond holds. */
#define KTEST_EXPECT(cond, ...)                              \
	do {                                                 \
		if (!(cond)) {                               \
			format(why, why_size, __VA_ARGS__);  \
			return -1;                           \
		}                                            \
	} while (0)

_Noreturn void ktest_run(const char *selection);
