/*
 * System-call stubs: one typed inline function per entry of SIETCH_SYSCALLS
 * in lib/common/syscall.h, generated here so that adding a call to the table
 * gives its function, with the table's argument types, under the name the
 * table gives (an os_* function of libos, or a raw os_raw_<name> that libos
 * wraps). Each returns the kernel's result unchanged: a negated SIETCH_E*
 * code is an error. lib/os/os.h is the documented API over them.
 *
 * SYSCALL (AMD APM vol.2 §6.1.1) takes the number in rax and overwrites rcx
 * with the return rip and r11 with rflags, so the fourth argument goes in
 * r10. All six argument registers are treated as changed by the call, used
 * or not: lib/common/syscall.h does not promise that the kernel preserves
 * them, and the cost is a few spills around a kernel entry.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include "lib/common/syscall.h"

/* The one out-of-line entry, for callers that pick the number at run time. */
long sietch_syscall(long number, long a0, long a1, long a2, long a3, long a4, long a5);

static inline long sietch_syscall0(long n)
{
	long ret;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n)
			 : "rcx", "r11", "memory", "rdi", "rsi", "rdx", "r10", "r8", "r9");
	return ret;
}

static inline long sietch_syscall1(long n, long a0)
{
	long ret;
	__asm__ volatile("syscall"
			 : "=a"(ret), "+D"(a0)
			 : "a"(n)
			 : "rcx", "r11", "memory", "rsi", "rdx", "r10", "r8", "r9");
	return ret;
}

static inline long sietch_syscall2(long n, long a0, long a1)
{
	long ret;
	__asm__ volatile("syscall"
			 : "=a"(ret), "+D"(a0), "+S"(a1)
			 : "a"(n)
			 : "rcx", "r11", "memory", "rdx", "r10", "r8", "r9");
	return ret;
}

static inline long sietch_syscall3(long n, long a0, long a1, long a2)
{
	long ret;
	__asm__ volatile("syscall"
			 : "=a"(ret), "+D"(a0), "+S"(a1), "+d"(a2)
			 : "a"(n)
			 : "rcx", "r11", "memory", "r10", "r8", "r9");
	return ret;
}

static inline long sietch_syscall4(long n, long a0, long a1, long a2, long a3)
{
	long ret;
	register long r10 __asm__("r10") = a3;
	__asm__ volatile("syscall"
			 : "=a"(ret), "+D"(a0), "+S"(a1), "+d"(a2), "+r"(r10)
			 : "a"(n)
			 : "rcx", "r11", "memory", "r8", "r9");
	return ret;
}

static inline long sietch_syscall5(long n, long a0, long a1, long a2, long a3, long a4)
{
	long ret;
	register long r10 __asm__("r10") = a3;
	register long r8 __asm__("r8") = a4;
	__asm__ volatile("syscall"
			 : "=a"(ret), "+D"(a0), "+S"(a1), "+d"(a2), "+r"(r10), "+r"(r8)
			 : "a"(n)
			 : "rcx", "r11", "memory", "r9");
	return ret;
}

static inline long sietch_syscall6(long n, long a0, long a1, long a2, long a3, long a4, long a5)
{
	long ret;
	register long r10 __asm__("r10") = a3;
	register long r8 __asm__("r8") = a4;
	register long r9 __asm__("r9") = a5;
	__asm__ volatile("syscall"
			 : "=a"(ret), "+D"(a0), "+S"(a1), "+d"(a2), "+r"(r10), "+r"(r8), "+r"(r9)
			 : "a"(n)
			 : "rcx", "r11", "memory");
	return ret;
}

/*
 * One typed function per row of SIETCH_SYSCALLS, named by the row's libos
 * column: static inline long os_wait(long process, int *status) and so on.
 * Each argument goes to the kernel as a long, as the C conversion from its
 * type makes it (an int or an int64_t sign-extended, an unsigned zero-extended).
 */
#define SIETCH_RAW_PARAM_(type, name) type name
#define SIETCH_RAW_PARAM(i, pair) SIETCH_RAW_PARAM_ pair
#define SIETCH_RAW_WORD_(type, name) (long)(name)
#define SIETCH_RAW_WORD(i, pair) SIETCH_RAW_WORD_ pair
/* A parameter list; a call with none takes (void). */
#define SIETCH_RAW_PARAMS_0(...) void
#define SIETCH_RAW_PARAMS_1 SIETCH_RAW_PARAMS_N
#define SIETCH_RAW_PARAMS_2 SIETCH_RAW_PARAMS_N
#define SIETCH_RAW_PARAMS_3 SIETCH_RAW_PARAMS_N
#define SIETCH_RAW_PARAMS_4 SIETCH_RAW_PARAMS_N
#define SIETCH_RAW_PARAMS_5 SIETCH_RAW_PARAMS_N
#define SIETCH_RAW_PARAMS_6 SIETCH_RAW_PARAMS_N
#define SIETCH_RAW_PARAMS_N(count, ...) SIETCH_MAP_##count(SIETCH_RAW_PARAM, __VA_ARGS__)
/* The words after the number; sietch_syscall0 takes none. */
#define SIETCH_RAW_CALL_0(number, ...) sietch_syscall0(number)
#define SIETCH_RAW_CALL_1 SIETCH_RAW_CALL_N
#define SIETCH_RAW_CALL_2 SIETCH_RAW_CALL_N
#define SIETCH_RAW_CALL_3 SIETCH_RAW_CALL_N
#define SIETCH_RAW_CALL_4 SIETCH_RAW_CALL_N
#define SIETCH_RAW_CALL_5 SIETCH_RAW_CALL_N
#define SIETCH_RAW_CALL_6 SIETCH_RAW_CALL_N
#define SIETCH_RAW_CALL_N(number, count, ...) \
	sietch_syscall##count(number, SIETCH_MAP_##count(SIETCH_RAW_WORD, __VA_ARGS__))

#define SIETCH_RAW_FUNCTION(number, name, function, count, ...)                     \
	static inline long function(SIETCH_RAW_PARAMS_##count(count, __VA_ARGS__))  \
	{                                                                           \
		return SIETCH_RAW_CALL_##count(SYS_##name, count, __VA_ARGS__);     \
	}
SIETCH_SYSCALLS(SIETCH_RAW_FUNCTION)
#undef SIETCH_RAW_FUNCTION
