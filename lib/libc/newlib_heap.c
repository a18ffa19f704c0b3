/*
 * The heap for newlib's malloc: it grows from the first page after the
 * program's end (_end, from lib/libc/user.ld), mapping pages as the break
 * passes them and unmapping them as malloc trims it.
 */
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include "lib/libc/glue.h"
#include "lib/os/os.h"
#include "lib/common/user_layout.h"


extern char _end[];
static uintptr_t heap_start, heap_break, heap_mapped; /* mapped: the end of the pages mapped */

static uintptr_t page_up(uintptr_t a)
{
	return (a + OS_PAGE_SIZE - 1) & ~(OS_PAGE_SIZE - 1);
}

void *sbrk(ptrdiff_t increment)
{
	if (!heap_start)
		heap_start = heap_break = heap_mapped = page_up((uintptr_t)_end);
	uintptr_t old = heap_break;
	if (increment > 0 && (uintptr_t)increment > USER_TOP - old) {
		errno = ENOMEM;
		return (void *)-1;
	}
	if (increment < 0 && -(uintptr_t)increment > old - heap_start) {
		errno = EINVAL;
		return (void *)-1;
	}
	uintptr_t new_break = old + (uintptr_t)increment;
	uintptr_t new_mapped = page_up(new_break);

	if (new_mapped > heap_mapped) {
		long r = os_mem_map((void *)heap_mapped, new_mapped - heap_mapped,
				    SIETCH_PROT_READ | SIETCH_PROT_WRITE, SIETCH_MAP_FIXED);
		if (r < 0) {
			errno = ENOMEM; /* whatever the kernel's reason: malloc returns NULL */
			return (void *)-1;
		}
		heap_mapped = new_mapped;
	} else if (new_mapped < heap_mapped &&
		   os_mem_unmap((void *)new_mapped, heap_mapped - new_mapped) == 0) {
		heap_mapped = new_mapped;
	}
	heap_break = new_break;
	return (void *)old;
}

/* newlib 3.3's aligned_alloc calls posix_memalign, which its libc.a lacks. */
int posix_memalign(void **out, size_t align, size_t size)
{
	if (align < sizeof(void *) || (align & (align - 1)))
		return EINVAL;
	void *p = memalign(align, size);
	if (!p)
		return ENOMEM;
	*out = p;
	return 0;
}
