#include "lib/common/mmio.h"
#include "lib/common/syscall.h"

uint64_t (*mmio_clock_us)(void);

static inline void mmio_pause(void)
{
	__asm__ volatile("pause");
}

int mmio_wait32(const volatile void *addr, uint32_t mask, uint32_t expected, uint64_t timeout_us)
{
	uint64_t (*clock)(void) = mmio_clock_us;
	uint64_t start = clock ? clock() : 0;
	uint64_t polls_left = timeout_us * MMIO_POLLS_PER_US;

	for (;;) {
		if ((mmio_read32(addr) & mask) == expected)
			return 0;
		if (clock ? clock() - start >= timeout_us : polls_left-- == 0)
			return -SIETCH_ETIMEDOUT;
		mmio_pause();
	}
}
