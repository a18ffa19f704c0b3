/*
 * The CMOS real-time clock (Motorola MC146818A, which every PC chipset still
 * emulates: Intel PCH datasheets, "RTC Indexed Registers"). It is read through
 * an index port and a data port; its fields are BCD or binary and the hour is
 * 12- or 24-hour, as status register B says. The century register's place is
 * given by ACPI's FADT and not every machine has one, so the year is taken as
 * 20xx.
 */
#include "kernel/arch/rtc.h"
#include <stdbool.h>
#include "kernel/arch/cpu.h"
#include "kernel/arch/spinlock.h"
#include "kernel/arch/timer.h"

#define CMOS_INDEX 0x70 /* bit 7 of the index masks NMI; it is left clear */
#define CMOS_DATA 0x71

/* MC146818A register map: time, date, and the two status registers used here. */
#define RTC_SECONDS 0x00
#define RTC_MINUTES 0x02
#define RTC_HOURS 0x04
#define RTC_DAY 0x07
#define RTC_MONTH 0x08
#define RTC_YEAR 0x09
#define RTC_STATUS_A 0x0a
#define RTC_STATUS_B 0x0b

#define RTC_A_UIP (1u << 7)    /* an update cycle is in progress: the time fields are changing */
#define RTC_B_24HOUR (1u << 1) /* 0: 12-hour, with bit 7 of the hour meaning PM */
#define RTC_B_BINARY (1u << 2) /* 0: BCD */
#define RTC_HOUR_PM (1u << 7)

/* An update cycle takes under 2 ms (datasheet: 1984 us at most); a clock that never finishes is absent. */
#define RTC_UIP_TIMEOUT_NS 10000000ull
#define RTC_READ_TRIES 8

#define SECONDS_PER_DAY 86400ull

/* The registers as read, before decoding. */
struct rtc_fields {
	uint8_t second, minute, hour, day, month, year;
	uint8_t status_b;
};

static bool is_leap_year(uint32_t year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

static uint32_t days_in_month(uint32_t year, uint32_t month)
{
	static const uint8_t days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	return days[month - 1] + (month == 2 && is_leap_year(year));
}

/* Days from 1970-01-01 to year-month-day (a valid date, year >= 1970). */
static uint64_t days_since_epoch(uint32_t year, uint32_t month, uint32_t day)
{
	uint64_t days = 0;
	for (uint32_t y = 1970; y < year; y++)
		days += is_leap_year(y) ? 366 : 365;
	for (uint32_t m = 1; m < month; m++)
		days += days_in_month(year, m);
	return days + day - 1;
}

/* One register's value in binary; false for a BCD byte with a digit above 9. */
static bool rtc_decode(uint8_t raw, bool binary, uint32_t *out)
{
	if (binary) {
		*out = raw;
		return true;
	}
	if ((raw & 0x0f) > 9 || (raw >> 4) > 9)
		return false;
	*out = (uint32_t)(raw >> 4) * 10 + (raw & 0x0f);
	return true;
}

/* The 0..23 hour from the hour register: in 12-hour mode 12 AM is 0 and 12 PM is 12. */
static bool rtc_decode_hour(uint8_t raw, uint8_t status_b, uint32_t *hour)
{
	bool h24 = status_b & RTC_B_24HOUR, pm = !h24 && (raw & RTC_HOUR_PM);
	if (!rtc_decode(h24 ? raw : raw & (uint8_t)~RTC_HOUR_PM, status_b & RTC_B_BINARY, hour))
		return false;
	if (h24)
		return *hour < 24;
	if (*hour < 1 || *hour > 12)
		return false;
	*hour = *hour % 12 + (pm ? 12 : 0);
	return true;
}

/* Registers to seconds since 1970; false if any field is out of range. */
static bool rtc_fields_to_unix(const struct rtc_fields *f, uint64_t *seconds)
{
	bool binary = f->status_b & RTC_B_BINARY;
	uint32_t second, minute, hour, day, month, year;
	if (!rtc_decode(f->second, binary, &second) || !rtc_decode(f->minute, binary, &minute) ||
	    !rtc_decode_hour(f->hour, f->status_b, &hour) || !rtc_decode(f->day, binary, &day) ||
	    !rtc_decode(f->month, binary, &month) || !rtc_decode(f->year, binary, &year))
		return false;
	year += 2000;
	if (second > 59 || minute > 59 || month < 1 || month > 12 || year > 2099 || day < 1 ||
	    day > days_in_month(year, month))
		return false;
	*seconds = days_since_epoch(year, month, day) * SECONDS_PER_DAY + hour * 3600ull + minute * 60ull + second;
	return true;
}

static struct spinlock rtc_lock = SPINLOCK_INIT("rtc"); /* the index port is shared state */

static uint8_t cmos_read(uint8_t reg)
{
	outb(CMOS_INDEX, reg);
	return inb(CMOS_DATA);
}

/* With rtc_lock held. The datasheet promises 244 us without change after UIP reads 0. */
static void rtc_read_fields(struct rtc_fields *f)
{
	uint64_t deadline = timer_now_ns() + RTC_UIP_TIMEOUT_NS;
	while ((cmos_read(RTC_STATUS_A) & RTC_A_UIP) && timer_now_ns() < deadline)
		cpu_relax();
	f->second = cmos_read(RTC_SECONDS);
	f->minute = cmos_read(RTC_MINUTES);
	f->hour = cmos_read(RTC_HOURS);
	f->day = cmos_read(RTC_DAY);
	f->month = cmos_read(RTC_MONTH);
	f->year = cmos_read(RTC_YEAR);
	f->status_b = cmos_read(RTC_STATUS_B);
}

static bool rtc_fields_equal(const struct rtc_fields *a, const struct rtc_fields *b)
{
	return a->second == b->second && a->minute == b->minute && a->hour == b->hour && a->day == b->day &&
	       a->month == b->month && a->year == b->year && a->status_b == b->status_b;
}

uint64_t rtc_read_unix_seconds(void)
{
	/* Two reads that agree cannot straddle an update, however the UIP window fell. */
	struct rtc_fields last, now;
	spin_lock(&rtc_lock);
	rtc_read_fields(&now);
	int tries = 0;
	do {
		last = now;
		rtc_read_fields(&now);
	} while (!rtc_fields_equal(&last, &now) && ++tries < RTC_READ_TRIES);
	spin_unlock(&rtc_lock);
	uint64_t seconds;
	return rtc_fields_to_unix(&now, &seconds) ? seconds : 0;
}
