/*
 * Fake user memory for host unit tests that need faults at exact places:
 * user_mem is the only mapped part of the process, so a copy that starts or
 * runs outside it fails with -SIETCH_EFAULT. user(offset) is the user address
 * of user_mem[offset]. user_range_ok is the real check, the user half.
 *
 * This header defines functions, not just declares them: each test binary is
 * one translation unit (tests/unit/<name>_ut.c), which includes it once.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kernel/arch/layout.h"
#include "kernel/mm/uaccess.h"
#include "lib/common/syscall.h"

static char user_mem[8192];

static inline uint64_t user(size_t offset) { return (uint64_t)(uintptr_t)(user_mem + offset); }

static bool user_mapped(uint64_t addr, size_t len)
{
	uint64_t base = user(0);
	return addr >= base && len <= sizeof(user_mem) && addr - base <= sizeof(user_mem) - len;
}

bool user_range_ok(uint64_t start, size_t len) { return start <= USER_TOP && len <= USER_TOP - start; }

long copy_from_user(void *dst, uint64_t user_src, size_t len)
{
	if (!user_mapped(user_src, len))
		return -SIETCH_EFAULT;
	memcpy(dst, (const void *)(uintptr_t)user_src, len);
	return 0;
}

long copy_to_user(uint64_t user_dst, const void *src, size_t len)
{
	if (!user_mapped(user_dst, len))
		return -SIETCH_EFAULT;
	memcpy((void *)(uintptr_t)user_dst, src, len);
	return 0;
}
