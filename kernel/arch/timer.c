#include "kernel/arch/timer.h"
#include "kernel/arch/cpu.h"
#include "kernel/arch/hooks.h"
#include "kernel/arch/lapic.h"
#include "kernel/arch/percpu.h"
#include "kernel/arch/trap.h"
#include "kernel/console.h"
#include "lib/common/mmio.h"
#include "lib/common/syscall.h"
#include "lib/common/time_page.h"

/* 8254 PIT (Intel 82C54 datasheet): 1.193182 MHz input clock; channel 2's gate and
 * output are wired to port 0x61 bits 0 and 5 on every PC since the AT. */
#define PIT_HZ 1193182
#define PIT_CHANNEL2 0x42
#define PIT_COMMAND 0x43
#define PIT_CH2_MODE0_LOHI 0xb0
#define PORT_61 0x61
#define PORT_61_GATE2 0x01
#define PORT_61_SPEAKER 0x02
#define PORT_61_OUT2 0x20
/* Ten times the 10 ms count: a PIT that has not finished by then is absent or broken. */
#define PIT_WAIT_TIMEOUT_US 100000

static uint64_t tsc_hz;
static struct sietch_time_page clock; /* what the time page copies: one formula for kernel and processes */

static int pit_out2_high(void *arg)
{
	(void)arg;
	return (inb(PORT_61) & PORT_61_OUT2) != 0;
}

/* Before calibration mmio_poll counts polls; an inb takes about a microsecond, so the bound is loose but finite. */
int timer_pit_wait_10ms(void)
{
	uint16_t count = PIT_HZ / 100;
	uint8_t port = (uint8_t)((inb(PORT_61) & ~PORT_61_SPEAKER) & ~PORT_61_GATE2);
	outb(PORT_61, port);
	outb(PIT_COMMAND, PIT_CH2_MODE0_LOHI);
	outb(PIT_CHANNEL2, count & 0xff);
	outb(PIT_CHANNEL2, count >> 8);
	outb(PORT_61, port | PORT_61_GATE2); /* counting starts on the gate's rising edge */
	return mmio_poll(pit_out2_high, 0, PIT_WAIT_TIMEOUT_US);
}

static uint64_t timer_now_us(void) { return timer_now_ns() / 1000; }

void timer_calibrate(void)
{
	uint64_t before = rdtsc();
	uint32_t lapic_ticks = lapic_timer_calibrate(); /* waits 10 ms on the PIT */
	tsc_hz = (rdtsc() - before) * 100;
	if (!lapic_ticks)
		panic("timer calibration failed: the PIT's channel 2 never counted down");
	if (!tsc_hz)
		panic("timer calibration failed (tsc %lu, lapic %u)", tsc_hz, lapic_ticks);
	time_page_fill(&clock, tsc_hz, before);
	mmio_clock_us = timer_now_us; /* device waits measure real time from here on */
	kprintf("timer: tsc %lu MHz, lapic timer %u ticks per 10 ms\n", tsc_hz / 1000000, lapic_ticks);
}

static void timer_interrupt(struct trap_frame *frame)
{
	(void)frame;
	this_cpu()->ticks++;
	if (arch_hooks.timer_tick)
		arch_hooks.timer_tick();
}

void timer_start_this_cpu(void)
{
	trap_set_handler(VECTOR_TIMER, timer_interrupt);
	lapic_timer_start(TIMER_HZ);
}

uint64_t timer_now_ns(void) { return time_page_ns(&clock, rdtsc()); }

const struct sietch_time_page *timer_clock(void) { return &clock; }

void timer_delay_us(uint64_t us)
{
	uint64_t end = rdtsc() + tsc_hz / 1000000 * us;
	while (rdtsc() < end)
		cpu_relax();
}
