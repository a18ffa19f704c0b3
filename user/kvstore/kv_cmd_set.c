/* Set and hash commands (Redis 7.0 t_set.c, t_hash.c): both are dicts. */
#include "kv_internal.h"

static void delete_if_empty(struct kv_client *c, struct kv_dict *d)
{
	if (kv_dict_size(d) == 0)
		kv_db_delete(c->server, c->argv[1].p, c->argv[1].len);
}

/* A set and a hash are both a dict: members, or fields with their values. */
static struct kv_dict *dict_of(struct kv_obj *o)
{
	return o->type == KV_SET ? o->set : o->hash;
}

/* SREM, HDEL: argv[2...] leave the container of type t at argv[1]. */
static void remove_members(struct kv_client *c, enum kv_type t)
{
	bool replied;
	struct kv_obj *o = kv_lookup_container(c, t, false, &replied);
	if (replied)
		return;
	long long removed = 0;
	for (int j = 2; o && j < c->argc; j++)
		removed += kv_dict_delete(dict_of(o), c->argv[j].p, c->argv[j].len);
	if (o)
		delete_if_empty(c, dict_of(o));
	kv_reply_int(c, removed);
}

/* SCARD, HLEN */
static void reply_size(struct kv_client *c, enum kv_type t)
{
	struct kv_obj *o = kv_lookup_read(c->server, &c->argv[1]);
	if (kv_check_type(c, o, t))
		kv_reply_int(c, o ? (long long)kv_dict_size(dict_of(o)) : 0);
}

/* SMEMBERS, HGETALL: every member, or every field followed by its value. */
static void reply_all(struct kv_client *c, enum kv_type t)
{
	struct kv_obj *o = kv_lookup_read(c->server, &c->argv[1]);
	if (!kv_check_type(c, o, t))
		return;
	if (!o) {
		kv_reply_array(c, 0);
		return;
	}
	struct kv_dict *d = dict_of(o);
	bool values = t == KV_HASH;
	struct kv_dict_iter it;
	struct kv_entry *e;
	kv_reply_array(c, (values ? 2 : 1) * (long long)kv_dict_size(d));
	kv_dict_iter_start(d, &it);
	while ((e = kv_dict_iter_next(d, &it))) {
		kv_reply_bulk(c, e->key, e->keylen);
		if (values) {
			struct kv_bytes *v = e->v.ptr;
			kv_reply_bulk(c, v->data, v->len);
		}
	}
	kv_dict_iter_end(d, &it);
}

void kv_cmd_sadd(struct kv_client *c)
{
	bool replied, created;
	struct kv_obj *o = kv_lookup_container(c, KV_SET, true, &replied);
	if (!o)
		return;
	long long added = 0;
	for (int j = 2; j < c->argc; j++) {
		if (!kv_dict_insert(o->set, c->argv[j].p, c->argv[j].len, &created)) {
			kv_reply_error(c, "%s", kv_err_oom);
			return;
		}
		added += created;
	}
	kv_reply_int(c, added);
}

void kv_cmd_srem(struct kv_client *c)
{
	remove_members(c, KV_SET);
}

void kv_cmd_spop(struct kv_client *c)
{
	long long count = 1;
	bool replied;
	if (c->argc > 3) {
		kv_reply_error(c, "%s", kv_err_syntax);
		return;
	}
	if (c->argc == 3 && !kv_arg_count(c, &c->argv[2], &count))
		return;
	struct kv_obj *o = kv_lookup_container(c, KV_SET, false, &replied);
	if (replied)
		return;
	if (!o) {
		if (c->argc == 3)
			kv_reply_array(c, 0);
		else
			kv_reply_null(c);
		return;
	}
	if (c->argc == 3) {
		if ((size_t)count > kv_dict_size(o->set))
			count = (long long)kv_dict_size(o->set);
		kv_reply_array(c, count);
	}
	/* random, so the log gets what was popped: SREM key member... (as Redis's AOF) */
	bool log = kv_logging(c->server) && count > 0;
	if (log) {
		kv_log_begin(c->server, 2 + count);
		kv_log_arg(c->server, "SREM", 4);
		kv_log_arg(c->server, c->argv[1].p, c->argv[1].len);
		c->server->logged = true;
	}
	for (long long i = 0; i < count; i++) {
		struct kv_entry *e = kv_dict_random(o->set);
		kv_reply_bulk(c, e->key, e->keylen);
		if (log)
			kv_log_arg(c->server, e->key, e->keylen);
		e = kv_dict_unlink(o->set, e->key, e->keylen);
		kv_free(e);
	}
	if (log)
		kv_log_end(c->server);
	delete_if_empty(c, o->set);
}

void kv_cmd_scard(struct kv_client *c)
{
	reply_size(c, KV_SET);
}

void kv_cmd_sismember(struct kv_client *c)
{
	struct kv_obj *o = kv_lookup_read(c->server, &c->argv[1]);
	if (kv_check_type(c, o, KV_SET))
		kv_reply_int(c, o && kv_dict_find(o->set, c->argv[2].p, c->argv[2].len));
}

void kv_cmd_smembers(struct kv_client *c)
{
	reply_all(c, KV_SET);
}

static bool hash_set_pairs(struct kv_client *c, long long *created_count)
{
	bool replied, created;
	if (c->argc % 2 == 1) {
		kv_reply_error_arity(c);
		return false;
	}
	struct kv_obj *o = kv_lookup_container(c, KV_HASH, true, &replied);
	if (!o)
		return false;
	for (int j = 2; j < c->argc; j += 2) {
		struct kv_bytes *v = kv_bytes_new(c->argv[j + 1].p, c->argv[j + 1].len);
		struct kv_entry *e = v ? kv_dict_insert(o->hash, c->argv[j].p, c->argv[j].len, &created) : NULL;
		if (!e) {
			kv_free(v);
			kv_reply_error(c, "%s", kv_err_oom);
			return false;
		}
		kv_free(e->v.ptr);
		e->v.ptr = v;
		*created_count += created;
	}
	return true;
}

void kv_cmd_hset(struct kv_client *c)
{
	long long created = 0;
	if (hash_set_pairs(c, &created))
		kv_reply_int(c, created);
}

void kv_cmd_hmset(struct kv_client *c)
{
	long long created = 0;
	if (hash_set_pairs(c, &created))
		kv_reply_status(c, "OK");
}

void kv_cmd_hget(struct kv_client *c)
{
	struct kv_obj *o = kv_lookup_read(c->server, &c->argv[1]);
	if (!kv_check_type(c, o, KV_HASH))
		return;
	struct kv_entry *e = o ? kv_dict_find(o->hash, c->argv[2].p, c->argv[2].len) : NULL;
	if (e) {
		struct kv_bytes *v = e->v.ptr;
		kv_reply_bulk(c, v->data, v->len);
	} else {
		kv_reply_null(c);
	}
}

void kv_cmd_hdel(struct kv_client *c)
{
	remove_members(c, KV_HASH);
}

void kv_cmd_hlen(struct kv_client *c)
{
	reply_size(c, KV_HASH);
}

void kv_cmd_hgetall(struct kv_client *c)
{
	reply_all(c, KV_HASH);
}
