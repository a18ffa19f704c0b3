/* The server: clients, the command table and dispatch (Redis 7.0's processCommand
 * order of checks), and the periodic work. */
#include <stdio.h>
#include <strings.h>
#include <string.h>

#include "kv_internal.h"

bool kv_db_init(struct kv_server *s);
void kv_process_input(struct kv_client *c);
void kv_client_reset_args(struct kv_client *c);

enum {
	CMD_WRITE = 1,
	CMD_DENYOOM = 2, /* may grow memory: refused over maxmemory */
};

struct kv_command {
	const char *name;
	int arity; /* argc exactly, or at least -arity when negative (Redis's convention) */
	int flags;
	void (*run)(struct kv_client *c);
};

#define W (CMD_WRITE | CMD_DENYOOM)
static const struct kv_command commands[] = {
	{"get", 2, 0, kv_cmd_get},
	{"set", -3, W, kv_cmd_set},
	{"setnx", 3, W, kv_cmd_setnx},
	{"setex", 4, W, kv_cmd_setex},
	{"psetex", 4, W, kv_cmd_psetex},
	{"getset", 3, W, kv_cmd_getset},
	{"mget", -2, 0, kv_cmd_mget},
	{"mset", -3, W, kv_cmd_mset},
	{"msetnx", -3, W, kv_cmd_msetnx},
	{"incr", 2, W, kv_cmd_incr},
	{"decr", 2, W, kv_cmd_decr},
	{"incrby", 3, W, kv_cmd_incrby},
	{"decrby", 3, W, kv_cmd_decrby},
	{"append", 3, W, kv_cmd_append},
	{"strlen", 2, 0, kv_cmd_strlen},
	{"del", -2, CMD_WRITE, kv_cmd_del},
	{"unlink", -2, CMD_WRITE, kv_cmd_del},
	{"exists", -2, 0, kv_cmd_exists},
	{"expire", -3, CMD_WRITE, kv_cmd_expire},
	{"pexpire", -3, CMD_WRITE, kv_cmd_pexpire},
	{"pexpireat", -3, CMD_WRITE, kv_cmd_pexpireat},
	{"ttl", 2, 0, kv_cmd_ttl},
	{"pttl", 2, 0, kv_cmd_pttl},
	{"persist", 2, CMD_WRITE, kv_cmd_persist},
	{"type", 2, 0, kv_cmd_type},
	{"keys", 2, 0, kv_cmd_keys},
	{"scan", -2, 0, kv_cmd_scan},
	{"dbsize", 1, 0, kv_cmd_dbsize},
	{"flushall", -1, CMD_WRITE, kv_cmd_flushall},
	{"flushdb", -1, CMD_WRITE, kv_cmd_flushall},
	{"select", 2, 0, kv_cmd_select},
	{"lpush", -3, W, kv_cmd_lpush},
	{"rpush", -3, W, kv_cmd_rpush},
	{"lpop", -2, CMD_WRITE, kv_cmd_lpop},
	{"rpop", -2, CMD_WRITE, kv_cmd_rpop},
	{"lrange", 4, 0, kv_cmd_lrange},
	{"llen", 2, 0, kv_cmd_llen},
	{"sadd", -3, W, kv_cmd_sadd},
	{"srem", -3, CMD_WRITE, kv_cmd_srem},
	{"spop", -2, CMD_WRITE, kv_cmd_spop},
	{"scard", 2, 0, kv_cmd_scard},
	{"sismember", 3, 0, kv_cmd_sismember},
	{"smembers", 2, 0, kv_cmd_smembers},
	{"hset", -4, W, kv_cmd_hset},
	{"hmset", -4, W, kv_cmd_hmset},
	{"hget", 3, 0, kv_cmd_hget},
	{"hdel", -3, CMD_WRITE, kv_cmd_hdel},
	{"hlen", 2, 0, kv_cmd_hlen},
	{"hgetall", 2, 0, kv_cmd_hgetall},
	{"zadd", -4, W, kv_cmd_zadd},
	{"zpopmin", -2, CMD_WRITE, kv_cmd_zpopmin},
	{"zcard", 2, 0, kv_cmd_zcard},
	{"zscore", 3, 0, kv_cmd_zscore},
	{"zrange", -4, 0, kv_cmd_zrange},
	{"ping", -1, 0, kv_cmd_ping},
	{"echo", 2, 0, kv_cmd_echo},
	{"info", -1, 0, kv_cmd_info},
	{"config", -2, 0, kv_cmd_config},
	{"client", -2, 0, kv_cmd_client},
};
#undef W

