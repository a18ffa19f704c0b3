/*
 * The kernel's base services for host unit tests: spinlocks on one CPU with
 * no interrupts, the heap on malloc, panic as a test failure, and kprintf.
 *
 * This header defines functions, not just declares them: each test binary is
 * one translation unit (tests/unit/<name>_ut.c), which includes it once.
 */
#pragma once

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "kernel/arch/spinlock.h"
#include "kernel/console.h"
#include "kernel/mm/heap.h"

/* One CPU, no interrupts: a lock must simply be free when taken and held when released. */
void spin_lock(struct spinlock *lock)
{
	assert_int_equal(lock->locked, 0);
	lock->locked = 1;
}
void spin_unlock(struct spinlock *lock)
{
	assert_int_equal(lock->locked, 1);
	lock->locked = 0;
}
bool spin_held(const struct spinlock *lock) { return lock->locked; }

void *kmalloc(size_t size) { return malloc(size); }
void *kzalloc(size_t size) { return calloc(1, size); }
void kfree(void *p) { free(p); }

_Noreturn void panic(const char *fmt, ...)
{
	(void)fmt;
	fail_msg("panic");
	abort();
}

/* A test that checks what the kernel prints points this at its own recorder; by default output is dropped. */
static void (*kprintf_hook)(const char *fmt, va_list ap);

void kprintf(const char *fmt, ...)
{
	if (!kprintf_hook)
		return;
	va_list ap;
	va_start(ap, fmt);
	kprintf_hook(fmt, ap);
	va_end(ap);
}
