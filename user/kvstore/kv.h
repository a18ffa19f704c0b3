/*
 * The key-value store's engine: a Redis-protocol (RESP2) server with no network in it.
 *
 * A transport (Linux sockets on the host, lwIP over a VF or netd on Sietch) owns the
 * connections and moves bytes: it feeds what arrived with kv_client_feed, which parses
 * and runs every complete command and appends the replies to the client's output
 * buffer, and it sends what kv_client_output returns. The engine never blocks, never
 * reads past the bytes it was given, and keeps its own time only through
 * kv_server_set_time, so the same code builds for the host and for Sietch.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kv_server;
struct kv_client;

struct kv_config {
	uint64_t maxmemory;  /* bytes; 0 means no limit (Redis's default) */
	uint16_t port;       /* reported by INFO and CONFIG GET port */
	const char *os_name; /* INFO server "os:" */
	long process_id;     /* INFO server "process_id:" */
	/*
	 * The write-ahead log (the host's --appendonly, Sietch's --persist): called with
	 * every command that changed the data, as a RESP request that replays it exactly
	 * (relative expiry times followed by PEXPIREAT, SPOP as SREM). A transport that
	 * promises durability makes the records durable before it sends any reply that
	 * was produced after them (one write and flush per round is group commit).
	 * NULL: no log.
	 */
	void (*log)(void *ctx, const void *request, size_t len);
	void *log_ctx;
};

struct kv_server *kv_server_new(const struct kv_config *config);
void kv_server_free(struct kv_server *server);

/* Wall-clock time (Unix epoch); call before feeding and before kv_server_cron. */
void kv_server_set_time(struct kv_server *server, int64_t now_us);

/* Background work, about ten times a second (Redis's hz 10): active expiry and a
 * bounded step of incremental rehashing. Never takes longer than about a millisecond. */
void kv_server_cron(struct kv_server *server);

/* peer is "ip:port" for INFO and CLIENT; it is copied. NULL when out of memory. */
struct kv_client *kv_client_new(struct kv_server *server, const char *peer);
void kv_client_free(struct kv_client *client);

/*
 * Parses and runs everything complete in the bytes that arrived (with what was
 * pending before), appending the replies to the client's output. Returns false
 * when the connection is to be closed: at once (query buffer over its limit), or
 * once the output has been sent (QUIT, protocol errors): see kv_client_closing.
 */
bool kv_client_feed(struct kv_client *client, const void *bytes, size_t n);

/* The replies not yet sent, and how many of them the transport has sent. */
const void *kv_client_output(const struct kv_client *client, size_t *n);
void kv_client_consumed(struct kv_client *client, size_t n);

/* True when no more input is to be read: close once the output has been sent. */
bool kv_client_closing(const struct kv_client *client);

/* Sets (or, with NULL, clears) config.log after the start: a transport that
 * replays its log first and logs only what comes after. */
void kv_server_set_log(struct kv_server *server, void (*log)(void *ctx, const void *request, size_t len),
		       void *ctx);

/* Runs a log's requests (what config.log was given), without logging them again.
 * A torn last request is ignored, as Redis's aof-load-truncated does. Returns the
 * commands run, or -1 when the log is not RESP. */
long kv_server_replay(struct kv_server *server, const void *log, size_t len);

/*
 * The log rewrite, for a transport that replaces a long log with a compact one:
 * emit gets requests that rebuild the data set as it was at
 * kv_server_rewrite_start (one or more per key, PEXPIREAT for a TTL), a piece
 * per kv_server_rewrite_step, so no round pauses for the whole data set. Commands
 * run between the steps: a write first emits the keys it touches that the
 * rewrite has not taken yet, as they still are, so whatever the interleaving the
 * emitted requests followed by the writes logged since the start rebuild the data
 * set. kv_server_rewrite does it all at once; it returns the records emitted.
 */
typedef void kv_emit_fn(void *ctx, const void *request, size_t len);
void kv_server_rewrite_start(struct kv_server *server, kv_emit_fn *emit, void *ctx);
/* Emits whole keys until at least bytes bytes went out; false once every key is out. */
bool kv_server_rewrite_step(struct kv_server *server, size_t bytes);
long kv_server_rewrite(struct kv_server *server, kv_emit_fn *emit, void *ctx);

/* Commands run so far (Redis's total_commands_processed). */
uint64_t kv_server_commands(const struct kv_server *server);

/* Bytes the engine holds (Redis's used_memory). */
uint64_t kv_server_used_memory(const struct kv_server *server);
