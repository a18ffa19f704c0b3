/*
 * netd's side of lib/os/netd_proto.h: one call from the client, carried out
 * on this process's own lwIP (the direct mode), its bytes through the shared
 * buffer. user/netd receives the calls; the host test calls this directly.
 */
#include <stdint.h>
#include "lib/common/syscall.h"
#include "lib/os/net.h"
#include "lib/os/netd_proto.h"

long netd_serve(const struct sietch_msg *in, struct sietch_msg *out, uint8_t *shm, int *quit)
{
	const uint64_t *w = in->words;
	size_t len = w[1] > NETD_DATA_MAX ? NETD_DATA_MAX : (size_t)w[1];
	switch (in->label) {
	case NETD_POLL: {
		long r = net_direct.poll();
		out->words[0] = net_direct_readable();
		return r;
	}
	case NETD_READY: return net_direct.ready();
	case NETD_INFO: return net_direct.info((struct net_info *)(shm + NETD_SHM_INFO));
	case NETD_LISTEN: return net_direct.listen((uint16_t)w[0]);
	case NETD_ACCEPT: return net_direct.accept((long)w[0]);
	case NETD_CONNECT: return net_direct.connect((uint32_t)w[0], (uint16_t)w[1]);
	case NETD_CONNECTED: return net_direct.connected((long)w[0]);
	case NETD_READ: return net_direct.read((long)w[0], shm, len);
	case NETD_WRITE: return net_direct.write((long)w[0], shm, len);
	case NETD_CLOSE: return net_direct.close((long)w[0]);
	case NETD_UDP_OPEN: return net_direct.udp_open((uint16_t)w[0]);
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
