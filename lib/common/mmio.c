#include "lib/common/mmio.h"
#include "lib/common/syscall.h"

uint64_t (*mmio_clock_us)(void);

static inline void mmio_pause(void)
{
	__asm__ volatile("pause");
}

int mmio_poll(int (*done)(void *arg), void *arg, uint64_t timeout_us)
{
	uint64_t (*clock)(void) = mmio_clock_us;
	uint64_t start = clock ? clock() : 0;
	uint64_t polls_left = timeout_us * MMIO_POLLS_PER_US;

	for (;;) {
		if (done(arg))
			return 0;
		if (clock ? clock() - start >= timeout_us : polls_left-- == 0)
			return -SIETCH_ETIMEDOUT;
		mmio_pause();
	}
}

struct mmio_wait {
	const volatile void *addr;
	uint32_t mask, expected;
};

static int mmio_wait_done(void *arg)
{
	const struct mmio_wait *w = arg;
	return (mmio_read32(w->addr) & w->mask) == w->expected;
}

int mmio_wait32(const volatile void *addr, uint32_t mask, uint32_t expected, uint64_t timeout_us)
{
	struct mmio_wait w = { addr, mask, expected };
	return mmio_poll(mmio_wait_done, &w, timeout_us);
}
