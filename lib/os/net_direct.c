/*
 * The direct mode of lib/os/net.h: lwIP runs in this process over its own
 * VNIC (lib/lwip-port). lwIP's raw API calls back when data arrives; the
 * callbacks only queue it on the socket, and the program takes it with
 * net_read/net_udp_recv in its own time.
 */
#include <string.h>
#include "lib/common/syscall.h"
#include "lib/lwip-port/port.h"
#include "lib/os/net.h"
#include "lwip/dhcp.h"
#include "lwip/icmp.h"
#include "lwip/inet_chksum.h"
#include "lwip/ip4.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/prot/ip4.h"
#include "lwip/raw.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"

#define PENDING_MAX 8  /* connections accepted by lwIP, not yet by the program */
#define DATAGRAMS_MAX 64 /* datagrams queued on one UDP socket; more are dropped */

enum sock_kind { SOCK_FREE, SOCK_LISTEN, SOCK_TCP, SOCK_UDP };

struct datagram {
	struct pbuf *p;
	uint32_t from;
	uint16_t from_port;
};

struct sock {
	enum sock_kind kind;
	struct tcp_pcb *tcp;
	struct udp_pcb *udp;
	struct pbuf *rx;  /* TCP: received bytes not yet read */
	int eof;          /* TCP: the peer has closed its half */
	long error;       /* TCP: the connection died (lwIP freed the pcb) */
	int connected;
	long pending[PENDING_MAX]; /* listener: accepted sockets, oldest first */
	int npending;
	struct datagram dgrams[DATAGRAMS_MAX]; /* UDP: a ring */
	int dhead, dcount;
};

static struct sock socks[NET_SOCKETS_MAX];
static struct netdev *device;

static long sock_new(enum sock_kind kind)
{
	for (long i = 0; i < NET_SOCKETS_MAX; i++) {
		if (socks[i].kind == SOCK_FREE) {
			memset(&socks[i], 0, sizeof(socks[i]));
			socks[i].kind = kind;
			return i;
		}
	}
	return -SIETCH_EMFILE;
}

/* Gives back a slot sock_new handed out, for an open that failed with error. */
static long sock_abandon(long id, long error)
{
	socks[id].kind = SOCK_FREE;
	return error;
}

static struct sock *sock_get(long s, enum sock_kind kind)
{
	if (s < 0 || s >= NET_SOCKETS_MAX || socks[s].kind != kind)
		return NULL;
	return &socks[s];
}

static void *sock_arg(long s)
{
	return (void *)(intptr_t)s;
}

/* --- TCP callbacks: queue, never call back into the program -------------------- */

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	(void)pcb;
	(void)err;
	struct sock *s = &socks[(intptr_t)arg];
	if (!p) {
		s->eof = 1;
		return ERR_OK;
	}
	if (s->rx)
		pbuf_cat(s->rx, p);
	else
		s->rx = p;
	return ERR_OK;
}

static void on_error(void *arg, err_t err)
{
	struct sock *s = &socks[(intptr_t)arg];
	(void)err; /* reset, aborted or timed out: the program sees all as EIO */
	s->tcp = NULL; /* lwIP has freed it */
	s->error = -SIETCH_EIO;
	s->eof = 1;
}

static void tcp_attach(struct tcp_pcb *pcb, long id)
{
	tcp_arg(pcb, sock_arg(id));
	tcp_recv(pcb, on_recv);
	tcp_err(pcb, on_error);
	tcp_nagle_disable(pcb); /* request/response traffic: send what is written at once */
}

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct sock *l = &socks[(intptr_t)arg];
	if (err != ERR_OK || !pcb)
		return ERR_VAL;
	long id = l->npending < PENDING_MAX ? sock_new(SOCK_TCP) : -SIETCH_EMFILE;
	if (id < 0) {
		tcp_abort(pcb);
		return ERR_ABRT;
	}
	socks[id].tcp = pcb;
	socks[id].connected = 1;
	tcp_attach(pcb, id);
	l->pending[l->npending++] = id;
	return ERR_OK;
}

static err_t on_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
	(void)pcb;
	struct sock *s = &socks[(intptr_t)arg];
	if (err != ERR_OK)
		s->error = -SIETCH_EIO;
	else
		s->connected = 1;
	return ERR_OK;
}

/* --- the backend --------------------------------------------------------------- */

