/*
 * Register access for the igb PF driver. Through function pointers so that
 * the programming steps (pf_hw.c, mbx.c) run unchanged against a register
 * model in the host tests (tests/unit/igb_pf_ut.c); in the kernel they are
 * the uncached BAR0 mapping (pf.c).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct igb_hw {
	volatile uint8_t *regs; /* BAR0 in the kernel; the model's state in tests */
	uint32_t (*read)(struct igb_hw *hw, uint32_t reg);
	void (*write)(struct igb_hw *hw, uint32_t reg, uint32_t value);
	void (*delay_us)(uint64_t us);
};

static inline uint32_t igb_rd(struct igb_hw *hw, uint32_t reg) { return hw->read(hw, reg); }
static inline void igb_wr(struct igb_hw *hw, uint32_t reg, uint32_t value) { hw->write(hw, reg, value); }

static inline void igb_set_bits(struct igb_hw *hw, uint32_t reg, uint32_t bits)
{
	igb_wr(hw, reg, igb_rd(hw, reg) | bits);
}

static inline void igb_clear_bits(struct igb_hw *hw, uint32_t reg, uint32_t bits)
{
	igb_wr(hw, reg, igb_rd(hw, reg) & ~bits);
}

/* Polls reg every step_us until (value & mask) == want or tries run out; whether it got there. */
static inline bool igb_wait(struct igb_hw *hw, uint32_t reg, uint32_t mask, uint32_t want, unsigned tries,
			    uint64_t step_us)
{
	for (unsigned i = 0; i < tries; i++) {
		if ((igb_rd(hw, reg) & mask) == want)
			return true;
		hw->delay_us(step_us);
	}
	return (igb_rd(hw, reg) & mask) == want;
}
