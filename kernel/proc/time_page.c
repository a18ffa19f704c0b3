#include "kernel/proc/time_page.h"
#include "kernel/arch/timer.h"
#include "kernel/console.h"
#include "kernel/mm/frame.h"
#include "kernel/mm/vm.h"
#include "lib/common/string.h"
#include "lib/common/syscall.h"
#include "lib/common/time_page.h"

/* A frame of its own: a process that maps it must see nothing else of the kernel's. */
static uint64_t frame;

void time_page_init(void)
{
	frame = frame_alloc();
	if (frame == FRAME_NONE)
		panic("time_page_init: out of memory");
	memcpy(phys_to_virt(frame), timer_clock(), sizeof(struct sietch_time_page)); /* the rest stays zero */
}

long time_page_map(struct addr_space *as)
{
	/* VM_SHARED: tearing the process down leaves the frame alone. Read-only, not executable. */
	int err = vm_map(as, SIETCH_TIME_PAGE, frame, PAGE_SIZE, VM_USER | VM_SHARED);
	return err ? -SIETCH_ENOMEM : 0;
}
