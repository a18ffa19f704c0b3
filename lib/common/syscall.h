/*
 * The Sietch system-call ABI: one table that the kernel's dispatcher and the
 * user-side stubs in lib/libc are both built from (the xv6 usys.pl idea, as an
 * X-macro so no generator is needed).
 *
 * Calling convention (the SYSCALL instruction, AMD APM vol.2 §6.1.1): number in
 * rax, arguments in rdi, rsi, rdx, r10, r8, r9 (r10 replaces rcx, which SYSCALL
 * overwrites with the return rip), result in rax. A result in [-4095, -1] is a
 * negated SIETCH_E* error code; anything else is success. Every register but
 * rax, rcx and r11 is preserved, the x87/SSE state included.
 *
 * A new process starts at its ELF entry with rsp at argc (System V AMD64 ABI
 * §3.4.1: argc, argv[], NULL, an empty environment, an empty auxiliary
 * vector), the other general registers zero, x87 control word 0x37f and
 * MXCSR 0x1f80. A new thread (thread_create) starts at entry with rdi = arg
 * and rsp = (stack_top & ~15) - 8, as if entry had just been called.
 */
#pragma once

#include <stdint.h>

/* SYSCALL(number, name, argument count) */
#define SIETCH_SYSCALLS(SYSCALL)                                                     \
	SYSCALL(0, proc_exit, 1)      /* (int status) -> does not return */               \
	SYSCALL(1, proc_spawn, 4)     /* (const char *path, size_t path_len, const char *argv_block, size_t block_len) -> handle */ \
	SYSCALL(2, proc_wait, 2)      /* (handle, int *status) -> 0 */                     \
	SYSCALL(3, proc_kill, 2)      /* (handle, int status) -> 0 */                      \
	SYSCALL(4, proc_self, 0)      /* () -> pid */                                      \
	SYSCALL(5, proc_open, 2)      /* (pid, rights) -> handle */                        \
	SYSCALL(6, proc_list, 2)      /* (struct sietch_proc_info *buf, size_t count) -> n */ \
	SYSCALL(7, thread_create, 3)  /* (void (*entry)(void *), void *stack_top, void *arg) -> tid */ \
	SYSCALL(8, thread_exit, 0)    /* () -> does not return */                          \
	SYSCALL(9, thread_yield, 0)   /* () -> 0 */                                        \
	SYSCALL(10, thread_sleep, 1)  /* (uint64_t nanoseconds) -> 0 */                    \
	SYSCALL(11, mem_map, 4)       /* (void *addr, size_t len, unsigned prot, unsigned flags) -> addr */ \
	SYSCALL(12, mem_unmap, 2)     /* (void *addr, size_t len) -> 0 */                  \
	SYSCALL(13, open, 3)          /* (const char *path, size_t path_len, unsigned rights) -> handle */ \
	SYSCALL(14, close, 1)         /* (handle) -> 0 */                                  \
	SYSCALL(15, read, 3)          /* (handle, void *buf, size_t len) -> bytes */       \
	SYSCALL(16, write, 3)         /* (handle, const void *buf, size_t len) -> bytes */ \
	SYSCALL(17, seek, 3)          /* (handle, int64_t offset, int whence) -> new offset */ \
	SYSCALL(18, stat, 2)          /* (handle, struct sietch_stat *) -> 0 */            \
	SYSCALL(19, dir_read, 4)      /* (handle, size_t index, struct sietch_dirent *, size_t count) -> n */ \
	SYSCALL(20, handle_dup, 2)    /* (handle, rights) -> new handle with rights narrowed */ \
	SYSCALL(21, clock_get, 2)     /* (unsigned clock, uint64_t *nanoseconds) -> 0 */   \
	SYSCALL(22, counters_read, 3) /* (unsigned scope, uint64_t id, struct sietch_counters *) -> 0 */ \
	SYSCALL(23, endpoint_create, 0) /* () -> handle */                                 \
	SYSCALL(24, ipc_call, 2)      /* (handle, struct sietch_msg *inout) -> 0 */        \
	SYSCALL(25, ipc_receive, 2)   /* (handle, struct sietch_msg *out) -> reply token */ \
	SYSCALL(26, ipc_reply, 3)     /* (handle, uint64_t token, const struct sietch_msg *) -> 0 */ \
	SYSCALL(27, notify_create, 0) /* () -> handle */                                   \
	SYSCALL(28, notify_signal, 2) /* (handle, uint64_t bits) -> 0 */                   \
	SYSCALL(29, notify_wait, 2)   /* (handle, uint64_t *bits) -> 0 */                  \
	SYSCALL(30, handle_send, 3)   /* (process handle with KILL, handle, rights) -> handle in that process */ \
	SYSCALL(31, system_poweroff, 0) /* () -> does not return */                         \
	SYSCALL(32, memory_create, 1) /* (size_t size) -> handle to a shareable memory object */ \
	SYSCALL(33, memory_map, 3)    /* (handle, void *addr or NULL, unsigned prot) -> addr */ \
	SYSCALL(34, thread_set_pointer, 1) /* (void *) -> 0: the calling thread's FS base, for thread-local data */ \
	SYSCALL(35, thread_pin, 2)    /* (tid or 0 for the caller, uint32_t cpu or SIETCH_CPU_ANY) -> 0: that thread runs only there */

