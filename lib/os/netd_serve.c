/*
 * netd's side of lib/os/netd_proto.h: one call from the client, carried out
 * on this process's own lwIP (the direct mode), its bytes through the shared
 * buffer. user/netd receives the calls; the host test calls this directly.
 */
#include <stdint.h>
#include "lib/common/syscall.h"
#include "lib/os/net.h"
#include "lib/os/netd_proto.h"

/* Which client owns each socket, plus one (0: none): netd may serve several, and a
 * client names only its own sockets. */
static int owner[NET_SOCKETS_MAX];

static int owns(int client, uint64_t socket)
{
	return socket < NET_SOCKETS_MAX && owner[socket] == client + 1;
}

/* Records a new socket as the client's; returns r. */
static long adopt(int client, long r)
{
	if (r >= 0 && r < NET_SOCKETS_MAX)
		owner[r] = client + 1;
	return r;
}

void netd_drop_client(int client)
{
	for (long s = 0; s < NET_SOCKETS_MAX; s++) {
		if (owner[s] == client + 1) {
			net_direct.close(s);
			owner[s] = 0;
		}
	}
}

_Static_assert(sizeof(struct net_info) <= NETD_SHM_SIZE - NETD_SHM_INFO, "net_info must fit after the data");
_Static_assert(NET_SOCKETS_MAX <= 64, "the poll reply has a bit per socket in one word");

long netd_serve(int client, const struct sietch_msg *in, struct sietch_msg *out, uint8_t *shm, int *quit)
{
	const uint64_t *w = in->words;
	size_t len = w[1] > NETD_DATA_MAX ? NETD_DATA_MAX : (size_t)w[1];
	switch (in->label) {
	case NETD_ACCEPT:
	case NETD_CONNECTED:
	case NETD_READ:
	case NETD_WRITE:
	case NETD_CLOSE:
	case NETD_UDP_RECV:
	case NETD_UDP_SEND:
		if (!owns(client, w[0]))
			return -SIETCH_EBADF;
		break;
	default:
		break;
	}
	switch (in->label) {
	case NETD_POLL: {
		long r = net_direct.poll();
		uint64_t mine = 0;
		for (int s = 0; s < NET_SOCKETS_MAX; s++)
			if (owner[s] == client + 1)
				mine |= 1ull << s;
		out->words[0] = net_direct_readable() & mine;
		return r;
	}
	case NETD_READY: return net_direct.ready();
	case NETD_INFO: return net_direct.info((struct net_info *)(shm + NETD_SHM_INFO));
	case NETD_LISTEN: return adopt(client, net_direct.listen((uint16_t)w[0]));
	case NETD_ACCEPT: return adopt(client, net_direct.accept((long)w[0]));
	case NETD_CONNECT: return adopt(client, net_direct.connect((uint32_t)w[0], (uint16_t)w[1]));
	case NETD_CONNECTED: return net_direct.connected((long)w[0]);
	case NETD_READ: return net_direct.read((long)w[0], shm, len);
	case NETD_WRITE: return net_direct.write((long)w[0], shm, len);
	case NETD_CLOSE: {
		long r = net_direct.close((long)w[0]);
		owner[w[0]] = 0;
		return r;
	}
	case NETD_UDP_OPEN: return adopt(client, net_direct.udp_open((uint16_t)w[0]));
	case NETD_UDP_RECV: {
		uint32_t from = 0;
		uint16_t port = 0;
		long r = net_direct.udp_recv((long)w[0], shm, len, &from, &port);
		out->words[0] = from;
		out->words[1] = port;
		return r;
	}
	case NETD_UDP_SEND: return net_direct.udp_send((long)w[0], shm, len, (uint32_t)w[2], (uint16_t)w[3]);
	case NETD_PING: return net_direct.ping((uint32_t)w[0], (uint16_t)w[1], (size_t)w[2], w[3]);
	case NETD_QUIT: *quit = 1; return 0;
	default: return -SIETCH_EINVAL;
	}
}
