/*
 * kvstore [--mode direct|server] [--port N] [--persist /store/NAME] [--maxmemory BYTES] [--stdio]
 *         [--addr A/N] [--gw G] [--dev PATH] [--stats N] [--cpu C]
 *
 * The Redis-protocol store on Sietch. The network transports (a VF with lwIP in
 * this process, or netd over IPC) live in their own files and are chosen by
 * --mode; --stdio serves one client on the console (type inline commands such as
 * "SET k v" at the prompt), which needs no network at all. --stats N prints the
 * process's system calls, page faults, interrupts and context switches over each
 * N commands; --cpu C pins it to a CPU of its own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "user/kvstore/kv.h"
#include "user/kvstore/kv_transport.h"

static int64_t now_us(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

static int serve_stdio(struct kv_server *server)
{
	struct kv_client *client = kv_client_new(server, "console:0");
	char buf[512];
	if (!client)
		return 1;
	for (;;) {
		ssize_t n = read(0, buf, sizeof(buf));
		if (n <= 0)
			break;
		kv_server_set_time(server, now_us());
		kv_server_cron(server);
		bool more = kv_client_feed(client, buf, (size_t)n);
		size_t len;
		const char *out = kv_client_output(client, &len);
		fwrite(out, 1, len, stdout);
		fflush(stdout);
		kv_client_consumed(client, len);
		if (!more)
			break;
	}
	kv_client_free(client);
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: kvstore [--mode direct|server] [--port N] [--persist /store/NAME] [--maxmemory BYTES] [--stdio]\n"
			"               [--addr A/N] [--gw G] [--dev PATH] [--stats N] [--cpu C]\n");
}

int main(int argc, char **argv)
{
	struct kv_config config = {.port = 6379, .os_name = "Sietch"};
	const char *mode = "direct", *persist = NULL;
	bool stdio = false;
	/* what is not ours is the network's: argv[0] and those, for kv_transport_serve */
	char **net_argv = calloc((size_t)argc + 1, sizeof(*net_argv));
	int net_argc = 1;
	if (!net_argv)
		return 1;
	net_argv[0] = argv[0];
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--mode") == 0 && i + 1 < argc) {
			mode = argv[++i];
		} else if (strcmp(argv[i], "--port") == 0 && i + 1 < argc) {
			config.port = (uint16_t)atoi(argv[++i]);
		} else if (strcmp(argv[i], "--maxmemory") == 0 && i + 1 < argc) {
			config.maxmemory = strtoull(argv[++i], NULL, 10);
		} else if (strcmp(argv[i], "--persist") == 0 && i + 1 < argc) {
			persist = argv[++i];
		} else if (strcmp(argv[i], "--stdio") == 0) {
			stdio = true;
		} else if (strcmp(argv[i], "--server") == 0) {
			mode = "server";
		} else if (argv[i][0] == '-' && i + 1 < argc && strcmp(argv[i], "--help") != 0) {
			net_argv[net_argc++] = argv[i];
			net_argv[net_argc++] = argv[++i];
		} else {
			usage();
			return 2;
		}
	}
	struct kv_server *server = kv_server_new(&config);
	if (!server) {
		fprintf(stderr, "kvstore: out of memory\n");
		return 1;
	}
	kv_server_set_time(server, now_us());
	int status;
	if (stdio)
		status = serve_stdio(server);
	else
		status = kv_transport_serve(server, mode, config.port, persist, net_argc, net_argv);
	kv_server_free(server);
	free(net_argv);
	return status;
}
