/* Time: the PIT as a reference to calibrate against, the TSC as the clock, the LAPIC timer as the tick. */
#pragma once

#include <stdint.h>

#define TIMER_HZ 100

int timer_pit_wait_10ms(void); /* 0, or -SIETCH_ETIMEDOUT if the PIT never finished */
void timer_calibrate(void);      /* TSC and LAPIC timer rates, bootstrap CPU only; then mmio_clock_us */
void timer_start_this_cpu(void); /* periodic tick on the calling CPU */
uint64_t timer_now_ns(void);     /* monotonic, since boot */
struct sietch_time_page;
const struct sietch_time_page *timer_clock(void); /* the numbers timer_now_ns uses, for the time page */
void timer_delay_us(uint64_t us);
