/* The CMOS real-time clock: the wall-clock time, to the second, for CLOCK_REALTIME. */
#pragma once

#include <stdint.h>

/* Seconds since 1970-01-01 00:00:00 UTC (the RTC is assumed to keep UTC), or 0 if the RTC reads as garbage. */
uint64_t rtc_read_unix_seconds(void);
