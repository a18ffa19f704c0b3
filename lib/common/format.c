/*
 * printf-style formatting (C11 §7.21.6.1 subset, see format.h).
 */
#include "lib/common/format.h"

#include <stdbool.h>
#include <stdint.h>

#include "lib/common/string.h"

struct spec {
	bool left;       /* '-' flag: pad on the right */
	bool zero;       /* '0' flag: pad numbers with zeros */
	int width;       /* minimum field width, 0 if none */
	int precision;   /* -1 if none */
	int length;      /* 1 l, 2 ll or z (both 64-bit here), -1 h, -2 hh, 0 none */
	char conv;
};

struct out {
	void (*emit)(void *ctx, char c);
	void *ctx;
};

static void emit_repeat(const struct out *o, char c, int n)
{
	for (; n > 0; n--)
		o->emit(o->ctx, c);
}

static void emit_padded(const struct out *o, const struct spec *sp, const char *s, size_t len)
{
	int pad = sp->width > (int)len ? sp->width - (int)len : 0;

	if (!sp->left)
		emit_repeat(o, ' ', pad);
	for (size_t i = 0; i < len; i++)
		o->emit(o->ctx, s[i]);
	if (sp->left)
		emit_repeat(o, ' ', pad);
}

static void emit_string(const struct out *o, const struct spec *sp, const char *s)
{
	if (!s)
		s = "(null)";
	size_t len = sp->precision >= 0 ? strnlen(s, (size_t)sp->precision) : strlen(s);
	emit_padded(o, sp, s, len);
}

/* prefix is "-", "0x" or ""; digits are emitted after zero padding. */
static void emit_number(const struct out *o, const struct spec *sp, const char *prefix,
			uint64_t value, unsigned base, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char buf[24];
	int n = 0;

	do {
		buf[n++] = digits[value % base];
		value /= base;
	} while (value);
	if (sp->precision == 0 && n == 1 && buf[0] == '0')
		n = 0; /* C11 §7.21.6.1p8: zero with precision 0 prints nothing */

	int plen = (int)strlen(prefix);
	int zeros = sp->precision > n ? sp->precision - n : 0;
	if (sp->zero && !sp->left && sp->precision < 0 && sp->width > plen + n)
		zeros = sp->width - plen - n;
	int pad = sp->width - plen - zeros - n;

	if (!sp->left)
		emit_repeat(o, ' ', pad);
	for (int i = 0; i < plen; i++)
		o->emit(o->ctx, prefix[i]);
	emit_repeat(o, '0', zeros);
	while (n > 0)
		o->emit(o->ctx, buf[--n]);
	if (sp->left)
		emit_repeat(o, ' ', pad);
}

static int parse_number(const char **fmt)
{
	int n = 0;

	while (**fmt >= '0' && **fmt <= '9') {
		if (n < 100000)
			n = n * 10 + (**fmt - '0');
		(*fmt)++;
	}
	return n;
}

/* Parses flags, width, precision, length and conversion after the '%'.
 * '*' arguments are fetched by the caller, who passes them in. */
static const char *parse_spec(const char *f, struct spec *sp, bool *star_width, bool *star_prec)
{
	*sp = (struct spec){ .precision = -1 };
	*star_width = *star_prec = false;
	for (;; f++) {
		if (*f == '-')
			sp->left = true;
		else if (*f == '0')
			sp->zero = true;
		else
			break;
	}
	if (*f == '*') {
		*star_width = true;
		f++;
	} else {
		sp->width = parse_number(&f);
	}
	if (*f == '.') {
		f++;
		if (*f == '*') {
			*star_prec = true;
			f++;
		} else {
			sp->precision = parse_number(&f);
		}
	}
	for (;; f++) {
		if (*f == 'l')
			sp->length++;
		else if (*f == 'z')
			sp->length = 2;
		else if (*f == 'h')
			sp->length--;
		else
			break;
	}
	sp->conv = *f;
	return f;
}

/* Narrows an argument read at its promoted width to what h/hh name. */
static int64_t narrow_signed(int64_t v, int length)
{
	return length == -1 ? (short)v : length <= -2 ? (signed char)v : v;
}

