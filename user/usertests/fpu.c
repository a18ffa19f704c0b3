/*
 * SSE state belongs to each thread: the kernel saves and restores it when it
 * switches (FXSAVE/FXRSTOR) and keeps it across system calls. Each thread
 * parks a pattern of its own in xmm0-xmm2 and checks it after every yield and
 * sleep, while the others do the same with other patterns.
 */
#include <stdint.h>
#include "user/usertests/usertests.h"

#define FPU_THREADS 4
#define FPU_ROUNDS 200

static struct {
	volatile int finished, mismatches;
	volatile double sums[FPU_THREADS];
} fpu;

static void load_pattern(uint64_t seed)
{
	uint64_t words[6] = { seed, ~seed, seed * 3, seed ^ 0x5555, seed + 7, seed << 3 };
	__asm__ volatile("movdqu 0(%0), %%xmm0\n\tmovdqu 16(%0), %%xmm1\n\tmovdqu 32(%0), %%xmm2"
			 :
			 : "r"(words)
			 : "xmm0", "xmm1", "xmm2", "memory");
}

static bool pattern_intact(uint64_t seed)
{
	uint64_t words[6], want[6] = { seed, ~seed, seed * 3, seed ^ 0x5555, seed + 7, seed << 3 };
	__asm__ volatile("movdqu %%xmm0, 0(%0)\n\tmovdqu %%xmm1, 16(%0)\n\tmovdqu %%xmm2, 32(%0)"
			 :
			 : "r"(words)
			 : "memory");
	for (int i = 0; i < 6; i++)
		if (words[i] != want[i])
			return false;
	return true;
}

static void fpu_thread(void *arg)
{
	int id = (int)(intptr_t)arg;
	uint64_t seed = 0x1234567890abcdefull * (uint64_t)(id + 1);
	double sum = 0;
	for (int round = 0; round < FPU_ROUNDS; round++) {
		load_pattern(seed + (uint64_t)round);
		if (round % 2)
			os_yield();
		else
			os_sleep_ns(UT_NS_PER_MS / 10);
		if (!pattern_intact(seed + (uint64_t)round))
			__atomic_add_fetch(&fpu.mismatches, 1, __ATOMIC_ACQ_REL);
		sum += 0.5 * (double)(id + 1);
	}
	fpu.sums[id] = sum;
	__atomic_add_fetch(&fpu.finished, 1, __ATOMIC_ACQ_REL);
}

void case_fpu_threads(void)
{
	for (int i = 0; i < FPU_THREADS; i++)
		ut_expect_ok(os_thread_create(fpu_thread, (void *)(intptr_t)i, 0), "thread_create");
	uint64_t deadline = ut_now_ns() + 20 * UT_NS_PER_S;
	while (fpu.finished < FPU_THREADS && ut_now_ns() < deadline)
		os_sleep_ns(UT_NS_PER_MS);
	ut_check(fpu.finished == FPU_THREADS, "only %d of %d threads finished", fpu.finished, FPU_THREADS);
	ut_check(fpu.mismatches == 0, "%d times a thread found another's SSE registers in its own", fpu.mismatches);
	for (int i = 0; i < FPU_THREADS; i++)
		ut_check(fpu.sums[i] == 0.5 * (i + 1) * FPU_ROUNDS, "thread %d's floating-point sum is %f", i,
			 fpu.sums[i]);
}
