/*
 * Finding a handle another process sent: os_handle_send puts it in a free
 * slot of the receiver's table and tells only the sender its number, so a
 * process started to receive one looks through its table before any message
 * could tell it.
 */
#include "lib/os/os.h"

/* Handle values are slot + generation * 256 (kernel/object/handle.h); in a table nobody has
 * closed anything in, every generation is 0, so the slots are the values. */
#define HANDLE_SLOTS 256
#define POLL_NS 1000000ull

long os_handle_find(uint32_t type, unsigned timeout_ms)
{
	uint64_t deadline = (uint64_t)os_clock_ns(SIETCH_CLOCK_MONOTONIC) + timeout_ms * 1000000ull;
	for (;;) {
		for (long h = SIETCH_HANDLE_STDERR + 1; h < HANDLE_SLOTS; h++) {
			struct sietch_stat st;
			if (os_stat(h, &st) == 0 && st.type == type)
				return h;
		}
		if ((uint64_t)os_clock_ns(SIETCH_CLOCK_MONOTONIC) > deadline)
			return -SIETCH_ENOENT;
		os_sleep_ns(POLL_NS);
	}
}