static long direct_start(const struct net_options *options)
{
	long r = netdev_open(options->device, &device);
	if (r < 0)
		return r;
	if (options->rate_mbps) {
		r = device->ops->set_rate ? device->ops->set_rate(device, options->rate_mbps) : -SIETCH_EINVAL;
		if (r < 0)
			return r;
	}
	if (options->max_frame) {
		r = device->ops->set_max_frame ? device->ops->set_max_frame(device, options->max_frame) : -SIETCH_EINVAL;
		if (r < 0)
			return r;
	}
	struct lwip_port_config config = {
		.dhcp = !options->static_address,
		.address = lwip_htonl(options->address),
		.netmask = lwip_htonl(options->netmask),
		.gateway = lwip_htonl(options->gateway),
	};
	return lwip_port_start(device, &config);
}

static long direct_poll(void)
{
	return lwip_port_poll();
}

static long direct_ready(void)
{
	return lwip_port_ready();
}

static long direct_info(struct net_info *out)
{
	struct netif *n = lwip_port_netif();
	memset(out, 0, sizeof(*out));
	if (!device)
		return -SIETCH_EINVAL;
	out->address = lwip_ntohl(ip4_addr_get_u32(netif_ip4_addr(n)));
	out->netmask = lwip_ntohl(ip4_addr_get_u32(netif_ip4_netmask(n)));
	out->gateway = lwip_ntohl(ip4_addr_get_u32(netif_ip4_gw(n)));
	out->dhcp = netif_dhcp_data(n) != NULL;
	memcpy(out->mac, device->mac, 6);
	out->mtu = n->mtu;
	memcpy(out->device, device->name, sizeof(out->device));
	out->device[sizeof(out->device) - 1] = 0;
	if (device->ops->stats)
		device->ops->stats(device, &out->stats);
	struct lwip_port_pools pools;
	lwip_port_pools(&pools);
	out->pbufs_free = pools.pbufs_free, out->pbufs_total = pools.pbufs_total;
	out->tcp_segs_free = pools.tcp_segs_free, out->tcp_segs_total = pools.tcp_segs_total;
	out->tcp_pcbs_free = pools.tcp_pcbs_free, out->tcp_pcbs_total = pools.tcp_pcbs_total;
	return 0;
}

static long direct_listen(uint16_t port)
{
	long id = sock_new(SOCK_LISTEN);
	if (id < 0)
		return id;
	struct tcp_pcb *pcb = tcp_new_ip_type(IPADDR_TYPE_V4);
	if (!pcb)
		return sock_abandon(id, -SIETCH_ENOMEM);
	if (tcp_bind(pcb, IP4_ADDR_ANY, port) != ERR_OK) {
		tcp_close(pcb);
		return sock_abandon(id, -SIETCH_EBUSY);
	}
	struct tcp_pcb *l = tcp_listen_with_backlog(pcb, PENDING_MAX);
	if (!l) {
		tcp_close(pcb);
		return sock_abandon(id, -SIETCH_ENOMEM);
	}
	socks[id].tcp = l;
	tcp_arg(l, sock_arg(id));
	tcp_accept(l, on_accept);
	return id;
}

static long direct_accept(long listener)
{
	struct sock *l = sock_get(listener, SOCK_LISTEN);
	if (!l)
		return -SIETCH_EBADF;
	if (l->npending == 0)
		return -SIETCH_EAGAIN;
	long id = l->pending[0];
	l->npending--;
	memmove(l->pending, l->pending + 1, sizeof(long) * (size_t)l->npending);
	return id;
}

static long direct_connect(uint32_t address, uint16_t port)
{
	long id = sock_new(SOCK_TCP);
	if (id < 0)
		return id;
	struct tcp_pcb *pcb = tcp_new_ip_type(IPADDR_TYPE_V4);
	if (!pcb)
		return sock_abandon(id, -SIETCH_ENOMEM);
	socks[id].tcp = pcb;
	tcp_attach(pcb, id);
	ip_addr_t to;
	ip_addr_set_ip4_u32(&to, lwip_htonl(address));
	if (tcp_connect(pcb, &to, port, on_connected) != ERR_OK) {
		tcp_abort(pcb);
		return sock_abandon(id, -SIETCH_ENOMEM);
	}
	lwip_port_flush();
	return id;
}

static long direct_connected(long socket)
{
	struct sock *s = sock_get(socket, SOCK_TCP);
	if (!s)
		return -SIETCH_EBADF;
	if (s->error && !s->connected)
		return s->error;
	return s->connected;
}

static long direct_read(long socket, void *buf, size_t len)
{
	struct sock *s = sock_get(socket, SOCK_TCP);
	if (!s)
		return -SIETCH_EBADF;
	if (!s->rx) {
		if (s->eof)
			return 0;
		return s->error ? s->error : -SIETCH_EAGAIN;
	}
	if (len > s->rx->tot_len)
		len = s->rx->tot_len;
	uint16_t n = pbuf_copy_partial(s->rx, buf, (uint16_t)(len > 0xffff ? 0xffff : len), 0);
	s->rx = pbuf_free_header(s->rx, n);
	if (s->tcp)
		tcp_recved(s->tcp, n); /* opens the window again */
	return n;
}

