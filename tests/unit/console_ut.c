/* Host tests for drivers/console/kernel/console.c: the line discipline, reads and writes, with the UART and user memory faked. */
#define _GNU_SOURCE /* memmem */
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
#include "kernel/object/object.h"
#include "kernel/proc/proc.h"
#include "tests/unit/stubs/handles.h"
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

static const void *printed_has(const char *s) { return memmem(printed, printed_len, s, strlen(s)); }

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
void spawn_set_stdio(struct object *stdio) { (void)stdio; }
bool serial_present(void) { return true; }
/* kernel/proc's: its own part (taking the children along) is tested in sys_thread_ut. */
void proc_new_console_group(struct proc *leader) { leader->console_group = leader->pid; }

/* The calling process, and the groups Ctrl-C ended. */
static struct proc shell, job;
static struct proc *current;
struct proc *proc_current(void) { return current; }
struct proc *proc_find(uint32_t pid)
{
	struct proc *p = pid == shell.pid ? &shell : pid == job.pid ? &job : 0;
	if (p)
		object_ref(&p->object);
	return p;
}
static uint32_t killed_group, spared_pid;
static int killed_status;
static size_t group_members; /* how many a kill of the group ends */
size_t proc_kill_group(uint32_t group, uint32_t spared, int status)
{
	killed_group = group;
	spared_pid = spared;
	killed_status = status;
	return group_members;
}

#include "drivers/console/kernel/console.c"
#include "drivers/console/kernel/line_discipline.c"

