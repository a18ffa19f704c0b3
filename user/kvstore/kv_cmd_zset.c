/* Sorted-set commands (Redis 7.0 t_zset.c): a dict for member -> score and an
 * array of the members kept in (score, member) order. Inserting is O(n) moves,
 * which is fine at the sizes the benchmarks and tests use. */
#include <math.h>
#include <strings.h>
#include <string.h>

#include "kv_internal.h"

/* Redis's order: score, then the member's bytes (a prefix sorts first). */
static int compare(double score, const char *m, size_t len, const struct kv_entry *e)
{
	if (score != e->v.d)
		return score < e->v.d ? -1 : 1;
	size_t n = len < e->keylen ? len : e->keylen;
	int r = memcmp(m, e->key, n);
	if (r)
		return r;
	return len < e->keylen ? -1 : len > e->keylen ? 1 : 0;
}

static size_t position(const struct kv_zset *z, double score, const char *m, size_t len)
{
	size_t lo = 0, hi = z->count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (compare(score, m, len, z->sorted[mid]) > 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void sorted_remove(struct kv_zset *z, struct kv_entry *e)
{
	size_t i = position(z, e->v.d, e->key, e->keylen);
	memmove(&z->sorted[i], &z->sorted[i + 1], (z->count - i - 1) * sizeof(z->sorted[0]));
	z->count--;
}

static bool sorted_insert(struct kv_zset *z, struct kv_entry *e)
{
	if (z->count == z->cap) {
		size_t cap = z->cap ? z->cap * 2 : 8;
		struct kv_entry **grown = kv_realloc(z->sorted, cap * sizeof(*grown));
		if (!grown)
			return false;
		z->sorted = grown;
		z->cap = cap;
	}
	size_t i = position(z, e->v.d, e->key, e->keylen);
	memmove(&z->sorted[i + 1], &z->sorted[i], (z->count - i) * sizeof(z->sorted[0]));
	z->sorted[i] = e;
	z->count++;
	return true;
}

enum { Z_NX = 1, Z_XX = 2, Z_CH = 4, Z_INCR = 8, Z_GT = 16, Z_LT = 32 };
enum zadd_result { Z_NOP, Z_ADDED, Z_UPDATED, Z_NAN, Z_OOM };

/* zsetAdd */
static enum zadd_result zset_add(struct kv_zset *z, double score, const struct kv_arg *m, int flags,
				 double *newscore)
{
	struct kv_entry *e = kv_dict_find(z->members, m->p, m->len);
	if (e) {
		if (flags & Z_NX)
			return Z_NOP;
		if (flags & Z_INCR) {
			score += e->v.d;
			if (isnan(score))
				return Z_NAN;
		}
		*newscore = score;
		if (((flags & Z_GT) && score <= e->v.d) || ((flags & Z_LT) && score >= e->v.d))
			return Z_NOP;
		if (score == e->v.d)
			return Z_NOP;
		sorted_remove(z, e);
		e->v.d = score;
		sorted_insert(z, e); /* cannot fail: the slot was just freed */
		return Z_UPDATED;
	}
	if (flags & Z_XX)
		return Z_NOP;
	bool created;
	e = kv_dict_insert(z->members, m->p, m->len, &created);
	if (!e)
		return Z_OOM;
	e->v.d = score;
	if (!sorted_insert(z, e)) {
		kv_dict_delete(z->members, m->p, m->len);
		return Z_OOM;
	}
	*newscore = score;
	return Z_ADDED;
}

static int zadd_flags(struct kv_client *c, int *scoreidx)
{
	int flags = 0;
	for (*scoreidx = 2; *scoreidx < c->argc; (*scoreidx)++) {
		const struct kv_arg *a = &c->argv[*scoreidx];
		if (kv_word_is(a, "nx")) flags |= Z_NX;
		else if (kv_word_is(a, "xx")) flags |= Z_XX;
		else if (kv_word_is(a, "ch")) flags |= Z_CH;
		else if (kv_word_is(a, "incr")) flags |= Z_INCR;
		else if (kv_word_is(a, "gt")) flags |= Z_GT;
		else if (kv_word_is(a, "lt")) flags |= Z_LT;
		else break;
	}
	return flags;
}

/* zaddGenericCommand: every check before the first change. */
void kv_cmd_zadd(struct kv_client *c)
{
	int scoreidx;
	int flags = zadd_flags(c, &scoreidx);
	int elements = c->argc - scoreidx;
	if (elements % 2 || !elements) {
		kv_reply_error(c, "%s", kv_err_syntax);
		return;
	}
	elements /= 2;
	if ((flags & Z_NX) && (flags & Z_XX)) {
		kv_reply_error(c, "ERR XX and NX options at the same time are not compatible");
		return;
	}
	if (((flags & Z_GT) && (flags & Z_NX)) || ((flags & Z_LT) && (flags & Z_NX)) ||
	    ((flags & Z_GT) && (flags & Z_LT))) {
		kv_reply_error(c, "ERR GT, LT, and/or NX options at the same time are not compatible");
		return;
	}
	if ((flags & Z_INCR) && elements > 1) {
		kv_reply_error(c, "ERR INCR option supports a single increment-element pair");
		return;
	}
	for (int j = 0; j < elements; j++) {
		double d;
		const struct kv_arg *a = &c->argv[scoreidx + j * 2];
		if (!kv_string2d(a->p, a->len, &d)) {
			kv_reply_error(c, "%s", kv_err_notfloat);
			return;
		}
	}
	bool replied;
	struct kv_obj *o = kv_lookup_container(c, KV_ZSET, !(flags & Z_XX), &replied);
	if (replied)
		return;
	long long added = 0, updated = 0, processed = 0;
	double score = 0;
	for (int j = 0; o && j < elements; j++) {
		double newscore = 0;
		kv_string2d(c->argv[scoreidx + j * 2].p, c->argv[scoreidx + j * 2].len, &score);
		enum zadd_result r = zset_add(o->zset, score, &c->argv[scoreidx + j * 2 + 1], flags, &newscore);
		if (r == Z_NAN) {
			kv_reply_error(c, "ERR resulting score is not a number (NaN)");
			return;
		}
		if (r == Z_OOM) {
			kv_reply_error(c, "%s", kv_err_oom);
			return;
		}
		added += r == Z_ADDED;
		updated += r == Z_UPDATED;
		processed += r != Z_NOP;
		score = newscore;
	}
	if (o && o->zset->count == 0)
		kv_db_delete(c->server, c->argv[1].p, c->argv[1].len);
	if (flags & Z_INCR) {
		if (processed)
			kv_reply_double(c, score);
		else
			kv_reply_null(c);
	} else {
		kv_reply_int(c, (flags & Z_CH) ? added + updated : added);
	}
}

void kv_cmd_zpopmin(struct kv_client *c)
{
	long long count = 1;
	if (c->argc > 3) {
		kv_reply_error(c, "%s", kv_err_syntax);
		return;
	}
	if (c->argc == 3 && !kv_arg_count(c, &c->argv[2], &count))
		return;
	struct kv_obj *o = kv_lookup_write(c->server, &c->argv[1]);
	if (!kv_check_type(c, o, KV_ZSET))
		return;
	if (!o || count == 0) {
		kv_reply_array(c, 0);
		return;
	}
	struct kv_zset *z = o->zset;
	if ((size_t)count > z->count)
		count = (long long)z->count;
	kv_reply_array(c, count * 2);
	for (long long i = 0; i < count; i++) {
		struct kv_entry *e = z->sorted[i];
		kv_reply_bulk(c, e->key, e->keylen);
		kv_reply_double(c, e->v.d);
	}
	for (long long i = 0; i < count; i++) {
		struct kv_entry *e = z->sorted[i];
		kv_dict_delete(z->members, e->key, e->keylen);
	}
	memmove(z->sorted, z->sorted + count, (z->count - (size_t)count) * sizeof(z->sorted[0]));
	z->count -= (size_t)count;
	if (z->count == 0)
		kv_db_delete(c->server, c->argv[1].p, c->argv[1].len);
}

void kv_cmd_zcard(struct kv_client *c)
{
	struct kv_obj *o = kv_lookup_read(c->server, &c->argv[1]);
	if (kv_check_type(c, o, KV_ZSET))
		kv_reply_int(c, o ? (long long)o->zset->count : 0);
}

void kv_cmd_zscore(struct kv_client *c)
{
	struct kv_obj *o = kv_lookup_read(c->server, &c->argv[1]);
	if (!kv_check_type(c, o, KV_ZSET))
		return;
	struct kv_entry *e = o ? kv_dict_find(o->zset->members, c->argv[2].p, c->argv[2].len) : NULL;
	if (e)
		kv_reply_double(c, e->v.d);
	else
		kv_reply_null(c);
}

/* ZRANGE key start stop [WITHSCORES]: by index only. */
void kv_cmd_zrange(struct kv_client *c)
{
	long long start, end;
	bool withscores = false;
	for (int j = 4; j < c->argc; j++) {
		if (kv_word_is(&c->argv[j], "withscores")) {
			withscores = true;
		} else {
			kv_reply_error(c, "%s", kv_err_syntax);
			return;
		}
	}
	if (!kv_arg_range(c, &start, &end))
		return;
	struct kv_obj *o = kv_lookup_read(c->server, &c->argv[1]);
	if (!kv_check_type(c, o, KV_ZSET))
		return;
	if (!o || !kv_range_clip((long long)o->zset->count, &start, &end)) {
		kv_reply_array(c, 0);
		return;
	}
	kv_reply_array(c, (end - start + 1) * (withscores ? 2 : 1));
	for (long long i = start; i <= end; i++) {
		struct kv_entry *e = o->zset->sorted[i];
		kv_reply_bulk(c, e->key, e->keylen);
		if (withscores)
			kv_reply_double(c, e->v.d);
	}
}
