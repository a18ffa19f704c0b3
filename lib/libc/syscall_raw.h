/*
 * Raw system-call stubs, one `sys_<name>` per entry of SIETCH_SYSCALLS in
 * lib/common/syscall.h, generated here so that adding a call to the table
 * gives its stub. Each takes as many `long` arguments as the table says and
 * returns the kernel's result unchanged: a negated SIETCH_E* code is an
 * error. lib/os/os.h puts types on them.
 *
 * SYSCALL (AMD APM vol.2 §6.1.1) takes the number in rax and overwrites rcx
 * with the return rip and r11 with rflags, so the fourth argument goes in
 * r10. All six argument registers are treated as changed by the call, used
 * or not: lib/common/syscall.h does not promise that the kernel preserves
 * them, and the cost is a few spills around a kernel entry.
 */
#pragma once

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

/* SYSCALL(number, name, argument count) -> static inline long sys_<name>(long, ...) */
#define SIETCH_STUB_0(name) \
	static inline long sys_##name(void) { return sietch_syscall0(SYS_##name); }
#define SIETCH_STUB_1(name) \
	static inline long sys_##name(long a0) { return sietch_syscall1(SYS_##name, a0); }
#define SIETCH_STUB_2(name)                               \
	static inline long sys_##name(long a0, long a1)   \
	{                                                 \
		return sietch_syscall2(SYS_##name, a0, a1); \
	}
#define SIETCH_STUB_3(name)                                   \
	static inline long sys_##name(long a0, long a1, long a2) \
	{                                                         \
		return sietch_syscall3(SYS_##name, a0, a1, a2);  \
	}
#define SIETCH_STUB_4(name)                                            \
	static inline long sys_##name(long a0, long a1, long a2, long a3) \
	{                                                                  \
		return sietch_syscall4(SYS_##name, a0, a1, a2, a3);       \
	}
#define SIETCH_STUB_5(name)                                                     \
	static inline long sys_##name(long a0, long a1, long a2, long a3, long a4) \
	{                                                                           \
		return sietch_syscall5(SYS_##name, a0, a1, a2, a3, a4);            \
	}
#define SIETCH_STUB_6(name)                                                              \
	static inline long sys_##name(long a0, long a1, long a2, long a3, long a4, long a5) \
	{                                                                                    \
		return sietch_syscall6(SYS_##name, a0, a1, a2, a3, a4, a5);                 \
	}
#define SIETCH_STUB(number, name, count) SIETCH_STUB_##count(name)
SIETCH_SYSCALLS(SIETCH_STUB)
#undef SIETCH_STUB
