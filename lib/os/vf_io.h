/*
 * How a VF driver in a process (drivers/igb/os, drivers/ixgbe-vf/os, and the
 * mailbox they share, lib/os/vf_mailbox.c) touches its registers and reads the
 * time, and the DMA memory it is given. In a program: the VF's BAR through
 * mmio.h and the time page. In a host test that defines VF_IO_MODEL
 * (tests/unit/igbvf_ut.c, ixgbevf_ut.c, vf_mailbox_ut.c): a register model
 * with the device's side effects and a clock that only it advances
 * (tests/unit/stubs/vf_clock.h).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Memory the device may read and write: where it is mapped, and the address the device uses. */
struct vf_dma {
	void *va;
	uint64_t bus;
	size_t size;
};

#ifndef VF_IO_MODEL
#include "lib/common/mmio.h"
#include "lib/os/os.h"

/* reg is an offset in the VF's BAR0, mapped uncached at bar. */
static inline uint32_t vf_read(volatile void *bar, uint32_t reg)
{
	return mmio_read32(mmio_at(bar, reg));
}

static inline void vf_write(volatile void *bar, uint32_t reg, uint32_t value)
{
	mmio_write32(mmio_at(bar, reg), value);
}

static inline uint64_t vf_now_us(void)
{
	return (uint64_t)os_clock_ns(SIETCH_CLOCK_MONOTONIC) / 1000;
}

/* Between polls of a register that waits for the PF: let the kernel run it. */
static inline void vf_pause(void)
{
	os_yield();
}

static inline void vf_sleep_us(uint64_t us)
{
	os_sleep_ns(us * 1000);
}
#else
uint32_t vf_read(volatile void *bar, uint32_t reg);
void vf_write(volatile void *bar, uint32_t reg, uint32_t value);
uint64_t vf_now_us(void);
void vf_pause(void);
void vf_sleep_us(uint64_t us);
#endif