static int setup(void **state)
{
	(void)state;
	memset(&console.line, 0, sizeof(console.line));
	console.foreground = 0;
	console.interruptible = false;
	console.interrupt_pending = false;
	memset(&shell, 0, sizeof(shell));
	memset(&job, 0, sizeof(job));
	shell.pid = shell.console_group = 5;
	job.pid = job.console_group = 6;
	object_init(&job.object, OBJECT_PROCESS, 0);
	object_init(&shell.object, OBJECT_PROCESS, 0);
	current = &shell;
	killed_group = spared_pid = 0;
	killed_status = 0;
	group_members = 1;
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
	assert_null(console_object()->ops->release);
	assert_non_null(console_object()->ops->read);
	assert_non_null(console_object()->ops->write);
	assert_null(console_object()->ops->seek);
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

/* A line longer than the limit is refused as a whole, with the bell and a message; nothing of it is read. */
static void test_long_line_refused(void **state)
{
	(void)state;
	static char big[CONSOLE_LINE_MAX + 100];
	memset(big, 'k', sizeof(big));
	type(big, sizeof(big));
	type_str("\r");
	assert_int_equal(wake_alls, 0);
	assert_non_null(printed_has("\a\nconsole: line longer than 1023 characters refused\n"));
	type_str("after\n");
	assert_read(100, "after\n");
}

/* Reads longer than one chunk come in chunks, and a line is never more than one. */
static void test_reads_in_chunks(void **state)
{
	(void)state;
	static char line[CONSOLE_LINE_MAX];
	memset(line, 'k', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\n';
	type(line, sizeof(line));
	size_t total = 0;
	long n;
	while (total < sizeof(line) && (n = console_device_read(user(0), sizeof(user_mem))) > 0) {
		assert_true(n <= CHUNK);
		total += (size_t)n;
	}
	assert_int_equal(total, sizeof(line));
}

/* The console's handle in slot 0, a process handle in slot 3, as the shell holds them. */
static void give_shell_handles(uint32_t process_rights)
{
	memset(&shell.handles, 0, sizeof(shell.handles));
	shell.handles.slot[0] = (struct handle_entry){ &console.object, SIETCH_RIGHT_READ, 0 };
	shell.handles.slot[1] = (struct handle_entry){ &console.object, SIETCH_RIGHT_WRITE, 0 };
	shell.handles.slot[3] = (struct handle_entry){ &job.object, process_rights, 0 };
}

static long foreground(long console_handle, long process, uint64_t flags)
{
	struct syscall_args args = { { (uint64_t)console_handle, (uint64_t)process, flags } };
	return sys_console_foreground(&args);
}

static void test_foreground_decode(void **state)
{
	(void)state;
	give_shell_handles(SIETCH_RIGHT_WAIT);
	assert_int_equal(foreground(0, -1, 4), -SIETCH_EINVAL);
	assert_int_equal(foreground(0, -1, SIETCH_CONSOLE_INTERRUPT), -SIETCH_EINVAL);
	assert_int_equal(foreground(1, -1, 0), -SIETCH_EPERM);  /* the console without READ */
	assert_int_equal(foreground(3, -1, 0), -SIETCH_EBADF);  /* not a console */
	assert_int_equal(foreground(9, -1, 0), -SIETCH_EBADF);
	assert_int_equal(foreground(0, 0, 0), -SIETCH_EBADF);   /* not a process */
	assert_int_equal(foreground(0, 3, SIETCH_CONSOLE_FOREGROUND), -SIETCH_EPERM); /* no KILL */
	assert_int_equal(console.foreground, 0);
	assert_int_equal(job.object.refs, 1);
}

/* Only the foreground group reads; the others read end of file at once, and writes still go out. */
static void test_background_reads_eof(void **state)
{
	(void)state;
	give_shell_handles(SIETCH_RIGHT_KILL);
	job.console_group = shell.console_group = 1; /* both still in init's group */
	assert_int_equal(foreground(0, -1, SIETCH_CONSOLE_FOREGROUND), 0);
	assert_int_equal(shell.console_group, 5);
	assert_int_equal(console.foreground, 5);
	assert_false(console.interruptible);
	assert_int_equal(foreground(0, 3, 0), 0); /* the job in the background */
	assert_int_equal(job.console_group, 6);
	assert_int_equal(job.object.refs, 1);

	type_str("for the shell\n");
	current = &job;
	assert_int_equal(console_device_read(user(0), 100), 0);
	assert_int_equal(sleeps, 0);
	memcpy(user_mem, "out\n", 4);
	assert_int_equal(console_device_write(user(0), 4), 4);
	current = &shell;
	assert_read(100, "for the shell\n");

	/* a reader asleep when it leaves the foreground wakes to end of file */
	assert_int_equal(foreground(0, 3, SIETCH_CONSOLE_FOREGROUND | SIETCH_CONSOLE_INTERRUPT), 0);
	assert_int_equal(console.foreground, 6);
	assert_true(console.interruptible);
	assert_int_equal(console_device_read(user(0), 100), 0);

	/* a foreground whose leader has ended is no foreground: everyone reads again */
	job.dying = true;
	type_str("back\n");
	assert_read(100, "back\n");
	assert_int_equal(console.foreground, 0);
	assert_int_equal(job.object.refs, 1);
}

static void test_ctrl_c_ends_the_foreground(void **state)
{
	(void)state;
	give_shell_handles(SIETCH_RIGHT_KILL);
	assert_int_equal(foreground(0, 3, SIETCH_CONSOLE_FOREGROUND | SIETCH_CONSOLE_INTERRUPT), 0);
	type_str("typed ahead\nhalf\x03");
	assert_int_equal(killed_group, 6);
	assert_int_equal(spared_pid, 0);
	assert_int_equal(killed_status, 130);
	assert_non_null(printed_has("^C\n"));
	assert_false(line_readable(&console.line)); /* what was typed for it goes with it */
}

static void test_ctrl_c_at_the_shell(void **state)
{
	(void)state;
	give_shell_handles(SIETCH_RIGHT_KILL);
	assert_int_equal(foreground(0, -1, SIETCH_CONSOLE_FOREGROUND), 0);
	group_members = 0; /* the shell alone in its group */
	type_str("rm -rf\x03");
	assert_int_equal(killed_group, 5);
	assert_int_equal(spared_pid, 5); /* the shell is not interrupted */
	assert_read(100, "\n");         /* an empty line: it prompts again */

	/* a program spawned and not yet made foreground is in the shell's group: it ends */
	group_members = 1;
	type_str("typed ahead\n\x03");
	assert_int_equal(killed_status, 130);
	assert_false(line_readable(&console.line));
}

/* Enter, then Ctrl-C before the shell has spawned the program: the program ends as it becomes foreground. */
static void test_ctrl_c_before_the_program_starts(void **state)
{
	(void)state;
	give_shell_handles(SIETCH_RIGHT_KILL);
	assert_int_equal(foreground(0, -1, SIETCH_CONSOLE_FOREGROUND), 0);
	group_members = 0; /* the program is not there yet */
	type_str("spin\n\x03typed after\n");
	killed_group = 0;
	assert_int_equal(foreground(0, 3, SIETCH_CONSOLE_FOREGROUND | SIETCH_CONSOLE_INTERRUPT), 0);
	assert_int_equal(killed_group, 6);
	assert_int_equal(spared_pid, 0);
	assert_int_equal(killed_status, 130);
	assert_false(line_readable(&console.line));

	/* Ctrl-C before the shell has even read the command: still the command's */
	assert_int_equal(foreground(0, -1, SIETCH_CONSOLE_FOREGROUND), 0);
	type_str("spin\n\x03");
	assert_read(100, "spin\n");
	killed_group = 0;
	assert_int_equal(foreground(0, 3, SIETCH_CONSOLE_FOREGROUND | SIETCH_CONSOLE_INTERRUPT), 0);
	assert_int_equal(killed_group, 6);
	assert_false(line_readable(&console.line));

	/* a Ctrl-C the shell took at its prompt is spent: the next program runs */
	assert_int_equal(foreground(0, -1, SIETCH_CONSOLE_FOREGROUND), 0);
	type_str("half\x03");
	assert_read(100, "\n");
	killed_group = 0;
	assert_int_equal(foreground(0, 3, SIETCH_CONSOLE_FOREGROUND | SIETCH_CONSOLE_INTERRUPT), 0);
	assert_int_equal(killed_group, 0);
}

static void test_ctrl_c_without_foreground(void **state)
{
	(void)state;
	type_str("half\x03");
	assert_int_equal(killed_group, 0); /* nobody claimed the console: nothing is ended */
	assert_read(100, "\n");
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
		cmocka_unit_test_setup_teardown(test_long_line_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reads_in_chunks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreground_decode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_background_reads_eof, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ctrl_c_ends_the_foreground, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ctrl_c_at_the_shell, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ctrl_c_without_foreground, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ctrl_c_before_the_program_starts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_bad_buffer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_console_write_kernel, setup, teardown),
	};
	return cmocka_run_group_tests(tests, 0, 0);
}
