/*
 * The system-call surface. Each call is decode-then-invoke (seL4's
 * decodeX/invokeX): `sys_<name>` checks every argument and returns a negated
 * SIETCH_E* code on the first bad one, then does the work. The dispatcher in
 * kernel/ctl/syscall.c is generated from the table in lib/common/syscall.h,
 * so a call listed there and not implemented is a link error.
 */
#pragma once

#include <stdint.h>
#include "lib/common/syscall.h"

struct syscall_args {
	uint64_t arg[6];
};

#define SYSCALL_DECLARE(number, name, count) long sys_##name(const struct syscall_args *args);
SIETCH_SYSCALLS(SYSCALL_DECLARE)
#undef SYSCALL_DECLARE

/* Becomes the SYSCALL instruction's handler (arch_hooks.syscall); the MSRs are kernel/arch/syscall.c's. */
void syscall_init(void);
