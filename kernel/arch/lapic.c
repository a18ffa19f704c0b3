#include "kernel/arch/lapic.h"
#include "kernel/arch/cpu.h"
#include "kernel/arch/timer.h"
#include "kernel/arch/trap.h"
#include "kernel/console.h"
#include "kernel/mm/vm.h"

/* Register offsets, SDM vol.3 table 11-1 */
#define LAPIC_ID 0x20
#define LAPIC_TPR 0x80
#define LAPIC_EOI 0xb0
#define LAPIC_SVR 0xf0
#define LAPIC_ICR_LOW 0x300
#define LAPIC_ICR_HIGH 0x310
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_TIMER_INITIAL 0x380
#define LAPIC_TIMER_CURRENT 0x390
#define LAPIC_TIMER_DIVIDE 0x3e0

#define SVR_ENABLE (1u << 8)
#define ICR_DELIVERY_PENDING (1u << 12)
#define ICR_INIT (5u << 8)
#define ICR_STARTUP (6u << 8)
#define ICR_LEVEL_ASSERT (1u << 14)
#define ICR_ALL_BUT_SELF (3u << 18)
#define LVT_TIMER_PERIODIC (1u << 17)
#define LVT_MASKED (1u << 16)
#define TIMER_DIVIDE_16 0x3

static volatile uint32_t *lapic;

static uint32_t lapic_read(uint32_t reg) { return lapic[reg / 4]; }
static void lapic_write(uint32_t reg, uint32_t value)
{
	lapic[reg / 4] = value;
	(void)lapic[LAPIC_ID / 4]; /* a read after the write waits for it to complete */
}

bool lapic_ready(void) { return lapic != 0; }

void lapic_init(uint64_t phys)
{
	lapic = kmap_mmio(phys, 4096);
}

void lapic_enable(void)
{
	/* IA32_APIC_BASE bit 11: global enable (SDM vol.3 §11.4.4) */
	wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | (1u << 11));
	lapic_write(LAPIC_TPR, 0);
	lapic_write(LAPIC_SVR, SVR_ENABLE | VECTOR_SPURIOUS);
}

uint32_t lapic_id(void) { return lapic_read(LAPIC_ID) >> 24; }
void lapic_eoi(void) { lapic_write(LAPIC_EOI, 0); }

static void lapic_wait_icr(void)
{
	for (int spins = 0; spins < 1000000 && (lapic_read(LAPIC_ICR_LOW) & ICR_DELIVERY_PENDING); spins++)
		cpu_relax();
}

static void lapic_send(uint32_t apic_id, uint32_t command)
{
	lapic_wait_icr();
	lapic_write(LAPIC_ICR_HIGH, apic_id << 24);
	lapic_write(LAPIC_ICR_LOW, command);
	lapic_wait_icr();
}

void lapic_send_ipi_others(uint8_t vector) { lapic_send(0, ICR_ALL_BUT_SELF | vector); }
/* Fixed delivery, physical destination mode, no shorthand: all zero in the ICR (SDM vol.3 §11.6.1). */
void lapic_send_ipi(uint32_t apic_id, uint8_t vector) { lapic_send(apic_id, vector); }
void lapic_send_init(uint32_t apic_id) { lapic_send(apic_id, ICR_INIT | ICR_LEVEL_ASSERT); }
void lapic_send_startup(uint32_t apic_id, uint8_t page) { lapic_send(apic_id, ICR_STARTUP | page); }

/* Counts the LAPIC timer makes in a known interval; the same on every CPU (one bus clock). */
static uint32_t lapic_ticks_per_10ms;

uint32_t lapic_timer_calibrate(void)
{
	lapic_write(LAPIC_TIMER_DIVIDE, TIMER_DIVIDE_16);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	lapic_write(LAPIC_TIMER_INITIAL, 0xffffffff);
	timer_pit_wait_10ms();
	lapic_ticks_per_10ms = 0xffffffff - lapic_read(LAPIC_TIMER_CURRENT);
	lapic_write(LAPIC_TIMER_INITIAL, 0);
	return lapic_ticks_per_10ms;
}

void lapic_timer_start(uint32_t hz)
{
	if (!lapic_ticks_per_10ms)
		panic("lapic_timer_start before calibration");
	lapic_write(LAPIC_TIMER_DIVIDE, TIMER_DIVIDE_16);
	lapic_write(LAPIC_LVT_TIMER, LVT_TIMER_PERIODIC | VECTOR_TIMER);
	lapic_write(LAPIC_TIMER_INITIAL, lapic_ticks_per_10ms * 100 / hz);
}

/* A zero initial count stops the timer (SDM vol.3 §11.5.4); a tick already pending is still delivered. */
void lapic_timer_stop(void) { lapic_write(LAPIC_TIMER_INITIAL, 0); }
