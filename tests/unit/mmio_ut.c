/* Host tests for lib/common/mmio.c: mmio_wait32 over a plain memory word, mmio_poll over a function. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "lib/common/mmio.c"

static uint64_t fake_now_us;
static volatile uint32_t *flip_register;
static uint64_t flip_at_us;

/* Each reading of the clock moves time on by 7 µs; at flip_at_us the "device"
 * sets bit 3 of its register. */
static uint64_t fake_clock(void)
{
	fake_now_us += 7;
	if (flip_register && fake_now_us >= flip_at_us)
		*flip_register |= 1u << 3;
	return fake_now_us;
}

static int setup(void **state)
{
	(void)state;
	fake_now_us = 0;
	flip_register = 0;
	mmio_clock_us = 0;
	return 0;
}

static void test_accessors_widths(void **state)
{
	(void)state;
	uint64_t word = 0;
	mmio_write64(&word, 0x1122334455667788ull);
	assert_int_equal(mmio_read64(&word), 0x1122334455667788ull);
	assert_int_equal(mmio_read32(&word), 0x55667788u);
	assert_int_equal(mmio_read16(mmio_at(&word, 2)), 0x5566);
	assert_int_equal(mmio_read8(mmio_at(&word, 7)), 0x11);
	mmio_write8(mmio_at(&word, 0), 0xaa);
	mmio_write16(mmio_at(&word, 2), 0xbbcc);
	mmio_write32(mmio_at(&word, 4), 0xddeeff00u);
	assert_int_equal(word, 0xddeeff00bbcc77aaull);
}

static void test_wait_already_true(void **state)
{
	(void)state;
	uint32_t reg = 0x8;
	mmio_clock_us = fake_clock;
	assert_int_equal(mmio_wait32(&reg, 0x8, 0x8, 0), 0);
}

static void test_wait_succeeds_when_device_answers(void **state)
{
	(void)state;
	uint32_t reg = 0;
	flip_register = &reg;
	flip_at_us = 50;
	mmio_clock_us = fake_clock;
	assert_int_equal(mmio_wait32(&reg, 0x8, 0x8, 1000), 0);
	assert_true(fake_now_us < 1000);
}

static void test_wait_times_out_by_clock(void **state)
{
	(void)state;
	uint32_t reg = 0;
	mmio_clock_us = fake_clock;
	assert_int_equal(mmio_wait32(&reg, 0x1, 0x1, 100), -SIETCH_ETIMEDOUT);
	assert_true(fake_now_us >= 100);
	assert_true(fake_now_us < 100 + 2 * 7);
}

static void test_wait_for_clear_bit(void **state)
{
	(void)state;
	uint32_t reg = 0xffffffffu;
	mmio_clock_us = fake_clock;
	assert_int_equal(mmio_wait32(&reg, 0x10, 0, 30), -SIETCH_ETIMEDOUT);
	reg = 0xffffffefu;
	assert_int_equal(mmio_wait32(&reg, 0x10, 0, 30), 0);
}

static void test_wait_without_clock_is_bounded(void **state)
{
	(void)state;
	uint32_t reg = 0;
	/* No clock yet: the poll count bounds the wait, and it still fails cleanly. */
	assert_int_equal(mmio_wait32(&reg, 0x1, 0x1, 1000), -SIETCH_ETIMEDOUT);
	assert_int_equal(mmio_wait32(&reg, 0x1, 0x1, 0), -SIETCH_ETIMEDOUT);
}

static int polls_seen;

/* A port-I/O status bit stand-in: true from the fifth poll on. */
static int ready_on_fifth_poll(void *arg)
{
	(void)arg;
	return ++polls_seen >= 5;
}

static int never_ready(void *arg)
{
	(void)arg;
	polls_seen++;
	return 0;
}

static void test_poll_succeeds(void **state)
{
	(void)state;
	polls_seen = 0;
	mmio_clock_us = fake_clock;
	assert_int_equal(mmio_poll(ready_on_fifth_poll, 0, 1000), 0);
	assert_int_equal(polls_seen, 5);
}

static void test_poll_times_out_by_clock(void **state)
{
	(void)state;
	polls_seen = 0;
	mmio_clock_us = fake_clock;
	assert_int_equal(mmio_poll(never_ready, 0, 70), -SIETCH_ETIMEDOUT);
	assert_true(fake_now_us >= 70);
	assert_true(fake_now_us < 70 + 2 * 7);
}

static void test_poll_without_clock_counts_polls(void **state)
{
	(void)state;
	polls_seen = 0;
	/* The stated bound: MMIO_POLLS_PER_US polls per microsecond asked, then one last check. */
	assert_int_equal(mmio_poll(never_ready, 0, 20), -SIETCH_ETIMEDOUT);
	assert_int_equal(polls_seen, 20 * MMIO_POLLS_PER_US + 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_accessors_widths, setup),
		cmocka_unit_test_setup(test_wait_already_true, setup),
		cmocka_unit_test_setup(test_wait_succeeds_when_device_answers, setup),
		cmocka_unit_test_setup(test_wait_times_out_by_clock, setup),
		cmocka_unit_test_setup(test_wait_for_clear_bit, setup),
		cmocka_unit_test_setup(test_wait_without_clock_is_bounded, setup),
		cmocka_unit_test_setup(test_poll_succeeds, setup),
		cmocka_unit_test_setup(test_poll_times_out_by_clock, setup),
		cmocka_unit_test_setup(test_poll_without_clock_counts_polls, setup),
	};
	return cmocka_run_group_tests_name("mmio", tests, NULL, NULL);
}
