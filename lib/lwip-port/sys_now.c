/*
 * lwIP's clock (NO_SYS ports provide sys_now, lwIP's doc/sys_arch.txt): the
 * monotonic clock in milliseconds, read from the time page, so running lwIP's
 * timers never enters the kernel. lwIP expects it to wrap at 2^32 ms.
 */
#include "lib/lwip-port/port.h"
#include "lib/os/os.h"

uint32_t sys_now(void)
{
	long ns = os_clock_ns(SIETCH_CLOCK_MONOTONIC);
	return ns < 0 ? 0 : (uint32_t)((uint64_t)ns / 1000000u);
}

uint64_t net_now_ns(void)
{
	long ns = os_clock_ns(SIETCH_CLOCK_MONOTONIC);
	return ns < 0 ? 0 : (uint64_t)ns;
}
