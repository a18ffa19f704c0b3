/*
 * The console device (kernel/ctl/console_device.h): output through the kernel
 * log, input from COM1's receive interrupt through a small line discipline.
 */
#include "kernel/ctl/console_device.h"

#include <stdbool.h>
#include "kernel/arch/ioapic.h"
#include "kernel/arch/percpu.h"
#include "kernel/arch/serial.h"
#include "kernel/arch/spinlock.h"
#include "kernel/arch/trap.h"
#include "kernel/console.h"
#include "kernel/ctl/namespace.h"
#include "kernel/mm/uaccess.h"
#include "kernel/proc/wait.h"
#include "lib/common/string.h"

#define COM1_ISA_IRQ 4

#define INPUT_MAX 1024 /* typed bytes not yet read; more are dropped */
#define CHUNK 256      /* bytes moved to or from user memory per step, on the kernel stack */

#define CHAR_EOF 0x04 /* Ctrl-D */
#define CHAR_BACKSPACE 0x08
#define CHAR_DELETE 0x7f

/*
 * input[0 .. committed) holds whole lines for readers; input[committed .. len)
 * is the line being typed. An end-of-file mark sits at eof_at when eof is set:
 * readers get what precedes it, then one read of 0.
 */
static struct console {
	struct object object;
	struct spinlock lock;
	char input[INPUT_MAX];
	size_t committed, len;
	bool eof;
	size_t eof_at;
	struct wait_queue readers;
} console = {
	.object = { .type = OBJECT_CONSOLE, .refs = 1, .release = 0 },
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

/* Lock held: the bytes a reader may take now (up to the end-of-file mark, if any). */
static size_t input_readable(void) { return console.eof ? console.eof_at : console.committed; }

/* Lock held: takes up to max bytes of the first line into out. */
static size_t input_take(char *out, size_t max)
{
	size_t n = 0, readable = input_readable();
	while (n < readable && n < max && (n == 0 || out[n - 1] != '\n')) {
		out[n] = console.input[n];
		n++;
	}
	memmove(console.input, console.input + n, console.len - n);
	console.committed -= n;
	console.len -= n;
	if (console.eof)
		console.eof_at -= n;
	return n;
}

long console_device_read(uint64_t user_buf, size_t len)
{
	char chunk[CHUNK];
	if (len == 0)
		return 0; /* taking nothing must not consume an end-of-file mark */
	spin_lock(&console.lock);
	while (!input_readable() && !console.eof) {
		long err = wait_sleep(&console.readers, &console.lock);
		if (err) {
			spin_unlock(&console.lock);
			return err;
		}
	}
	size_t n = input_take(chunk, len < CHUNK ? len : CHUNK);
	if (n == 0)
		console.eof = false; /* the mark is read once */
	spin_unlock(&console.lock);
	/* a bad buffer loses the bytes taken, as a terminal read into a bad buffer would */
	if (n && copy_to_user(user_buf, chunk, n))
		return -SIETCH_EFAULT;
	return (long)n;
}

/* Lock held: the line discipline for one received byte. Sets echo (NUL-terminated); true if readers should wake. */
static bool input_byte(char c, char echo[4])
{
	echo[0] = '\0';
	if (c == '\r')
		c = '\n'; /* terminals send CR for Enter */
	if (c == CHAR_BACKSPACE || c == CHAR_DELETE) {
		if (console.len > console.committed) {
			console.len--;
			memcpy(echo, "\b \b", 4);
		}
		return false;
	}
	if (c == CHAR_EOF) {
		if (console.len > console.committed) {
			console.committed = console.len; /* POSIX VEOF: the line so far, without a newline */
		} else if (!console.eof) {
			console.eof = true;
			console.eof_at = console.committed;
		}
		return true;
	}
	if (console.len == INPUT_MAX)
		return false;
	console.input[console.len++] = c;
	echo[0] = c;
	echo[1] = '\0';
	if (c != '\n' && console.len < INPUT_MAX)
		return false;
	console.committed = console.len; /* a whole line, or a full buffer */
	return true;
}

static void console_irq(struct trap_frame *frame)
{
	(void)frame;
	char c, echo[4];
	/* Drain the FIFO: the ISA line is edge-triggered and rises again only once it is empty. */
	while (serial_getc(&c)) {
		spin_lock(&console.lock);
		bool wake = input_byte(c, echo);
		spin_unlock(&console.lock);
		/* Echo first: a reader woken first could print its answer before the newline it answers. A
		 * reader not yet asleep sees the byte; one asleep went on the queue before the lock was free. */
		if (echo[0])
			kprintf("%s", echo);
		if (wake)
			wait_wake_all(&console.readers);
	}
}

void console_device_init(void)
{
	/* handles 0, 1 and 2 do not need the name, so a boot image that took "/dev" costs only the name */
	if (!namespace_add_device("console", &console.object))
		kprintf("console: cannot add /dev/console\n");
	trap_set_handler(VECTOR_SERIAL, console_irq);
	/* Route before enabling: bytes already waiting then raise an edge the I/O APIC delivers. */
	ioapic_route_irq(COM1_ISA_IRQ, VECTOR_SERIAL, cpus[0].apic_id);
	serial_enable_receive_interrupt();
}
