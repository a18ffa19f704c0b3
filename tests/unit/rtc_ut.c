/*
 * Host tests for kernel/arch/rtc.c: register decoding, dates to Unix seconds,
 * and the read protocol against a model of the CMOS ports.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

/* The port accessors are inline in cpu.h: include it first, then point rtc.c's calls at a model. */
#include "kernel/arch/cpu.h"

static uint8_t cmos[128];
static uint8_t cmos_index;
static int reads_until_tick = -1; /* after this many data reads, the model's clock ticks once */
static int uip_reads;             /* status A reads that still show an update in progress */
static uint8_t cmos_after_tick[128];

static void model_outb(uint16_t port, uint8_t value)
{
	assert_int_equal(port, 0x70);
	cmos_index = value;
}

static uint8_t model_inb(uint16_t port)
{
	assert_int_equal(port, 0x71);
	if (cmos_index == 0x0a && uip_reads > 0) {
		uip_reads--;
		return 0x80;
	}
	if (reads_until_tick >= 0 && reads_until_tick-- == 0)
		memcpy(cmos, cmos_after_tick, sizeof(cmos));
	return cmos[cmos_index & 0x7f];
}

#define outb model_outb
#define inb model_inb
#include "kernel/arch/rtc.c"
#undef outb
#undef inb

/* What rtc.c needs from the rest of the kernel. */
static uint64_t fake_now_ns;
uint64_t timer_now_ns(void) { return fake_now_ns += 1000; }
void spin_lock(struct spinlock *lock) { lock->locked = 1; }
void spin_unlock(struct spinlock *lock)
{
	assert_true(lock->locked);
	lock->locked = 0;
}

#define BCD_24H 0x02
#define BINARY_24H 0x06
#define BCD_12H 0x00
#define BINARY_12H 0x04

static uint64_t convert(uint8_t status_b, uint8_t year, uint8_t month, uint8_t day, uint8_t hour, uint8_t minute,
			uint8_t second, bool *ok)
{
	struct rtc_fields f = { second, minute, hour, day, month, year, status_b };
	uint64_t s = 0;
	*ok = rtc_fields_to_unix(&f, &s);
	return s;
}

static uint64_t must_convert(uint8_t status_b, uint8_t year, uint8_t month, uint8_t day, uint8_t hour,
			     uint8_t minute, uint8_t second)
{
	bool ok;
	uint64_t s = convert(status_b, year, month, day, hour, minute, second, &ok);
	assert_true(ok);
	return s;
}

static bool rejects(uint8_t status_b, uint8_t year, uint8_t month, uint8_t day, uint8_t hour, uint8_t minute,
		    uint8_t second)
{
	bool ok;
	convert(status_b, year, month, day, hour, minute, second, &ok);
	return !ok;
}

static void test_bcd_24h(void **state)
{
	(void)state;
	assert_int_equal(must_convert(BCD_24H, 0x00, 0x01, 0x01, 0x00, 0x00, 0x00), 946684800);
	assert_int_equal(must_convert(BCD_24H, 0x24, 0x02, 0x29, 0x12, 0x34, 0x56), 1709210096);
	assert_int_equal(must_convert(BCD_24H, 0x38, 0x01, 0x19, 0x03, 0x14, 0x08), 2147483648ull);
	assert_int_equal(must_convert(BCD_24H, 0x99, 0x12, 0x31, 0x23, 0x59, 0x59), 4102444799ull);
	assert_int_equal(must_convert(BCD_24H, 0x01, 0x03, 0x01, 0x00, 0x00, 0x00), 983404800);
	assert_int_equal(must_convert(BCD_24H, 0x24, 0x12, 0x31, 0x00, 0x00, 0x01), 1735603201);
}

static void test_binary_24h(void **state)
{
	(void)state;
	assert_int_equal(must_convert(BINARY_24H, 24, 2, 29, 12, 34, 56), 1709210096);
	assert_int_equal(must_convert(BINARY_24H, 23, 11, 25, 7, 34, 0), 1700897640);
	assert_int_equal(must_convert(BINARY_24H, 99, 12, 31, 23, 59, 59), 4102444799ull);
}

static void test_12_hour(void **state)
{
	(void)state;
	uint64_t midnight = must_convert(BCD_24H, 0x24, 0x02, 0x29, 0x00, 0x00, 0x00);
	/* 12 AM is hour 0, 12 PM is noon, 1 PM is 13, 11 PM is 23; binary and BCD alike. */
	assert_int_equal(must_convert(BCD_12H, 0x24, 0x02, 0x29, 0x12, 0, 0), midnight);
	assert_int_equal(must_convert(BCD_12H, 0x24, 0x02, 0x29, 0x80 | 0x12, 0, 0), midnight + 12 * 3600);
	assert_int_equal(must_convert(BCD_12H, 0x24, 0x02, 0x29, 0x80 | 0x01, 0, 0), midnight + 13 * 3600);
	assert_int_equal(must_convert(BCD_12H, 0x24, 0x02, 0x29, 0x80 | 0x11, 0, 0), midnight + 23 * 3600);
	assert_int_equal(must_convert(BCD_12H, 0x24, 0x02, 0x29, 0x07, 0, 0), midnight + 7 * 3600);
	assert_int_equal(must_convert(BINARY_12H, 24, 2, 29, 0x80 | 12, 0, 0), midnight + 12 * 3600);
	assert_int_equal(must_convert(BINARY_12H, 24, 2, 29, 12, 0, 0), midnight);
	assert_int_equal(must_convert(BINARY_12H, 24, 2, 29, 0x80 | 11, 0, 0), midnight + 23 * 3600);
}

