/* String commands (Redis 7.0 t_string.c). */
#include <limits.h>
#include <strings.h>
#include <string.h>

#include "kv_internal.h"

enum {
	SET_NX = 1 << 0,
	SET_XX = 1 << 1,
	SET_GET = 1 << 2,
	SET_KEEPTTL = 1 << 3,
	SET_EX = 1 << 4,
	SET_PX = 1 << 5,
	SET_EXAT = 1 << 6,
	SET_PXAT = 1 << 7,
};
#define SET_ANY_EXPIRE (SET_EX | SET_PX | SET_EXAT | SET_PXAT)

static void reply_string_value(struct kv_client *c, const struct kv_obj *o)
{
	if (o)
		kv_reply_bulk(c, o->str->data, o->str->len);
	else
		kv_reply_null(c);
}

/* getGenericCommand: false when WRONGTYPE was sent. */
static bool get_generic(struct kv_client *c)
{
	struct kv_obj *o = kv_lookup_read(c->server, &c->argv[1]);
	if (!kv_check_type(c, o, KV_STRING))
		return false;
	reply_string_value(c, o);
	return true;
}

void kv_cmd_get(struct kv_client *c)
{
	get_generic(c);
}

/* getExpireMillisecondsOrReply: a relative or absolute time, in ms since the epoch. */
static bool expire_ms(struct kv_client *c, const struct kv_arg *arg, int flags, int64_t *out)
{
	long long v;
	if (!kv_string2ll(arg->p, arg->len, &v)) {
		kv_reply_error(c, "%s", kv_err_notint);
		return false;
	}
	bool seconds = flags & (SET_EX | SET_EXAT);
	if (v <= 0 || (seconds && v > LLONG_MAX / 1000)) {
		kv_reply_error_expire(c);
		return false;
	}
	if (seconds)
		v *= 1000;
	if (flags & (SET_EX | SET_PX)) {
		if (v > LLONG_MAX - c->server->now_ms) {
			kv_reply_error_expire(c);
			return false;
		}
		v += c->server->now_ms;
	}
	*out = v;
	return true;
}

/* setGenericCommand */
static void set_generic(struct kv_client *c, int flags, const struct kv_arg *key,
			const struct kv_arg *value, const struct kv_arg *expire, const char *ok_reply,
			const char *abort_reply)
{
	struct kv_server *s = c->server;
	int64_t when = -1;
	if (expire && !expire_ms(c, expire, flags, &when))
		return;
	if ((flags & SET_GET) && !get_generic(c))
		return;
	bool found = kv_lookup_write(s, key) != NULL;
	if (((flags & SET_NX) && found) || ((flags & SET_XX) && !found)) {
		if (!(flags & SET_GET)) {
			if (abort_reply)
				kv_reply_raw(c, abort_reply, strlen(abort_reply));
			else
				kv_reply_null(c);
		}
		return;
	}
	struct kv_obj *o = kv_obj_string(value->p, value->len);
	if (!o || !kv_db_set(s, key, o, flags & SET_KEEPTTL)) {
		kv_reply_error(c, "%s", kv_err_oom);
		return;
	}
	if (when >= 0) {
		if (when <= s->now_ms) { /* already in the past: the key is gone at once */
			kv_db_delete(s, key->p, key->len);
			s->expired_keys++;
		} else {
			kv_set_expire(s, key->p, key->len, when);
		}
	}
	if (!(flags & SET_GET)) {
		if (ok_reply)
			kv_reply_raw(c, ok_reply, strlen(ok_reply));
		else
			kv_reply_status(c, "OK");
	}
}

/* parseExtendedStringArgumentsOrReply, for SET: the same acceptance rules. */
void kv_cmd_set(struct kv_client *c)
{
	int flags = 0;
	const struct kv_arg *expire = NULL;
	for (int j = 3; j < c->argc; j++) {
		const struct kv_arg *opt = &c->argv[j];
		bool has_next = j < c->argc - 1;
		if (kv_word_is(opt, "nx") && !(flags & SET_XX)) {
			flags |= SET_NX;
		} else if (kv_word_is(opt, "xx") && !(flags & SET_NX)) {
			flags |= SET_XX;
		} else if (kv_word_is(opt, "get")) {
			flags |= SET_GET;
		} else if (kv_word_is(opt, "keepttl") && !(flags & SET_ANY_EXPIRE)) {
			flags |= SET_KEEPTTL;
		} else if (kv_word_is(opt, "ex") && !(flags & (SET_KEEPTTL | SET_EXAT | SET_PX | SET_PXAT)) && has_next) {
			flags |= SET_EX;
			expire = &c->argv[++j];
		} else if (kv_word_is(opt, "px") && !(flags & (SET_KEEPTTL | SET_EX | SET_EXAT | SET_PXAT)) && has_next) {
			flags |= SET_PX;
			expire = &c->argv[++j];
		} else if (kv_word_is(opt, "exat") && !(flags & (SET_KEEPTTL | SET_EX | SET_PX | SET_PXAT)) && has_next) {
			flags |= SET_EXAT;
			expire = &c->argv[++j];
		} else if (kv_word_is(opt, "pxat") && !(flags & (SET_KEEPTTL | SET_EX | SET_EXAT | SET_PX)) && has_next) {
			flags |= SET_PXAT;
			expire = &c->argv[++j];
		} else {
			kv_reply_error(c, "%s", kv_err_syntax);
			return;
		}
	}
	set_generic(c, flags, &c->argv[1], &c->argv[2], expire, NULL, NULL);
}

void kv_cmd_setnx(struct kv_client *c)
{
	set_generic(c, SET_NX, &c->argv[1], &c->argv[2], NULL, ":1\r\n", ":0\r\n");
}

