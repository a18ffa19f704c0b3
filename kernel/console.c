#include "kernel/console.h"
#include "kernel/arch/cpu.h"
#include "kernel/arch/percpu.h"
#include "kernel/arch/serial.h"
#include "kernel/arch/spinlock.h"
#include "kernel/arch/smp.h"
#include "kernel/arch/trap.h"
#include "lib/common/format.h"

#define DEBUG_EXIT_PORT 0xf4

static struct spinlock console_lock = SPINLOCK_INIT("console");
static volatile int panicking;

static void console_emit(void *ctx, char c)
{
	(void)ctx;
	if (c == '\n')
		serial_putc('\r');
	serial_putc(c);
}

void kvprintf(const char *fmt, va_list ap)
{
	/* After a panic, one CPU owns the console whatever the lock says. */
	int locked = !panicking;
	if (locked)
		spin_lock(&console_lock);
	format_to(console_emit, 0, fmt, ap);
	if (locked)
		spin_unlock(&console_lock);
}

void kprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
}

_Noreturn void system_exit(uint8_t code)
{
	outb(DEBUG_EXIT_PORT, code);
	for (;;) {
		interrupts_disable();
		cpu_halt();
	}
}

_Noreturn void system_halt_all(uint8_t exit_code)
{
	interrupts_disable();
	smp_stop_others();
	kprintf("sietch: halted\n");
	system_exit(exit_code);
}

_Noreturn void panic(const char *fmt, ...)
{
	va_list ap;
	interrupts_disable();
	panicking = 1;
	kprintf("sietch: panic: cpu=%u: ", cpus_online ? this_cpu()->id : 0);
	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
	kprintf("\n");
	trap_backtrace((uint64_t)__builtin_frame_address(0));
	system_halt_all(EXIT_EXCEPTION);
}

void console_set_panicking(void) { panicking = 1; }
