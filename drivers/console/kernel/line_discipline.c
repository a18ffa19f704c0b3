/* The console's line discipline (drivers/console/kernel/line_discipline.h). */
#include "drivers/console/kernel/line_discipline.h"
#include "lib/common/string.h"

enum { ESCAPE_NONE, ESCAPE_SEEN, ESCAPE_CSI };

/*
 * ECMA-48 §5.4: ESC '[' (or SS3, ESC 'O', which terminals send for some keys)
 * starts a sequence whose final byte is in 0x40..0x7e; other bytes of the
 * sequence are parameters. The whole sequence (an arrow key, a function key)
 * is dropped: in cooked mode it is not text.
 */
static bool escape_swallows(struct line_discipline *l, char c)
{
	if (l->escape == ESCAPE_SEEN) {
		l->escape = c == '[' || c == 'O' ? ESCAPE_CSI : ESCAPE_NONE;
		return true;
	}
	if (l->escape == ESCAPE_CSI) {
		if (c >= 0x40 && c <= 0x7e)
			l->escape = ESCAPE_NONE;
		return true;
	}
	if (c == CHAR_ESCAPE) {
		l->escape = ESCAPE_SEEN;
		return true;
	}
	return false;
}

_Static_assert(CONSOLE_LINE_MAX == 1024 && CONSOLE_INPUT_MAX == 4096, "the refusals below name these limits");

/* A byte more and the line's end would not fit in the line's limit. */
static bool line_full(const struct line_discipline *l) { return l->len - l->committed + 2 > CONSOLE_LINE_MAX; }

static void refuse_line(struct line_discipline *l, struct line_effect *fx)
{
	bool too_long = line_full(l);
	l->len = l->committed;
	l->refusing = true;
	fx->message = too_long ? "console: line longer than 1023 characters refused"
			       : "console: 4096 bytes typed and not yet read; line refused";
}

/* The line ends (Enter, or Ctrl-D on an empty line, whose mark is the byte). */
static void end_line(struct line_discipline *l, char end, struct line_effect *fx)
{
	if (l->refusing) {
		l->refusing = false;
		return;
	}
	if (l->len == CONSOLE_INPUT_MAX) {
		fx->message = "console: 4096 bytes typed and not yet read; line refused";
		return;
	}
	l->input[l->len++] = end;
	l->committed = l->len;
	fx->wake = true;
}

static void add_text(struct line_discipline *l, char c, struct line_effect *fx)
{
	if (l->refusing)
		return;
	/* Room for the byte and for the line's end, within the line and the buffer. */
	if (line_full(l) || l->len + 2 > CONSOLE_INPUT_MAX) {
		refuse_line(l, fx);
		return;
	}
	l->input[l->len++] = c;
	fx->echo[0] = c;
}

static bool is_text(char c) { return (unsigned char)c >= 0x20 || c == '\t'; }

void line_byte(struct line_discipline *l, char c, struct line_effect *fx)
{
	*fx = (struct line_effect){0};
	if (escape_swallows(l, c))
		return;
	if (c == '\r')
		c = '\n'; /* terminals send CR for Enter */
	switch (c) {
	case '\n':
		end_line(l, '\n', fx);
		fx->echo[0] = '\n';
		return;
	case CHAR_EOF:
		if (l->refusing || l->len == l->committed)
			end_line(l, CHAR_EOF, fx); /* a mark of its own, one per Ctrl-D */
		else {
			l->committed = l->len; /* POSIX VEOF: the line so far, without a newline */
			fx->wake = true;
		}
		return;
	case CHAR_INTERRUPT:
		fx->interrupt = true;
		return;
	case CHAR_BACKSPACE:
	case CHAR_DELETE:
		if (l->len > l->committed) {
			l->len--;
			fx->erase = 1;
		}
		return;
	case CHAR_KILL_LINE:
		fx->erase = l->len - l->committed;
		l->len = l->committed;
		l->refusing = false;
		return;
	}
	if (is_text(c))
		add_text(l, c, fx);
}

bool line_readable(const struct line_discipline *l) { return l->committed > 0; }

size_t line_take(struct line_discipline *l, char *out, size_t max, bool *eof)
{
	size_t n = 0;
	*eof = l->committed && l->input[0] == CHAR_EOF;
	if (*eof) {
		n = 1;
	} else {
		while (n < l->committed && n < max && l->input[n] != CHAR_EOF) {
			out[n] = l->input[n];
			if (l->input[n++] == '\n')
				break;
		}
	}
	memmove(l->input, l->input + n, l->len - n);
	l->committed -= n;
	l->len -= n;
	return *eof ? 0 : n;
}

bool line_interrupt(struct line_discipline *l, bool flush)
{
	l->refusing = false;
	l->escape = ESCAPE_NONE;
	if (flush) {
		l->committed = l->len = 0;
		return false;
	}
	l->len = l->committed;
	if (l->len < CONSOLE_INPUT_MAX)
		l->input[l->len++] = '\n';
	l->committed = l->len;
	return true;
}