void kv_cmd_setex(struct kv_client *c)
{
	set_generic(c, SET_EX, &c->argv[1], &c->argv[3], &c->argv[2], NULL, NULL);
}

void kv_cmd_psetex(struct kv_client *c)
{
	set_generic(c, SET_PX, &c->argv[1], &c->argv[3], &c->argv[2], NULL, NULL);
}

void kv_cmd_getset(struct kv_client *c)
{
	if (!get_generic(c))
		return;
	struct kv_obj *o = kv_obj_string(c->argv[2].p, c->argv[2].len);
	if (o)
		kv_db_set(c->server, &c->argv[1], o, false);
}

void kv_cmd_mget(struct kv_client *c)
{
	kv_reply_array(c, c->argc - 1);
	for (int j = 1; j < c->argc; j++) {
		struct kv_obj *o = kv_lookup_read(c->server, &c->argv[j]);
		reply_string_value(c, o && o->type == KV_STRING ? o : NULL);
	}
}

static void mset_generic(struct kv_client *c, bool nx)
{
	if (c->argc % 2 == 0) {
		kv_reply_error_arity(c);
		return;
	}
	if (nx) {
		for (int j = 1; j < c->argc; j += 2)
			if (kv_lookup_write(c->server, &c->argv[j])) {
				kv_reply_int(c, 0);
				return;
			}
	}
	for (int j = 1; j < c->argc; j += 2) {
		struct kv_obj *o = kv_obj_string(c->argv[j + 1].p, c->argv[j + 1].len);
		if (!o || !kv_db_set(c->server, &c->argv[j], o, false)) {
			kv_reply_error(c, "%s", kv_err_oom);
			return;
		}
	}
	if (nx)
		kv_reply_int(c, 1);
	else
		kv_reply_status(c, "OK");
}

void kv_cmd_mset(struct kv_client *c)
{
	mset_generic(c, false);
}

void kv_cmd_msetnx(struct kv_client *c)
{
	mset_generic(c, true);
}

/* incrDecrCommand: the value is rewritten in place, so its TTL stays. */
static void incr_by(struct kv_client *c, long long incr)
{
	struct kv_obj *o = kv_lookup_write(c->server, &c->argv[1]);
	long long value = 0;
	if (!kv_check_type(c, o, KV_STRING))
		return;
	if (o && !kv_string2ll(o->str->data, o->str->len, &value)) {
		kv_reply_error(c, "%s", kv_err_notint);
		return;
	}
	if ((incr < 0 && value < 0 && incr < LLONG_MIN - value) ||
	    (incr > 0 && value > 0 && incr > LLONG_MAX - value)) {
		kv_reply_error(c, "ERR increment or decrement would overflow");
		return;
	}
	value += incr;
	char buf[24];
	size_t n = kv_ll2str(buf, value);
	struct kv_bytes *b = kv_bytes_new(buf, n);
	if (!b) {
		kv_reply_error(c, "%s", kv_err_oom);
		return;
	}
	if (o) {
		kv_free(o->str);
		o->str = b;
	} else {
		struct kv_obj *fresh = kv_obj_new(KV_STRING);
		if (!fresh) {
			kv_free(b);
			kv_reply_error(c, "%s", kv_err_oom);
			return;
		}
		fresh->str = b;
		if (!kv_db_set(c->server, &c->argv[1], fresh, true)) {
			kv_reply_error(c, "%s", kv_err_oom);
			return;
		}
	}
	kv_reply_int(c, value);
}

void kv_cmd_incr(struct kv_client *c)
{
	incr_by(c, 1);
}

void kv_cmd_decr(struct kv_client *c)
{
	incr_by(c, -1);
}

static bool arg_ll(struct kv_client *c, const struct kv_arg *a, long long *v)
{
	if (kv_string2ll(a->p, a->len, v))
		return true;
	kv_reply_error(c, "%s", kv_err_notint);
	return false;
}

void kv_cmd_incrby(struct kv_client *c)
{
	long long incr;
	if (arg_ll(c, &c->argv[2], &incr))
		incr_by(c, incr);
}

void kv_cmd_decrby(struct kv_client *c)
{
	long long incr;
	if (!arg_ll(c, &c->argv[2], &incr))
		return;
	if (incr == LLONG_MIN) {
		kv_reply_error(c, "ERR decrement would overflow");
		return;
	}
	incr_by(c, -incr);
}

void kv_cmd_append(struct kv_client *c)
{
	struct kv_obj *o = kv_lookup_write(c->server, &c->argv[1]);
	const struct kv_arg *add = &c->argv[2];
	if (!o) {
		o = kv_obj_string(add->p, add->len);
		if (!o || !kv_db_set(c->server, &c->argv[1], o, false)) {
			kv_reply_error(c, "%s", kv_err_oom);
			return;
		}
		kv_reply_int(c, (long long)add->len);
		return;
	}
	if (!kv_check_type(c, o, KV_STRING))
		return;
	size_t total = o->str->len + add->len;
	if (total > (size_t)KV_PROTO_MAX_BULK_LEN) {
		kv_reply_error(c, "ERR string exceeds maximum allowed size (proto-max-bulk-len)");
		return;
	}
	struct kv_bytes *b = kv_realloc(o->str, sizeof(*b) + total + 1);
	if (!b) {
		kv_reply_error(c, "%s", kv_err_oom);
		return;
	}
	memcpy(b->data + b->len, add->p, add->len);
	b->len = total;
	b->data[total] = '\0';
	o->str = b;
	kv_reply_int(c, (long long)total);
}

void kv_cmd_strlen(struct kv_client *c)
{
	struct kv_obj *o = kv_lookup_read(c->server, &c->argv[1]);
	if (kv_check_type(c, o, KV_STRING))
		kv_reply_int(c, o ? (long long)o->str->len : 0);
}
