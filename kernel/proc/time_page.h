/* The time page (lib/common/time_page.h): one frame, mapped read-only into every process. */
#pragma once

struct addr_space;

void time_page_init(void);                 /* once, after the timer is calibrated */
long time_page_map(struct addr_space *as); /* at SIETCH_TIME_PAGE; 0 or -SIETCH_ENOMEM */
