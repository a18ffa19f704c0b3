/*
 * What the layers above arch (mm < proc < ctl) hand down at init, so that arch
 * calls up without including them (docs/architecture.md, "Layers"). Each hook
 * is set once, before the event it serves can happen; a NULL hook means that
 * layer is not up yet and arch does the safe default named below.
 */
#pragma once

#include <stdint.h>

struct trap_frame;

struct arch_hooks {
	/*
	 * An exception taken in user mode. The owner of the faulting context
	 * decides: today kernel/proc kills the process; a VMM's exits and
	 * user-level fault handlers plug in here too. Returns only if the frame
	 * may be resumed. NULL: the fault is fatal, as in the kernel.
	 */
	void (*user_fault)(struct trap_frame *frame);
	/* On every way back to user mode (interrupt, exception, system call): leave if killed, reschedule. */
	void (*return_to_user)(struct trap_frame *frame);
	/* The SYSCALL instruction: decode, invoke, store the result in frame->rax. */
	void (*syscall)(struct trap_frame *frame);
	/* Every interrupt and exception, by vector, before it is handled: the crossing counters. */
	void (*trap_entered)(uint64_t vector);
	/* The periodic timer interrupt on this CPU. */
	void (*timer_tick)(void);
	/* An application processor is up (interrupts off): it becomes the scheduler's; never returns. */
	void (*cpu_started)(void) __attribute__((noreturn));
};

extern struct arch_hooks arch_hooks;
