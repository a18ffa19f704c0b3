#include "kernel/proc/time_page.h"
#include "kernel/arch/rtc.h"
#include "kernel/arch/timer.h"
#include "kernel/console.h"
#include "kernel/mm/frame.h"
#include "kernel/mm/vm.h"
#include "lib/common/string.h"
#include "lib/common/syscall.h"
#include "lib/common/time_page.h"

/* A frame of its own: a process that maps it must see nothing else of the kernel's. */
static uint64_t frame;
static struct sietch_time_page *page;

/*
 * The wall clock is the RTC's reading, taken once, carried forward by the
 * monotonic clock: the RTC only counts whole seconds and is slow to read,
 * and this way the real-time clock never steps.
 */
void time_page_init(void)
{
	frame = frame_alloc();
	if (frame == FRAME_NONE)
		panic("time_page_init: out of memory");
	page = phys_to_virt(frame);
	memcpy(page, timer_clock(), sizeof(*page)); /* the rest of the frame stays zero */
	uint64_t wall = rtc_read_unix_seconds() * TIME_NS_PER_SECOND, now = timer_now_ns();
	page->realtime_base_ns = wall > now ? wall - now : 0;
}

uint64_t time_page_realtime_ns(void) { return page->realtime_base_ns + timer_now_ns(); }

long time_page_map(struct addr_space *as)
{
	/* VM_SHARED: tearing the process down leaves the frame alone. Read-only, not executable. */
	int err = vm_map(as, SIETCH_TIME_PAGE, frame, PAGE_SIZE, VM_USER | VM_SHARED);
	return err ? -SIETCH_ENOMEM : 0;
}
