/*
 * The log rewrite (Redis's BGREWRITEAOF): the data set as the shortest run of
 * requests that rebuilds it, one key at a time, so that a transport can write a
 * compact log and drop the long one. Containers go out in pieces of
 * KV_REWRITE_ITEMS elements (Redis's AOF_REWRITE_ITEMS_PER_CMD) so that no record
 * outgrows the log's buffer because of one big list.
 *
 * Without fork there is no copy of memory to walk at leisure, so the rewrite walks
 * the live key table a piece per step (the SCAN cursor, which survives the table's
 * own incremental resizing) and keeps the snapshot the data set as it was at the
 * start by taking keys early: a write first emits every key it names that has not
 * gone out yet, as it still is. Each key carries the mark of the last rewrite that
 * took it; a key made after the start gets the mark too, since the logged write
 * that made it rebuilds it.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "kv_internal.h"

#define KV_REWRITE_ITEMS 64

struct rewrite {
	struct kv_server *s;
};

static void finish(struct rewrite *r)
{
	struct kv_rewrite *w = &r->s->rewrite;
	w->emit(w->ctx, r->s->logbuf, r->s->loglen);
	w->bytes += r->s->loglen;
	w->records++;
	r->s->loglen = 0;
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

/* Emits key e unless this rewrite took it already or it has expired (it would be
 * deleted when touched). */
static void take(struct kv_server *s, struct kv_entry *e)
{
	if (e->mark == s->rewrite.mark)
		return;
	e->mark = s->rewrite.mark;
	int64_t when = kv_get_expire(s, e->key, e->keylen);
	if (when >= 0 && when <= s->now_ms)
		return;
	struct rewrite r = { .s = s };
	rewrite_key(&r, e);
	if (when >= 0) {
		char buf[24];
		begin(&r, "PEXPIREAT", e, 1, 1);
		kv_log_arg(s, buf, kv_ll2str(buf, when));
		finish(&r);
	}
}

static void take_scanned(void *arg, struct kv_entry *e)
{
	take(arg, e);
}

void kv_server_rewrite_start(struct kv_server *s, kv_emit_fn *emit, void *ctx)
{
	uint32_t mark = s->rewrite.mark + 1;
	s->rewrite = (struct kv_rewrite){ .emit = emit, .ctx = ctx, .mark = mark ? mark : 1, .active = true };
}

bool kv_server_rewrite_step(struct kv_server *s, size_t bytes)
{
	struct kv_rewrite *w = &s->rewrite;
	if (!w->active)
		return false;
	w->bytes = 0;
	do
		w->cursor = kv_dict_scan(s->keys, w->cursor, take_scanned, s);
	while (w->cursor != 0 && w->bytes < bytes);
	w->active = w->cursor != 0;
	return w->active;
}

long kv_server_rewrite(struct kv_server *s, kv_emit_fn *emit, void *ctx)
{
	kv_server_rewrite_start(s, emit, ctx);
	while (kv_server_rewrite_step(s, SIZE_MAX))
		;
	return s->rewrite.records;
}

/* The arguments of c that are keys: from first, every step-th; first 0 for none.
 * The write commands name one key, argv[1], but for these. */
static void key_arguments(const struct kv_client *c, int *first, int *step)
{
	const char *name = c->cmd_name;
	*first = c->argc > 1 ? 1 : 0;
	*step = c->argc; /* argv[1] alone */
	if (strcmp(name, "mset") == 0 || strcmp(name, "msetnx") == 0)
		*step = 2;
	else if (strcmp(name, "del") == 0 || strcmp(name, "unlink") == 0)
		*step = 1;
}

void kv_rewrite_before_write(struct kv_client *c)
{
	struct kv_server *s = c->server;
	if (strcmp(c->cmd_name, "flushall") == 0 || strcmp(c->cmd_name, "flushdb") == 0) {
		s->rewrite.active = false;
		return;
	}
	int first, step;
	key_arguments(c, &first, &step);
	for (int i = first; first && i < c->argc; i += step) {
		struct kv_entry *e = kv_dict_find(s->keys, c->argv[i].p, c->argv[i].len);
		if (e)
			take(s, e);
	}
}

void kv_rewrite_after_write(struct kv_client *c)
{
	struct kv_server *s = c->server;
	int first, step;
	if (!s->rewrite.active)
		return;
	key_arguments(c, &first, &step);
	for (int i = first; first && i < c->argc; i += step) {
		struct kv_entry *e = kv_dict_find(s->keys, c->argv[i].p, c->argv[i].len);
		if (e)
			e->mark = s->rewrite.mark;
	}
}
