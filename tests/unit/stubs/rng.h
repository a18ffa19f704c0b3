/*
 * A small random number generator for host unit tests (Marsaglia's
 * xorshift64, "Xorshift RNGs", J. Stat. Softw. 8(14), 2003): the same seed
 * gives every run the same sequence, so a failure can be replayed.
 *
 * This header defines functions, not just declares them: each test binary is
 * one translation unit (tests/unit/<name>_ut.c), which includes it once.
 */
#pragma once

#include <stdint.h>

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

/* A number below bound. */
static uint64_t rng(uint64_t bound)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state % bound;
}
