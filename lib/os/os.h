/*
 * libos: the typed interface to the kernel, over the raw stubs that
 * lib/libc/syscall_raw.h generates from lib/common/syscall.h.
 *
 * Every function returns a long: a result >= 0 (a count, a handle, an
 * address) or a negated SIETCH_E* code, which os_strerror names. Handles are
 * the small integers the kernel hands out; 0, 1 and 2 are the console, and
 * are also the C library's stdin, stdout and stderr.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include "lib/common/syscall.h"
#include "lib/common/time_page.h"
#include "lib/libc/syscall_raw.h"

/* --- processes ----------------------------------------------------------- */

/* Starts the program at path with argv (NULL-terminated; NULL means just the
 * path); returns a handle with the WAIT and KILL rights. */
long os_spawn(const char *path, char *const argv[]);

/* Blocks until the process has exited and stores its exit status. */
static inline long os_wait(long process, int *status)
{
	return sys_proc_wait(process, (long)status);
}

static inline long os_kill(long process, int status)
{
	return sys_proc_kill(process, status);
}

/* Ends the calling process; exit() is the C library's way, which flushes stdio first. */
static inline _Noreturn void os_exit(int status)
{
	sys_proc_exit(status);
	__builtin_unreachable();
}

/* The caller's process ID. */
static inline long os_self(void)
{
	return sys_proc_self();
}

/* A handle to the process with this ID, with rights (SIETCH_RIGHT_WAIT, _KILL). */
static inline long os_proc_open(uint32_t pid, unsigned rights)
{
	return sys_proc_open(pid, rights);
}

/* Fills up to count entries; returns how many processes there are. */
static inline long os_proc_list(struct sietch_proc_info *buf, size_t count)
{
	return sys_proc_list((long)buf, (long)count);
}

/* Does not return when the caller may power the machine off. */
static inline long os_poweroff(void)
{
	return sys_system_poweroff();
}

/* --- threads and time ------------------------------------------------------ */

/* Runs entry(arg) in a new thread of this process on a stack of stack_size
 * bytes (rounded up to pages; 0 for a default) mapped with os_mem_map. The
 * stack is unmapped when entry returns. Returns the thread ID. */
long os_thread_create(void (*entry)(void *), void *arg, size_t stack_size);

/* Ends the calling thread; the process ends with its last thread. A thread
 * that ends this way rather than by returning from entry keeps its stack. */
static inline _Noreturn void os_thread_exit(void)
{
	sys_thread_exit();
	__builtin_unreachable();
}

static inline long os_yield(void)
{
	return sys_thread_yield();
}

/* Thread tid of this process (0: the calling thread) runs only on CPU cpu (0 .. SYSTEM
 * counters' cpus - 1) from now on; SIETCH_CPU_ANY lets it run anywhere again. The calling
 * thread has moved when this returns, another thread moves at its next switch. A CPU other
 * than 0 with a thread pinned to it is dedicated: it runs nothing else, and while it has one
 * thread to run it takes no interrupts at all (docs/architecture.md, "A CPU of one's own"). */
static inline long os_thread_pin(long tid, uint32_t cpu)
{
	return sys_thread_pin(tid, (long)cpu);
}

static inline long os_sleep_ns(uint64_t nanoseconds)
{
	return sys_thread_sleep((long)nanoseconds);
}

/* Nanoseconds on clock (SIETCH_CLOCK_MONOTONIC, _REALTIME, _PROCESS). The
 * monotonic and real-time clocks come from the time page, without entering
 * the kernel; the process's CPU time is a system call. */
static inline long os_clock_ns(unsigned clock)
{
	const struct sietch_time_page *tp = (const struct sietch_time_page *)SIETCH_TIME_PAGE;
	if (clock == SIETCH_CLOCK_MONOTONIC && tp->version == SIETCH_TIME_PAGE_VERSION)
		return (long)time_page_ns(tp, time_read_tsc());
	if (clock == SIETCH_CLOCK_REALTIME && tp->version == SIETCH_TIME_PAGE_VERSION)
		return (long)(tp->realtime_base_ns + time_page_ns(tp, time_read_tsc()));
	uint64_t ns;
	long r = sys_clock_get(clock, (long)&ns);
	return r < 0 ? r : (long)ns;
}

