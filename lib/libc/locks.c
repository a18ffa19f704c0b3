/*
 * newlib's locks (built with --enable-newlib-retargetable-locking; see its
 * newlib/libc/misc/lock.c for the interface): malloc, stdio, atexit and the
 * environment become safe to use from several threads at once. A lock is a
 * word taken with an atomic exchange; a waiter spins a little, then yields
 * the CPU. Recursive locks remember their owner by its thread block.
 *
 * errno is still shared by all threads of a process: newlib keeps it in one
 * global reentrancy structure unless built with dynamic reentrancy.
 */
#include <stdlib.h>
#include <sys/lock.h>
#include "lib/libc/syscall_raw.h"
#include "lib/libc/thread_self.h"

#define SPINS_BEFORE_YIELD 100

struct __lock {
	volatile int taken;
	int depth;
	struct libc_thread *owner;
};

/* The static locks newlib's own code names. */
struct __lock __lock___sinit_recursive_mutex, __lock___sfp_recursive_mutex, __lock___atexit_recursive_mutex,
	__lock___at_quick_exit_mutex, __lock___malloc_recursive_mutex, __lock___env_recursive_mutex,
	__lock___tz_mutex, __lock___dd_hash_mutex, __lock___arc4random_mutex;

void libc_thread_enter(struct libc_thread *block)
{
	block->self = block;
	os_raw_thread_set_pointer(block);
}

static int lock_try(struct __lock *lock) { return !__atomic_exchange_n(&lock->taken, 1, __ATOMIC_ACQUIRE); }

static void lock_take(struct __lock *lock)
{
	for (int spins = 0; !lock_try(lock); spins++)
		if (spins >= SPINS_BEFORE_YIELD)
			os_yield();
}

static void lock_give(struct __lock *lock) { __atomic_store_n(&lock->taken, 0, __ATOMIC_RELEASE); }

void __retarget_lock_init(_LOCK_T *lock) { *lock = calloc(1, sizeof(struct __lock)); }
void __retarget_lock_init_recursive(_LOCK_T *lock) { *lock = calloc(1, sizeof(struct __lock)); }
void __retarget_lock_close(_LOCK_T lock) { free(lock); }
void __retarget_lock_close_recursive(_LOCK_T lock) { free(lock); }

/* A lock newlib failed to allocate is NULL: it then protects nothing rather than crashing. */
void __retarget_lock_acquire(_LOCK_T lock)
{
	if (lock)
		lock_take(lock);
}

int __retarget_lock_try_acquire(_LOCK_T lock) { return lock ? lock_try(lock) : 1; }

void __retarget_lock_release(_LOCK_T lock)
{
	if (lock)
		lock_give(lock);
}

void __retarget_lock_acquire_recursive(_LOCK_T lock)
{
	if (!lock)
		return;
	struct libc_thread *self = libc_thread_self();
	if (lock->owner != self) {
		lock_take(lock);
		lock->owner = self;
	}
	lock->depth++;
}

int __retarget_lock_try_acquire_recursive(_LOCK_T lock)
{
	if (!lock)
		return 1;
	struct libc_thread *self = libc_thread_self();
	if (lock->owner != self) {
		if (!lock_try(lock))
			return 0;
		lock->owner = self;
	}
	lock->depth++;
	return 1;
}

void __retarget_lock_release_recursive(_LOCK_T lock)
{
	if (!lock || --lock->depth > 0)
		return;
	lock->owner = NULL;
	lock_give(lock);
}
