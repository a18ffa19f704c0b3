/* The time page (lib/common/time_page.h): one frame, mapped read-only into every process. */
#pragma once

#include <stdint.h>

struct addr_space;

void time_page_init(void);                 /* once, after the timer is calibrated */
long time_page_map(struct addr_space *as); /* at SIETCH_TIME_PAGE; 0 or -SIETCH_ENOMEM */
uint64_t time_page_realtime_ns(void);      /* the clock processes read as SIETCH_CLOCK_REALTIME */
