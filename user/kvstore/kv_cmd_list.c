/* List commands (Redis 7.0 t_list.c) over a ring of strings. */
#include "kv_internal.h"

static bool list_reserve(struct kv_list *l, size_t more)
{
	if (l->count + more <= l->cap)
		return true;
	size_t cap = l->cap ? l->cap : 8;
	while (cap < l->count + more)
		cap *= 2;
	struct kv_bytes **items = kv_alloc(cap * sizeof(*items));
	if (!items)
		return false;
	for (size_t i = 0; i < l->count; i++)
		items[i] = l->items[(l->head + i) % l->cap];
	kv_free(l->items);
	l->items = items;
	l->cap = cap;
	l->head = 0;
	return true;
}

static struct kv_bytes **list_at(struct kv_list *l, size_t i)
{
	return &l->items[(l->head + i) % l->cap];
}

static void push_generic(struct kv_client *c, bool left)
{
	bool replied;
	struct kv_obj *o = kv_lookup_container(c, KV_LIST, true, &replied);
	if (!o)
		return;
	struct kv_list *l = o->list;
	if (!list_reserve(l, (size_t)c->argc - 2)) {
		kv_reply_error(c, "%s", kv_err_oom);
		return;
	}
	for (int j = 2; j < c->argc; j++) {
		struct kv_bytes *b = kv_bytes_new(c->argv[j].p, c->argv[j].len);
		if (!b) {
			kv_reply_error(c, "%s", kv_err_oom);
			return;
		}
		if (left) {
			l->head = (l->head + l->cap - 1) % l->cap;
			l->items[l->head] = b;
		} else {
			l->items[(l->head + l->count) % l->cap] = b;
		}
		l->count++;
	}
	kv_reply_int(c, (long long)l->count);
}

void kv_cmd_lpush(struct kv_client *c)
{
	push_generic(c, true);
}

void kv_cmd_rpush(struct kv_client *c)
{
	push_generic(c, false);
}

static struct kv_bytes *list_pop(struct kv_list *l, bool left)
{
	struct kv_bytes *b;
	if (left) {
		b = l->items[l->head];
		l->head = (l->head + 1) % l->cap;
	} else {
		b = *list_at(l, l->count - 1);
	}
	l->count--;
	return b;
}

bool kv_arg_count(struct kv_client *c, const struct kv_arg *a, long long *count)
{
	if (!kv_string2ll(a->p, a->len, count) || *count < 0) {
		kv_reply_error(c, "%s", kv_err_positive);
		return false;
	}
	return true;
}

bool kv_arg_range(struct kv_client *c, long long *start, long long *end)
{
	if (!kv_string2ll(c->argv[2].p, c->argv[2].len, start) ||
	    !kv_string2ll(c->argv[3].p, c->argv[3].len, end)) {
		kv_reply_error(c, "%s", kv_err_notint);
		return false;
	}
	return true;
}

bool kv_range_clip(long long len, long long *start, long long *end)
{
	if (*start < 0)
		*start += len;
	if (*end < 0)
		*end += len;
	if (*start < 0)
		*start = 0;
	if (*start > *end || *start >= len)
		return false;
	if (*end >= len)
		*end = len - 1;
	return true;
}

static void pop_generic(struct kv_client *c, bool left)
{
	long long count = 1;
	bool has_count = c->argc == 3;
	if (c->argc > 3) {
		kv_reply_error_arity(c);
		return;
	}
	if (has_count && !kv_arg_count(c, &c->argv[2], &count))
		return;
	struct kv_obj *o = kv_lookup_write(c->server, &c->argv[1]);
	if (!o) {
		if (has_count)
			kv_reply_null_array(c);
		else
			kv_reply_null(c);
		return;
	}
	if (!kv_check_type(c, o, KV_LIST))
		return;
	struct kv_list *l = o->list;
	if (has_count) {
		if ((size_t)count > l->count)
			count = (long long)l->count;
		kv_reply_array(c, count);
	}
	for (long long i = 0; i < count; i++) {
		struct kv_bytes *b = list_pop(l, left);
		kv_reply_bulk(c, b->data, b->len);
		kv_free(b);
	}
	if (l->count == 0)
		kv_db_delete(c->server, c->argv[1].p, c->argv[1].len);
}

void kv_cmd_lpop(struct kv_client *c)
{
	pop_generic(c, true);
}

void kv_cmd_rpop(struct kv_client *c)
{
	pop_generic(c, false);
}

void kv_cmd_lrange(struct kv_client *c)
{
	long long start, end;
	if (!kv_arg_range(c, &start, &end))
		return;
	struct kv_obj *o = kv_lookup_read(c->server, &c->argv[1]);
	if (!kv_check_type(c, o, KV_LIST))
		return;
	if (!o || !kv_range_clip((long long)o->list->count, &start, &end)) {
		kv_reply_array(c, 0);
		return;
	}
	kv_reply_array(c, end - start + 1);
	for (long long i = start; i <= end; i++) {
		struct kv_bytes *b = *list_at(o->list, (size_t)i);
		kv_reply_bulk(c, b->data, b->len);
	}
}

void kv_cmd_llen(struct kv_client *c)
{
	struct kv_obj *o = kv_lookup_read(c->server, &c->argv[1]);
	if (kv_check_type(c, o, KV_LIST))
		kv_reply_int(c, o ? (long long)o->list->count : 0);
}