static uint64_t narrow_unsigned(uint64_t v, int length)
{
	return length == -1 ? (unsigned short)v : length <= -2 ? (unsigned char)v : v;
}

/* Fetches '*' width and precision arguments (C11 §7.21.6.1p5). */
static void fetch_stars(struct spec *sp, bool star_width, bool star_prec, va_list *ap)
{
	if (star_width) {
		int w = va_arg(*ap, int);
		sp->left |= w < 0;
		sp->width = w < 0 ? (w == INT32_MIN ? 0 : -w) : w;
	}
	if (star_prec) {
		int p = va_arg(*ap, int);
		sp->precision = p < 0 ? -1 : p;
	}
}

static void convert_signed(const struct out *o, const struct spec *sp, va_list *ap)
{
	int64_t v = sp->length >= 2   ? va_arg(*ap, long long)
		    : sp->length == 1 ? va_arg(*ap, long)
				      : va_arg(*ap, int);
	v = narrow_signed(v, sp->length);
	/* negate as unsigned so INT64_MIN does not overflow */
	uint64_t mag = v < 0 ? -(uint64_t)v : (uint64_t)v;
	emit_number(o, sp, v < 0 ? "-" : "", mag, 10, false);
}

static void convert_unsigned(const struct out *o, const struct spec *sp, va_list *ap)
{
	uint64_t v = sp->length >= 2   ? va_arg(*ap, unsigned long long)
		     : sp->length == 1 ? va_arg(*ap, unsigned long)
				       : va_arg(*ap, unsigned);
	v = narrow_unsigned(v, sp->length);
	emit_number(o, sp, "", v, sp->conv == 'u' ? 10 : 16, sp->conv == 'X');
}

/* Returns false for a conversion it does not know. */
static bool convert(const struct out *o, struct spec *sp, va_list *ap)
{
	char c;

	switch (sp->conv) {
	case 'd':
	case 'i':
		convert_signed(o, sp, ap);
		return true;
	case 'u':
	case 'x':
	case 'X':
		convert_unsigned(o, sp, ap);
		return true;
	case 'p':
		sp->precision = 16;
		emit_number(o, sp, "0x", (uintptr_t)va_arg(*ap, void *), 16, false);
		return true;
	case 's':
		emit_string(o, sp, va_arg(*ap, const char *));
		return true;
	case 'c':
		c = (char)va_arg(*ap, int);
		emit_padded(o, sp, &c, 1);
		return true;
	case '%':
		o->emit(o->ctx, '%');
		return true;
	default:
		return false;
	}
}

void format_to(void (*emit)(void *ctx, char c), void *ctx, const char *fmt, va_list ap)
{
	const struct out o = { emit, ctx };
	struct spec sp;
	bool star_width, star_prec;
	va_list args;

	va_copy(args, ap); /* so the conversions can take a va_list pointer */
	for (const char *f = fmt; *f; f++) {
		if (*f != '%') {
			emit(ctx, *f);
			continue;
		}
		const char *start = f;
		f = parse_spec(f + 1, &sp, &star_width, &star_prec);
		fetch_stars(&sp, star_width, star_prec, &args);
		if (convert(&o, &sp, &args))
			continue;
		/* unknown or cut short by the end of fmt: copy it as written */
		for (; start <= f && *start; start++)
			emit(ctx, *start);
		if (!*f)
			break;
	}
	va_end(args);
}

struct buffer {
	char *buf;
	size_t size;
	size_t len; /* characters the output would have had */
};

static void buffer_emit(void *ctx, char c)
{
	struct buffer *b = ctx;

	if (b->len + 1 < b->size)
		b->buf[b->len] = c;
	b->len++;
}

int format_v(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct buffer b = { buf, size, 0 };

	format_to(buffer_emit, &b, fmt, ap);
	if (size > 0)
		buf[b.len < size ? b.len : size - 1] = '\0';
	return b.len > INT32_MAX ? INT32_MAX : (int)b.len;
}

int format(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = format_v(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