static long direct_write(long socket, const void *buf, size_t len)
{
	struct sock *s = sock_get(socket, SOCK_TCP);
	if (!s)
		return -SIETCH_EBADF;
	if (!s->tcp)
		return s->error ? s->error : -SIETCH_EIO;
	if (len == 0)
		return 0;
	size_t room = tcp_sndbuf(s->tcp);
	if (len > room)
		len = room;
	if (len > 0xffff)
		len = 0xffff;
	/* Leave queue entries for the segments the stack needs itself (ACKs, FIN). */
	if (len == 0 || tcp_sndqueuelen(s->tcp) >= TCP_SND_QUEUELEN - 4)
		return -SIETCH_EAGAIN;
	err_t err = tcp_write(s->tcp, buf, (uint16_t)len, TCP_WRITE_FLAG_COPY);
	while (err == ERR_MEM && len > TCP_MSS) {
		len /= 2;
		err = tcp_write(s->tcp, buf, (uint16_t)len, TCP_WRITE_FLAG_COPY);
	}
	if (err == ERR_MEM)
		return -SIETCH_EAGAIN;
	if (err != ERR_OK)
		return -SIETCH_EIO;
	tcp_output(s->tcp);
	return (long)len;
}

static void drop_rx(struct sock *s)
{
	if (s->rx)
		pbuf_free(s->rx);
	s->rx = NULL;
}

static long direct_close(long socket)
{
	if (socket < 0 || socket >= NET_SOCKETS_MAX || socks[socket].kind == SOCK_FREE)
		return -SIETCH_EBADF;
	struct sock *s = &socks[socket];
	if (s->kind == SOCK_LISTEN) {
		for (int i = 0; i < s->npending; i++)
			direct_close(s->pending[i]);
		if (s->tcp)
			tcp_close(s->tcp);
	} else if (s->kind == SOCK_TCP) {
		drop_rx(s);
		if (s->tcp) {
			tcp_arg(s->tcp, NULL);
			tcp_recv(s->tcp, NULL);
			tcp_err(s->tcp, NULL);
			if (tcp_close(s->tcp) != ERR_OK)
				tcp_abort(s->tcp);
		}
	} else {
		while (s->dcount > 0) {
			pbuf_free(s->dgrams[s->dhead].p);
			s->dhead = (s->dhead + 1) % DATAGRAMS_MAX;
			s->dcount--;
		}
		udp_remove(s->udp);
	}
	s->kind = SOCK_FREE;
	lwip_port_flush();
	return 0;
}

/* --- UDP --------------------------------------------------------------------------- */

static void on_datagram(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
	(void)pcb;
	struct sock *s = &socks[(intptr_t)arg];
	if (s->dcount == DATAGRAMS_MAX) {
		pbuf_free(p);
		return;
	}
	struct datagram *d = &s->dgrams[(s->dhead + s->dcount) % DATAGRAMS_MAX];
	d->p = p;
	d->from = lwip_ntohl(ip4_addr_get_u32(ip_2_ip4(addr)));
	d->from_port = port;
	s->dcount++;
}

static long direct_udp_open(uint16_t port)
{
	long id = sock_new(SOCK_UDP);
	if (id < 0)
		return id;
	struct udp_pcb *pcb = udp_new_ip_type(IPADDR_TYPE_V4);
	if (!pcb)
		return sock_abandon(id, -SIETCH_ENOMEM);
	if (udp_bind(pcb, IP4_ADDR_ANY, port) != ERR_OK) {
		udp_remove(pcb);
		return sock_abandon(id, -SIETCH_EBUSY);
	}
	socks[id].udp = pcb;
	udp_recv(pcb, on_datagram, sock_arg(id));
	return id;
}

static long direct_udp_recv(long socket, void *buf, size_t len, uint32_t *from, uint16_t *from_port)
{
	struct sock *s = sock_get(socket, SOCK_UDP);
	if (!s)
		return -SIETCH_EBADF;
	if (s->dcount == 0)
		return -SIETCH_EAGAIN;
	struct datagram *d = &s->dgrams[s->dhead];
	if (len > d->p->tot_len)
		len = d->p->tot_len;
	uint16_t n = pbuf_copy_partial(d->p, buf, (uint16_t)len, 0);
	if (from)
		*from = d->from;
	if (from_port)
		*from_port = d->from_port;
	pbuf_free(d->p);
	s->dhead = (s->dhead + 1) % DATAGRAMS_MAX;
	s->dcount--;
	return n;
}