static void test_rejects_garbage(void **state)
{
	(void)state;
	assert_true(rejects(BCD_24H, 0x24, 0x13, 0x01, 0, 0, 0));    /* month 13 */
	assert_true(rejects(BCD_24H, 0x24, 0x00, 0x01, 0, 0, 0));    /* month 0 */
	assert_true(rejects(BCD_24H, 0x24, 0x01, 0x00, 0, 0, 0));    /* day 0 */
	assert_true(rejects(BCD_24H, 0x23, 0x02, 0x29, 0, 0, 0));    /* not a leap year */
	assert_true(rejects(BCD_24H, 0x24, 0x04, 0x31, 0, 0, 0));    /* April has 30 days */
	assert_true(rejects(BCD_24H, 0x24, 0x01, 0x01, 0x24, 0, 0)); /* hour 24 */
	assert_true(rejects(BCD_24H, 0x24, 0x01, 0x01, 0, 0x60, 0)); /* minute 60 */
	assert_true(rejects(BCD_24H, 0x24, 0x01, 0x01, 0, 0, 0x60)); /* second 60 */
	assert_true(rejects(BCD_24H, 0x24, 0x01, 0x1a, 0, 0, 0));    /* not BCD */
	assert_true(rejects(BCD_24H, 0xa0, 0x01, 0x01, 0, 0, 0));    /* not BCD */
	assert_true(rejects(BINARY_24H, 100, 1, 1, 0, 0, 0));        /* year 2100 */
	assert_true(rejects(BCD_12H, 0x24, 0x01, 0x01, 0x00, 0, 0)); /* no hour 0 in 12-hour mode */
	assert_true(rejects(BCD_12H, 0x24, 0x01, 0x01, 0x13, 0, 0)); /* nor 13 */
	assert_true(rejects(BCD_24H, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)); /* no RTC at the ports */
	assert_false(rejects(BCD_24H, 0x24, 0x02, 0x29, 0, 0, 0));
	assert_false(rejects(BCD_24H, 0x00, 0x02, 0x29, 0, 0, 0)); /* 2000 is a leap year (divisible by 400) */
}

static void set_time(uint8_t *regs, uint8_t hour, uint8_t minute, uint8_t second)
{
	regs[0x00] = second;
	regs[0x02] = minute;
	regs[0x04] = hour;
	regs[0x07] = 0x29;
	regs[0x08] = 0x02;
	regs[0x09] = 0x24;
	regs[0x0a] = 0x26;
	regs[0x0b] = BCD_24H;
}

static int reset_model(void **state)
{
	(void)state;
	memset(cmos, 0, sizeof(cmos));
	memset(cmos_after_tick, 0, sizeof(cmos_after_tick));
	reads_until_tick = -1;
	uip_reads = 0;
	return 0;
}

static void test_read_waits_out_update(void **state)
{
	(void)state;
	set_time(cmos, 0x12, 0x34, 0x56);
	uip_reads = 5;
	assert_int_equal(rtc_read_unix_seconds(), 1709210096);
	assert_int_equal(uip_reads, 0);
	assert_int_equal(rtc_lock.locked, 0);
}

static void test_read_retries_across_a_tick(void **state)
{
	(void)state;
	/* 12:59:59 becomes 13:00:00 half way through the first read: a torn read would mix the two. */
	set_time(cmos, 0x12, 0x59, 0x59);
	set_time(cmos_after_tick, 0x13, 0x00, 0x00);
	reads_until_tick = 2;
	assert_int_equal(rtc_read_unix_seconds(), 1709211600);
}

static void test_read_absent_clock(void **state)
{
	(void)state;
	memset(cmos, 0xff, sizeof(cmos));
	assert_int_equal(rtc_read_unix_seconds(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bcd_24h),
		cmocka_unit_test(test_binary_24h),
		cmocka_unit_test(test_12_hour),
		cmocka_unit_test(test_rejects_garbage),
		cmocka_unit_test_setup(test_read_waits_out_update, reset_model),
		cmocka_unit_test_setup(test_read_retries_across_a_tick, reset_model),
		cmocka_unit_test_setup(test_read_absent_clock, reset_model),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
