/*
 * The server mode of lib/os/net.h: every call is an IPC call to netd, which
 * owns the VNIC and runs lwIP (lib/os/netd_proto.h). net_start spawns netd
 * as this program's child, with the network options as its arguments, and
 * hands it an endpoint and a shared buffer; at exit the client tells it to go.
 */
#include <stdlib.h>
#include <string.h>
#include "lib/os/net.h"
#include "lib/os/netd_proto.h"
#include "lib/os/os.h"

static long endpoint = -1;
static uint8_t *shm;

static long ipc_transport(struct sietch_msg *m)
{
	return os_call(endpoint, m);
}

static long (*transport)(struct sietch_msg *m) = ipc_transport;

void net_client_attach(long (*t)(struct sietch_msg *msg), uint8_t *shared)
{
	transport = t;
	shm = shared;
}

static long call(enum netd_op op, uint64_t a, uint64_t b, uint64_t c, uint64_t d, struct sietch_msg *out)
{
	struct sietch_msg m = { .label = op, .words = { a, b, c, d } };
	long r = transport(&m);
	if (r < 0)
		return r;
	if (out)
		*out = m;
	return (long)m.label;
}

static void client_quit(void)
{
	call(NETD_QUIT, 0, 0, 0, 0, NULL);
}

static long client_start(const struct net_options *o)
{
	char addr[40], gw[16], a[16];
	char *argv[12];
	int n = 0;
	argv[n++] = NETD_PATH;
	argv[n++] = "--client";
	if (o->static_address) {
		int bits = 0;
		while (bits < 32 && (o->netmask << bits) & 0x80000000u)
			bits++;
		strcpy(addr, net_format_address(o->address, a));
		strcat(addr, "/");
		char num[4] = { (char)('0' + bits / 10), (char)('0' + bits % 10), 0 };
		strcat(addr, num);
		argv[n++] = "--addr";
		argv[n++] = addr;
	}
	if (o->gateway) {
		argv[n++] = "--gw";
		argv[n++] = net_format_address(o->gateway, gw);
	}
	if (o->device) {
		argv[n++] = "--dev";
		argv[n++] = (char *)o->device;
	}
	argv[n] = NULL;

	long ep = os_endpoint_create();
	if (ep < 0)
		return ep;
	long mem = os_memory_create(NETD_SHM_SIZE);
	if (mem < 0)
		return mem;
	long at = os_memory_map(mem, NULL, SIETCH_PROT_READ | SIETCH_PROT_WRITE);
	if (at < 0)
		return at;
	long netd = os_spawn(NETD_PATH, argv);
	if (netd < 0)
		return netd;
	long r = os_handle_send(netd, ep, SIETCH_RIGHT_RECEIVE);
	if (r >= 0)
		r = os_handle_send(netd, mem, SIETCH_RIGHT_READ | SIETCH_RIGHT_WRITE);
	if (r < 0) {
		os_kill(netd, 1);
		return r;
	}
	os_close(mem); /* the mapping keeps it */
	endpoint = ep;
	shm = (uint8_t *)at;
	r = call(NETD_START, 0, 0, 0, 0, NULL);
	if (r < 0) {
		os_kill(netd, 1);
		return r;
	}
	atexit(client_quit);
	return 0;
}

static long client_poll(void)
{
	return call(NETD_POLL, 0, 0, 0, 0, NULL);
}

static long client_ready(void)
{
	return call(NETD_READY, 0, 0, 0, 0, NULL);
}

static long client_info(struct net_info *out)
{
	long r = call(NETD_INFO, 0, 0, 0, 0, NULL);
	if (r >= 0) {
		memcpy(out, shm + NETD_SHM_INFO, sizeof(*out));
		out->server = 1;
	}
	return r;
}

static long client_listen(uint16_t port)
{
	return call(NETD_LISTEN, port, 0, 0, 0, NULL);
}

static long client_accept(long listener)
{
	return call(NETD_ACCEPT, (uint64_t)listener, 0, 0, 0, NULL);
}

static long client_connect(uint32_t address, uint16_t port)
{
	return call(NETD_CONNECT, address, port, 0, 0, NULL);
}

static long client_connected(long socket)
{
	return call(NETD_CONNECTED, (uint64_t)socket, 0, 0, 0, NULL);
}

static long client_read(long socket, void *buf, size_t len)
{
	if (len > NETD_DATA_MAX)
		len = NETD_DATA_MAX;
	long r = call(NETD_READ, (uint64_t)socket, len, 0, 0, NULL);
	if (r > 0)
		memcpy(buf, shm, (size_t)r);
	return r;
}

static long client_write(long socket, const void *buf, size_t len)
{
	if (len > NETD_DATA_MAX)
		len = NETD_DATA_MAX;
	memcpy(shm, buf, len);
	return call(NETD_WRITE, (uint64_t)socket, len, 0, 0, NULL);
}

static long client_close(long socket)
{
	return call(NETD_CLOSE, (uint64_t)socket, 0, 0, 0, NULL);
}

static long client_udp_open(uint16_t port)
{
	return call(NETD_UDP_OPEN, port, 0, 0, 0, NULL);
}

static long client_udp_recv(long socket, void *buf, size_t len, uint32_t *from, uint16_t *from_port)
{
	struct sietch_msg m;
	if (len > NETD_DATA_MAX)
		len = NETD_DATA_MAX;
	long r = call(NETD_UDP_RECV, (uint64_t)socket, len, 0, 0, &m);
	if (r >= 0) {
		memcpy(buf, shm, (size_t)r);
		if (from)
			*from = (uint32_t)m.words[0];
		if (from_port)
			*from_port = (uint16_t)m.words[1];
	}
	return r;
}

static long client_udp_send(long socket, const void *buf, size_t len, uint32_t to, uint16_t to_port)
{
	if (len > NETD_DATA_MAX)
		return -SIETCH_EINVAL;
	memcpy(shm, buf, len);
	return call(NETD_UDP_SEND, (uint64_t)socket, len, to, to_port, NULL);
}

static long client_ping(uint32_t address, uint16_t sequence, size_t payload, uint64_t timeout_ns)
{
	return call(NETD_PING, address, sequence, payload, timeout_ns, NULL);
}

const struct net_backend net_client = {
	.start = client_start,
	.poll = client_poll,
	.ready = client_ready,
	.info = client_info,
	.listen = client_listen,
	.accept = client_accept,
	.connect = client_connect,
	.connected = client_connected,
	.read = client_read,
	.write = client_write,
	.close = client_close,
	.udp_open = client_udp_open,
	.udp_recv = client_udp_recv,
	.udp_send = client_udp_send,
	.ping = client_ping,
};
