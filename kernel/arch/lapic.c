#include "kernel/arch/lapic.h"
#include "kernel/arch/cpu.h"
#include "kernel/arch/percpu.h"
#include "kernel/arch/spinlock.h"
#include "kernel/arch/timer.h"
#include "kernel/arch/trap.h"
#include "kernel/console.h"
#include "lib/common/mmio.h"
#include "lib/common/syscall.h"

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
#define ICR_DEST_SHIFT 24 /* in ICR_HIGH: destination APIC id */
#define LVT_TIMER_PERIODIC (1u << 17)
#define LVT_MASKED (1u << 16)
#define TIMER_DIVIDE_16 0x3

/*
 * How long the ICR may stay busy. Delivery status clears once the IPI is
 * accepted by the bus, microseconds on hardware (SDM vol.3 §11.6.1); a
 * millisecond means the APIC is wedged.
 */
#define ICR_IDLE_TIMEOUT_US 1000

/*
 * x2APIC mode (SDM vol.3 §11.12): the same registers as MSRs 0x800 + offset / 16,
 * the ICR one 64-bit MSR with a 32-bit destination, APIC IDs 32 bits wide.
 */
#define CPUID_1_ECX_X2APIC (1u << 21)
#define APIC_BASE_EXTD (1ull << 10)
#define X2APIC_MSR(reg) (0x800u + ((reg) >> 4))
#define X2APIC_ICR_DEST_SHIFT 32

static volatile void *lapic;
static bool x2apic; /* chosen once on the bootstrap CPU; every CPU runs the same mode */

static uint32_t lapic_read(uint32_t reg)
{
	if (x2apic)
		return (uint32_t)rdmsr(X2APIC_MSR(reg));
	return mmio_read32(mmio_at(lapic, reg));
}
static void lapic_write(uint32_t reg, uint32_t value)
{
	if (x2apic) {
		wrmsr(X2APIC_MSR(reg), value);
		return;
	}
	mmio_write32(mmio_at(lapic, reg), value);
	(void)lapic_read(LAPIC_ID); /* a read after the write waits for it to complete */
}

bool lapic_ready(void) { return lapic != 0; }
bool lapic_x2apic(void) { return x2apic; }

/* x2APIC whenever the CPU has it (and always when firmware already turned it on: §11.12.5 forbids going back). */
void lapic_init(volatile void *registers)
{
	uint32_t a, b, c, d;
	cpuid(1, 0, &a, &b, &c, &d);
	x2apic = (c & CPUID_1_ECX_X2APIC) || (rdmsr(MSR_APIC_BASE) & APIC_BASE_EXTD);
	lapic = registers;
}

void lapic_enable(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE) | APIC_BASE_ENABLE;
	wrmsr(MSR_APIC_BASE, base); /* §11.12.5: xAPIC first, then x2APIC; never straight from disabled */
	if (x2apic)
		wrmsr(MSR_APIC_BASE, base | APIC_BASE_EXTD);
	lapic_write(LAPIC_TPR, 0);
	lapic_write(LAPIC_SVR, SVR_ENABLE | VECTOR_SPURIOUS);
}

/* §11.12.5.1: the x2APIC ID is the whole register; xAPIC keeps 8 bits in 31:24. */
uint32_t lapic_id(void) { return x2apic ? lapic_read(LAPIC_ID) : lapic_read(LAPIC_ID) >> 24; }
void lapic_eoi(void) { lapic_write(LAPIC_EOI, 0); }

static int lapic_wait_icr(uint32_t apic_id, uint32_t command)
{
	int err = mmio_wait32(mmio_at(lapic, LAPIC_ICR_LOW), ICR_DELIVERY_PENDING, 0, ICR_IDLE_TIMEOUT_US);
	if (err)
		kprintf("lapic: cpu %u: ICR busy for %u us (command 0x%x to apic %u)\n", this_cpu()->id,
			ICR_IDLE_TIMEOUT_US, command, apic_id);
	return err;
}

/* Interrupts stay off from the ICR write to its completion: an IPI sent from a handler in between would overwrite it. */
static int lapic_send(uint32_t apic_id, uint32_t command)
{
	if (x2apic) {
		/* §11.12.9: one write sends it; there is no delivery status to wait for. */
		wrmsr(X2APIC_MSR(LAPIC_ICR_LOW), (uint64_t)apic_id << X2APIC_ICR_DEST_SHIFT | command);
		return 0;
	}
	irq_save_push();
	int err = lapic_wait_icr(apic_id, command);
	if (!err) {
		lapic_write(LAPIC_ICR_HIGH, apic_id << ICR_DEST_SHIFT);
		lapic_write(LAPIC_ICR_LOW, command);
		err = lapic_wait_icr(apic_id, command);
	}
	irq_restore_pop();
	return err;
}

int lapic_send_ipi_others(uint8_t vector) { return lapic_send(0, ICR_ALL_BUT_SELF | vector); }
/* Fixed delivery, physical destination mode, no shorthand: all zero in the ICR (SDM vol.3 §11.6.1). */
int lapic_send_ipi(uint32_t apic_id, uint8_t vector) { return lapic_send(apic_id, vector); }
int lapic_send_init(uint32_t apic_id) { return lapic_send(apic_id, ICR_INIT | ICR_LEVEL_ASSERT); }
int lapic_send_startup(uint32_t apic_id, uint8_t page) { return lapic_send(apic_id, ICR_STARTUP | page); }

/* Counts the LAPIC timer makes in a known interval; the same on every CPU (one bus clock). */
static uint32_t lapic_ticks_per_10ms;

uint32_t lapic_timer_calibrate(void)
{
	lapic_write(LAPIC_TIMER_DIVIDE, TIMER_DIVIDE_16);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	lapic_write(LAPIC_TIMER_INITIAL, 0xffffffff);
	int err = timer_pit_wait_10ms();
	lapic_ticks_per_10ms = err ? 0 : 0xffffffff - lapic_read(LAPIC_TIMER_CURRENT);
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
