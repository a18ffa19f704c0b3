/*
 * The CMOS RTC; see cmos.h. Register indices from the MC146818A datasheet
 * ("Address Map"); the century byte's index is the one the FADT names.
 */
#include "user/vmm/cmos.h"

#include <string.h>

#include "user/vmm/guest_boot.h"

#define RTC_SECONDS 0x00
#define RTC_MINUTES 0x02
#define RTC_HOURS 0x04
#define RTC_WEEKDAY 0x06
#define RTC_DAY 0x07
#define RTC_MONTH 0x08
#define RTC_YEAR 0x09
#define RTC_STATUS_A 0x0a
#define RTC_STATUS_B 0x0b
#define RTC_STATUS_C 0x0c
#define RTC_STATUS_D 0x0d
#define STATUS_A_DEFAULT 0x26   /* 32.768 kHz time base, 1024 Hz rate; UIP (bit 7) clear */
#define STATUS_B_24H 0x02       /* 24-hour mode, BCD (bit 2 clear), no interrupts */
#define STATUS_D_VALID 0x80     /* the battery is fine: the time is valid */
#define INDEX_NMI_OFF 0x80      /* bit 7 of the index port masks NMI on a PC */
#define SECONDS_PER_DAY 86400ull

void cmos_init(struct cmos *c)
{
	memset(c, 0, sizeof(*c));
	c->ram[RTC_STATUS_A] = STATUS_A_DEFAULT;
	c->ram[RTC_STATUS_B] = STATUS_B_24H;
	c->ram[RTC_STATUS_D] = STATUS_D_VALID;
}

static uint8_t bcd(unsigned v) { return (uint8_t)((v / 10) << 4 | (v % 10)); }

/* Days since 1970-01-01 to a civil date (the proleptic Gregorian calendar). */
static void civil_from_days(uint64_t days, unsigned *year, unsigned *month, unsigned *day)
{
	/* Howard Hinnant's days_from_civil inverse, for days >= 0 */
	uint64_t z = days + 719468, era = z / 146097, doe = z - era * 146097;
	uint64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	uint64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
	*day = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*month = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*year = (unsigned)(yoe + era * 400 + (*month <= 2));
}

static uint8_t time_register(uint8_t index, uint64_t unix_seconds)
{
	uint64_t days = unix_seconds / SECONDS_PER_DAY, secs = unix_seconds % SECONDS_PER_DAY;
	unsigned year, month, day;
	civil_from_days(days, &year, &month, &day);
	switch (index) {
	case RTC_SECONDS: return bcd((unsigned)(secs % 60));
	case RTC_MINUTES: return bcd((unsigned)(secs / 60 % 60));
	case RTC_HOURS: return bcd((unsigned)(secs / 3600));
	case RTC_WEEKDAY: return bcd((unsigned)((days + 4) % 7 + 1)); /* 1970-01-01 was a Thursday; Sunday is 1 */
	case RTC_DAY: return bcd(day);
	case RTC_MONTH: return bcd(month);
	case RTC_YEAR: return bcd(year % 100);
	default: return bcd(year / 100 % 100); /* GUEST_CMOS_CENTURY */
	}
}

uint8_t cmos_read(struct cmos *c, uint16_t port, uint64_t unix_seconds)
{
	if (port == CMOS_PORT_INDEX)
		return 0xff; /* the index port is write-only */
	uint8_t i = c->index;
	if (i <= RTC_YEAR || i == GUEST_CMOS_CENTURY)
		return time_register(i, unix_seconds);
	return c->ram[i];
}

void cmos_write(struct cmos *c, uint16_t port, uint8_t value)
{
	if (port == CMOS_PORT_INDEX) {
		c->index = value & ~INDEX_NMI_OFF & (CMOS_SIZE - 1);
		return;
	}
	uint8_t i = c->index;
	if (i <= RTC_YEAR || i == GUEST_CMOS_CENTURY || i == RTC_STATUS_C || i == RTC_STATUS_D)
		return; /* the time follows the VMM's clock; C and D are read-only */
	c->ram[i] = i == RTC_STATUS_A ? value & 0x7f : value; /* UIP is read-only */
}
