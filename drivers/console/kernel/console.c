/*
 * The console device (drivers/console/kernel/console.h): output through the kernel
 * log, input from COM1's receive interrupt through the line discipline
 * (line_discipline.c), and the foreground group that reads it and hears Ctrl-C.
 */
#include "drivers/console/kernel/console.h"

#include <stdbool.h>
#include "drivers/console/kernel/line_discipline.h"
#include "drivers/console/kernel/uart.h"
#include "drivers/console/regs.h"
#include "kernel/arch/ioapic.h"
#include "kernel/arch/percpu.h"
#include "kernel/arch/serial.h"
#include "kernel/arch/spinlock.h"
#include "kernel/arch/trap.h"
#include "kernel/console.h"
#include "kernel/object/handle.h"
#include "kernel/ctl/namespace.h"
#include "kernel/ctl/spawn.h"
#include "kernel/ctl/syscall.h"
#include "kernel/mm/uaccess.h"
#include "kernel/proc/proc.h"
#include "kernel/proc/wait.h"
#include "lib/common/string.h"

#define CHUNK 256 /* bytes moved to or from user memory per step, on the kernel stack */

/*
 * The foreground group is the one whose processes read the console; the
 * others read end of file. Zero before anyone has claimed the console (init
 * and its first programs read it freely). Ctrl-C ends the foreground group
 * when whoever made it foreground asked so (a shell does for the programs it
 * runs, not for itself).
 *
 * A Ctrl-C that ended nothing waits (interrupt_pending) until a reader has
 * taken all input, the empty line standing for the Ctrl-C included, which
 * means it reached a prompt, or until a group is made foreground
 * with SIETCH_CONSOLE_INTERRUPT, which it then ends: a person who types a
 * command and Ctrl-C at once interrupts the command even if it has not
 * started yet.
 */
static long console_object_read(struct object *object, uint64_t user_buf, size_t len);
static long console_object_write(struct object *object, uint64_t user_buf, size_t len);

/* Lives for ever: no release. */
static const struct object_ops console_ops = {
	.read = console_object_read,
	.write = console_object_write,
	.seek_error = SIETCH_ESPIPE,
};

static struct console {
	struct object object;
	struct spinlock lock;
	struct line_discipline line;
	uint32_t foreground;
	bool interruptible;
	bool interrupt_pending;
	struct wait_queue readers;
} console = {
	.object = OBJECT_INIT(OBJECT_CONSOLE, &console_ops),
	.lock = SPINLOCK_INIT("console input"),
	.readers = WAIT_QUEUE_INIT,
};

struct object *console_object(void) { return &console.object; }

void console_write(const char *buf, size_t len)
{
	/* "%.*s" stops at a NUL, so a NUL goes out on its own */
	for (size_t i = 0, run; i < len; i += run) {
		for (run = 0; i + run < len && buf[i + run]; run++)
			;
		if (run)
			kprintf("%.*s", (int)run, buf + i);
		else {
			kprintf("%c", '\0');
			run = 1;
		}
	}
}

long console_device_write(uint64_t user_buf, size_t len)
{
	char chunk[CHUNK];
	size_t done = 0;
	while (done < len) {
		size_t n = len - done < CHUNK ? len - done : CHUNK;
		if (copy_from_user(chunk, user_buf + done, n))
			return done ? (long)done : -SIETCH_EFAULT;
		console_write(chunk, n);
		done += n;
	}
	return (long)done;
}

/*
 * Lock held: whether the calling process may read, rather than see end of
 * file. A foreground whose leader has ended is no foreground: the console
 * then belongs to everyone again, so a program that claimed it and died
 * cannot leave every later reader at end of file.
 */
static bool reader_in_foreground(void)
{
	if (!console.foreground || proc_current()->console_group == console.foreground)
		return true;
	struct proc *leader = proc_find(console.foreground);
	bool gone = !leader || leader->state == PROC_EXITED || leader->dying;
	if (leader)
		object_unref(&leader->object);
	if (gone)
		console.foreground = 0;
	return gone;
}

long console_device_read(uint64_t user_buf, size_t len)
{
	char chunk[CHUNK];
	if (len == 0)
		return 0; /* taking nothing must not consume an end-of-file mark */
	spin_lock(&console.lock);
	while (reader_in_foreground() && !line_readable(&console.line)) {
		long err = wait_sleep(&console.readers, &console.lock);
		if (err) {
			spin_unlock(&console.lock);
			return err;
		}
	}
	bool eof;
	size_t n = 0;
	if (reader_in_foreground()) {
		n = line_take(&console.line, chunk, len < CHUNK ? len : CHUNK, &eof);
		if (!line_readable(&console.line))
			console.interrupt_pending = false; /* a reader took the Ctrl-C's line: it is at its prompt */
	}
	spin_unlock(&console.lock);
	/* a bad buffer loses the bytes taken, as a terminal read into a bad buffer would */
	if (n && copy_to_user(user_buf, chunk, n))
		return -SIETCH_EFAULT;
	return (long)n;
}

/*
 * Ctrl-C ends the foreground group; a group made foreground without
 * SIETCH_CONSOLE_INTERRUPT (a shell at its prompt) keeps its leader, but not
 * the children still in its group (a program the shell has just spawned and
 * not yet made foreground). When nothing ended, the line being typed goes.
 */
