/* Records for the write-ahead log: each a RESP multibulk request that, replayed
 * later, makes the same change (Redis's AOF makes the same choices: absolute expiry
 * times, SPOP written as SREM of what was popped). */
#include <strings.h>
#include <string.h>

#include "kv_internal.h"

bool kv_logging(const struct kv_server *s)
{
	return s->config.log && !s->replaying;
}

static void put(struct kv_server *s, const void *p, size_t n)
{
	if (s->loglen + n > s->logcap) {
		size_t cap = s->logcap ? s->logcap : 256;
		while (cap < s->loglen + n)
			cap *= 2;
		char *grown = kv_realloc(s->logbuf, cap);
		if (!grown)
			return; /* the record comes out short; replay drops a torn tail */
		s->logbuf = grown;
		s->logcap = cap;
	}
	memcpy(s->logbuf + s->loglen, p, n);
	s->loglen += n;
}

static void put_number(struct kv_server *s, char type, long long v)
{
	char buf[KV_RESP_HEADER_MAX];
	put(s, buf, kv_resp_header(buf, type, v));
}

void kv_log_begin(struct kv_server *s, long long argc)
{
	s->loglen = 0;
	put_number(s, '*', argc);
}

void kv_log_arg(struct kv_server *s, const void *p, size_t len)
{
	put_number(s, '$', (long long)len);
	put(s, p, len);
	put(s, "\r\n", 2);
}

void kv_log_end(struct kv_server *s)
{
	s->config.log(s->config.log_ctx, s->logbuf, s->loglen);
	s->loglen = 0;
	if (s->logcap > 64 * 1024) {
		kv_free(s->logbuf);
		s->logbuf = NULL;
		s->logcap = 0;
	}
}

/* Commands whose times are relative to now: a replay at another time must not
 * move the deadline, so the absolute one follows them. */
static bool relative_expiry(const struct kv_client *c)
{
	static const char *const names[] = {"set", "setex", "psetex", "expire", "pexpire"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(c->argv[0].p, names[i]) == 0)
			return true;
	return false;
}

void kv_log_command(struct kv_client *c)
{
	struct kv_server *s = c->server;
	kv_log_begin(s, c->argc);
	for (int i = 0; i < c->argc; i++)
		kv_log_arg(s, c->argv[i].p, c->argv[i].len);
	kv_log_end(s);
	if (c->argc < 2 || !relative_expiry(c))
		return;
	int64_t when = kv_get_expire(s, c->argv[1].p, c->argv[1].len);
	if (when < 0)
		return;
	char buf[24];
	kv_log_begin(s, 3);
	kv_log_arg(s, "PEXPIREAT", 9);
	kv_log_arg(s, c->argv[1].p, c->argv[1].len);
	kv_log_arg(s, buf, kv_ll2str(buf, when));
	kv_log_end(s);
}
