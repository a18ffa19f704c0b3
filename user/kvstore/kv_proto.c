/*
 * The request parser: RESP2 multibulk ("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n") and inline
 * commands ("GET k\r\n"), decided by the first byte as Redis does. It follows Redis
 * 7.0's networking.c (processMultibulkBuffer, processInlineBuffer) so that partial
 * input waits, and malformed input gets the same error and the connection closed
 * after it. It only ever looks at bytes [qpos, qlen) that arrived.
 */
#include <string.h>

#include "kv_internal.h"

/* Redis 7.0 takes up to INT_MAX arguments (1024 * 1024 before 7.0), growing the
 * array as they arrive, so a large count alone costs nothing. */
#define KV_MULTIBULK_MAX_ARGS 2147483647ll

static void protocol_error(struct kv_client *c, const char *fmt, const char *arg)
{
	if (arg)
		kv_reply_error(c, fmt, arg);
	else
		kv_reply_error(c, "%s", fmt);
	c->close_after_reply = true;
}

static const char *find_byte(const struct kv_client *c, char ch)
{
	/* Redis uses strchr on a NUL-terminated buffer: a NUL ends the search too. */
	for (size_t i = c->qpos; i < c->qlen; i++) {
		if (c->qbuf[i] == ch)
			return c->qbuf + i;
		if (c->qbuf[i] == '\0')
			return NULL;
	}
	return NULL;
}

static bool add_arg(struct kv_client *c, const char *p, size_t len)
{
	if (c->argc == c->argv_cap) {
		int cap = c->argv_cap ? c->argv_cap * 2 : 8;
		struct kv_arg *grown = kv_realloc(c->argv, (size_t)cap * sizeof(*grown));
		if (!grown)
			return false;
		c->argv = grown;
		c->argv_cap = cap;
	}
	char *copy = kv_alloc(len + 1);
	if (!copy)
		return false;
	memcpy(copy, p, len);
	copy[len] = '\0';
	c->argv[c->argc].p = copy;
	c->argv[c->argc].len = len;
	c->argc++;
	return true;
}

void kv_client_reset_args(struct kv_client *c);
void kv_client_reset_args(struct kv_client *c)
{
	for (int i = 0; i < c->argc; i++)
		kv_free(c->argv[i].p);
	c->argc = 0;
	c->reqtype = KV_REQ_NONE;
	c->multibulk_left = 0;
	c->bulklen = -1;
	if (c->argv_cap > 64) { /* do not keep a million-slot array for the next PING */
		kv_free(c->argv);
		c->argv = NULL;
		c->argv_cap = 0;
	}
}

static bool is_space(char ch)
{
	return ch == ' ' || ch == '\n' || ch == '\r' || ch == '\t' || ch == '\v' || ch == '\f';
}

