/*
 * A small socket-like network API for programs, over lwIP's raw API, so a
 * program never sees lwIP's callbacks.
 *
 * Everything is non-blocking and driven by the program's loop: call net_poll
 * (which moves frames and runs the protocol timers), then try net_accept,
 * net_read, net_write...; a call that cannot make progress now returns
 * -SIETCH_EAGAIN. Results are >= 0 or a negated SIETCH_E* code, as in os.h.
 * Sockets are small integers. Addresses and ports are in host byte order.
 *
 * The same program runs in either of two modes, chosen when it starts:
 *   direct  the process owns a VNIC (netdev_open) and runs lwIP itself:
 *           no kernel entry per request when it polls;
 *   server  netd owns the VNIC and runs lwIP; every call here becomes an IPC
 *           call to it (the classic microkernel path, for comparison).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include "lib/os/netdev.h"

struct net_options {
	int server;          /* 1: through a netd of its own; 2: through the netd that started it; 0: direct */
	const char *device;  /* direct: the VNIC, NULL for the first free one */
	int static_address;  /* 1: address/netmask/gateway below; 0: DHCP */
	uint32_t address;
	uint32_t netmask;
	uint32_t gateway;    /* 0: none */
	uint32_t max_frame;  /* direct, --max-frame N: the longest frame the device passes; 0: its default */
	uint32_t rate_mbps;  /* --rate MBPS: the VNIC's transmit limit (netd's, in server mode); 0: the grant's */
};

struct net_info {
	uint32_t address, netmask, gateway; /* 0 until DHCP has answered */
	int dhcp;
	int server;
	uint8_t mac[6];
	uint16_t mtu;
	char device[16];
	struct netdev_stats stats;
	/* lwIP's pools, free of total (direct, or netd's): receive buffers, TCP segments, TCP connections */
	uint16_t pbufs_free, pbufs_total, tcp_segs_free, tcp_segs_total, tcp_pcbs_free, tcp_pcbs_total;
};

#define NET_SOCKETS_MAX 64 /* at most 64: server mode reports them in one word */

/* Starts networking in the chosen mode. 0 or -SIETCH_E*. */
long net_start(const struct net_options *options);
/* Polls until the interface has an address, at most timeout_ns. 0 or -SIETCH_ETIMEDOUT. */
long net_wait_ready(uint64_t timeout_ns);
/* One round of work; returns how many frames (direct) or events (server) it handled. */
long net_poll(void);
long net_info(struct net_info *out);

/* TCP */
long net_listen(uint16_t port);                     /* -> a listening socket */
long net_accept(long listener);                     /* -> a connected socket */
long net_connect(uint32_t address, uint16_t port);  /* -> a socket, connecting */
long net_connected(long socket);                    /* 1 connected, 0 not yet, or the error */
long net_read(long socket, void *buf, size_t len);  /* 0 at the peer's end of stream (or len 0) */
long net_write(long socket, const void *buf, size_t len); /* bytes taken, maybe fewer than len */
long net_close(long socket);

/* UDP */
long net_udp_open(uint16_t port);                   /* 0: any local port */
long net_udp_recv(long socket, void *buf, size_t len, uint32_t *from, uint16_t *from_port);
long net_udp_send(long socket, const void *buf, size_t len, uint32_t to, uint16_t to_port);

/* ICMP echo: the round trip in nanoseconds, or -SIETCH_ETIMEDOUT. Polls while it waits. */
long net_ping(uint32_t address, uint16_t sequence, size_t payload, uint64_t timeout_ns);

/* "10.0.2.15/24" -> address and netmask; "10.0.2.15" alone means /24. 0 or -SIETCH_EINVAL. */
long net_parse_address(const char *text, uint32_t *address, uint32_t *netmask);
/* Formats an address as dotted decimal into buf (16 bytes). */
char *net_format_address(uint32_t address, char buf[16]);
/* Parses the options every network program shares out of argv, removing them:
 * --addr A/N [--gw G], --server, --dev PATH, --max-frame N. 0 or -SIETCH_EINVAL with a message on stderr. */
long net_parse_options(int *argc, char **argv, struct net_options *options);

/* --- the two modes behind the calls above (lib/os/net_direct.c, net_client.c) --- */
struct net_backend {
	long (*start)(const struct net_options *options);
	long (*poll)(void);
	long (*ready)(void);
	long (*info)(struct net_info *out);
	long (*listen)(uint16_t port);
	long (*accept)(long listener);
	long (*connect)(uint32_t address, uint16_t port);
	long (*connected)(long socket);
	long (*read)(long socket, void *buf, size_t len);
	long (*write)(long socket, const void *buf, size_t len);
	long (*close)(long socket);
	long (*udp_open)(uint16_t port);
	long (*udp_recv)(long socket, void *buf, size_t len, uint32_t *from, uint16_t *from_port);
	long (*udp_send)(long socket, const void *buf, size_t len, uint32_t to, uint16_t to_port);
	long (*ping)(uint32_t address, uint16_t sequence, size_t payload, uint64_t timeout_ns);
};
extern const struct net_backend net_direct;
/* Direct mode: a bit per socket that has something to read or accept (netd's poll reply). */
uint64_t net_direct_readable(void);
extern const struct net_backend net_client;
