/*
 * The server mode of lib/os/net.h: every call is an IPC call to netd, which
 * owns the VNIC and runs lwIP (lib/os/netd_proto.h). net_start spawns netd
 * as this program's child, with the network options as its arguments, and
 * hands it an endpoint and a shared buffer; at exit the client tells it to go.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/os/net.h"
#include "lib/os/netd_proto.h"
#include "lib/os/os.h"

static long endpoint = -1;
static uint8_t *shm;

/* What netd's last poll said has something to read or accept, a bit per socket: a
 * read of any other socket is -SIETCH_EAGAIN without a call. Set again for a socket
 * that is new or just gave data (there may be more). */
static uint64_t readable = ~0ull;

static int maybe_readable(long socket)
{
	return socket < 0 || socket >= 64 || (readable >> socket & 1);
}

/* Notes what a read-like call said about its socket; returns r. */
static long note_read(long socket, long r)
{
	if (socket >= 0 && socket < 64) {
		if (r == -SIETCH_EAGAIN)
			readable &= ~(1ull << socket);
		else
			readable |= 1ull << socket;
	}
	return r;
}

static long note_new(long r)
{
	if (r >= 0 && r < 64)
		readable |= 1ull << r;
	return r;
}

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

/* Started by netd: its endpoint and buffer arrive as handles. */
static long client_attach(void)
{
	long r = netd_channel_receive(&endpoint, &shm);
	if (r < 0)
		return r;
	r = call(NETD_START, 0, 0, 0, 0, NULL);
	if (r == 0)
		atexit(client_quit);
	return r;
}

static long client_start(const struct net_options *o)
{
	if (o->server == 2)
		return client_attach();
	char addr[40], gw[16], a[16], rate[12];
	char *argv[14];
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
	if (o->rate_mbps) {
		snprintf(rate, sizeof(rate), "%u", o->rate_mbps);
		argv[n++] = "--rate";
		argv[n++] = rate;
	}
	argv[n] = NULL;

	long netd = netd_channel_spawn(NETD_PATH, argv, SIETCH_RIGHT_RECEIVE, &endpoint, &shm);
	if (netd < 0)
		return netd;
	long r = call(NETD_START, 0, 0, 0, 0, NULL);
	if (r < 0) {
		os_kill(netd, 1);
		return r;
	}
	atexit(client_quit);
	return 0;
}

static long client_poll(void)
{
	struct sietch_msg m = { 0 };
	long r = call(NETD_POLL, 0, 0, 0, 0, &m);
	if (r >= 0)
		readable = m.words[0];
	return r;
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
	return note_new(call(NETD_LISTEN, port, 0, 0, 0, NULL));
}

static long client_accept(long listener)
{
	if (!maybe_readable(listener))
		return -SIETCH_EAGAIN;
	return note_new(note_read(listener, call(NETD_ACCEPT, (uint64_t)listener, 0, 0, 0, NULL)));
}

static long client_connect(uint32_t address, uint16_t port)
{
	return note_new(call(NETD_CONNECT, address, port, 0, 0, NULL));
}

static long client_connected(long socket)
{
	return call(NETD_CONNECTED, (uint64_t)socket, 0, 0, 0, NULL);
}

static long client_read(long socket, void *buf, size_t len)
{
	if (len > NETD_DATA_MAX)
		len = NETD_DATA_MAX;
	if (!maybe_readable(socket))
		return -SIETCH_EAGAIN;
	long r = note_read(socket, call(NETD_READ, (uint64_t)socket, len, 0, 0, NULL));
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
	return note_new(call(NETD_UDP_OPEN, port, 0, 0, 0, NULL));
}

static long client_udp_recv(long socket, void *buf, size_t len, uint32_t *from, uint16_t *from_port)
{
	struct sietch_msg m = { 0 };
	if (len > NETD_DATA_MAX)
		len = NETD_DATA_MAX;
	if (!maybe_readable(socket))
		return -SIETCH_EAGAIN;
	long r = note_read(socket, call(NETD_UDP_RECV, (uint64_t)socket, len, 0, 0, &m));
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
