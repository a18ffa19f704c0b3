/* Host tests for drivers/console/kernel/console.c: the line discipline, reads and writes, with the UART and user memory faked. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/arch/percpu.h"
#include "kernel/arch/trap.h"
#include "kernel/ctl/object.h"
#include "tests/unit/stubs/kernel_base.h"
#include "tests/unit/stubs/user_window.h"
#include "tests/unit/stubs/wait.h"

struct cpu cpus[MAX_CPUS];

/* Everything the console prints, NULs included: the kprintf_hook. */
static char printed[8192];
static size_t printed_len;
static void record_printed(const char *fmt, va_list ap)
{
	char line[1024];
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	assert_true(n >= 0 && (size_t)n < sizeof(line) && printed_len + (size_t)n <= sizeof(printed));
	memcpy(printed + printed_len, line, (size_t)n);
	printed_len += (size_t)n;
}

/* The UART's receive FIFO. */
static const char *uart_input;
static size_t uart_left;
bool uart_getc(char *c)
{
	if (!uart_left)
		return false;
	*c = *uart_input++;
	uart_left--;
	return true;
}

void uart_enable_receive_interrupt(void) {}

static void console_irq(struct trap_frame *frame);
static void type(const char *s, size_t len)
{
	uart_input = s;
	uart_left = len;
	console_irq(0);
	assert_int_equal(uart_left, 0);
}
static void type_str(const char *s) { type(s, strlen(s)); }

/* A sleeping reader, the sleep_hook: what arrives while it sleeps, or -SIETCH_EINTR when nothing will. */
static const char *arrives_while_asleep;
static long reader_sleeps(struct wait_queue *queue)
{
	(void)queue;
	if (!arrives_while_asleep)
		return -SIETCH_EINTR; /* as if killed: nothing else would wake it */
	const char *s = arrives_while_asleep;
	arrives_while_asleep = 0;
	type_str(s);
	return 0;
}

/* Not reached by these tests: console_device_init is for the machine. */
void trap_set_handler(uint8_t vector, irq_handler_fn handler)
{
	(void)vector;
	(void)handler;
}
void ioapic_route_irq(uint8_t isa_irq, uint8_t vector, uint32_t apic_id)
{
	(void)isa_irq;
	(void)vector;
	(void)apic_id;
}
bool namespace_add_device(const char *name, struct object *device)
{
	(void)name;
	(void)device;
	return true;
}

#include "drivers/console/kernel/console.c"

static int setup(void **state)
{
	(void)state;
	console.committed = console.len = console.eof_at = 0;
	console.eof = false;
	printed_len = 0;
	kprintf_hook = record_printed;
	sleep_hook = reader_sleeps;
	sleeps = wake_alls = 0;
	arrives_while_asleep = 0;
	memset(user_mem, 0, sizeof(user_mem));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	assert_int_equal(console.lock.locked, 0);
	return 0;
}

/* Reads into user_mem and checks what came back. */
static void assert_read(size_t len, const char *want)
{
	memset(user_mem, 0, sizeof(user_mem));
	assert_int_equal(console_device_read(user(0), len), strlen(want));
	assert_memory_equal(user_mem, want, strlen(want));
}

static void test_object(void **state)
{
	(void)state;
	assert_ptr_equal(console_object(), &console.object);
	assert_int_equal(console_object()->type, OBJECT_CONSOLE);
	assert_null(console_object()->release);
}

static void test_line_and_echo(void **state)
{
	(void)state;
	type_str("ls -l");
	assert_int_equal(wake_alls, 0); /* no whole line yet */
	type_str("\r");
	assert_int_equal(wake_alls, 1);
	assert_int_equal(printed_len, 6);
	assert_memory_equal(printed, "ls -l\n", 6); /* CR echoed as "\n", which the kernel log sends as CR LF */
	assert_read(100, "ls -l\n");
	assert_int_equal(sleeps, 0);
	assert_int_equal(console_device_read(user(0), 100), -SIETCH_EINTR); /* nothing left: sleeps */
	assert_int_equal(sleeps, 1);
}

static void test_backspace_and_delete(void **state)
{
	(void)state;
	type_str("\x7f\b"); /* nothing to erase: nothing echoed */
	assert_int_equal(printed_len, 0);
	type_str("abc\x7f\bd\n");
	assert_int_equal(printed_len, 3 + 3 + 3 + 1 + 1);
	assert_memory_equal(printed, "abc\b \b\b \bd\n", printed_len);
	assert_read(100, "ad\n");

	/* a completed line cannot be erased */
	type_str("x\n\x7f");
	assert_read(100, "x\n");
}