enum sietch_syscall {
#define SIETCH_SYSCALL_ENUM(number, name, args) SYS_##name = number,
	SIETCH_SYSCALLS(SIETCH_SYSCALL_ENUM)
#undef SIETCH_SYSCALL_ENUM
	SYS_COUNT
};

/* Error codes, returned negated. Chosen to match newlib's errno values so the
 * C library can hand them through unchanged. */
#define SIETCH_EPERM 1    /* the handle lacks the right */
#define SIETCH_ENOENT 2   /* no such name */
#define SIETCH_ESRCH 3    /* no such process */
#define SIETCH_EINTR 4
#define SIETCH_EIO 5
#define SIETCH_E2BIG 7    /* argument block too long */
#define SIETCH_ENOEXEC 8  /* not a valid ELF64 executable */
#define SIETCH_EBADF 9    /* not a handle, or a handle of the wrong type */
#define SIETCH_ECHILD 10  /* not a child of the caller */
#define SIETCH_EAGAIN 11
#define SIETCH_ENOMEM 12  /* out of memory or over the process's limit */
#define SIETCH_EACCES 13
#define SIETCH_EFAULT 14  /* a pointer outside the caller's address space */
#define SIETCH_EBUSY 16
#define SIETCH_EEXIST 17
#define SIETCH_ENOTDIR 20
#define SIETCH_EISDIR 21
#define SIETCH_EINVAL 22  /* an argument out of range */
#define SIETCH_EMFILE 24  /* handle table full */
#define SIETCH_ENOTTY 25
#define SIETCH_ENOSPC 28
#define SIETCH_ESPIPE 29
#define SIETCH_EROFS 30   /* the boot image's files cannot be written */
#define SIETCH_ENAMETOOLONG 91
#define SIETCH_ENOSYS 88  /* no such system call */
#define SIETCH_ETIMEDOUT 116 /* a device did not answer in time */

/* Handle rights */
#define SIETCH_RIGHT_READ (1u << 0)
#define SIETCH_RIGHT_WRITE (1u << 1)
#define SIETCH_RIGHT_EXEC (1u << 2)
#define SIETCH_RIGHT_WAIT (1u << 3)   /* wait on a process */
#define SIETCH_RIGHT_KILL (1u << 4)   /* kill a process */
#define SIETCH_RIGHT_DUP (1u << 5)    /* duplicate or send the handle */
#define SIETCH_RIGHT_SIGNAL (1u << 6) /* signal a notification */
#define SIETCH_RIGHT_CALL (1u << 7)   /* call an endpoint */
#define SIETCH_RIGHT_RECEIVE (1u << 8) /* receive on an endpoint */
#define SIETCH_RIGHTS_ALL 0x1ffu

