/*
 * The system-call surface. Each call is decode-then-invoke (seL4's
 * decodeX/invokeX): `sys_<name>` checks every argument and returns a negated
 * SIETCH_E* code on the first bad one, then does the work. Its prototype and
 * the dispatcher in kernel/ctl/syscall.c are generated from the table in
 * lib/common/syscall.h, so a call listed there and not implemented is a link
 * error. The names sys_<name> belong to the kernel only; programs call the
 * typed functions the same table generates in lib/libc/syscall_raw.h.
 *
 * args->arg[i] is the i-th argument of the table's row, as the raw register:
 * the table's type says what the caller meant, and the decoder checks that
 * every bit of the register fits it.
 */
#pragma once

#include <stdint.h>
#include "lib/common/syscall.h"

struct syscall_args {
	uint64_t arg[6];
};

#define SYSCALL_DECLARE(number, name, ...) long sys_##name(const struct syscall_args *args);
SIETCH_SYSCALLS(SYSCALL_DECLARE)
#undef SYSCALL_DECLARE

/* Becomes the SYSCALL instruction's handler (arch_hooks.syscall); the MSRs are kernel/arch/syscall.c's. */
void syscall_init(void);
