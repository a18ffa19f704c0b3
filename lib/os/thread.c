/*
 * Threads: the stack is mapped here, with an unmapped guard page below it so
 * that an overflow faults instead of running into the neighbouring mapping.
 */
#include "lib/libc/thread_self.h"
#include "lib/os/os.h"

#define THREAD_STACK_DEFAULT (256 * 1024ul)

/* At the top of the new thread's stack. */
struct thread_start {
	void (*entry)(void *);
	void *arg;
	void *stack; /* the mapped stack, guard page excluded */
	size_t stack_size;
	struct libc_thread block;
};

static const uint32_t mxcsr_initial = 0x1f80; /* psABI §3.4.1, as crt0 sets it */

/* The kernel enters here with rsp at the stack top and rdi = the thread_start;
 * there is no return address, so the stack is realigned. */
__attribute__((force_align_arg_pointer, noreturn)) static void
thread_start(struct thread_start *start)
{
	__asm__ volatile("fninit\n\tldmxcsr %0" : : "m"(mxcsr_initial));
	libc_thread_enter(&start->block);
	start->entry(start->arg);

	/* Unmap the stack this runs on and exit, with no stack access in between. */
	__asm__ volatile("syscall\n\t"
			 "movl %[exit], %%eax\n\t"
			 "syscall\n\t"
			 "ud2"
			 :
			 : "a"(SYS_mem_unmap), "D"(start->stack), "S"(start->stack_size),
			   [exit] "i"(SYS_thread_exit)
			 : "rcx", "r11", "memory");
	__builtin_unreachable();
}

long os_thread_create(void (*entry)(void *), void *arg, size_t stack_size)
{
	if (stack_size == 0)
		stack_size = THREAD_STACK_DEFAULT;
	if (stack_size > SIZE_MAX / 2)
		return -SIETCH_EINVAL;
	stack_size = (stack_size + OS_PAGE_SIZE - 1) & ~(OS_PAGE_SIZE - 1);

	long base = os_mem_map(NULL, stack_size + OS_PAGE_SIZE,
			       SIETCH_PROT_READ | SIETCH_PROT_WRITE, 0);
	if (base < 0)
		return base;
	long r = os_mem_unmap((void *)base, OS_PAGE_SIZE);
	if (r < 0) {
		os_mem_unmap((void *)base, stack_size + OS_PAGE_SIZE);
		return r;
	}

	char *stack = (char *)base + OS_PAGE_SIZE;
	struct thread_start *start = (struct thread_start *)(stack + stack_size) - 1;
	*start = (struct thread_start){entry, arg, stack, stack_size, {0, 0}};
	_Static_assert(sizeof(struct thread_start) % 16 == 0, "the stack top stays 16-byte aligned");

	r = os_raw_thread_create((sietch_thread_entry)thread_start, start, start);
	if (r < 0)
		os_mem_unmap(stack, stack_size);
	return r;
}
