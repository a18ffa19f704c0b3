/* The engine's own types, shared by its files; transports see only kv.h. */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kv.h"
#include "kv_dict.h"
#include "kv_mem.h"

/* Redis 7.0's limits (server.h, config.c defaults). */
#define KV_PROTO_INLINE_MAX_SIZE (64 * 1024)          /* PROTO_INLINE_MAX_SIZE */
#define KV_PROTO_MAX_BULK_LEN (512ll * 1024 * 1024)   /* proto-max-bulk-len */
#define KV_QUERYBUF_MAX (1024ull * 1024 * 1024)       /* client-query-buffer-limit */
#define KV_VERSION "7.0.15"

enum kv_type { KV_STRING, KV_LIST, KV_SET, KV_HASH, KV_ZSET };

struct kv_bytes {
	size_t len;
	char data[]; /* len bytes and a NUL */
};

struct kv_list { /* a ring of strings */
	struct kv_bytes **items;
	size_t head, count, cap;
};

struct kv_zset {
	struct kv_dict *members;  /* member -> score (v.d) */
	struct kv_entry **sorted; /* the members' entries by (score, member) */
	size_t count, cap;
};

struct kv_obj {
	enum kv_type type;
	union {
		struct kv_bytes *str;
		struct kv_list *list;
		struct kv_dict *set;  /* members, no values */
		struct kv_dict *hash; /* field -> struct kv_bytes * (v.ptr) */
		struct kv_zset *zset;
	};
};

struct kv_arg {
	size_t len;
	char *p; /* len bytes and a NUL */
};

enum kv_request { KV_REQ_NONE, KV_REQ_INLINE, KV_REQ_MULTIBULK };

struct kv_client {
	struct kv_server *server;
	struct kv_client *prev, *next;
	uint64_t id;
	char *peer, *name;
	int64_t created_ms, last_ms;
	/* input: bytes [qpos, qlen) of qbuf are not yet parsed */
	char *qbuf;
	size_t qlen, qcap, qpos;
	enum kv_request reqtype;
	long long multibulk_left; /* arguments still to come */
	long long bulklen;        /* -1 until the next $ line is read */
	struct kv_arg *argv;
	int argc, argv_cap;
	const char *cmd_name; /* the running command's name, for error texts */
	/* output: bytes [osent, olen) of obuf are not yet sent */
	char *obuf;
	size_t olen, ocap, osent;
	bool oom; /* an output append failed: the client is closed */
	bool close_after_reply, close_now;
};

/* A log rewrite under way (kv_rewrite.c). */
struct kv_rewrite {
	kv_emit_fn *emit;
	void *ctx;
	uint64_t cursor; /* the key table's SCAN cursor */
	uint32_t mark;   /* a key with this mark is emitted already, or came after the start */
	bool active;
	long records;
	size_t bytes; /* emitted by the step that runs */
};

struct kv_server {
	struct kv_config config;
	struct kv_dict *keys;    /* key -> struct kv_obj * */
	struct kv_dict *expires; /* key -> unix ms (v.s64) */
	int64_t now_us, now_ms, start_ms;
	struct kv_client *clients;
	uint64_t client_count, next_client_id;
	uint64_t total_connections, total_commands, keyspace_hits, keyspace_misses;
	uint64_t expired_keys, net_input_bytes, net_output_bytes, rejected_calls;
	uint64_t ops_window_start_ms, ops_window_commands, ops_per_sec;
	bool replaying;   /* kv_server_replay: do not log again */
	bool logged;      /* the running command wrote its own log record */
	char *logbuf;     /* one record being built */
	size_t loglen, logcap;
	struct kv_rewrite rewrite;
};

/* An option word, compared as Redis does (strcasecmp: a NUL inside never matches). */
static inline bool kv_word_is(const struct kv_arg *a, const char *w)
{
	size_t n = 0;
	while (w[n])
		n++;
	if (n != a->len)
		return false;
	for (size_t i = 0; i < n; i++) {
		char x = a->p[i], y = w[i];
		if (x >= 'A' && x <= 'Z')
			x = (char)(x - 'A' + 'a');
		if (y >= 'A' && y <= 'Z')
			y = (char)(y - 'A' + 'a');
		if (x != y)
			return false;
	}
	return true;
}

