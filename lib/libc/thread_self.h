/*
 * Each thread's control block, reached through the FS base (the psABI's
 * thread pointer, set with the thread_set_pointer call): %fs:0 holds its own
 * address, so reading who is running costs one load and no system call.
 */
#pragma once

struct libc_thread {
	struct libc_thread *self;
	void *reserved; /* keeps the block 16 bytes, as the thread start code wants */
};

static inline struct libc_thread *libc_thread_self(void)
{
	struct libc_thread *self;
	__asm__("mov %%fs:0, %0" : "=r"(self));
	return self;
}

/* Points FS at block and fills it in; every thread does this before anything else. */
void libc_thread_enter(struct libc_thread *block);
