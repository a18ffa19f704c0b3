/*
 * Deliberate kernel faults (`fault=pf|ud|de|gp`, `wx=text`) so the tests can
 * check that an exception produces a report and a failing exit, never a hang.
 */
#include "kernel/test/faults.h"
#include "kernel/console.h"
#include "lib/common/string.h"

extern char __text_start[];

#define UNMAPPED_ADDRESS 0xdead000ull      /* user half, never mapped in the kernel's tables */
#define NON_CANONICAL 0x8000000000000000ull /* bits 63:47 differ: #GP (SDM vol.3 §3.3.7.1) */

void fault_trigger(const char *kind)
{
	kprintf("fault: triggering %s\n", kind);
	if (!strcmp(kind, "pf"))
		*(volatile uint64_t *)UNMAPPED_ADDRESS = 1;
	else if (!strcmp(kind, "ud"))
		__asm__ volatile("ud2");
	else if (!strcmp(kind, "de")) {
		volatile uint64_t zero = 0, one = 1;
		one = one / zero;
	} else if (!strcmp(kind, "gp"))
		(void)*(volatile uint64_t *)NON_CANONICAL;
	kprintf("fault: unknown fault kind '%s' (pf, ud, de, gp)\n", kind);
	system_exit(EXIT_FAIL);
}

void wx_trigger(const char *what)
{
	if (strcmp(what, "text")) {
		kprintf("wx: unknown target '%s' (text)\n", what);
		system_exit(EXIT_FAIL);
	}
	volatile uint8_t *text = (volatile uint8_t *)__text_start + 0x100;
	kprintf("wx: writing to kernel text at 0x%lx\n", (uint64_t)text);
	*text = 0xcc;
	kprintf("wx: the write succeeded: kernel text is writable\n");
	system_exit(EXIT_FAIL);
}