static void console_interrupt(void)
{
	spin_lock(&console.lock);
	uint32_t group = console.foreground, spared = console.interruptible ? 0 : group;
	spin_unlock(&console.lock);
	size_t ended = group ? proc_kill_group(group, spared, EXIT_STATUS_INTERRUPTED) : 0;
	spin_lock(&console.lock);
	if (line_interrupt(&console.line, ended > 0))
		wait_wake_all(&console.readers);
	console.interrupt_pending = ended == 0;
	spin_unlock(&console.lock);
	kprintf("^C\n");
}

static void console_echo(const struct line_effect *fx)
{
	for (size_t i = 0; i < fx->erase; i++)
		kprintf("\b \b");
	if (fx->echo[0])
		kprintf("%s", fx->echo);
	if (fx->message)
		kprintf("%c\n%s\n", CHAR_BELL, fx->message);
}

static void console_irq(struct trap_frame *frame)
{
	(void)frame;
	char c;
	struct line_effect fx;
	/* Drain the FIFO: the ISA line is edge-triggered and rises again only once it is empty. */
	while (uart_getc(&c)) {
		spin_lock(&console.lock);
		line_byte(&console.line, c, &fx);
		spin_unlock(&console.lock);
		/* Echo first: a reader woken first could print its answer before the newline it answers. A
		 * reader not yet asleep sees the byte; one asleep went on the queue before the lock was free. */
		console_echo(&fx);
		if (fx.wake)
			wait_wake_all(&console.readers);
		if (fx.interrupt)
			console_interrupt();
	}
}

/* Sleeping readers look again: one whose process left the foreground group (a job the
 * shell sent to the background after it had started reading) now sees end of file. */
static void console_wake_readers(void)
{
	spin_lock(&console.lock);
	wait_wake_all(&console.readers);
	spin_unlock(&console.lock);
}

/* Makes group the one that reads; sleeping readers look again and may now see end of file.
 * True when a pending Ctrl-C is now the group's (what was typed after it goes). */
static bool console_set_foreground(uint32_t group, bool interruptible)
{
	spin_lock(&console.lock);
	console.foreground = group;
	console.interruptible = interruptible;
	bool interrupt = interruptible && console.interrupt_pending;
	if (interrupt) {
		console.interrupt_pending = false;
		line_interrupt(&console.line, true);
	}
	wait_wake_all(&console.readers);
	spin_unlock(&console.lock);
	return interrupt;
}

/* (console handle with READ, process handle with KILL or -1 for the caller, unsigned flags) -> 0 */
long sys_console_foreground(const struct syscall_args *args)
{
	struct proc *self = proc_current(), *target = self;
	struct object *object;
	uint64_t flags = args->arg[2];
	if (flags & ~(uint64_t)(SIETCH_CONSOLE_FOREGROUND | SIETCH_CONSOLE_INTERRUPT))
		return -SIETCH_EINVAL;
	if ((flags & SIETCH_CONSOLE_INTERRUPT) && !(flags & SIETCH_CONSOLE_FOREGROUND))
		return -SIETCH_EINVAL; /* only the foreground hears Ctrl-C */
	long err = handle_get(&self->handles, (long)args->arg[0], OBJECT_CONSOLE, SIETCH_RIGHT_READ, &object, 0);
	if (err)
		return err;
	object_unref(object);
	if ((long)args->arg[1] != -1) {
		/* Ctrl-C kills the group, so only who may kill its leader may make it foreground. */
		err = handle_get(&self->handles, (long)args->arg[1], OBJECT_PROCESS, SIETCH_RIGHT_KILL, &object, 0);
		if (err)
			return err;
		target = (struct proc *)object;
	}
	proc_new_console_group(target); /* a group of its own, which its children join */
	if (!(flags & SIETCH_CONSOLE_FOREGROUND))
		console_wake_readers(); /* a reader that slept in the old group now reads end of file */
	else if (console_set_foreground(target->pid, flags & SIETCH_CONSOLE_INTERRUPT))
		proc_kill_group(target->pid, 0, EXIT_STATUS_INTERRUPTED);
	if (target != self)
		object_unref(&target->object);
	return 0;
}

static long console_object_read(struct object *object, uint64_t user_buf, size_t len)
{
	(void)object;
	return console_device_read(user_buf, len);
}

static long console_object_write(struct object *object, uint64_t user_buf, size_t len)
{
	(void)object;
	return console_device_write(user_buf, len);
}

void console_device_init(void)
{
	/* handles 0, 1 and 2 do not need the name, so a boot image that took "/dev" costs only the name */
	if (!namespace_add_device("console", &console.object))
		kprintf("console: cannot add /dev/console\n");
	spawn_set_stdio(&console.object);
	if (!serial_present()) {
		/* Nothing to read: reading a missing UART gives 0xff bytes "ready" for ever. */
		kprintf("console: no UART at COM1: the console has no input, its output goes to port 0x%x\n",
			SERIAL_DEBUG_PORT);
		return;
	}
	trap_set_handler(VECTOR_SERIAL, console_irq);
	/* Route before enabling: bytes already waiting then raise an edge the I/O APIC delivers. */
	ioapic_route_irq(UART_COM1_ISA_IRQ, VECTOR_SERIAL, cpus[0].apic_id);
	uart_enable_receive_interrupt();
}
