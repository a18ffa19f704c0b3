/* The keyspace: values, lookups that expire keys lazily, active expiry, globbing. */
#include <ctype.h>
#include <string.h>

#include "kv_internal.h"

struct kv_bytes *kv_bytes_new(const void *p, size_t len)
{
	struct kv_bytes *b = kv_alloc(sizeof(*b) + len + 1);
	if (b) {
		b->len = len;
		memcpy(b->data, p, len);
		b->data[len] = '\0';
	}
	return b;
}

void kv_free_bytes_value(struct kv_entry *e)
{
	kv_free(e->v.ptr);
}

struct kv_obj *kv_obj_new(enum kv_type t)
{
	struct kv_obj *o = kv_calloc(sizeof(*o));
	if (!o)
		return NULL;
	o->type = t;
	switch (t) {
	case KV_STRING:
		return o;
	case KV_LIST:
		o->list = kv_calloc(sizeof(*o->list));
		if (o->list)
			return o;
		break;
	case KV_SET:
		o->set = kv_dict_new(NULL);
		if (o->set)
			return o;
		break;
	case KV_HASH:
		o->hash = kv_dict_new(kv_free_bytes_value);
		if (o->hash)
			return o;
		break;
	case KV_ZSET:
		o->zset = kv_calloc(sizeof(*o->zset));
		if (o->zset && (o->zset->members = kv_dict_new(NULL)))
			return o;
		kv_free(o->zset);
		break;
	}
	kv_free(o);
	return NULL;
}

struct kv_obj *kv_obj_string(const void *p, size_t len)
{
	struct kv_obj *o = kv_obj_new(KV_STRING);
	if (o && !(o->str = kv_bytes_new(p, len))) {
		kv_free(o);
		return NULL;
	}
	return o;
}

void kv_obj_free(struct kv_obj *o)
{
	if (!o)
		return;
	switch (o->type) {
	case KV_STRING:
		kv_free(o->str);
		break;
	case KV_LIST:
		for (size_t i = 0; i < o->list->count; i++)
			kv_free(o->list->items[(o->list->head + i) % o->list->cap]);
		kv_free(o->list->items);
		kv_free(o->list);
		break;
	case KV_SET:
		kv_dict_free(o->set);
		break;
	case KV_HASH:
		kv_dict_free(o->hash);
		break;
	case KV_ZSET:
		kv_dict_free(o->zset->members);
		kv_free(o->zset->sorted);
		kv_free(o->zset);
		break;
	}
	kv_free(o);
}

static void free_obj_value(struct kv_entry *e)
{
	kv_obj_free(e->v.ptr);
}

const char *kv_type_name(const struct kv_obj *o)
{
	static const char *const names[] = {
		[KV_STRING] = "string", [KV_LIST] = "list", [KV_SET] = "set",
		[KV_HASH] = "hash", [KV_ZSET] = "zset",
	};
	return o ? names[o->type] : "none";
}

bool kv_db_init(struct kv_server *s);
bool kv_db_init(struct kv_server *s)
{
	s->keys = kv_dict_new(free_obj_value);
	s->expires = kv_dict_new(NULL);
	return s->keys && s->expires;
}

int64_t kv_get_expire(struct kv_server *s, const char *key, size_t len)
{
	struct kv_entry *e = kv_dict_find(s->expires, key, len);
	return e ? e->v.s64 : -1;
}

bool kv_set_expire(struct kv_server *s, const char *key, size_t len, int64_t when_ms)
{
	bool created;
	struct kv_entry *e = kv_dict_insert(s->expires, key, len, &created);
	if (!e)
		return false;
	e->v.s64 = when_ms;
	return true;
}

bool kv_key_expired(struct kv_server *s, const char *key, size_t len)
{
	int64_t when = kv_get_expire(s, key, len);
	return when >= 0 && when <= s->now_ms;
}

bool kv_db_delete(struct kv_server *s, const char *key, size_t len)
{
	kv_dict_delete(s->expires, key, len);
	return kv_dict_delete(s->keys, key, len);
}

/* Redis's expireIfNeeded: a key past its time is deleted when touched. */
static void expire_if_needed(struct kv_server *s, const struct kv_arg *key)
{
	if (kv_key_expired(s, key->p, key->len)) {
		kv_db_delete(s, key->p, key->len);
		s->expired_keys++;
	}
}

struct kv_obj *kv_lookup_write(struct kv_server *s, const struct kv_arg *key)
{
	expire_if_needed(s, key);
	struct kv_entry *e = kv_dict_find(s->keys, key->p, key->len);
	return e ? e->v.ptr : NULL;
}

struct kv_obj *kv_lookup_read(struct kv_server *s, const struct kv_arg *key)
{
	struct kv_obj *o = kv_lookup_write(s, key);
	if (o)
		s->keyspace_hits++;
	else
		s->keyspace_misses++;
	return o;
}

bool kv_check_type(struct kv_client *c, const struct kv_obj *o, enum kv_type t)
{
	if (o && o->type != t) {
		kv_reply_error(c, "%s", kv_err_wrongtype);
		return false;
	}
	return true;
}

