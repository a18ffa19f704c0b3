/*
 * What the port needs from Sietch (the host unit test has its own): lwIP's
 * clock (NO_SYS ports provide sys_now, lwIP's doc/sys_arch.txt), the monotonic
 * clock in milliseconds read from the time page, so running lwIP's timers
 * never enters the kernel (lwIP expects it to wrap at 2^32 ms); and the
 * touching of memory a polling loop will use, so the loop takes no page fault.
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

/* The bss (lwIP's pools and heap are there) and a generous stack, written once
 * now so the kernel maps them now rather than in the middle of a polling loop. */
extern char __bss_start[], _end[];

static __attribute__((noinline)) void touch_stack(void)
{
	volatile char stack[64 * 1024];
	for (size_t i = 0; i < sizeof(stack); i += OS_PAGE_SIZE)
		stack[i] = 0;
}

void lwip_port_prefault(void)
{
	for (volatile char *p = __bss_start; p < _end; p += OS_PAGE_SIZE)
		*p = *p;
	touch_stack();
}
