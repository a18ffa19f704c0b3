/*
 * netd: the network server of server mode (lib/os/netd_proto.h). It owns a
 * VNIC and runs lwIP through lib/os/net.h in direct mode, and serves one
 * client's net.h calls over IPC: the classic microkernel path, kept to compare
 * with direct mode, where the program runs lwIP itself.
 *
 *   netd --client [--addr A/N] [--gw G] [--dev PATH]
 *
 * A program started with --server spawns it this way and sends it an endpoint
 * and a shared buffer; netd runs lwIP only when called, which a client in a
 * polling loop does all the time, and exits at the client's NETD_QUIT.
 */
#include <stdio.h>
#include <string.h>
#include "lib/os/net.h"
#include "lib/os/netd_proto.h"
#include "lib/os/os.h"

#define HANDLES_SCANNED 64
#define FIND_TRIES 5000 /* 1 ms apart */

/* The first handle of this type the client has sent, waiting for it to arrive. */
static long find_handle(uint32_t type)
{
	for (int t = 0; t < FIND_TRIES; t++) {
		for (long h = SIETCH_HANDLE_STDERR + 1; h < HANDLES_SCANNED; h++) {
			struct sietch_stat st;
			if (os_stat(h, &st) == 0 && st.type == type)
				return h;
		}
		os_sleep_ns(1000000);
	}
	return -SIETCH_ENOENT;
}


int main(int argc, char **argv)
{
	struct net_options options;
	if (net_parse_options(&argc, argv, &options) < 0 || argc != 2 || strcmp(argv[1], "--client") != 0 ||
	    options.server) {
		fprintf(stderr, "usage: netd --client [--addr A/N] [--gw G] [--dev PATH] (started by a --server program)\n");
		return 2;
	}
	long ep = find_handle(SIETCH_TYPE_ENDPOINT), mem = find_handle(SIETCH_TYPE_MEMORY);
	if (ep < 0 || mem < 0) {
		fprintf(stderr, "netd: no endpoint and shared memory arrived from the client\n");
		return 1;
	}
	long at = os_memory_map(mem, NULL, SIETCH_PROT_READ | SIETCH_PROT_WRITE);
	if (at < 0) {
		fprintf(stderr, "netd: cannot map the shared memory: %s\n", os_strerror(at));
		return 1;
	}
	uint8_t *shm = (uint8_t *)at;
	struct sietch_msg in;
	long token = os_receive(ep, &in);
	if (token < 0 || in.label != NETD_START)
		return 1;
	struct sietch_msg out = { .label = (uint64_t)net_start(&options) };
	if (os_reply(ep, (uint64_t)token, &out) < 0 || (long)out.label < 0)
		return 1;
	for (int quit = 0; !quit;) {
		token = os_receive(ep, &in);
		if (token < 0)
			return 1; /* the client is gone */
		memset(&out, 0, sizeof(out));
		out.label = (uint64_t)netd_serve(&in, &out, shm, &quit);
		os_reply(ep, (uint64_t)token, &out);
	}
	return 0;
}
