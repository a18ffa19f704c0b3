/*
 * The IPC protocol between lib/os/net_client.c (a program in server mode) and
 * netd, which owns the VNIC and runs lwIP for it.
 *
 * Either the client spawns netd (`netd --client`), then sends it two handles:
 * an endpoint (RECEIVE) and a memory object of NETD_SHM_SIZE bytes
 * (READ|WRITE) that both map; or netd spawns its clients (`netd -- PROGRAM
 * ARGS -- PROGRAM ARGS`), each with NETD_ATTACHED_FLAG added to its arguments,
 * and sends each its own endpoint (CALL) and memory object, so several
 * programs share one VNIC and one lwIP.
 * Every net.h call is one os_call: label = the operation, words = its
 * arguments; bytes travel through the shared memory (written by the sender
 * before the call, read by the receiver before the next one). The reply's
 * label is the call's result (a long), words[] carry extra results.
 */
#pragma once

#include <stdint.h>

#define NETD_PATH "/bin/netd"
#define NETD_ATTACHED_FLAG "--netd" /* net_parse_options: server mode, netd is the parent */
#define NETD_DATA_MAX 65536 /* bytes one read or write moves */
#define NETD_SHM_SIZE (NETD_DATA_MAX + 4096) /* the data, then a struct net_info */
#define NETD_SHM_INFO NETD_DATA_MAX

enum netd_op {
	NETD_START = 1, /* words: (none); the options were netd's arguments */
	NETD_POLL,      /* -> words[0]: a bit per socket with something to read or accept */
	NETD_READY,
	NETD_INFO,      /* -> struct net_info at NETD_SHM_INFO */
	NETD_LISTEN,    /* port */
	NETD_ACCEPT,    /* listener */
	NETD_CONNECT,   /* address, port */
	NETD_CONNECTED, /* socket */
	NETD_READ,      /* socket, len -> bytes at 0 */
	NETD_WRITE,     /* socket, len; bytes at 0 */
	NETD_CLOSE,     /* socket */
	NETD_UDP_OPEN,  /* port */
	NETD_UDP_RECV,  /* socket, len -> bytes at 0, words[0] from, words[1] port */
	NETD_UDP_SEND,  /* socket, len, to, port; bytes at 0 */
	NETD_PING,      /* address, sequence, payload, timeout_ns */
	NETD_QUIT,      /* the client is done: netd exits */
};

/* lib/os/netd_channel.c. Spawns path with argv and sends it a new channel: the
 * endpoint with endpoint_rights (RECEIVE to netd, CALL to a client netd starts),
 * then the buffer, which this side keeps mapped. Returns the process's handle. */
long netd_channel_spawn(const char *path, char *const argv[], unsigned endpoint_rights, long *endpoint, uint8_t **shm);
/* In the spawned side: the channel the other sent, waited for up to 5 s; maps the buffer.
 * -SIETCH_ENOENT when it did not arrive. */
long netd_channel_receive(long *endpoint, uint8_t **shm);

struct sietch_msg;
/* Carries out one call of client number `client` (lib/os/netd_serve.c), on its own
 * sockets only; sets *quit at NETD_QUIT. The result is the reply's label. */
long netd_serve(int client, const struct sietch_msg *in, struct sietch_msg *out, uint8_t *shm, int *quit);
/* Closes every socket the client left open (it quit or is gone). */
void netd_drop_client(int client);
/* Points the client half at another transport and buffer than netd's (the host test). */
void net_client_attach(long (*transport)(struct sietch_msg *msg), uint8_t *shared);