static int hex_value(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

struct token {
	char *buf;
	size_t len, cap;
};

static bool token_put(struct token *t, char ch)
{
	if (t->len == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 32;
		char *grown = kv_realloc(t->buf, cap);
		if (!grown)
			return false;
		t->buf = grown;
		t->cap = cap;
	}
	t->buf[t->len++] = ch;
	return true;
}

/* Redis's sdssplitargs over line[0, len) (which holds no NUL: the caller cut it
 * there): "quoted \x41 \n", 'single', bare words. Returns -1 for unbalanced quotes,
 * 0 when out of memory, 1 when the arguments were added. */
static int split_args(struct kv_client *c, const char *line, size_t len)
{
	size_t i = 0;
	struct token t = {0};
	int result = 1;
#define AT(k) ((k) < len ? line[k] : '\0')
	for (;;) {
		while (i < len && is_space(line[i]))
			i++;
		if (i >= len)
			break;
		char quote = 0; /* the quote the argument is inside, 0 outside quotes */
		bool done = false;
		t.len = 0;
		while (!done) {
			char ch = AT(i);
			bool ok = true;
			if (quote) {
				if (quote == '"' && ch == '\\' && AT(i + 1) == 'x' && hex_value(AT(i + 2)) >= 0 &&
				    hex_value(AT(i + 3)) >= 0) {
					ok = token_put(&t, (char)(hex_value(AT(i + 2)) * 16 + hex_value(AT(i + 3))));
					i += 3;
				} else if (quote == '"' && ch == '\\' && AT(i + 1)) {
					i++;
					char e = AT(i);
					ok = token_put(&t, e == 'n' ? '\n' : e == 'r' ? '\r' : e == 't' ? '\t' :
							   e == 'b' ? '\b' : e == 'a' ? '\a' : e);
				} else if (quote == '\'' && ch == '\\' && AT(i + 1) == '\'') {
					i++;
					ok = token_put(&t, '\'');
				} else if (ch == quote || !ch) {
					/* the line ends inside the quotes, or the closing quote does not end the argument */
					if (!ch || (AT(i + 1) && !is_space(AT(i + 1))))
						goto unbalanced;
					done = true;
				} else {
					ok = token_put(&t, ch);
				}
			} else if (ch == ' ' || ch == '\n' || ch == '\r' || ch == '\t' || !ch) {
				done = true;
			} else if (ch == '"' || ch == '\'') {
				quote = ch;
			} else {
				ok = token_put(&t, ch);
			}
			if (!ok)
				goto oom;
			if (AT(i))
				i++;
		}
		if (!add_arg(c, t.buf ? t.buf : "", t.len))
			goto oom;
	}
#undef AT
	kv_free(t.buf);
	return result;
unbalanced:
	result = -1;
	kv_free(t.buf);
	return result;
oom:
	kv_free(t.buf);
	return 0;
}

enum parse { PARSE_MORE, PARSE_DONE, PARSE_ERROR };

static enum parse parse_inline(struct kv_client *c)
{
	const char *newline = find_byte(c, '\n');
	const char *start = c->qbuf + c->qpos;
	if (!newline) {
		if (c->qlen - c->qpos > KV_PROTO_INLINE_MAX_SIZE) {
			protocol_error(c, "ERR Protocol error: too big inline request", NULL);
			return PARSE_ERROR;
		}
		return PARSE_MORE;
	}
	size_t linefeed = 1;
	if (newline != start && newline[-1] == '\r')
		newline--, linefeed++;
	size_t len = (size_t)(newline - start);
	/* sdssplitargs sees a C string: a NUL ends the line */
	const char *nul = memchr(start, '\0', len);
	int r = split_args(c, start, nul ? (size_t)(nul - start) : len);
	if (r < 0) {
		kv_client_reset_args(c);
		protocol_error(c, "ERR Protocol error: unbalanced quotes in request", NULL);
		return PARSE_ERROR;
	}
	if (r == 0) {
		c->close_now = true;
		return PARSE_ERROR;
	}
	c->qpos += len + linefeed;
	return PARSE_DONE;
}

/* A line "<type><number>\r\n" at qpos: PARSE_MORE until "\r" and one byte after it
 * arrived (Redis does not check that byte is '\n'). */
static enum parse read_number_line(struct kv_client *c, const char *too_big, long long *value,
				   bool *ok)
{
	const char *cr = find_byte(c, '\r');
	if (!cr) {
		if (c->qlen - c->qpos > KV_PROTO_INLINE_MAX_SIZE) {
			protocol_error(c, too_big, NULL);
			return PARSE_ERROR;
		}
		return PARSE_MORE;
	}
	size_t linelen = (size_t)(cr - (c->qbuf + c->qpos));
	if (c->qlen - c->qpos < linelen + 2)
		return PARSE_MORE;
	*ok = kv_string2ll(c->qbuf + c->qpos + 1, linelen - 1, value);
	return PARSE_DONE;
}

static enum parse parse_multibulk(struct kv_client *c)
{
	long long ll = 0;
	bool ok = false;
	if (c->multibulk_left == 0) {
		enum parse r = read_number_line(c, "ERR Protocol error: too big mbulk count string", &ll, &ok);
		if (r != PARSE_DONE)
			return r;
		if (!ok || ll > KV_MULTIBULK_MAX_ARGS) {
			protocol_error(c, "ERR Protocol error: invalid multibulk length", NULL);
			return PARSE_ERROR;
		}
		c->qpos = (size_t)(find_byte(c, '\r') - c->qbuf) + 2;
		if (ll <= 0)
			return PARSE_DONE; /* an empty command: nothing to run */
		c->multibulk_left = ll;
		c->bulklen = -1;
	}
	while (c->multibulk_left) {
		if (c->bulklen == -1) {
			enum parse r = read_number_line(c, "ERR Protocol error: too big bulk count string", &ll, &ok);
			if (r != PARSE_DONE)
				return r;
			if (c->qbuf[c->qpos] != '$') {
				char got[2] = {c->qbuf[c->qpos], '\0'};
				protocol_error(c, "ERR Protocol error: expected '$', got '%s'", got);
				return PARSE_ERROR;
			}
			if (!ok || ll < 0 || ll > KV_PROTO_MAX_BULK_LEN) {
				protocol_error(c, "ERR Protocol error: invalid bulk length", NULL);
				return PARSE_ERROR;
			}
			c->qpos = (size_t)(find_byte(c, '\r') - c->qbuf) + 2;
			c->bulklen = ll;
		}
		if (c->qlen - c->qpos < (size_t)c->bulklen + 2)
			return PARSE_MORE;
		if (!add_arg(c, c->qbuf + c->qpos, (size_t)c->bulklen)) {
			c->close_now = true;
			return PARSE_ERROR;
		}
		c->qpos += (size_t)c->bulklen + 2;
		c->bulklen = -1;
		c->multibulk_left--;
	}
	return PARSE_DONE;
}

void kv_run_command(struct kv_client *c);

/* Runs every complete request in the query buffer. */
void kv_process_input(struct kv_client *c);
void kv_process_input(struct kv_client *c)
{
	while (c->qpos < c->qlen && !c->close_after_reply && !c->close_now) {
		if (c->reqtype == KV_REQ_NONE)
			c->reqtype = c->qbuf[c->qpos] == '*' ? KV_REQ_MULTIBULK : KV_REQ_INLINE;
		enum parse r = c->reqtype == KV_REQ_INLINE ? parse_inline(c) : parse_multibulk(c);
		if (r == PARSE_MORE)
			break;
		if (r == PARSE_ERROR) {
			kv_client_reset_args(c);
			break;
		}
		if (c->argc > 0)
			kv_run_command(c);
		kv_client_reset_args(c);
	}
	/* keep only the unparsed tail */
	if (c->qpos > 0) {
		memmove(c->qbuf, c->qbuf + c->qpos, c->qlen - c->qpos);
		c->qlen -= c->qpos;
		c->qpos = 0;
	}
}
