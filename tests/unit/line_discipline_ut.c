/* Host tests for drivers/console/kernel/line_discipline.c: editing, refusals, end of file, Ctrl-C. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "drivers/console/kernel/line_discipline.c"

static struct line_discipline l;
static char echoed[16384];
static size_t echoed_len, erased, messages, wakes, interrupts;

/* Types bytes; records the echo, the erasures, refusals, wake-ups and Ctrl-Cs. */
static void type(const char *s, size_t len)
{
	struct line_effect fx;
	for (size_t i = 0; i < len; i++) {
		line_byte(&l, s[i], &fx);
		size_t n = strlen(fx.echo);
		assert_true(echoed_len + n <= sizeof(echoed));
		memcpy(echoed + echoed_len, fx.echo, n);
		echoed_len += n;
		erased += fx.erase;
		messages += fx.message != NULL;
		wakes += fx.wake;
		interrupts += fx.interrupt;
	}
}
static void type_str(const char *s) { type(s, strlen(s)); }

static void type_repeated(char c, size_t count)
{
	char *s = malloc(count);
	memset(s, c, count);
	type(s, count);
	free(s);
}

/* Takes the next line and checks it (NULL: an end-of-file mark). */
static void assert_take(const char *want)
{
	char out[CONSOLE_INPUT_MAX];
	bool eof;
	size_t n = line_take(&l, out, sizeof(out), &eof);
	if (!want) {
		assert_true(eof);
		assert_int_equal(n, 0);
		return;
	}
	assert_false(eof);
	assert_int_equal(n, strlen(want));
	assert_memory_equal(out, want, n);
}

static int setup(void **state)
{
	(void)state;
	memset(&l, 0, sizeof(l));
	echoed_len = erased = messages = wakes = interrupts = 0;
	return 0;
}

static void test_line(void **state)
{
	(void)state;
	type_str("ls\r");
	assert_int_equal(wakes, 1);
	assert_memory_equal(echoed, "ls\n", 3);
	assert_take("ls\n");
	assert_false(line_readable(&l));
}

static void test_longest_line_passes(void **state)
{
	(void)state;
	type_repeated('x', CONSOLE_LINE_MAX - 1);
	type_str("\n");
	assert_int_equal(messages, 0);
	char out[CONSOLE_INPUT_MAX];
	bool eof;
	assert_int_equal(line_take(&l, out, sizeof(out), &eof), CONSOLE_LINE_MAX);
}

/* "echo " + 10,000 x + " poweroff": refused as a whole, nothing of it reaches a reader. */
static void test_long_line_refused_whole(void **state)
{
	(void)state;
	type_str("echo ");
	type_repeated('x', 10000);
	type_str(" poweroff\r");
	assert_int_equal(messages, 1);
	assert_false(line_readable(&l));
	assert_int_equal(wakes, 0);
	type_str("echo ok\r"); /* the next line is whole */
	assert_take("echo ok\n");
}

/* A flood nobody reads: lines that do not fit are refused, but each Enter still ends its line. */
static void test_enter_after_flood(void **state)
{
	(void)state;
	for (int i = 0; i < 1000; i++)
		type_str("echo flood\r");
	assert_true(messages > 0);
	size_t lines = l.committed / strlen("echo flood\n");
	for (size_t i = 0; i < lines; i++)
		assert_take("echo flood\n");
	assert_false(line_readable(&l));
	type_str("echo after\r");
	assert_take("echo after\n");

	/* a line typed without Enter into a full buffer is refused; its Enter ends the refusal */
	setup(0);
	type_repeated('a', CONSOLE_INPUT_MAX * 2);
	type_str("\r");
	assert_false(line_readable(&l));
	type_str("next\r");
	assert_take("next\n");
}

static void test_ctrl_u(void **state)
{
	(void)state;
	type_str("rm everything\x15");
	assert_int_equal(erased, strlen("rm everything"));
	type_str("ls\r");
	assert_take("ls\n");
	/* after a refusal, Ctrl-U starts a fresh line too */
	type_repeated('x', CONSOLE_LINE_MAX + 5);
	type_str("\x15ok\r");
	assert_take("ok\n");
}

static void test_backspace(void **state)
{
	(void)state;
	type_str("\x7f\bab\x7f" "c\r");
	assert_int_equal(erased, 1);
	assert_take("ac\n");
}

static void test_control_characters_are_not_text(void **state)
{
	(void)state;
	type_str("a\x01\x02\x05\x0b\x0c\x0e\x1a\x1c" "b\tc\r");
	assert_take("ab\tc\n");
	/* arrow keys (ESC [ A), a function key (ESC O P), a longer sequence (ESC [ 1 ; 5 C) */
	type_str("x\x1b[Ay\x1bOPz\x1b[1;5C!\r");
	assert_take("xyz!\n");
	assert_int_equal(interrupts, 0);
}

static void test_eof_each_time(void **state)
{
	(void)state;
	type_str("\x04\x04");
	assert_int_equal(wakes, 2);
	assert_take(NULL);
	assert_take(NULL);
	assert_false(line_readable(&l));
	/* text then Ctrl-D: the text without a newline; lines around a mark keep their order */
	type_str("ab\x04one\n\x04two\n");
	assert_take("abone\n");
	assert_take(NULL);
	assert_take("two\n");
}

static void test_short_takes(void **state)
{
	(void)state;
	type_str("hello\n\x04");
	char out[4];
	bool eof;
	assert_int_equal(line_take(&l, out, 2, &eof), 2);
	assert_int_equal(line_take(&l, out, 4, &eof), 4);
	assert_memory_equal(out, "llo\n", 4);
	assert_take(NULL);
}

static void test_ctrl_c(void **state)
{
	(void)state;
	type_str("one\ntwo\nhalf\x03");
	assert_int_equal(interrupts, 1);
	/* the shell at its prompt: the half line goes, an empty line stands for it */
	assert_true(line_interrupt(&l, false));
	assert_take("one\n");
	assert_take("two\n");
	assert_take("\n");
	/* a program that ends: everything typed for it goes */
	type_str("one\nhalf");
	assert_false(line_interrupt(&l, true));
	assert_false(line_readable(&l));
	type_str("next\n");
	assert_take("next\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_line, setup),
		cmocka_unit_test_setup(test_longest_line_passes, setup),
		cmocka_unit_test_setup(test_long_line_refused_whole, setup),
		cmocka_unit_test_setup(test_enter_after_flood, setup),
		cmocka_unit_test_setup(test_ctrl_u, setup),
		cmocka_unit_test_setup(test_backspace, setup),
		cmocka_unit_test_setup(test_control_characters_are_not_text, setup),
		cmocka_unit_test_setup(test_eof_each_time, setup),
		cmocka_unit_test_setup(test_short_takes, setup),
		cmocka_unit_test_setup(test_ctrl_c, setup),
	};
	return cmocka_run_group_tests(tests, 0, 0);
}