/* Handles every process starts with: the console, as POSIX expects. */
#define SIETCH_HANDLE_STDIN 0
#define SIETCH_HANDLE_STDOUT 1
#define SIETCH_HANDLE_STDERR 2

/* mem_map */
#define SIETCH_PROT_READ (1u << 0)
#define SIETCH_PROT_WRITE (1u << 1)
#define SIETCH_PROT_EXEC (1u << 2)
#define SIETCH_MAP_FIXED (1u << 0) /* map exactly at addr, fail if anything is there */

/* seek whence, as POSIX */
#define SIETCH_SEEK_SET 0
#define SIETCH_SEEK_CUR 1
#define SIETCH_SEEK_END 2

/* clock_get */
#define SIETCH_CLOCK_MONOTONIC 0 /* since boot */
#define SIETCH_CLOCK_REALTIME 1  /* since 1970, from the RTC at boot */
#define SIETCH_CLOCK_PROCESS 2   /* CPU time used by the calling process */

/* stat */
#define SIETCH_TYPE_FILE 1
#define SIETCH_TYPE_DIR 2
#define SIETCH_TYPE_CONSOLE 3
#define SIETCH_TYPE_PROCESS 4
#define SIETCH_TYPE_ENDPOINT 5
#define SIETCH_TYPE_NOTIFY 6
#define SIETCH_TYPE_MEMORY 7

struct sietch_stat {
	uint32_t type;
	uint32_t rights;
	uint64_t size;
};

#define SIETCH_NAME_MAX 64
struct sietch_dirent {
	uint32_t type;
	uint32_t reserved;
	uint64_t size;
	char name[SIETCH_NAME_MAX];
};

struct sietch_proc_info {
	uint32_t pid;
	uint32_t parent;
	uint32_t threads;
	uint32_t state; /* 0 running, 1 exited (zombie) */
	uint64_t pages;
	uint64_t cpu_ns;
	char name[32];
};

/* IPC: a small register-sized message plus a handle slot, in the style of seL4's message registers. */
#define SIETCH_MSG_WORDS 8
struct sietch_msg {
	uint64_t label;
	uint64_t words[SIETCH_MSG_WORDS];
};

/* counters_read scopes */
#define SIETCH_COUNTERS_SELF 0
#define SIETCH_COUNTERS_PROCESS 1 /* id = pid */
#define SIETCH_COUNTERS_SYSTEM 2
#define SIETCH_COUNTERS_CPU 3     /* id = CPU index: the interrupts that CPU took, by kind */

#define SIETCH_COUNTED_SYSCALLS 48
struct sietch_counters {
	uint64_t syscalls;                          /* all system calls */
	uint64_t syscall[SIETCH_COUNTED_SYSCALLS]; /* by number */
	uint64_t interrupts;                        /* all: ticks, IPIs, device interrupts, spurious ones */
	uint64_t exceptions;                        /* all CPU exceptions, page faults included */
	uint64_t page_faults;
	uint64_t context_switches;
	uint64_t free_frames;  /* system scope only: frames the allocator holds */
	uint64_t total_frames; /* system scope only */
	uint64_t ticks;        /* timer interrupts (part of interrupts) */
	uint64_t ipis;         /* interrupts one CPU sent another: wake-ups, TLB shootdowns (part of interrupts) */
	uint64_t device_interrupts; /* interrupts from devices (part of interrupts) */
	uint64_t cpus;         /* system scope only: CPUs online, the valid ids of the CPU scope */
};

/* thread_pin */
#define SIETCH_CPU_ANY 0xffffffffu

_Static_assert(SYS_COUNT <= SIETCH_COUNTED_SYSCALLS, "counters must cover every system call");
