/* Building replies in the client's output buffer, and the number conversions whose
 * exact behaviour Redis's replies depend on (util.c string2ll, addReplyDouble). */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kv_internal.h"

/* Redis 7.0's shared error objects (server.c createSharedObjects), without the '-'. */
const char kv_err_wrongtype[] = "WRONGTYPE Operation against a key holding the wrong kind of value";
const char kv_err_syntax[] = "ERR syntax error";
const char kv_err_notint[] = "ERR value is not an integer or out of range";
const char kv_err_notfloat[] = "ERR value is not a valid float";
const char kv_err_oom[] = "OOM command not allowed when used memory > 'maxmemory'.";
const char kv_err_positive[] = "ERR value is out of range, must be positive";

void kv_reply_raw(struct kv_client *c, const void *p, size_t n)
{
	if (c->oom || c->close_now)
		return;
	if (c->olen + n > c->ocap) {
		size_t cap = c->ocap ? c->ocap : 256;
		while (cap < c->olen + n)
			cap *= 2;
		char *grown = kv_realloc(c->obuf, cap);
		if (!grown) { /* the reply cannot be whole: drop the client */
			c->oom = true;
			c->close_now = true;
			return;
		}
		c->obuf = grown;
		c->ocap = cap;
	}
	memcpy(c->obuf + c->olen, p, n);
	c->olen += n;
}

size_t kv_ll2str(char *buf, long long v)
{
	char tmp[24];
	size_t n = 0, len = 0;
	unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		buf[len++] = '-';
	while (n)
		buf[len++] = tmp[--n];
	buf[len] = '\0';
	return len;
}

size_t kv_resp_header(char *buf, char type, long long v)
{
	buf[0] = type;
	size_t n = 1 + kv_ll2str(buf + 1, v);
	buf[n++] = '\r';
	buf[n++] = '\n';
	return n;
}

static void reply_prefixed(struct kv_client *c, char type, long long v)
{
	char buf[KV_RESP_HEADER_MAX];
	kv_reply_raw(c, buf, kv_resp_header(buf, type, v));
}

void kv_reply_status(struct kv_client *c, const char *s)
{
	kv_reply_raw(c, "+", 1);
	kv_reply_raw(c, s, strlen(s));
	kv_reply_raw(c, "\r\n", 2);
}

/* Like addReplyErrorFormat: a line break inside would end the reply early, so
 * Redis turns \r and \n into spaces. */
void kv_reply_error(struct kv_client *c, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf + 1, sizeof(buf) - 3, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n > sizeof(buf) - 4)
		n = (int)(sizeof(buf) - 4);
	for (int i = 1; i <= n; i++)
		if (buf[i] == '\r' || buf[i] == '\n')
			buf[i] = ' ';
	buf[0] = '-';
	memcpy(buf + 1 + n, "\r\n", 2);
	kv_reply_raw(c, buf, (size_t)n + 3);
}

void kv_reply_error_arity(struct kv_client *c)
{
	kv_reply_error(c, "ERR wrong number of arguments for '%s' command", c->cmd_name);
}

void kv_reply_error_expire(struct kv_client *c)
{
	kv_reply_error(c, "ERR invalid expire time in '%s' command", c->cmd_name);
}

void kv_reply_int(struct kv_client *c, long long v)
{
	reply_prefixed(c, ':', v);
}

void kv_reply_array(struct kv_client *c, long long n)
{
	reply_prefixed(c, '*', n);
}

void kv_reply_bulk(struct kv_client *c, const void *p, size_t n)
{
	reply_prefixed(c, '$', (long long)n);
	kv_reply_raw(c, p, n);
	kv_reply_raw(c, "\r\n", 2);
}

void kv_reply_bulk_cstr(struct kv_client *c, const char *s)
{
	kv_reply_bulk(c, s, strlen(s));
}

void kv_reply_bulk_ll(struct kv_client *c, long long v)
{
	char buf[24];
	kv_reply_bulk(c, buf, kv_ll2str(buf, v));
}

/* Redis 7.0 addReplyDouble: "%.17g", and inf/-inf spelled out. */
void kv_reply_double(struct kv_client *c, double d)
{
	if (isinf(d)) {
		kv_reply_bulk_cstr(c, d > 0 ? "inf" : "-inf");
		return;
	}
	char buf[64];
	int n = snprintf(buf, sizeof(buf), "%.17g", d);
	kv_reply_bulk(c, buf, (size_t)n);
}

void kv_reply_null(struct kv_client *c)
{
	kv_reply_raw(c, "$-1\r\n", 5);
}

void kv_reply_null_array(struct kv_client *c)
{
	kv_reply_raw(c, "*-1\r\n", 5);
}

/* Redis's string2ll: optional '-', no '+', no spaces, no leading zeros (but "0"),
 * nothing after the digits, and no overflow. */
bool kv_string2ll(const char *s, size_t len, long long *out)
{
	size_t i = 0;
	bool negative = false;
	unsigned long long v;
	if (len == 0 || len > 20)
		return false;
	if (len == 1 && s[0] == '0') {
		*out = 0;
		return true;
	}
	if (s[0] == '-') {
		negative = true;
		if (++i == len)
			return false;
	}
	if (s[i] < '1' || s[i] > '9')
		return false;
	v = (unsigned long long)(s[i++] - '0');
	for (; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		if (v > ULLONG_MAX / 10)
			return false;
		v *= 10;
		if (v > ULLONG_MAX - (unsigned long long)(s[i] - '0'))
			return false;
		v += (unsigned long long)(s[i] - '0');
	}
	if (negative) {
		if (v > (unsigned long long)LLONG_MAX + 1)
			return false;
		*out = v == (unsigned long long)LLONG_MAX + 1 ? LLONG_MIN : -(long long)v;
	} else {
		if (v > LLONG_MAX)
			return false;
		*out = (long long)v;
	}
	return true;
}

/* Redis's getDoubleFromObject: strtod over the whole string, no leading space,
 * no NaN, no overflow. s must be NUL-terminated at len. */
bool kv_string2d(const char *s, size_t len, double *out)
{
	char *end;
	if (len == 0 || isspace((unsigned char)s[0]))
		return false;
	errno = 0;
	double v = strtod(s, &end);
	if ((size_t)(end - s) != len || isnan(v) ||
	    (errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL || v == 0)))
		return false;
	*out = v;
	return true;
}
