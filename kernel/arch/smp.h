/* Starting the other CPUs, and asking them to do things. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A STARTUP IPI names a 4 KiB real-mode page by its number, so the trampoline lies below 1 MiB (SDM vol.3 §9.4.4.1). */
#define SMP_TRAMPOLINE_LIMIT 0x100000

/* What starting the other CPUs needs from the memory manager, which arch does not call. */
struct smp_boot_memory {
	uint64_t kernel_root;     /* the CR3 every CPU runs on */
	uint64_t trampoline_phys; /* a free page below 1 MiB, identity-mapped executable while smp_start runs */
	void *trampoline;         /* the same page where the kernel writes it */
	void *(*alloc_stack)(size_t size); /* each CPU's boot and idle stack; never freed */
	size_t stack_size;
};

/* Every CPU in the MADT; returns when all are online. Each enters arch_hooks.cpu_started. */
void smp_start(const struct smp_boot_memory *memory);

/* Runs fn(arg) on every online CPU at once (the caller's included) and waits for all. */
void smp_run_on_all(void (*fn)(void *arg), void *arg);

void smp_stop_others(void);     /* for panics: halt every other CPU */
/* For the idle loop (interrupts off): has smp_run_on_all left work this CPU has not run? */
bool smp_work_waiting(void);
void smp_run_work(void); /* runs it, interrupts on */
