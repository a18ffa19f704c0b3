/*
 * The clock of a VF register model (a host test that defines VF_IO_MODEL,
 * lib/os/vf_io.h): time moves only when the code under test waits (a pause
 * 10 µs, a sleep what it asks) or when the model adds to vf_clock.us itself,
 * as a register read does. Each test's setup zeroes it.
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

static struct vf_clock {
	uint64_t us;
	unsigned pauses, sleeps;
	uint64_t longest_sleep_us;
} vf_clock;

uint64_t vf_now_us(void)
{
	return vf_clock.us;
}

void vf_pause(void)
{
	vf_clock.us += 10;
	vf_clock.pauses++;
}

void vf_sleep_us(uint64_t us)
{
	assert_true(us > 0);
	vf_clock.us += us;
	vf_clock.sleeps++;
	if (us > vf_clock.longest_sleep_us)
		vf_clock.longest_sleep_us = us;
}