static const struct kv_command *lookup_command(const struct kv_arg *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strlen(commands[i].name) == name->len && strcasecmp(commands[i].name, name->p) == 0)
			return &commands[i];
	return NULL;
}

/* "unknown command 'x', with args beginning with: 'a' 'b' " (server.c processCommand) */
static void reply_unknown_command(struct kv_client *c)
{
	char args[512];
	size_t len = 0;
	args[0] = '\0';
	for (int i = 1; i < c->argc && len < 128; i++) {
		int room = 128 - (int)len;
		int n = snprintf(args + len, sizeof(args) - len, "'%.*s' ", room, c->argv[i].p);
		if (n < 0)
			break;
		len += (size_t)n < sizeof(args) - len ? (size_t)n : sizeof(args) - len - 1;
	}
	kv_reply_error(c, "ERR unknown command '%.128s', with args beginning with: %s", c->argv[0].p, args);
}

void kv_run_command(struct kv_client *c);
void kv_run_command(struct kv_client *c)
{
	struct kv_server *s = c->server;
	c->last_ms = s->now_ms;
	/* Redis 7.0 answers QUIT before looking the command up, whatever its arguments. */
	if (c->argv[0].len == 4 && strcasecmp(c->argv[0].p, "quit") == 0) {
		kv_reply_status(c, "OK");
		c->close_after_reply = true;
		return;
	}
	const struct kv_command *cmd = lookup_command(&c->argv[0]);
	if (!cmd) {
		reply_unknown_command(c);
		s->rejected_calls++;
		return;
	}
	c->cmd_name = cmd->name;
	if ((cmd->arity > 0 && c->argc != cmd->arity) || c->argc < -cmd->arity) {
		kv_reply_error_arity(c);
		s->rejected_calls++;
		return;
	}
	if ((cmd->flags & CMD_DENYOOM) && s->config.maxmemory && kv_mem_used() > s->config.maxmemory) {
		kv_reply_error(c, "%s", kv_err_oom);
		s->rejected_calls++;
		return;
	}
	size_t before = c->olen;
	s->logged = false;
	bool rewriting = (cmd->flags & CMD_WRITE) && s->rewrite.active;
	if (rewriting)
		kv_rewrite_before_write(c);
	cmd->run(c);
	if (rewriting)
		kv_rewrite_after_write(c);
	s->total_commands++;
	/* a write that did not fail goes to the log (unless it wrote its own record) */
	if ((cmd->flags & CMD_WRITE) && kv_logging(s) && !s->logged && c->olen > before && c->obuf[before] != '-')
		kv_log_command(c);
}

void kv_server_set_log(struct kv_server *s, void (*log)(void *ctx, const void *request, size_t len), void *ctx)
{
	s->config.log = log;
	s->config.log_ctx = ctx;
}

long kv_server_replay(struct kv_server *s, const void *log, size_t len)
{
	struct kv_client *c = kv_client_new(s, "replay:0");
	if (!c)
		return -1;
	uint64_t before = s->total_commands;
	s->replaying = true;
	const char *p = log;
	bool ok = true;
	/* in pieces, so that the output (which nobody reads) is dropped as it goes */
	for (size_t at = 0; at < len && ok;) {
		size_t n = len - at < 64 * 1024 ? len - at : 64 * 1024;
		ok = kv_client_feed(c, p + at, n);
		size_t out;
		kv_client_output(c, &out);
		kv_client_consumed(c, out);
		at += n;
	}
	s->replaying = false;
	kv_client_free(c);
	s->total_connections--; /* the replay was not a connection */
	return ok ? (long)(s->total_commands - before) : -1;
}

struct kv_server *kv_server_new(const struct kv_config *config)
{
	struct kv_server *s = kv_calloc(sizeof(*s));
	if (!s)
		return NULL;
	s->config = *config;
	if (!kv_db_init(s)) {
		kv_server_free(s);
		return NULL;
	}
	return s;
}

void kv_server_free(struct kv_server *s)
{
	if (!s)
		return;
	while (s->clients)
		kv_client_free(s->clients);
	kv_dict_free(s->keys);
	kv_dict_free(s->expires);
	kv_free(s->logbuf);
	kv_free(s);
}