static void test_read_waits_for_a_line(void **state)
{
	(void)state;
	type_str("hal");
	arrives_while_asleep = "f\n";
	assert_read(100, "half\n");
	assert_int_equal(sleeps, 1);
}

static void test_one_line_per_read(void **state)
{
	(void)state;
	type_str("one\ntwo\nthree");
	assert_read(100, "one\n");
	assert_read(100, "two\n");
	assert_int_equal(console_device_read(user(0), 100), -SIETCH_EINTR); /* "three" is not a line yet */
	type_str("\n");
	assert_read(100, "three\n");
}

static void test_short_reads(void **state)
{
	(void)state;
	type_str("hello\n");
	assert_read(2, "he");
	assert_read(2, "ll");
	assert_read(2, "o\n");
	assert_int_equal(console_device_read(user(0), 0), 0);
	assert_int_equal(sleeps, 0);
}

static void test_eof(void **state)
{
	(void)state;
	type_str("\x04");
	assert_int_equal(wake_alls, 1);
	assert_int_equal(console_device_read(user(0), 0), 0); /* a read of nothing leaves the mark */
	assert_int_equal(console_device_read(user(0), 100), 0);
	assert_int_equal(console_device_read(user(0), 100), -SIETCH_EINTR); /* read once, then gone */

	/* lines before the mark come first, lines typed after it come after */
	type_str("one\n\x04two\n");
	assert_read(100, "one\n");
	assert_int_equal(console_device_read(user(0), 100), 0);
	assert_read(100, "two\n");

	/* on a line with text, Ctrl-D hands over the text without a newline */
	type_str("ab\x04");
	assert_read(100, "ab");
	type_str("\x04");
	assert_int_equal(console_device_read(user(0), 100), 0);
}

static void test_full_buffer(void **state)
{
	(void)state;
	static char big[INPUT_MAX + 100];
	memset(big, 'k', sizeof(big));
	type(big, sizeof(big));
	assert_int_equal(console.committed, INPUT_MAX); /* a full buffer counts as a line */
	assert_int_equal(printed_len, INPUT_MAX);      /* the rest was dropped, not echoed */
	size_t total = 0;
	long n;
	while (total < INPUT_MAX && (n = console_device_read(user(0), sizeof(user_mem))) > 0) {
		assert_true(n <= CHUNK);
		total += (size_t)n;
	}
	assert_int_equal(total, INPUT_MAX);
	type_str("after\n"); /* room again */
	assert_read(100, "after\n");
}

static void test_read_bad_buffer(void **state)
{
	(void)state;
	type_str("lost\nlost too\nkept\n");
	assert_int_equal(console_device_read(0x1000, 100), -SIETCH_EFAULT);
	assert_int_equal(console_device_read(user(sizeof(user_mem) - 2), 100), -SIETCH_EFAULT);
	assert_read(100, "kept\n");
}

static void test_write(void **state)
{
	(void)state;
	memcpy(user_mem, "hi\0there\n", 9);
	assert_int_equal(console_device_write(user(0), 9), 9);
	assert_int_equal(printed_len, 9);
	assert_memory_equal(printed, "hi\0there\n", 9); /* a NUL goes out too */

	/* longer than one chunk */
	printed_len = 0;
	for (size_t i = 0; i < 1000; i++)
		user_mem[i] = (char)('a' + i % 26);
	assert_int_equal(console_device_write(user(0), 1000), 1000);
	assert_int_equal(printed_len, 1000);
	assert_memory_equal(printed, user_mem, 1000);

	assert_int_equal(console_device_write(user(0), 0), 0);
	assert_int_equal(console_device_write(0x1000, 10), -SIETCH_EFAULT);
	/* the first chunk is mapped, the second is not: a short count */
	printed_len = 0;
	assert_int_equal(console_device_write(user(sizeof(user_mem) - CHUNK), 2 * CHUNK), CHUNK);
	assert_int_equal(printed_len, CHUNK);
}

static void test_console_write_kernel(void **state)
{
	(void)state;
	console_write("\0\0a%s\0", 6);
	assert_int_equal(printed_len, 6);
	assert_memory_equal(printed, "\0\0a%s\0", 6); /* formats nothing */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_object, setup, teardown),
		cmocka_unit_test_setup_teardown(test_line_and_echo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backspace_and_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_waits_for_a_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_one_line_per_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_short_reads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_eof, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_buffer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_bad_buffer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_console_write_kernel, setup, teardown),
	};
	return cmocka_run_group_tests(tests, 0, 0);
}