/* kv_reply.c */
void kv_reply_raw(struct kv_client *c, const void *p, size_t n);
void kv_reply_status(struct kv_client *c, const char *s);
void kv_reply_error(struct kv_client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void kv_reply_int(struct kv_client *c, long long v);
void kv_reply_bulk(struct kv_client *c, const void *p, size_t n);
void kv_reply_bulk_cstr(struct kv_client *c, const char *s);
void kv_reply_bulk_ll(struct kv_client *c, long long v);
void kv_reply_double(struct kv_client *c, double d);
void kv_reply_array(struct kv_client *c, long long n);
void kv_reply_null(struct kv_client *c);        /* $-1 */
void kv_reply_null_array(struct kv_client *c);  /* *-1 */
extern const char kv_err_wrongtype[], kv_err_syntax[], kv_err_notint[], kv_err_notfloat[];
extern const char kv_err_oom[], kv_err_positive[];
void kv_reply_error_arity(struct kv_client *c);
void kv_reply_error_expire(struct kv_client *c);
size_t kv_ll2str(char *buf, long long v);
/* A RESP header line in buf: type, v, CRLF ("*3\r\n", "$5\r\n"); returns its length. */
#define KV_RESP_HEADER_MAX 32 /* type, sign, 19 digits, CRLF, with room */
size_t kv_resp_header(char *buf, char type, long long v);
bool kv_string2ll(const char *s, size_t len, long long *out);
bool kv_string2d(const char *s, size_t len, double *out);

/* kv_db.c: keys, lazy expiry, values */
struct kv_obj *kv_lookup_read(struct kv_server *s, const struct kv_arg *key); /* counts hits */
struct kv_obj *kv_lookup_write(struct kv_server *s, const struct kv_arg *key);
/* NULL (and WRONGTYPE sent) when o exists with another type */
bool kv_check_type(struct kv_client *c, const struct kv_obj *o, enum kv_type t);
/* The container of type t at argv[1] for a write command, made empty when missing and
 * create; NULL when missing, or when a reply (WRONGTYPE, OOM) was sent: *replied tells. */
struct kv_obj *kv_lookup_container(struct kv_client *c, enum kv_type t, bool create, bool *replied);
/* Sets key to o, replacing any value; clears the TTL unless keep_ttl. false on OOM
 * (o is then freed). */
bool kv_db_set(struct kv_server *s, const struct kv_arg *key, struct kv_obj *o, bool keep_ttl);
bool kv_db_delete(struct kv_server *s, const char *key, size_t len);
int64_t kv_get_expire(struct kv_server *s, const char *key, size_t len);
bool kv_set_expire(struct kv_server *s, const char *key, size_t len, int64_t when_ms);
bool kv_key_expired(struct kv_server *s, const char *key, size_t len);
void kv_active_expire(struct kv_server *s);
void kv_flushall(struct kv_server *s);
struct kv_bytes *kv_bytes_new(const void *p, size_t len);
struct kv_obj *kv_obj_new(enum kv_type t); /* empty container or a NULL string */
struct kv_obj *kv_obj_string(const void *p, size_t len);
void kv_obj_free(struct kv_obj *o);
void kv_free_bytes_value(struct kv_entry *e);
bool kv_glob_match(const char *pattern, size_t plen, const char *s, size_t slen, bool nocase);
const char *kv_type_name(const struct kv_obj *o);

/* kv_log.c: the write-ahead log's records */
bool kv_logging(const struct kv_server *s);
void kv_log_begin(struct kv_server *s, long long argc);
void kv_log_arg(struct kv_server *s, const void *p, size_t len);
void kv_log_end(struct kv_server *s);
void kv_log_command(struct kv_client *c); /* argv as it is, then PEXPIREAT when relative */

/* kv_cmd_list.c: arguments the list, set and zset commands share */
/* getPositiveLongFromObjectOrReply, with Redis's message for both failures */
bool kv_arg_count(struct kv_client *c, const struct kv_arg *a, long long *count);
/* LRANGE's and ZRANGE's start and stop (argv[2], argv[3]); false, with the error
 * sent, when one is not an integer. */
bool kv_arg_range(struct kv_client *c, long long *start, long long *end);
/* An index range over len items as Redis reads it: negative indexes count from
 * the end and the range is cut to the items; false when none is left. */
bool kv_range_clip(long long len, long long *start, long long *end);

/* kv_rewrite.c: around a write command while a rewrite runs; before, the keys it
 * names go out as they are (FLUSHALL ends the rewrite: the snapshot is whatever
 * went out, since the FLUSHALL that follows it in the log empties it anyway);
 * after, the keys it made are marked as newer than the rewrite. */
void kv_rewrite_before_write(struct kv_client *c);
void kv_rewrite_after_write(struct kv_client *c);

/* the commands, one file per family */
void kv_cmd_get(struct kv_client *c);
void kv_cmd_set(struct kv_client *c);
void kv_cmd_setnx(struct kv_client *c);
void kv_cmd_setex(struct kv_client *c);
void kv_cmd_psetex(struct kv_client *c);
void kv_cmd_getset(struct kv_client *c);
void kv_cmd_mget(struct kv_client *c);
void kv_cmd_mset(struct kv_client *c);
void kv_cmd_msetnx(struct kv_client *c);
void kv_cmd_incr(struct kv_client *c);
void kv_cmd_decr(struct kv_client *c);
void kv_cmd_incrby(struct kv_client *c);
void kv_cmd_decrby(struct kv_client *c);
void kv_cmd_append(struct kv_client *c);
void kv_cmd_strlen(struct kv_client *c);
void kv_cmd_del(struct kv_client *c);
void kv_cmd_exists(struct kv_client *c);
void kv_cmd_expire(struct kv_client *c);
void kv_cmd_pexpire(struct kv_client *c);
void kv_cmd_pexpireat(struct kv_client *c);
void kv_cmd_ttl(struct kv_client *c);
void kv_cmd_pttl(struct kv_client *c);
void kv_cmd_persist(struct kv_client *c);
void kv_cmd_type(struct kv_client *c);
void kv_cmd_keys(struct kv_client *c);
void kv_cmd_scan(struct kv_client *c);
void kv_cmd_dbsize(struct kv_client *c);
void kv_cmd_flushall(struct kv_client *c);
void kv_cmd_select(struct kv_client *c);
void kv_cmd_lpush(struct kv_client *c);
void kv_cmd_rpush(struct kv_client *c);
void kv_cmd_lpop(struct kv_client *c);
void kv_cmd_rpop(struct kv_client *c);
void kv_cmd_lrange(struct kv_client *c);
void kv_cmd_llen(struct kv_client *c);
void kv_cmd_sadd(struct kv_client *c);
void kv_cmd_srem(struct kv_client *c);
void kv_cmd_spop(struct kv_client *c);
void kv_cmd_scard(struct kv_client *c);
void kv_cmd_sismember(struct kv_client *c);
void kv_cmd_smembers(struct kv_client *c);
void kv_cmd_hset(struct kv_client *c);
void kv_cmd_hmset(struct kv_client *c);
void kv_cmd_hget(struct kv_client *c);
void kv_cmd_hdel(struct kv_client *c);
void kv_cmd_hlen(struct kv_client *c);
void kv_cmd_hgetall(struct kv_client *c);
void kv_cmd_zadd(struct kv_client *c);
void kv_cmd_zpopmin(struct kv_client *c);
void kv_cmd_zcard(struct kv_client *c);
void kv_cmd_zscore(struct kv_client *c);
void kv_cmd_zrange(struct kv_client *c);
void kv_cmd_ping(struct kv_client *c);
void kv_cmd_echo(struct kv_client *c);
void kv_cmd_info(struct kv_client *c);
void kv_cmd_config(struct kv_client *c);
void kv_cmd_client(struct kv_client *c);
