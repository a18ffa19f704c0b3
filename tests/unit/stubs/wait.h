/*
 * A fake scheduler for host unit tests that run system calls single-threaded.
 * When the code under test sleeps, sleep_hook runs in its place and plays the
 * rest of the world (another thread's system call, a kill), with the held lock
 * released as the real wait_sleep would; its return value is wait_sleep's.
 * Uses the spinlocks of stubs/kernel_base.h.
 *
 * This header defines functions, not just declares them: each test binary is
 * one translation unit (tests/unit/<name>_ut.c), which includes it once.
 */
#pragma once

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "kernel/arch/spinlock.h"
#include "kernel/proc/wait.h"

static long (*sleep_hook)(struct wait_queue *queue);
static int sleeps, wake_ones, wake_alls;

long wait_sleep(struct wait_queue *queue, struct spinlock *held)
{
	assert_non_null(sleep_hook); /* a sleep no test expected would never end */
	sleeps++;
	spin_unlock(held);
	long err = sleep_hook(queue);
	spin_lock(held);
	return err;
}

void wait_wake_one(struct wait_queue *queue)
{
	(void)queue;
	wake_ones++;
}

void wait_wake_all(struct wait_queue *queue)
{
	(void)queue;
	wake_alls++;
}

/* Counted as a wake of one: which run-queue end it goes to is the scheduler's business. */
void wait_wake_one_next(struct wait_queue *queue)
{
	(void)queue;
	wake_ones++;
}
