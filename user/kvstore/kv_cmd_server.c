/* Connection and server commands: PING ECHO INFO CONFIG CLIENT. */
#include <inttypes.h>
#include <stdio.h>
#include <strings.h>
#include <string.h>

#include "kv_internal.h"

void kv_cmd_ping(struct kv_client *c)
{
	if (c->argc > 2)
		kv_reply_error_arity(c);
	else if (c->argc == 2)
		kv_reply_bulk(c, c->argv[1].p, c->argv[1].len);
	else
		kv_reply_status(c, "PONG");
}

void kv_cmd_echo(struct kv_client *c)
{
	kv_reply_bulk(c, c->argv[1].p, c->argv[1].len);
}

struct text {
	char *p;
	size_t len, cap;
	bool oom;
};

static void text_add(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void text_add(struct text *t, const char *fmt, ...)
{
	char line[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || t->oom)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	if (t->len + (size_t)n > t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 2048;
		while (cap < t->len + (size_t)n)
			cap *= 2;
		char *grown = kv_realloc(t->p, cap);
		if (!grown) {
			t->oom = true;
			return;
		}
		t->p = grown;
		t->cap = cap;
	}
	memcpy(t->p + t->len, line, (size_t)n);
	t->len += (size_t)n;
}

/* bytesToHuman */
static void human(char *buf, size_t size, uint64_t n)
{
	if (n < 1024)
		snprintf(buf, size, "%" PRIu64 "B", n);
	else if (n < 1024ull * 1024)
		snprintf(buf, size, "%.2fK", (double)n / 1024);
	else if (n < 1024ull * 1024 * 1024)
		snprintf(buf, size, "%.2fM", (double)n / (1024 * 1024));
	else
		snprintf(buf, size, "%.2fG", (double)n / (1024.0 * 1024 * 1024));
}

static void info_server(struct kv_server *s, struct text *t)
{
	int64_t uptime = (s->now_ms - s->start_ms) / 1000;
	text_add(t, "# Server\r\nredis_version:%s\r\nredis_git_sha1:00000000\r\nredis_git_dirty:0\r\n", KV_VERSION);
	text_add(t, "redis_build_id:0\r\nredis_mode:standalone\r\nos:%s\r\narch_bits:64\r\n",
		 s->config.os_name ? s->config.os_name : "Sietch");
	text_add(t, "multiplexing_api:none\r\natomicvar_api:c11-builtin\r\ngcc_version:0.0.0\r\n");
	text_add(t, "process_id:%ld\r\nprocess_supervised:no\r\nrun_id:0000000000000000000000000000000000000000\r\n",
		 s->config.process_id);
	text_add(t, "tcp_port:%u\r\nserver_time_usec:%" PRId64 "\r\nuptime_in_seconds:%" PRId64 "\r\n",
		 s->config.port, s->now_us, uptime);
	text_add(t, "uptime_in_days:%" PRId64 "\r\nhz:10\r\nconfigured_hz:10\r\nlru_clock:0\r\n", uptime / 86400);
	text_add(t, "executable:/bin/kvstore\r\nconfig_file:\r\nio_threads_active:0\r\n");
}

static void info_clients(struct kv_server *s, struct text *t)
{
	text_add(t, "# Clients\r\nconnected_clients:%" PRIu64 "\r\ncluster_connections:0\r\n", s->client_count);
	text_add(t, "maxclients:10000\r\nclient_recent_max_input_buffer:0\r\nclient_recent_max_output_buffer:0\r\n");
	text_add(t, "blocked_clients:0\r\ntracking_clients:0\r\nclients_in_timeout_table:0\r\n");
}

static void info_memory(struct kv_server *s, struct text *t)
{
	char used[32], peak[32], max[32];
	human(used, sizeof(used), kv_mem_used());
	human(peak, sizeof(peak), kv_mem_peak());
	human(max, sizeof(max), s->config.maxmemory);
	text_add(t, "# Memory\r\nused_memory:%" PRIu64 "\r\nused_memory_human:%s\r\n", kv_mem_used(), used);
	text_add(t, "used_memory_peak:%" PRIu64 "\r\nused_memory_peak_human:%s\r\n", kv_mem_peak(), peak);
	text_add(t, "maxmemory:%" PRIu64 "\r\nmaxmemory_human:%s\r\nmaxmemory_policy:noeviction\r\n",
		 s->config.maxmemory, max);
	text_add(t, "mem_allocator:libc\r\n");
}

static void info_stats(struct kv_server *s, struct text *t)
{
	text_add(t, "# Stats\r\ntotal_connections_received:%" PRIu64 "\r\ntotal_commands_processed:%" PRIu64 "\r\n",
		 s->total_connections, s->total_commands);
	text_add(t, "instantaneous_ops_per_sec:%" PRIu64 "\r\ntotal_net_input_bytes:%" PRIu64 "\r\n",
		 s->ops_per_sec, s->net_input_bytes);
	text_add(t, "total_net_output_bytes:%" PRIu64 "\r\nrejected_connections:0\r\n", s->net_output_bytes);
	text_add(t, "expired_keys:%" PRIu64 "\r\nevicted_keys:0\r\nkeyspace_hits:%" PRIu64 "\r\n",
		 s->expired_keys, s->keyspace_hits);
	text_add(t, "keyspace_misses:%" PRIu64 "\r\ntotal_error_replies:0\r\n", s->keyspace_misses);
	text_add(t, "total_reads_processed:0\r\ntotal_writes_processed:0\r\n");
}

static void info_keyspace(struct kv_server *s, struct text *t)
{
	text_add(t, "# Keyspace\r\n");
	size_t keys = kv_dict_size(s->keys);
	if (keys)
		text_add(t, "db0:keys=%zu,expires=%zu,avg_ttl=0\r\n", keys, kv_dict_size(s->expires));
}

typedef void info_fn(struct kv_server *s, struct text *t);
static const struct {
	const char *name;
	info_fn *fn;
} sections[] = {
	{"server", info_server}, {"clients", info_clients}, {"memory", info_memory},
	{"stats", info_stats},   {"keyspace", info_keyspace},
};

/* INFO [section ...]: no section, "default", "all" and "everything" give all
 * of ours; sections are separated by an empty line, as in Redis. */
void kv_cmd_info(struct kv_client *c)
{
	struct text t = {0};
	size_t n = sizeof(sections) / sizeof(sections[0]);
	for (size_t i = 0; i < n; i++) {
		bool want = c->argc == 1;
		for (int j = 1; j < c->argc && !want; j++)
			want = kv_word_is(&c->argv[j], sections[i].name) || kv_word_is(&c->argv[j], "all") ||
			       kv_word_is(&c->argv[j], "default") || kv_word_is(&c->argv[j], "everything");
		if (!want)
			continue;
		if (t.len)
			text_add(&t, "\r\n");
		sections[i].fn(c->server, &t);
	}
	if (t.oom)
		kv_reply_error(c, "%s", kv_err_oom);
	else
		kv_reply_bulk(c, t.p ? t.p : "", t.len);
	kv_free(t.p);
}

static void config_value(struct kv_server *s, const char *name, char *buf, size_t size)
{
	buf[0] = '\0';
	if (strcmp(name, "maxmemory") == 0)
		snprintf(buf, size, "%" PRIu64, s->config.maxmemory);
	else if (strcmp(name, "port") == 0)
		snprintf(buf, size, "%u", s->config.port);
	else if (strcmp(name, "appendonly") == 0)
		snprintf(buf, size, "no");
	else if (strcmp(name, "databases") == 0)
		snprintf(buf, size, "1");
	else if (strcmp(name, "maxmemory-policy") == 0)
		snprintf(buf, size, "noeviction");
	else if (strcmp(name, "proto-max-bulk-len") == 0)
		snprintf(buf, size, "%lld", KV_PROTO_MAX_BULK_LEN);
	else if (strcmp(name, "client-query-buffer-limit") == 0)
		snprintf(buf, size, "%llu", KV_QUERYBUF_MAX);
}

/* The parameters clients ask for at start (redis-benchmark: save, appendonly). */
static const char *const config_names[] = {
	"save", "appendonly", "maxmemory", "port", "databases", "maxmemory-policy",
	"proto-max-bulk-len", "client-query-buffer-limit",
};

static void config_get(struct kv_client *c)
{
	const size_t n = sizeof(config_names) / sizeof(config_names[0]);
	bool match[sizeof(config_names) / sizeof(config_names[0])] = {false};
	long long count = 0;
	for (int j = 2; j < c->argc; j++)
		for (size_t i = 0; i < n; i++)
			if (!match[i] && kv_glob_match(c->argv[j].p, c->argv[j].len, config_names[i],
						       strlen(config_names[i]), true))
				match[i] = true, count++;
	kv_reply_array(c, count * 2);
	for (size_t i = 0; i < n; i++) {
		if (!match[i])
			continue;
		char value[32];
		config_value(c->server, config_names[i], value, sizeof(value));
		kv_reply_bulk_cstr(c, config_names[i]);
		kv_reply_bulk_cstr(c, value);
	}
}

static void config_set(struct kv_client *c)
{
	long long v;
	if (c->argc != 4 || !kv_word_is(&c->argv[2], "maxmemory")) {
		kv_reply_error(c, "ERR Unknown option or number of arguments for CONFIG SET - '%s'", c->argv[2].p);
		return;
	}
	if (!kv_string2ll(c->argv[3].p, c->argv[3].len, &v) || v < 0) {
		kv_reply_error(c, "ERR CONFIG SET failed (possibly related to argument '%s') - argument couldn't be parsed into an integer",
			       c->argv[2].p);
		return;
	}
	c->server->config.maxmemory = (uint64_t)v;
	kv_reply_status(c, "OK");
}

struct subcommand {
	const char *name;
	const char *full; /* Redis 7's "container|sub" name for arity errors */
	int arity;
	void (*run)(struct kv_client *c);
};

static bool run_subcommand(struct kv_client *c, const struct subcommand *table, size_t n, const char *container)
{
	for (size_t i = 0; i < n; i++) {
		if (!kv_word_is(&c->argv[1], table[i].name))
			continue;
		c->cmd_name = table[i].full;
		if ((table[i].arity > 0 && c->argc != table[i].arity) || c->argc < -table[i].arity)
			kv_reply_error_arity(c);
		else
			table[i].run(c);
		return true;
	}
	kv_reply_error(c, "ERR unknown subcommand '%.128s'. Try %s HELP.", c->argv[1].p, container);
	return false;
}

static void config_resetstat(struct kv_client *c)
{
	struct kv_server *s = c->server;
	s->total_commands = s->keyspace_hits = s->keyspace_misses = s->expired_keys = 0;
	s->net_input_bytes = s->net_output_bytes = s->rejected_calls = s->total_connections = 0;
	kv_reply_status(c, "OK");
}

void kv_cmd_config(struct kv_client *c)
{
	static const struct subcommand table[] = {
		{"get", "config|get", -3, config_get},
		{"set", "config|set", -4, config_set},
		{"resetstat", "config|resetstat", 2, config_resetstat},
	};
	run_subcommand(c, table, sizeof(table) / sizeof(table[0]), "CONFIG");
}

static void client_setname(struct kv_client *c)
{
	const struct kv_arg *name = &c->argv[2];
	for (size_t i = 0; i < name->len; i++) {
		if (name->p[i] < '!' || name->p[i] > '~') {
			kv_reply_error(c, "ERR Client names cannot contain spaces, newlines or special characters.");
			return;
		}
	}
	char *copy = NULL;
	if (name->len) {
		copy = kv_alloc(name->len + 1);
		if (!copy) {
			kv_reply_error(c, "%s", kv_err_oom);
			return;
		}
		memcpy(copy, name->p, name->len + 1);
	}
	kv_free(c->name);
	c->name = copy;
	kv_reply_status(c, "OK");
}

static void client_getname(struct kv_client *c)
{
	if (c->name)
		kv_reply_bulk_cstr(c, c->name);
	else
		kv_reply_null(c);
}

static void client_id(struct kv_client *c)
{
	kv_reply_int(c, (long long)c->id);
}

void kv_cmd_client(struct kv_client *c)
{
	static const struct subcommand table[] = {
		{"setname", "client|setname", 3, client_setname},
		{"getname", "client|getname", 2, client_getname},
		{"id", "client|id", 2, client_id},
	};
	run_subcommand(c, table, sizeof(table) / sizeof(table[0]), "CLIENT");
}
