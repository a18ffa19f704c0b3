/*
 * Device register access, for the kernel half and the libos half of a driver
 * alike (after ixy's driver/device.h: set_reg32, wait_set_reg32).
 *
 * Every access is one volatile load or store of exactly the named width: a
 * device register must never be read twice, merged or split. The "memory"
 * clobber keeps the compiler from moving ordinary memory accesses (descriptor
 * rings in DMA memory) across a register access. No fence instruction is
 * needed for uncached (UC) mappings: x86 does not reorder stores with older
 * stores, nor a UC access with older writes to write-back memory (Intel SDM
 * vol.3 §9.2.2 "Memory Ordering in P6 and More Recent Processor Families").
 * Write-combining mappings need mmio_flush_writes() before a doorbell.
 */
#pragma once

#include <stdint.h>

static inline uint8_t mmio_read8(const volatile void *addr)
{
	uint8_t value = *(const volatile uint8_t *)addr;
	__asm__ volatile("" ::: "memory");
	return value;
}

static inline uint16_t mmio_read16(const volatile void *addr)
{
	uint16_t value = *(const volatile uint16_t *)addr;
	__asm__ volatile("" ::: "memory");
	return value;
}

static inline uint32_t mmio_read32(const volatile void *addr)
{
	uint32_t value = *(const volatile uint32_t *)addr;
	__asm__ volatile("" ::: "memory");
	return value;
}

static inline uint64_t mmio_read64(const volatile void *addr)
{
	uint64_t value = *(const volatile uint64_t *)addr;
	__asm__ volatile("" ::: "memory");
	return value;
}

static inline void mmio_write8(volatile void *addr, uint8_t value)
{
	__asm__ volatile("" ::: "memory");
	*(volatile uint8_t *)addr = value;
}

static inline void mmio_write16(volatile void *addr, uint16_t value)
{
	__asm__ volatile("" ::: "memory");
	*(volatile uint16_t *)addr = value;
}

static inline void mmio_write32(volatile void *addr, uint32_t value)
{
	__asm__ volatile("" ::: "memory");
	*(volatile uint32_t *)addr = value;
}

static inline void mmio_write64(volatile void *addr, uint64_t value)
{
	__asm__ volatile("" ::: "memory");
	*(volatile uint64_t *)addr = value;
}

/* Drains write-combining buffers (SDM vol.3 §11.3.1): only WC mappings need it. */
static inline void mmio_flush_writes(void)
{
	__asm__ volatile("sfence" ::: "memory");
}

/* Register at byte offset `offset` from a mapped BAR. */
static inline volatile void *mmio_at(volatile void *base, uint64_t offset)
{
	return (volatile uint8_t *)base + offset;
}

/*
 * The microsecond clock mmio_wait32 measures its timeout with. The kernel sets
 * it once the TSC is calibrated, libos from the time page. Until then (the
 * LAPIC and the IOAPIC are programmed before the timers are calibrated) the
 * wait counts polls instead: MMIO_POLLS_PER_US polls stand for one
 * microsecond, because an uncached read takes at least 100 ns on real hardware
 * and far longer under emulation, so the wait is never shorter than asked.
 */
#define MMIO_POLLS_PER_US 10
extern uint64_t (*mmio_clock_us)(void);

/*
 * Polls until (register & mask) == expected. Returns 0, or -SIETCH_ETIMEDOUT
 * once timeout_us have passed: the caller must handle it (a device that never
 * answers is an error to report, never a reason to hang).
 */
int mmio_wait32(const volatile void *addr, uint32_t mask, uint32_t expected, uint64_t timeout_us);

/*
 * The same wait for a condition that is not one MMIO register (a port-I/O
 * status bit, two registers at once): polls done(arg) until it returns
 * nonzero. Returns 0, or -SIETCH_ETIMEDOUT once timeout_us have passed.
 */
int mmio_poll(int (*done)(void *arg), void *arg, uint64_t timeout_us);
