/*
 * How the VF driver touches its registers and reads the time. In a program: the
 * VF's BAR through mmio.h and the time page. In tests/unit/igbvf_ut.c
 * (IGBVF_MODEL defined): a register model with the device's side effects and a
 * clock that only it advances.
 */
#pragma once

#include <stdint.h>
#include "drivers/igb/os/igbvf.h"

#ifndef IGBVF_MODEL
#include "lib/common/mmio.h"
#include "lib/os/os.h"

static inline uint32_t igbvf_read(struct igbvf *vf, uint32_t reg)
{
	return mmio_read32(mmio_at(vf->regs, reg));
}

static inline void igbvf_write(struct igbvf *vf, uint32_t reg, uint32_t value)
{
	mmio_write32(mmio_at(vf->regs, reg), value);
}

static inline uint64_t igbvf_now_us(void)
{
	return (uint64_t)os_clock_ns(SIETCH_CLOCK_MONOTONIC) / 1000;
}

/* Between polls of a register that waits for the PF: let the kernel run it. */
static inline void igbvf_pause(void)
{
	os_yield();
}

static inline void igbvf_sleep_us(uint64_t us)
{
	os_sleep_ns(us * 1000);
}
#else
uint32_t igbvf_read(struct igbvf *vf, uint32_t reg);
void igbvf_write(struct igbvf *vf, uint32_t reg, uint32_t value);
uint64_t igbvf_now_us(void);
void igbvf_pause(void);
void igbvf_sleep_us(uint64_t us);
#endif