struct kv_obj *kv_lookup_container(struct kv_client *c, enum kv_type t, bool create, bool *replied)
{
	struct kv_obj *o = kv_lookup_write(c->server, &c->argv[1]);
	*replied = false;
	if (!kv_check_type(c, o, t)) {
		*replied = true;
		return NULL;
	}
	if (o || !create)
		return o;
	o = kv_obj_new(t);
	if (!o || !kv_db_set(c->server, &c->argv[1], o, false)) {
		kv_reply_error(c, "%s", kv_err_oom);
		*replied = true;
		return NULL;
	}
	return o;
}

bool kv_db_set(struct kv_server *s, const struct kv_arg *key, struct kv_obj *o, bool keep_ttl)
{
	bool created;
	struct kv_entry *e = kv_dict_insert(s->keys, key->p, key->len, &created);
	if (!e) {
		kv_obj_free(o);
		return false;
	}
	if (!created)
		kv_obj_free(e->v.ptr);
	e->v.ptr = o;
	if (!keep_ttl)
		kv_dict_delete(s->expires, key->p, key->len);
	return true;
}

void kv_flushall(struct kv_server *s)
{
	kv_dict_clear(s->keys);
	kv_dict_clear(s->expires);
}

/* Redis's activeExpireCycle, simplified: sample 20 keys with a TTL, delete the
 * expired ones, go on while more than a quarter of a sample had expired, at most
 * 16 rounds per call so that a call stays short. */
void kv_active_expire(struct kv_server *s)
{
	for (int round = 0; round < 16; round++) {
		int sampled = 0, expired = 0;
		for (; sampled < 20 && kv_dict_size(s->expires); sampled++) {
			struct kv_entry *e = kv_dict_random(s->expires);
			if (e->v.s64 > s->now_ms)
				continue;
			struct kv_arg key = {.len = e->keylen, .p = e->key};
			char copy[64];
			/* the entry dies with the key: keep the name for the second delete */
			if (key.len < sizeof(copy)) {
				memcpy(copy, key.p, key.len);
				key.p = copy;
				kv_db_delete(s, key.p, key.len);
			} else {
				struct kv_bytes *b = kv_bytes_new(key.p, key.len);
				if (!b)
					return;
				kv_db_delete(s, b->data, b->len);
				kv_free(b);
			}
			s->expired_keys++;
			expired++;
		}
		if (sampled == 0 || expired * 4 <= sampled)
			return;
	}
}

static int fold(int ch, bool nocase)
{
	return nocase ? tolower(ch) : ch;
}

/* Redis's stringmatchlen: * ? [abc] [^a-z] and \ escapes. The nesting bound is
 * Redis's answer to patterns like "*a*a*a*..." that would otherwise take
 * exponential time. */
static bool glob(const char *p, size_t plen, const char *s, size_t slen, bool nocase, int nesting)
{
	if (nesting > 1000)
		return false;
	while (plen && slen) {
		switch (p[0]) {
		case '*':
			while (plen > 1 && p[1] == '*')
				p++, plen--;
			if (plen == 1)
				return true;
			for (size_t i = 0; i <= slen; i++)
				if (glob(p + 1, plen - 1, s + i, slen - i, nocase, nesting + 1))
					return true;
			return false;
		case '?':
			break;
		case '[': {
			bool negate = false, match = false;
			p++, plen--;
			if (plen && p[0] == '^')
				negate = true, p++, plen--;
			for (;;) {
				if (plen >= 2 && p[0] == '\\') {
					p++, plen--;
					if (p[0] == s[0])
						match = true;
				} else if (plen == 0) {
					p--, plen++; /* as Redis: a lone [ at the end */
					break;
				} else if (p[0] == ']') {
					break;
				} else if (plen >= 3 && p[1] == '-') {
					int lo = fold((unsigned char)p[0], nocase), hi = fold((unsigned char)p[2], nocase);
					int ch = fold((unsigned char)s[0], nocase);
					if (lo > hi) {
						int t = lo;
						lo = hi;
						hi = t;
					}
					if (ch >= lo && ch <= hi)
						match = true;
					p += 2, plen -= 2;
				} else if (fold((unsigned char)p[0], nocase) == fold((unsigned char)s[0], nocase)) {
					match = true;
				}
				p++, plen--;
			}
			if (negate)
				match = !match;
			if (!match)
				return false;
			break;
		}
		case '\\':
			if (plen >= 2)
				p++, plen--;
			/* fall through */
		default:
			if (fold((unsigned char)p[0], nocase) != fold((unsigned char)s[0], nocase))
				return false;
			break;
		}
		p++, plen--;
		s++, slen--;
		if (slen == 0) {
			while (plen && p[0] == '*')
				p++, plen--;
			break;
		}
	}
	return plen == 0 && slen == 0;
}

bool kv_glob_match(const char *pattern, size_t plen, const char *s, size_t slen, bool nocase)
{
	return glob(pattern, plen, s, slen, nocase, 0);
}
