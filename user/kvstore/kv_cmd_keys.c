/* Keyspace commands (Redis 7.0 db.c, expire.c). */
#include <limits.h>
#include <strings.h>
#include <string.h>

#include "kv_internal.h"

void kv_cmd_del(struct kv_client *c)
{
	long long deleted = 0;
	for (int j = 1; j < c->argc; j++) {
		kv_lookup_write(c->server, &c->argv[j]); /* an expired key is not counted */
		if (kv_db_delete(c->server, c->argv[j].p, c->argv[j].len))
			deleted++;
	}
	kv_reply_int(c, deleted);
}

void kv_cmd_exists(struct kv_client *c)
{
	long long count = 0;
	for (int j = 1; j < c->argc; j++)
		if (kv_lookup_write(c->server, &c->argv[j]))
			count++;
	kv_reply_int(c, count);
}

enum { EXPIRE_NX = 1, EXPIRE_XX = 2, EXPIRE_GT = 4, EXPIRE_LT = 8 };

/* parseExtendedExpireArgumentsOrReply */
static bool expire_flags(struct kv_client *c, int *flags)
{
	int nx = 0, xx = 0, gt = 0, lt = 0;
	for (int j = 3; j < c->argc; j++) {
		const struct kv_arg *a = &c->argv[j];
		if (kv_word_is(a, "nx"))
			*flags |= EXPIRE_NX, nx = 1;
		else if (kv_word_is(a, "xx"))
			*flags |= EXPIRE_XX, xx = 1;
		else if (kv_word_is(a, "gt"))
			*flags |= EXPIRE_GT, gt = 1;
		else if (kv_word_is(a, "lt"))
			*flags |= EXPIRE_LT, lt = 1;
		else {
			kv_reply_error(c, "ERR Unsupported option %s", a->p);
			return false;
		}
	}
	if (nx && (xx || gt || lt)) {
		kv_reply_error(c, "ERR NX and XX, GT or LT options at the same time are not compatible");
		return false;
	}
	if (gt && lt) {
		kv_reply_error(c, "ERR GT and LT options at the same time are not compatible");
		return false;
	}
	return true;
}

/* expireGenericCommand: basetime is now for EXPIRE/PEXPIRE, 0 for PEXPIREAT */
static void expire_generic(struct kv_client *c, bool seconds, bool absolute)
{
	struct kv_server *s = c->server;
	const struct kv_arg *key = &c->argv[1];
	int flags = 0;
	long long when;
	if (!expire_flags(c, &flags))
		return;
	if (!kv_string2ll(c->argv[2].p, c->argv[2].len, &when)) {
		kv_reply_error(c, "%s", kv_err_notint);
		return;
	}
	if (seconds) {
		if (when > LLONG_MAX / 1000 || when < LLONG_MIN / 1000) {
			kv_reply_error_expire(c);
			return;
		}
		when *= 1000;
	}
	int64_t basetime = absolute ? 0 : s->now_ms;
	if (when > LLONG_MAX - basetime) {
		kv_reply_error_expire(c);
		return;
	}
	when += basetime;
	if (!kv_lookup_write(s, key)) {
		kv_reply_int(c, 0);
		return;
	}
	if (flags) {
		int64_t current = kv_get_expire(s, key->p, key->len);
		/* no TTL counts as an infinite one for GT and LT */
		if (((flags & EXPIRE_NX) && current != -1) || ((flags & EXPIRE_XX) && current == -1) ||
		    ((flags & EXPIRE_GT) && (current == -1 || when <= current)) ||
		    ((flags & EXPIRE_LT) && current != -1 && when >= current)) {
			kv_reply_int(c, 0);
			return;
		}
	}
	if (when <= s->now_ms) {
		kv_db_delete(s, key->p, key->len);
		s->expired_keys++;
	} else if (!kv_set_expire(s, key->p, key->len, when)) {
		kv_reply_error(c, "%s", kv_err_oom);
		return;
	}
	kv_reply_int(c, 1);
}

void kv_cmd_expire(struct kv_client *c)
{
	expire_generic(c, true, false);
}

void kv_cmd_pexpire(struct kv_client *c)
{
	expire_generic(c, false, false);
}

void kv_cmd_pexpireat(struct kv_client *c)
{
	expire_generic(c, false, true);
}

static void ttl_generic(struct kv_client *c, bool ms)
{
	struct kv_server *s = c->server;
	if (!kv_lookup_read(s, &c->argv[1])) {
		kv_reply_int(c, -2);
		return;
	}
	int64_t when = kv_get_expire(s, c->argv[1].p, c->argv[1].len);
	if (when == -1) {
		kv_reply_int(c, -1);
		return;
	}
	int64_t ttl = when - s->now_ms;
	if (ttl < 0)
		ttl = 0;
	kv_reply_int(c, ms ? ttl : (ttl + 500) / 1000);
}

void kv_cmd_ttl(struct kv_client *c)
{
	ttl_generic(c, false);
}

void kv_cmd_pttl(struct kv_client *c)
{
	ttl_generic(c, true);
}

void kv_cmd_persist(struct kv_client *c)
{
	struct kv_server *s = c->server;
	if (kv_lookup_write(s, &c->argv[1]) && kv_dict_delete(s->expires, c->argv[1].p, c->argv[1].len))
		kv_reply_int(c, 1);
	else
		kv_reply_int(c, 0);
}

void kv_cmd_type(struct kv_client *c)
{
	kv_reply_status(c, kv_type_name(kv_lookup_write(c->server, &c->argv[1])));
}

