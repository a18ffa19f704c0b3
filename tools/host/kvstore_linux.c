/*
 * The kvstore engine served over Linux sockets, for host tests and comparisons:
 *
 *   build/host/kvstore [--port N] [--bind ADDR] [--maxmemory BYTES] [--appendonly FILE]
 *
 * One thread, epoll, non-blocking sockets: the same shape as the Sietch direct
 * mode's poll loop. Prints "ready on ADDR:PORT" once it accepts connections
 * (--port 0 picks a free port and prints it).
 *
 * --appendonly FILE is Redis's appendfsync always: FILE is replayed at start, and
 * each round of the loop writes the log records of every command it ran, then
 * fdatasync, and only then sends the replies (group commit across clients).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "user/kvstore/kv.h"

struct conn {
	int fd;
	struct kv_client *client;
	bool want_write;
	bool dirty; /* has replies to send after this round's commit */
	struct conn *next_dirty;
};

static struct conn *dirty_list;
static int log_fd = -1;
static char *log_buf;
static size_t log_len, log_cap;

static void log_record(void *ctx, const void *request, size_t len)
{
	(void)ctx;
	if (log_len + len > log_cap) {
		log_cap = (log_len + len) * 2;
		log_buf = realloc(log_buf, log_cap);
		if (!log_buf) {
			perror("kvstore: log");
			exit(1);
		}
	}
	memcpy(log_buf + log_len, request, len);
	log_len += len;
}

/* The records of this round on the disk before any reply leaves. */
static void log_commit(void)
{
	if (log_fd < 0 || log_len == 0)
		return;
	for (size_t at = 0; at < log_len;) {
		ssize_t w = write(log_fd, log_buf + at, log_len - at);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			perror("kvstore: log write"); /* a reply must not promise what is not on disk */
			exit(1);
		}
		at += (size_t)w;
	}
	if (fdatasync(log_fd) < 0) {
		perror("kvstore: fdatasync");
		exit(1);
	}
	log_len = 0;
}

static bool replay(struct kv_server *server, const char *path)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return errno == ENOENT;
	size_t len = 0, cap = 1 << 20;
	char *data = malloc(cap);
	ssize_t r;
	while (data && (r = read(fd, data + len, cap - len)) > 0) {
		len += (size_t)r;
		if (len == cap)
			data = realloc(data, cap *= 2);
	}
	close(fd);
	long n = data ? kv_server_replay(server, data, len) : -1;
	free(data);
	if (n < 0)
		return false;
	printf("replayed %ld commands from %s\n", n, path);
	return true;
}

static int64_t now_us(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

static void close_conn(int ep, struct conn *c)
{
	epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	kv_client_free(c->client);
	free(c);
}

/* Sends what it can; false when the connection is to be closed now. */
static bool flush_output(int ep, struct conn *c)
{
	size_t n;
	const char *out = kv_client_output(c->client, &n);
	while (n > 0) {
		ssize_t w = send(c->fd, out, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (w <= 0)
			return false;
		kv_client_consumed(c->client, (size_t)w);
		out = kv_client_output(c->client, &n);
	}
	bool want = n > 0;
	if (want != c->want_write) {
		struct epoll_event ev = {.events = EPOLLIN | (want ? EPOLLOUT : 0), .data.ptr = c};
		epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
		c->want_write = want;
	}
	return want || !kv_client_closing(c->client);
}

static void on_readable(int ep, struct conn *c)
{
	char buf[64 * 1024];
	for (;;) {
		if (kv_client_closing(c->client))
			break;
		ssize_t r = recv(c->fd, buf, sizeof(buf), 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (r <= 0) {
			close_conn(ep, c);
			return;
		}
		if (!kv_client_feed(c->client, buf, (size_t)r))
			break;
	}
	if (!c->dirty) {
		c->dirty = true;
		c->next_dirty = dirty_list;
		dirty_list = c;
	}
}

static void flush_dirty(int ep)
{
	log_commit();
	while (dirty_list) {
		struct conn *c = dirty_list;
		dirty_list = c->next_dirty;
		c->dirty = false;
		if (!flush_output(ep, c))
			close_conn(ep, c);
	}
}

static void on_accept(int ep, int listener, struct kv_server *server)
{
	for (;;) {
		struct sockaddr_in peer;
		socklen_t len = sizeof(peer);
		int fd = accept4(listener, (struct sockaddr *)&peer, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		char name[64];
		snprintf(name, sizeof(name), "%s:%u", inet_ntoa(peer.sin_addr), ntohs(peer.sin_port));
		struct conn *c = calloc(1, sizeof(*c));
		if (!c || !(c->client = kv_client_new(server, name))) {
			free(c);
			close(fd);
			continue;
		}
		c->fd = fd;
		struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
		epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
	}
}

int main(int argc, char **argv)
{
	struct kv_config config = {.port = 6379, .os_name = "Linux (kvstore host build)", .process_id = getpid()};
	const char *bind_addr = "127.0.0.1", *appendonly = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--port") == 0 && i + 1 < argc)
			config.port = (uint16_t)atoi(argv[++i]);
		else if (strcmp(argv[i], "--bind") == 0 && i + 1 < argc)
			bind_addr = argv[++i];
		else if (strcmp(argv[i], "--maxmemory") == 0 && i + 1 < argc)
			config.maxmemory = strtoull(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--appendonly") == 0 && i + 1 < argc)
			appendonly = argv[++i];
		else {
			fprintf(stderr, "usage: kvstore [--port N] [--bind ADDR] [--maxmemory BYTES] [--appendonly FILE]\n");
			return 2;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;
	setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(config.port)};
	if (inet_pton(AF_INET, bind_addr, &addr.sin_addr) != 1 ||
	    bind(listener, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(listener, 511) < 0) {
		perror("kvstore: bind/listen");
		return 1;
	}
	socklen_t alen = sizeof(addr);
	getsockname(listener, (struct sockaddr *)&addr, &alen);
	config.port = ntohs(addr.sin_port);
	if (appendonly)
		config.log = log_record;
	struct kv_server *server = kv_server_new(&config);
	if (!server)
		return 1;
	kv_server_set_time(server, now_us());
	if (appendonly) {
		if (!replay(server, appendonly)) {
			fprintf(stderr, "kvstore: %s is not a log this server wrote\n", appendonly);
			return 1;
		}
		log_fd = open(appendonly, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (log_fd < 0) {
			perror("kvstore: --appendonly");
			return 1;
		}
	}
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
	epoll_ctl(ep, EPOLL_CTL_ADD, listener, &ev);
	printf("ready on %s:%u\n", bind_addr, config.port);
	fflush(stdout);
	int64_t last_cron = now_us();
	for (;;) {
		struct epoll_event events[64];
		int n = epoll_wait(ep, events, 64, 100);
		kv_server_set_time(server, now_us());
		for (int i = 0; i < n; i++) {
			struct conn *c = events[i].data.ptr;
			if (!c) {
				on_accept(ep, listener, server);
				continue;
			}
			if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
				on_readable(ep, c);
			else if ((events[i].events & EPOLLOUT) && !c->dirty && !flush_output(ep, c))
				close_conn(ep, c);
		}
		flush_dirty(ep);
		if (now_us() - last_cron >= 100000) {
			kv_server_cron(server);
			last_cron = now_us();
		}
	}
}