static long direct_udp_send(long socket, const void *buf, size_t len, uint32_t to, uint16_t to_port)
{
	struct sock *s = sock_get(socket, SOCK_UDP);
	if (!s)
		return -SIETCH_EBADF;
	if (len > 65507) /* the largest UDP payload in one IPv4 datagram */
		return -SIETCH_EINVAL;
	struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, (uint16_t)len, PBUF_RAM);
	if (!p)
		return -SIETCH_EAGAIN;
	pbuf_take(p, buf, (uint16_t)len);
	ip_addr_t dst;
	ip_addr_set_ip4_u32(&dst, lwip_htonl(to));
	err_t err = udp_sendto(s->udp, p, &dst, to_port);
	pbuf_free(p);
	if (err == ERR_MEM || err == ERR_BUF)
		return -SIETCH_EAGAIN;
	return err == ERR_OK ? (long)len : -SIETCH_EIO;
}

/* --- ICMP echo ------------------------------------------------------------------- */

#define PING_ID 0x5e7c

static struct {
	uint16_t sequence;
	int answered;
} ping_state;

static u8_t on_icmp(void *arg, struct raw_pcb *pcb, struct pbuf *p, const ip_addr_t *addr)
{
	(void)arg;
	(void)pcb;
	(void)addr;
	/* A raw pcb sees the whole IPv4 packet: skip its header to the ICMP one. */
	const struct ip_hdr *ip = p->payload;
	uint16_t hlen = (uint16_t)(IPH_HL(ip) * 4);
	struct icmp_echo_hdr echo;
	if (pbuf_copy_partial(p, &echo, sizeof(echo), hlen) == sizeof(echo) && echo.type == ICMP_ER &&
	    echo.id == lwip_htons(PING_ID) && echo.seqno == lwip_htons(ping_state.sequence)) {
		ping_state.answered = 1;
		pbuf_free(p);
		return 1; /* eaten */
	}
	return 0;
}

static long direct_ping(uint32_t address, uint16_t sequence, size_t payload, uint64_t timeout_ns)
{
	static struct raw_pcb *pcb;
	if (!pcb) {
		pcb = raw_new(IP_PROTO_ICMP);
		if (!pcb)
			return -SIETCH_ENOMEM;
		raw_recv(pcb, on_icmp, NULL);
		raw_bind(pcb, IP4_ADDR_ANY);
	}
	if (payload > 1400)
		payload = 1400;
	size_t size = sizeof(struct icmp_echo_hdr) + payload;
	struct pbuf *p = pbuf_alloc(PBUF_IP, (uint16_t)size, PBUF_RAM);
	if (!p)
		return -SIETCH_ENOMEM;
	struct icmp_echo_hdr *echo = p->payload;
	ICMPH_TYPE_SET(echo, ICMP_ECHO);
	ICMPH_CODE_SET(echo, 0);
	echo->id = lwip_htons(PING_ID);
	echo->seqno = lwip_htons(sequence);
	for (size_t i = 0; i < payload; i++)
		((uint8_t *)(echo + 1))[i] = (uint8_t)i;
	echo->chksum = 0;
	echo->chksum = inet_chksum(echo, (uint16_t)size);
	ping_state.sequence = sequence;
	ping_state.answered = 0;
	ip_addr_t to;
	ip_addr_set_ip4_u32(&to, lwip_htonl(address));
	uint64_t start = net_now_ns();
	err_t err = raw_sendto(pcb, p, &to);
	pbuf_free(p);
	if (err != ERR_OK)
		return -SIETCH_EIO;
	lwip_port_flush();
	while (!ping_state.answered) {
		if (net_now_ns() - start > timeout_ns)
			return -SIETCH_ETIMEDOUT;
		lwip_port_poll();
	}
	return (long)(net_now_ns() - start);
}

uint64_t net_direct_readable(void)
{
	uint64_t mask = 0;
	for (int i = 0; i < NET_SOCKETS_MAX; i++) {
		const struct sock *s = &socks[i];
		int ready = (s->kind == SOCK_TCP && (s->rx || s->eof || s->error)) ||
			    (s->kind == SOCK_LISTEN && s->npending > 0) || (s->kind == SOCK_UDP && s->dcount > 0);
		if (ready)
			mask |= 1ull << i;
	}
	return mask;
}

const struct net_backend net_direct = {
	.start = direct_start,
	.poll = direct_poll,
	.ready = direct_ready,
	.info = direct_info,
	.listen = direct_listen,
	.accept = direct_accept,
	.connect = direct_connect,
	.connected = direct_connected,
	.read = direct_read,
	.write = direct_write,
	.close = direct_close,
	.udp_open = direct_udp_open,
	.udp_recv = direct_udp_recv,
	.udp_send = direct_udp_send,
	.ping = direct_ping,
};
