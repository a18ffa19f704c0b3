/*
 * The time page: one read-only page the kernel maps at SIETCH_TIME_PAGE in
 * every process, so that a process reads the monotonic clock with RDTSC and
 * no system call (what Linux's vDSO does with its data page). The kernel's
 * own clock is the same formula over the same numbers, so both agree:
 *
 *   ns since boot = ((tsc - tsc_base) * mult) >> shift   (a 128-bit product)
 *   ns since 1970 = realtime_base_ns + ns since boot
 *
 * The numbers are set once, at boot, after the TSC is calibrated, and never
 * change (the TSC is the clock; nothing slews it), so a reader needs no
 * sequence lock. It assumes an invariant TSC that all CPUs share (CPUID
 * 80000007H:EDX[8], SDM vol.3 §17.17.1), as the kernel's clock does.
 */
#pragma once

#include <stdint.h>

/* The last page of the lower half, above every address mem_map hands out. */
#define SIETCH_TIME_PAGE 0x00007ffffffff000ull
#define SIETCH_TIME_PAGE_VERSION 1
#define TIME_PAGE_SHIFT 32 /* mult keeps 32 fraction bits: under 1 ns of error a second up to a 4 GHz TSC */
#define TIME_NS_PER_SECOND 1000000000ull

struct sietch_time_page {
	uint32_t version; /* SIETCH_TIME_PAGE_VERSION once filled: 0 means use the system call */
	uint32_t shift;
	uint64_t tsc_base; /* the TSC at monotonic time 0 */
	uint64_t mult;
	uint64_t tsc_hz;
	uint64_t realtime_base_ns; /* the wall clock at monotonic time 0, from the RTC read at boot */
};
_Static_assert(sizeof(struct sietch_time_page) == 40, "the user ABI");

static inline void time_page_fill(struct sietch_time_page *tp, uint64_t tsc_hz, uint64_t tsc_base)
{
	tp->shift = TIME_PAGE_SHIFT;
	tp->tsc_base = tsc_base;
	tp->tsc_hz = tsc_hz;
	tp->mult = (TIME_NS_PER_SECOND << TIME_PAGE_SHIFT) / tsc_hz; /* 10^9 < 2^30: the dividend fits 64 bits */
	tp->version = SIETCH_TIME_PAGE_VERSION;
}

static inline uint64_t time_page_ns(const struct sietch_time_page *tp, uint64_t tsc)
{
	return (uint64_t)(((unsigned __int128)(tsc - tp->tsc_base) * tp->mult) >> tp->shift);
}

/* RDTSC is not ordered with earlier instructions; LFENCE first waits for them (SDM vol.2 RDTSC). */
static inline uint64_t time_read_tsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi)::"memory");
	return ((uint64_t)hi << 32) | lo;
}
