/*
 * Fake user memory for host unit tests where the test's own buffers are the
 * process's memory: any non-null address whose range does not wrap is a user
 * address, and the copies are plain memcpy. copy_to_user_faults makes the
 * next that many copies out fail, as a page unmapped meanwhile would.
 *
 * This header defines functions, not just declares them: each test binary is
 * one translation unit (tests/unit/<name>_ut.c), which includes it once.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kernel/mm/uaccess.h"
#include "lib/common/syscall.h"

static int copy_to_user_faults; /* fail the next this many copies out */

bool user_range_ok(uint64_t start, size_t len) { return start != 0 && start + len >= start; }

long copy_from_user(void *dst, uint64_t src, size_t len)
{
	if (!user_range_ok(src, len))
		return -SIETCH_EFAULT;
	memcpy(dst, (const void *)src, len);
	return 0;
}

long copy_to_user(uint64_t dst, const void *src, size_t len)
{
	if (!user_range_ok(dst, len) || (copy_to_user_faults > 0 && copy_to_user_faults--))
		return -SIETCH_EFAULT;
	memcpy((void *)dst, src, len);
	return 0;
}
