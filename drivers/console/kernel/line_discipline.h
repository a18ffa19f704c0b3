/*
 * The console's line discipline, as logic only (no locks, no UART): what a
 * typed byte does to the input, and what the console must then echo or do.
 * drivers/console/kernel/console.c holds one under its lock.
 *
 * The input holds whole lines for readers, then the line being typed. A line
 * is at most CONSOLE_LINE_MAX bytes, its '\n' included; a longer one is
 * refused as a whole (it never reaches a reader, in part or in pieces), as is
 * a line that does not fit beside unread ones. The end of a line always gets
 * through: the last byte of the buffer is kept for it, and the Enter that ends
 * a refused line ends the refusal, so the next line starts clean.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define CONSOLE_LINE_MAX 1024  /* bytes in one line, its '\n' included */
#define CONSOLE_INPUT_MAX 4096 /* bytes typed and not yet read */

#define CHAR_INTERRUPT 0x03 /* Ctrl-C */
#define CHAR_EOF 0x04       /* Ctrl-D; also the end-of-file mark kept in the input */
#define CHAR_BELL 0x07
#define CHAR_BACKSPACE 0x08
#define CHAR_KILL_LINE 0x15 /* Ctrl-U */
#define CHAR_ESCAPE 0x1b
#define CHAR_DELETE 0x7f

struct line_discipline {
	char input[CONSOLE_INPUT_MAX];
	size_t committed; /* input[0 .. committed): lines and end-of-file marks readers may take */
	size_t len;       /* input[committed .. len): the line being typed */
	bool refusing;    /* the line being typed outgrew its room: dropped up to its end */
	unsigned escape;  /* inside an escape sequence (ESC, ESC [ ...), which is dropped */
};

/* What one typed byte asks of the console. */
struct line_effect {
	char echo[4];        /* NUL-terminated: the byte as it appears */
	size_t erase;        /* characters to rub out on the screen */
	const char *message; /* a refusal to print on a line of its own, or NULL */
	bool wake;           /* readers have something new */
	bool interrupt;      /* Ctrl-C: the console decides what it ends */
};

void line_byte(struct line_discipline *l, char c, struct line_effect *fx);

/* True when a reader can take something: a line, part of one, or an end-of-file mark. */
bool line_readable(const struct line_discipline *l);

/* Takes up to max bytes of the first line into out (up to its '\n');
 * 0 with *eof set when the first thing is an end-of-file mark, which goes. */
size_t line_take(struct line_discipline *l, char *out, size_t max, bool *eof);

/* Ctrl-C: with flush, everything typed goes (the program it was for has
 * ended); without, only the line being typed, and an empty line stands in
 * for it so a reader (the shell) starts afresh. Returns whether readers wake. */
bool line_interrupt(struct line_discipline *l, bool flush);