/* Crossing counters of scope SIETCH_COUNTERS_SELF, _PROCESS (id = pid) or _SYSTEM. */
static inline long os_counters(unsigned scope, uint64_t id, struct sietch_counters *out)
{
	return sys_counters_read(scope, (long)id, (long)out);
}

/* --- memory ---------------------------------------------------------------- */

#define OS_PAGE_SIZE 4096ul

/* Maps len bytes of zeroed memory with prot (SIETCH_PROT_*); at addr exactly
 * with SIETCH_MAP_FIXED, else where the kernel chooses (addr may be NULL).
 * Returns the address: cast the result, once it is known not to be negative. */
static inline long os_mem_map(void *addr, size_t len, unsigned prot, unsigned flags)
{
	return sys_mem_map((long)addr, (long)len, prot, flags);
}

static inline long os_mem_unmap(void *addr, size_t len)
{
	return sys_mem_unmap((long)addr, (long)len);
}

/* A memory object of size bytes that can be sent to another process and mapped there. */
static inline long os_memory_create(size_t size)
{
	return sys_memory_create((long)size);
}

static inline long os_memory_map(long memory, void *addr, unsigned prot)
{
	return sys_memory_map(memory, (long)addr, prot);
}

/* --- names and files --------------------------------------------------------- */

/* Opens a name in the global tree with rights (SIETCH_RIGHT_READ, _WRITE...). */
static inline long os_open(const char *path, unsigned rights)
{
	return sys_open((long)path, (long)__builtin_strlen(path), rights);
}

static inline long os_close(long handle)
{
	return sys_close(handle);
}

static inline long os_read(long handle, void *buf, size_t len)
{
	return sys_read(handle, (long)buf, (long)len);
}

static inline long os_write(long handle, const void *buf, size_t len)
{
	return sys_write(handle, (long)buf, (long)len);
}

/* whence is SIETCH_SEEK_SET, _CUR or _END; returns the new offset. */
static inline long os_seek(long handle, int64_t offset, int whence)
{
	return sys_seek(handle, offset, whence);
}

static inline long os_stat(long handle, struct sietch_stat *out)
{
	return sys_stat(handle, (long)out);
}

/* Reads up to count entries of a directory from entry index on; returns how many. */
static inline long os_dir_read(long dir, size_t index, struct sietch_dirent *out, size_t count)
{
	return sys_dir_read(dir, (long)index, (long)out, (long)count);
}

/* --- handles ------------------------------------------------------------------ */

/* A second handle to the same object with rights narrowed to rights. */
static inline long os_handle_dup(long handle, unsigned rights)
{
	return sys_handle_dup(handle, rights);
}

/* Gives a copy of handle, narrowed to rights, to the process behind to (a
 * process or endpoint handle); returns the handle's number in the receiver. */
static inline long os_handle_send(long to, long handle, unsigned rights)
{
	return sys_handle_send(to, handle, rights);
}

/* --- IPC ------------------------------------------------------------------------ */

static inline long os_endpoint_create(void)
{
	return sys_endpoint_create();
}

/* Sends *msg to the endpoint and waits for the reply, which overwrites *msg. */
static inline long os_call(long endpoint, struct sietch_msg *msg)
{
	return sys_ipc_call(endpoint, (long)msg);
}

/* Waits for a call; returns the token to reply with. */
static inline long os_receive(long endpoint, struct sietch_msg *out)
{
	return sys_ipc_receive(endpoint, (long)out);
}

static inline long os_reply(long endpoint, uint64_t token, const struct sietch_msg *msg)
{
	return sys_ipc_reply(endpoint, (long)token, (long)msg);
}

static inline long os_notify_create(void)
{
	return sys_notify_create();
}

/* Signals bits on the notification, waking a waiter. */
static inline long os_notify_signal(long notify, uint64_t bits)
{
	return sys_notify_signal(notify, (long)bits);
}

/* Waits for a signal and stores the bits signalled. */
static inline long os_notify_wait(long notify, uint64_t *bits)
{
	return sys_notify_wait(notify, (long)bits);
}

/* --- errors ------------------------------------------------------------------- */

/* The name of a SIETCH_E* code ("ENOENT"), given negated or not. */
const char *os_strerror(long err);