void kv_server_set_time(struct kv_server *s, int64_t now_us)
{
	s->now_us = now_us;
	s->now_ms = now_us / 1000;
	if (!s->start_ms)
		s->start_ms = s->now_ms;
}

uint64_t kv_server_used_memory(const struct kv_server *s)
{
	(void)s;
	return kv_mem_used();
}

uint64_t kv_server_commands(const struct kv_server *s)
{
	return s->total_commands;
}

void kv_server_cron(struct kv_server *s)
{
	kv_active_expire(s);
	kv_dict_shrink_if_sparse(s->keys);
	kv_dict_shrink_if_sparse(s->expires);
	/* Redis's incrementallyRehash: 100-bucket steps, here a bounded number of them */
	for (int i = 0; i < 10 && kv_dict_rehash(s->keys, 100); i++)
		;
	for (int i = 0; i < 10 && kv_dict_rehash(s->expires, 100); i++)
		;
	if (s->now_ms - (int64_t)s->ops_window_start_ms >= 1000) {
		uint64_t ms = (uint64_t)s->now_ms - s->ops_window_start_ms;
		s->ops_per_sec = (s->total_commands - s->ops_window_commands) * 1000 / ms;
		s->ops_window_start_ms = (uint64_t)s->now_ms;
		s->ops_window_commands = s->total_commands;
	}
}

struct kv_client *kv_client_new(struct kv_server *s, const char *peer)
{
	struct kv_client *c = kv_calloc(sizeof(*c));
	if (!c)
		return NULL;
	size_t n = strlen(peer);
	c->peer = kv_alloc(n + 1);
	if (!c->peer) {
		kv_free(c);
		return NULL;
	}
	memcpy(c->peer, peer, n + 1);
	c->server = s;
	c->id = ++s->next_client_id;
	c->bulklen = -1;
	c->created_ms = c->last_ms = s->now_ms;
	c->next = s->clients;
	if (s->clients)
		s->clients->prev = c;
	s->clients = c;
	s->client_count++;
	s->total_connections++;
	return c;
}

void kv_client_free(struct kv_client *c)
{
	struct kv_server *s = c->server;
	kv_client_reset_args(c);
	if (c->prev)
		c->prev->next = c->next;
	else
		s->clients = c->next;
	if (c->next)
		c->next->prev = c->prev;
	s->client_count--;
	kv_free(c->argv);
	kv_free(c->qbuf);
	kv_free(c->obuf);
	kv_free(c->peer);
	kv_free(c->name);
	kv_free(c);
}

bool kv_client_feed(struct kv_client *c, const void *bytes, size_t n)
{
	if (c->close_now)
		return false;
	if (c->close_after_reply)
		return false; /* Redis stops reading a client it is about to close */
	c->server->net_input_bytes += n;
	/* client-query-buffer-limit: Redis closes such a client without a reply */
	if (c->qlen + n > KV_QUERYBUF_MAX) {
		c->close_now = true;
		return false;
	}
	if (c->qlen + n > c->qcap) {
		size_t cap = c->qcap ? c->qcap : 1024;
		while (cap < c->qlen + n)
			cap *= 2;
		char *grown = kv_realloc(c->qbuf, cap);
		if (!grown) {
			c->close_now = true;
			return false;
		}
		c->qbuf = grown;
		c->qcap = cap;
	}
	memcpy(c->qbuf + c->qlen, bytes, n);
	c->qlen += n;
	kv_process_input(c);
	/* a large buffer that emptied goes back, as Redis's clientsCronResizeQueryBuffer */
	if (c->qlen == 0 && c->qcap > 64 * 1024) {
		kv_free(c->qbuf);
		c->qbuf = NULL;
		c->qcap = 0;
	}
	return !c->close_now && !c->close_after_reply;
}

const void *kv_client_output(const struct kv_client *c, size_t *n)
{
	*n = c->olen - c->osent;
	return c->obuf + c->osent;
}

void kv_client_consumed(struct kv_client *c, size_t n)
{
	c->osent += n;
	c->server->net_output_bytes += n;
	if (c->osent == c->olen) {
		c->osent = c->olen = 0;
		if (c->ocap > 64 * 1024) {
			kv_free(c->obuf);
			c->obuf = NULL;
			c->ocap = 0;
		}
	}
}

bool kv_client_closing(const struct kv_client *c)
{
	return c->close_now || c->close_after_reply;
}