void kv_cmd_keys(struct kv_client *c)
{
	struct kv_server *s = c->server;
	const struct kv_arg *pat = &c->argv[1];
	bool all = pat->len == 1 && pat->p[0] == '*';
	struct kv_dict_iter it;
	struct kv_entry *e;
	long long n = 0;
	/* count first: the array length comes before the elements */
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1)
			kv_reply_array(c, n);
		kv_dict_iter_start(s->keys, &it);
		while ((e = kv_dict_iter_next(s->keys, &it))) {
			if (!all && !kv_glob_match(pat->p, pat->len, e->key, e->keylen, false))
				continue;
			if (kv_key_expired(s, e->key, e->keylen))
				continue;
			if (pass == 0)
				n++;
			else
				kv_reply_bulk(c, e->key, e->keylen);
		}
		kv_dict_iter_end(s->keys, &it);
	}
}

struct scan_state {
	struct kv_entry **found;
	size_t count, cap;
	bool oom;
};

static void scan_collect(void *arg, struct kv_entry *e)
{
	struct scan_state *st = arg;
	if (st->count == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 16;
		struct kv_entry **grown = kv_realloc(st->found, cap * sizeof(*grown));
		if (!grown) {
			st->oom = true;
			return;
		}
		st->found = grown;
		st->cap = cap;
	}
	st->found[st->count++] = e;
}

/* parseScanCursorOrReply: an unsigned decimal, whole */
static bool parse_cursor(const struct kv_arg *a, uint64_t *out)
{
	uint64_t v = 0;
	if (a->len == 0 || a->len > 20)
		return false;
	for (size_t i = 0; i < a->len; i++) {
		if (a->p[i] < '0' || a->p[i] > '9')
			return false;
		uint64_t d = (uint64_t)(a->p[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

/* scanGenericCommand: SCAN cursor [MATCH pattern] [COUNT count] [TYPE type] */
void kv_cmd_scan(struct kv_client *c)
{
	struct kv_server *s = c->server;
	uint64_t cursor;
	long long count = 10;
	const struct kv_arg *pattern = NULL, *type = NULL;
	if (!parse_cursor(&c->argv[1], &cursor)) {
		kv_reply_error(c, "ERR invalid cursor");
		return;
	}
	for (int j = 2; j < c->argc; j += 2) {
		bool has_value = j + 1 < c->argc;
		if (kv_word_is(&c->argv[j], "count") && has_value) {
			if (!kv_string2ll(c->argv[j + 1].p, c->argv[j + 1].len, &count)) {
				kv_reply_error(c, "%s", kv_err_notint);
				return;
			}
			if (count < 1) {
				kv_reply_error(c, "%s", kv_err_syntax);
				return;
			}
		} else if (kv_word_is(&c->argv[j], "match") && has_value) {
			pattern = &c->argv[j + 1];
		} else if (kv_word_is(&c->argv[j], "type") && has_value) {
			type = &c->argv[j + 1];
		} else {
			kv_reply_error(c, "%s", kv_err_syntax);
			return;
		}
	}
	struct scan_state st = {0};
	long long maxiter = count * 10; /* as Redis: bound the work on a sparse table */
	do {
		cursor = kv_dict_scan(s->keys, cursor, scan_collect, &st);
	} while (cursor && maxiter-- && (long long)st.count < count && !st.oom);
	/* filter, then reply */
	size_t kept = 0;
	for (size_t i = 0; i < st.count; i++) {
		struct kv_entry *e = st.found[i];
		if (pattern && !kv_glob_match(pattern->p, pattern->len, e->key, e->keylen, false))
			continue;
		if (type && strcasecmp(type->p, kv_type_name(e->v.ptr)) != 0)
			continue;
		if (kv_key_expired(s, e->key, e->keylen))
			continue;
		st.found[kept++] = e;
	}
	kv_reply_array(c, 2);
	char buf[24];
	size_t n = 0;
	uint64_t v = cursor;
	do {
		buf[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (size_t i = 0; i < n / 2; i++) {
		char t = buf[i];
		buf[i] = buf[n - 1 - i];
		buf[n - 1 - i] = t;
	}
	kv_reply_bulk(c, buf, n);
	kv_reply_array(c, (long long)kept);
	for (size_t i = 0; i < kept; i++)
		kv_reply_bulk(c, st.found[i]->key, st.found[i]->keylen);
	kv_free(st.found);
}

void kv_cmd_dbsize(struct kv_client *c)
{
	kv_reply_int(c, (long long)kv_dict_size(c->server->keys));
}

void kv_cmd_flushall(struct kv_client *c)
{
	if (c->argc > 2 || (c->argc == 2 && !kv_word_is(&c->argv[1], "sync") && !kv_word_is(&c->argv[1], "async"))) {
		kv_reply_error(c, "%s", kv_err_syntax);
		return;
	}
	kv_flushall(c->server);
	kv_reply_status(c, "OK");
}

/* One database: SELECT 0 works, any other index is out of range. */
void kv_cmd_select(struct kv_client *c)
{
	long long id;
	if (!kv_string2ll(c->argv[1].p, c->argv[1].len, &id) || id < INT_MIN || id > INT_MAX) {
		kv_reply_error(c, "%s", kv_err_notint);
		return;
	}
	if (id != 0) {
		kv_reply_error(c, "ERR DB index is out of range");
		return;
	}
	kv_reply_status(c, "OK");
}
