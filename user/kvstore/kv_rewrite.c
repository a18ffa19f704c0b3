/*
 * The log rewrite (Redis's BGREWRITEAOF): the whole data set as the shortest run
 * of requests that rebuilds it, one key at a time, so that a transport can write
 * a compact log and drop the long one. Containers go out in pieces of
 * KV_REWRITE_ITEMS elements (Redis's AOF_REWRITE_ITEMS_PER_CMD) so that no record
 * outgrows the log's buffer because of one big list.
 */
#include <math.h>
#include <stdio.h>

#include "kv_internal.h"

#define KV_REWRITE_ITEMS 64

struct rewrite {
	struct kv_server *s;
	kv_emit_fn *emit;
	void *ctx;
	long records;
};

static void finish(struct rewrite *r)
{
	r->emit(r->ctx, r->s->logbuf, r->s->loglen);
	r->s->loglen = 0;
	r->records++;
}

/* Starts `NAME key` with room for items more arguments of per_item words each. */
static void begin(struct rewrite *r, const char *name, const struct kv_entry *key, size_t items, int per_item)
{
	size_t n = 0;
	while (name[n])
		n++;
	kv_log_begin(r->s, 2 + (long long)(items * (size_t)per_item));
	kv_log_arg(r->s, name, n);
	kv_log_arg(r->s, key->key, key->keylen);
}

static void put_bytes(struct rewrite *r, const struct kv_bytes *b)
{
	kv_log_arg(r->s, b->data, b->len);
}

static void put_score(struct rewrite *r, double d)
{
	char buf[64];
	int n = isinf(d) ? snprintf(buf, sizeof(buf), "%s", d > 0 ? "inf" : "-inf") : snprintf(buf, sizeof(buf), "%.17g", d); /* 17 digits: the same double back */
	kv_log_arg(r->s, buf, (size_t)n);
}

static void rewrite_list(struct rewrite *r, const struct kv_entry *key, const struct kv_list *l)
{
	for (size_t done = 0; done < l->count;) {
		size_t n = l->count - done < KV_REWRITE_ITEMS ? l->count - done : KV_REWRITE_ITEMS;
		begin(r, "RPUSH", key, n, 1);
		for (size_t i = 0; i < n; i++)
			put_bytes(r, l->items[(l->head + done + i) % l->cap]);
		finish(r);
		done += n;
	}
}

/* A set's members (fields == 1) or a hash's fields and values (fields == 2). */
static void rewrite_dict(struct rewrite *r, const struct kv_entry *key, struct kv_dict *d, const char *name,
			 int fields)
{
	struct kv_dict_iter it;
	size_t left = kv_dict_size(d), in_record = 0;
	kv_dict_iter_start(d, &it);
	for (struct kv_entry *e; (e = kv_dict_iter_next(d, &it));) {
		if (in_record == 0)
			begin(r, name, key, left < KV_REWRITE_ITEMS ? left : KV_REWRITE_ITEMS, fields);
		kv_log_arg(r->s, e->key, e->keylen);
		if (fields == 2)
			put_bytes(r, e->v.ptr);
		left--;
		if (++in_record == KV_REWRITE_ITEMS || left == 0) {
			finish(r);
			in_record = 0;
		}
	}
	kv_dict_iter_end(d, &it);
}

static void rewrite_zset(struct rewrite *r, const struct kv_entry *key, const struct kv_zset *z)
{
	for (size_t done = 0; done < z->count;) {
		size_t n = z->count - done < KV_REWRITE_ITEMS ? z->count - done : KV_REWRITE_ITEMS;
		begin(r, "ZADD", key, n, 2);
		for (size_t i = 0; i < n; i++) {
			const struct kv_entry *m = z->sorted[done + i];
			put_score(r, m->v.d);
			kv_log_arg(r->s, m->key, m->keylen);
		}
		finish(r);
		done += n;
	}
}

static void rewrite_key(struct rewrite *r, const struct kv_entry *key)
{
	const struct kv_obj *o = key->v.ptr;
	switch (o->type) {
	case KV_STRING:
		begin(r, "SET", key, 1, 1);
		put_bytes(r, o->str);
		finish(r);
		break;
	case KV_LIST:
		rewrite_list(r, key, o->list);
		break;
	case KV_SET:
		rewrite_dict(r, key, o->set, "SADD", 1);
		break;
	case KV_HASH:
		rewrite_dict(r, key, o->hash, "HSET", 2);
		break;
	case KV_ZSET:
		rewrite_zset(r, key, o->zset);
		break;
	}
}

long kv_server_rewrite(struct kv_server *s, kv_emit_fn *emit, void *ctx)
{
	struct rewrite r = { .s = s, .emit = emit, .ctx = ctx };
	struct kv_dict_iter it;
	kv_dict_iter_start(s->keys, &it);
	for (struct kv_entry *e; (e = kv_dict_iter_next(s->keys, &it));) {
		int64_t when = kv_get_expire(s, e->key, e->keylen);
		if (when >= 0 && when <= s->now_ms)
			continue; /* expired: it would be deleted when touched */
		rewrite_key(&r, e);
		if (when >= 0) {
			char buf[24];
			begin(&r, "PEXPIREAT", e, 1, 1);
			kv_log_arg(s, buf, kv_ll2str(buf, when));
			finish(&r);
		}
	}
	kv_dict_iter_end(s->keys, &it);
	return r.records;
}
