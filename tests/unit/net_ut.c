/*
 * Host tests for the network stack of user programs: lwIP (built for the host
 * by tools/lwip.sh), Sietch's port of it (lib/lwip-port) and the socket-like
 * API (lib/os/net.c, net_direct.c). Two processes, each with its own lwIP,
 * are joined by a fake netdev over a socketpair that carries Ethernet frames:
 * a child runs an echo server, the test is the client. DHCP is tested against
 * a scripted server in the child instead.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/lwip-port/netif.c"
#include "lib/lwip-port/pools.c"
#include "lib/os/net.c"
#include "lib/os/net_client.c"
#include "lib/os/net_direct.c"
#include "lib/os/handle_find.c"
#include "lib/os/netd_channel.c"
#include "lib/os/netd_serve.c"
#include "lwip/ip4_frag.h"
#include "lwip/priv/memp_priv.h"
#include "tests/unit/stubs/rng.h"

/* Server mode's start spawns netd (the system test covers it); here the client half
 * is attached to netd_serve in this very process instead. */
long os_spawn(const char *path, char *const argv[])
{
	(void)path;
	(void)argv;
	return -SIETCH_ENOSYS;
}

/* --- the clock (sys_arch.c reads the time page in programs) ------------------- */

uint64_t net_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint32_t sys_now(void)
{
	return (uint32_t)(net_now_ns() / 1000000u);
}

void lwip_port_prefault(void)
{
}

/* --- a fake netdev: one end of a SOCK_SEQPACKET socketpair, one frame a packet - */

struct fake_netdev {
	struct netdev dev;
	int fd;
	struct netdev_stats stats;
	/* Frames the test puts in front of what the peer sent (the garbage test). */
	const uint8_t *inject;
	const uint16_t *inject_lengths;
	int injected, inject_count;
};

static int fake_receive(struct netdev *dev, void *const *bufs, uint16_t *lengths, int max)
{
	struct fake_netdev *f = (struct fake_netdev *)dev;
	int n = 0;
	while (n < max && f->injected < f->inject_count) {
		lengths[n] = f->inject_lengths[f->injected];
		memcpy(bufs[n], f->inject + (size_t)f->injected * NETDEV_FRAME_MAX, lengths[n]);
		n++;
		f->injected++;
	}
	while (n < max) {
		ssize_t r = recv(f->fd, bufs[n], NETDEV_FRAME_MAX, MSG_DONTWAIT);
		if (r <= 0)
			break;
		lengths[n++] = (uint16_t)r;
		f->stats.rx_packets++;
		f->stats.rx_bytes += (uint64_t)r;
	}
	return n;
}

static int fake_transmit(struct netdev *dev, const void *const *frames, const uint16_t *lengths, int n)
{
	struct fake_netdev *f = (struct fake_netdev *)dev;
	int i;
	for (i = 0; i < n; i++) {
		if (send(f->fd, frames[i], lengths[i], MSG_DONTWAIT) != lengths[i])
			break;
		f->stats.tx_packets++;
		f->stats.tx_bytes += lengths[i];
	}
	return i;
}

static int fake_link_up(struct netdev *dev)
{
	(void)dev;
	return 1;
}

static void fake_stats(struct netdev *dev, struct netdev_stats *out)
{
	*out = ((struct fake_netdev *)dev)->stats;
}

static const struct netdev_ops fake_ops = {
	.receive_batch = fake_receive,
	.transmit_batch = fake_transmit,
	.link_up = fake_link_up,
	.stats = fake_stats,
};

static struct fake_netdev fake;
static int pair[2];

/* What the program build gets from the VNIC driver. */
int netdev_open(const char *path, struct netdev **out)
{
	(void)path;
	*out = &fake.dev;
	return 0;
}

static void fake_init(int fd, uint8_t last_mac_byte)
{
	memset(&fake, 0, sizeof(fake));
	fake.dev.ops = &fake_ops;
	uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, last_mac_byte };
	memcpy(fake.dev.mac, mac, 6);
	fake.dev.mtu = 1500;
	strcpy(fake.dev.name, "fake0");
	fake.fd = fd;
}

#define SERVER_ADDR 0x0a000001u /* 10.0.0.1 */
#define CLIENT_ADDR 0x0a000002u
#define ECHO_PORT 7

/* --- the child: an echo server on TCP and UDP, as echod is ---------------------- */

static _Noreturn void echo_server(void)
{
	close(pair[0]);
	fake_init(pair[1], 1);
	struct net_options o = { .static_address = 1, .address = SERVER_ADDR, .netmask = 0xffffff00u };
	if (net_start(&o) < 0)
		_exit(10);
	long listener = net_listen(ECHO_PORT), udp = net_udp_open(ECHO_PORT);
	if (listener < 0 || udp < 0)
		_exit(11);
	static uint8_t buf[65536];
	long conns[NET_SOCKETS_MAX];
	int nconns = 0;
	for (;;) {
		net_poll();
		long c;
		while ((c = net_accept(listener)) >= 0)
			conns[nconns++] = c;
		for (int i = 0; i < nconns; i++) {
			long n = net_read(conns[i], buf, 4096);
			if (n > 0) {
				for (long done = 0; done < n;) {
					long w = net_write(conns[i], buf + done, (size_t)(n - done));
					if (w > 0)
						done += w;
					else
						net_poll();
				}
			} else if (n == 0 || (n < 0 && n != -SIETCH_EAGAIN)) {
				net_close(conns[i]);
				conns[i--] = conns[--nconns];
			}
		}
		uint32_t from;
		uint16_t port;
		long n;
		while ((n = net_udp_recv(udp, buf, sizeof(buf), &from, &port)) >= 0)
			net_udp_send(udp, buf, (size_t)n, from, port);
	}
}

static pid_t child;

static int start_pair(void (*child_main)(void))
{
	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, pair) < 0)
		return -1;
	/* Room for a full TCP window of frames in flight each way. */
	int size = 4 << 20;
	setsockopt(pair[0], SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	setsockopt(pair[1], SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	child = fork();
	if (child == 0)
		child_main();
	close(pair[1]);
	return 0;
}

static int group_setup(void **state)
{
	(void)state;
	if (start_pair((void (*)(void))echo_server) < 0)
		return -1;
	fake_init(pair[0], 2);
	struct net_options o = { .static_address = 1, .address = CLIENT_ADDR, .netmask = 0xffffff00u };
	return net_start(&o) < 0 ? -1 : 0;
}

static int group_teardown(void **state)
{
	(void)state;
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	return 0;
}

/* --- helpers ----------------------------------------------------------------------- */

static int poll_until_connected(long s)
{
	uint64_t start = net_now_ns();
	while (net_now_ns() - start < 5000000000ull) {
		net_poll();
		long c = net_connected(s);
		if (c != 0)
			return (int)c;
	}
	return 0;
}

/* Sends len bytes and reads the echo back while sending, as a client must with a
 * message bigger than both windows; checks every byte. */
static void echo_message(long s, const uint8_t *out, size_t len, uint8_t *in)
{
	size_t sent = 0, got = 0;
	uint64_t start = net_now_ns();
	while (got < len) {
		assert_true(net_now_ns() - start < 10000000000ull);
		if (sent < len) {
			long w = net_write(s, out + sent, len - sent);
			if (w > 0)
				sent += (size_t)w;
			else
				assert_int_equal(w, -SIETCH_EAGAIN);
		}
		net_poll();
		long r = net_read(s, in + got, len - got);
		if (r > 0)
			got += (size_t)r;
		else
			assert_int_equal(r, -SIETCH_EAGAIN);
	}
	assert_memory_equal(in, out, len);
}

/* Sends len bytes of out to the echo server from UDP socket u; checks the echo, whole, and that
 * it came from the server's port. */
static void udp_echo_datagram(long u, const uint8_t *out, size_t len)
{
	static uint8_t in[65536];
	assert_int_equal(net_udp_send(u, out, len, SERVER_ADDR, ECHO_PORT), (long)len);
	uint64_t start = net_now_ns();
	long r;
	uint32_t from = 0;
	uint16_t port = 0;
	while ((r = net_udp_recv(u, in, sizeof(in), &from, &port)) == -SIETCH_EAGAIN) {
		assert_true(net_now_ns() - start < 5000000000ull);
		net_poll();
	}
	assert_int_equal(r, (long)len);
	assert_int_equal(from, SERVER_ADDR);
	assert_int_equal(port, ECHO_PORT);
	assert_memory_equal(in, out, len);
}

/* count messages of random sizes and bytes, each echoed and checked whole. */
static void echo_random_messages(long s, int count)
{
	static uint8_t out[65536], in[65536];
	for (int m = 0; m < count; m++) {
		size_t len = 1 + rng(sizeof(out));
		for (size_t i = 0; i < len; i++)
			out[i] = (uint8_t)rng(256);
		echo_message(s, out, len, in);
	}
}

/* --- the tests --------------------------------------------------------------------- */

static void test_tcp_echo_random_sizes(void **state)
{
	(void)state;
	for (int conn = 0; conn < 3; conn++) {
		long s = net_connect(SERVER_ADDR, ECHO_PORT);
		assert_true(s >= 0);
		assert_int_equal(poll_until_connected(s), 1);
		echo_random_messages(s, 60);
		assert_int_equal(net_close(s), 0);
	}
}

static void test_tcp_many_connections(void **state)
{
	(void)state;
	long s[6];
	for (int i = 0; i < 6; i++) {
		s[i] = net_connect(SERVER_ADDR, ECHO_PORT);
		assert_true(s[i] >= 0);
	}
	for (int i = 0; i < 6; i++)
		assert_int_equal(poll_until_connected(s[i]), 1);
	for (int round = 0; round < 20; round++) {
		for (int i = 0; i < 6; i++) {
			uint8_t out[100], in[100];
			size_t len = 1 + rng(sizeof(out));
			memset(out, 'a' + i, len);
			echo_message(s[i], out, len, in);
		}
	}
	for (int i = 0; i < 6; i++)
		assert_int_equal(net_close(s[i]), 0);
}

static void test_tcp_refused(void **state)
{
	(void)state;
	long s = net_connect(SERVER_ADDR, 9); /* nothing listens: the server answers RST */
	assert_true(s >= 0);
	assert_true(poll_until_connected(s) < 0);
	assert_int_equal(net_write(s, "x", 1), -SIETCH_EIO);
	assert_int_equal(net_close(s), 0);
}

static void test_udp_echo(void **state)
{
	(void)state;
	static uint8_t out[65507];
	long u = net_udp_open(0);
	assert_true(u >= 0);
	for (int m = 0; m < 300; m++) {
		/* Mostly single frames, some fragmented up to the largest datagram. */
		size_t len = m % 10 == 9 ? 1 + rng(sizeof(out)) : 1 + rng(1472);
		for (size_t i = 0; i < len; i++)
			out[i] = (uint8_t)rng(256);
		udp_echo_datagram(u, out, len);
	}
	assert_int_equal(net_close(u), 0);
}

static void test_ping(void **state)
{
	(void)state;
	for (uint16_t seq = 1; seq <= 5; seq++)
		assert_true(net_ping(SERVER_ADDR, seq, 56, 2000000000ull) >= 0);
	assert_int_equal(net_ping(0x0a000009u, 6, 56, 300000000ull), -SIETCH_ETIMEDOUT);
}

static void test_info(void **state)
{
	(void)state;
	struct net_info info;
	assert_int_equal(net_info(&info), 0);
	assert_int_equal(info.address, CLIENT_ADDR);
	assert_int_equal(info.netmask, 0xffffff00u);
	assert_int_equal(info.dhcp, 0);
	assert_int_equal(info.mac[5], 2);
	assert_string_equal(info.device, "fake0");
	assert_true(info.stats.tx_packets > 0 && info.stats.rx_packets > 0);
}

/* --- frames by hand ----------------------------------------------------------------- */

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static uint16_t ip_checksum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* --- bad input ------------------------------------------------------------------------ */

static int pool_free(memp_t pool)
{
	int n = 0;
	for (struct memp *m = *memp_pools[pool]->tab; m; m = m->next)
		n++;
	return n;
}

/* A frame for this host that is wrong in one random way: runt, truncated, oversized
 * lengths, bad checksums, nonsense header fields, stray fragments, ARP garbage, noise. */
static uint16_t garbage_frame(uint8_t *f)
{
	uint16_t len = (uint16_t)(14 + 20 + rng(1500));
	for (uint16_t i = 0; i < len; i++)
		f[i] = (uint8_t)rng(256);
	memcpy(f, fake.dev.mac, 6);
	int kind = (int)rng(8);
	if (kind == 0)
		return (uint16_t)rng(14); /* a runt: not even an Ethernet header */
	if (kind == 1) { /* ARP with random fields */
		f[12] = 0x08, f[13] = 0x06;
		return (uint16_t)(14 + rng(40));
	}
	if (kind == 2)
		return len; /* random ethertype and bytes */
	f[12] = 0x08, f[13] = 0x00;
	uint8_t *ip = f + 14;
	ip[0] = kind == 3 ? (uint8_t)rng(256) : 0x45; /* kind 3: any version and header length */
	uint16_t total = kind == 4 ? (uint16_t)rng(65536) : (uint16_t)(len - 14); /* 4: lengths that lie */
	put16(ip + 2, total);
	static const uint8_t protos[] = { 1, 6, 17, 2, 255 };
	ip[9] = protos[rng(sizeof(protos))];
	put32(ip + 16, CLIENT_ADDR);
	if (kind != 5) /* 5: fragments at random offsets, first or not, more or not */
		put16(ip + 6, 0);
	put16(ip + 10, 0);
	if (kind != 6) /* 6: a bad header checksum */
		put16(ip + 10, ip_checksum(ip, 20));
	/* kind 7: a good IP header over random TCP/UDP/ICMP bytes (bad checksums, mostly) */
	return len;
}

static void test_garbage_frames(void **state)
{
	(void)state;
	enum { FRAMES = 20000 };
	static uint8_t frames[FRAMES][NETDEV_FRAME_MAX];
	static uint16_t lengths[FRAMES];
	/* The port keeps a batch of pool buffers for the device: full after a poll that
	 * received nothing. */
	while (net_poll() > 0)
		;
	int pool_before = pool_free(MEMP_PBUF_POOL);
	for (int i = 0; i < FRAMES; i++)
		lengths[i] = garbage_frame(frames[i]);
	fake.inject = &frames[0][0];
	fake.inject_lengths = lengths;
	fake.injected = 0;
	fake.inject_count = FRAMES;
	while (fake.injected < fake.inject_count)
		net_poll();
	fake.inject_count = fake.injected = 0;
	/* Stray fragments wait for their siblings until the reassembly timer drops them;
	 * replies to made-up senders wait for ARP until its timer gives up on them. */
	for (int i = 0; i < 2 * IP_REASS_MAXAGE; i++)
		ip_reass_tmr();
	for (int i = 0; i < 10; i++) /* ARP_MAXPENDING is 5 ticks (etharp.c) */
		etharp_tmr();
	while (net_poll() > 0)
		;
	assert_int_equal(pool_free(MEMP_PBUF_POOL), pool_before);
	assert_int_equal(pool_free(MEMP_REASSDATA), MEMP_NUM_REASSDATA);
	/* What echod prints of the pools says the same. */
	struct net_info info;
	assert_int_equal(net_info(&info), 0);
	assert_int_equal(info.pbufs_free, pool_before);
	assert_int_equal(info.pbufs_total, PBUF_POOL_SIZE);
	assert_int_equal(info.tcp_segs_free, pool_free(MEMP_TCP_SEG));
	assert_int_equal(info.tcp_segs_total, MEMP_NUM_TCP_SEG);
	assert_int_equal(info.tcp_pcbs_total, MEMP_NUM_TCP_PCB);
	/* And the stack still echoes. */
	static uint8_t out[20000], in[20000];
	long s = net_connect(SERVER_ADDR, ECHO_PORT);
	assert_true(s >= 0);
	assert_int_equal(poll_until_connected(s), 1);
	for (size_t i = 0; i < sizeof(out); i++)
		out[i] = (uint8_t)rng(256);
	echo_message(s, out, sizeof(out), in);
	assert_int_equal(net_close(s), 0);
}

/* Server mode's marshalling: the same calls through net_client.c's messages and shared
 * buffer into netd_serve, which runs them on this process's lwIP. */
static uint8_t server_shm[NETD_SHM_SIZE];
static int server_calls;

static long in_process_netd(struct sietch_msg *m)
{
	struct sietch_msg out = { 0 };
	int quit = 0;
	out.label = (uint64_t)netd_serve(0, m, &out, server_shm, &quit);
	*m = out;
	server_calls++;
	return 0;
}

static void test_server_mode_marshalling(void **state)
{
	(void)state;
	const struct net_backend *saved = mode;
	mode = &net_client;
	net_client_attach(in_process_netd, server_shm);
	static uint8_t out[65536], in[65536];
	long s = net_connect(SERVER_ADDR, ECHO_PORT);
	assert_true(s >= 0);
	assert_int_equal(poll_until_connected(s), 1);
	echo_random_messages(s, 20);
	assert_int_equal(net_close(s), 0);
	long u = net_udp_open(0);
	assert_true(u >= 0);
	for (int m = 0; m < 20; m++) {
		size_t len = 1 + rng(1472);
		memset(out, m, len);
		udp_echo_datagram(u, out, len);
	}
	assert_int_equal(net_close(u), 0);
	assert_true(net_ping(SERVER_ADDR, 100, 8, 2000000000ull) >= 0);
	struct net_info info;
	assert_int_equal(net_info(&info), 0);
	assert_int_equal(info.address, CLIENT_ADDR);
	assert_int_equal(info.server, 1);
	/* A bad socket or operation from a client is an error code, nothing more. */
	assert_int_equal(net_read(12345, in, 10), -SIETCH_EBADF);
	assert_int_equal(net_write(-7, in, 10), -SIETCH_EBADF);
	assert_int_equal(net_udp_send(u, out, NETD_DATA_MAX + 1, SERVER_ADDR, 7), -SIETCH_EINVAL);
	/* Another client of the same netd cannot name this one's sockets. */
	long mine = net_udp_open(4321);
	assert_true(mine >= 0);
	struct sietch_msg other = { .label = NETD_UDP_RECV, .words = { (uint64_t)mine, 10 } };
	int quit = 0;
	assert_int_equal(netd_serve(1, &other, &other, server_shm, &quit), -SIETCH_EBADF);
	other = (struct sietch_msg){ .label = NETD_CLOSE, .words = { (uint64_t)mine } };
	assert_int_equal(netd_serve(1, &other, &other, server_shm, &quit), -SIETCH_EBADF);
	other = (struct sietch_msg){ .label = NETD_POLL };
	netd_serve(1, &other, &other, server_shm, &quit);
	assert_int_equal(other.words[0], 0); /* and its poll shows none of them */
	/* A client that is gone has its sockets closed. */
	netd_drop_client(0);
	assert_int_equal(net_direct.close(mine), -SIETCH_EBADF);
	struct sietch_msg bogus = { .label = 999 };
	in_process_netd(&bogus);
	assert_int_equal((long)bogus.label, -SIETCH_EINVAL);
	assert_true(server_calls > 100);
	mode = saved;
}

static void test_bad_sockets(void **state)
{
	(void)state;
	char b[4];
	assert_int_equal(net_read(-1, b, 4), -SIETCH_EBADF);
	assert_int_equal(net_read(NET_SOCKETS_MAX, b, 4), -SIETCH_EBADF);
	assert_int_equal(net_write(5, b, 4), -SIETCH_EBADF);
	assert_int_equal(net_close(NET_SOCKETS_MAX - 1), -SIETCH_EBADF);
	long l = net_listen(1234);
	assert_true(l >= 0);
	assert_int_equal(net_accept(l), -SIETCH_EAGAIN);
	assert_int_equal(net_read(l, b, 4), -SIETCH_EBADF);
	assert_int_equal(net_listen(1234), -SIETCH_EBUSY);
	assert_int_equal(net_close(l), 0);
}

static void test_parse(void **state)
{
	(void)state;
	uint32_t a, m;
	assert_int_equal(net_parse_address("10.0.2.15/24", &a, &m), 0);
	assert_int_equal(a, 0x0a00020fu);
	assert_int_equal(m, 0xffffff00u);
	assert_int_equal(net_parse_address("192.168.1.2", &a, &m), 0);
	assert_int_equal(m, 0xffffff00u);
	assert_int_equal(net_parse_address("1.2.3.4/0", &a, &m), 0);
	assert_int_equal(m, 0);
	assert_int_equal(net_parse_address("1.2.3.4/32", &a, &m), 0);
	assert_int_equal(m, 0xffffffffu);
	const char *bad[] = { "", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.4/33", "1.2.3.4/", "a.b.c.d", "1..2.3",
			      "1.2.3.4x", "0001.2.3.4" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(net_parse_address(bad[i], &a, &m), -SIETCH_EINVAL);
	char buf[16];
	assert_string_equal(net_format_address(0x0a00020fu, buf), "10.0.2.15");

	char *argv[] = { "echod", "-t", "--addr", "10.0.0.5/16", "--server", "--gw", "10.0.0.1", "7", NULL };
	int argc = 8;
	struct net_options o;
	assert_int_equal(net_parse_options(&argc, argv, &o), 0);
	assert_int_equal(argc, 3);
	assert_string_equal(argv[1], "-t");
	assert_string_equal(argv[2], "7");
	assert_null(argv[3]);
	assert_int_equal(o.static_address, 1);
	assert_int_equal(o.address, 0x0a000005u);
	assert_int_equal(o.netmask, 0xffff0000u);
	assert_int_equal(o.gateway, 0x0a000001u);
	assert_int_equal(o.server, 1);
}

/* --- DHCP against a scripted server ------------------------------------------------ */

/* What QEMU's user network hands out: 10.0.2.15/24, gateway and server 10.0.2.2. */
#define DHCP_YIADDR 0x0a00020fu
#define DHCP_SERVER 0x0a000202u

/* Answers a DHCPDISCOVER (1) with an OFFER (2) and a REQUEST (3) with an ACK (5),
 * broadcast as RFC 2131 section 4.1 allows; returns the type answered, 0 if none. */
static int dhcp_answer(int fd, const uint8_t *in, size_t len)
{
	const size_t dhcp = 14 + 20 + 8;
	if (len < dhcp + 240 || in[12] != 0x08 || in[13] != 0x00 || in[14 + 9] != 17 || in[14 + 20 + 3] != 67)
		return 0;
	int type = 0;
	for (size_t o = dhcp + 240; o + 2 <= len && in[o] != 255;) {
		if (in[o] == 0) {
			o++;
			continue;
		}
		if (in[o] == 53)
			type = in[o + 2];
		o += 2u + in[o + 1];
	}
	if (type != 1 && type != 3)
		return 0;
	uint8_t out[400] = { 0 };
	memset(out, 0xff, 6);                               /* to everyone */
	memcpy(out + 6, "\x52\x55\x0a\x00\x02\x02", 6); /* QEMU's server MAC */
	out[12] = 0x08;
	uint8_t *d = out + dhcp;
	d[0] = 2; /* BOOTREPLY */
	d[1] = 1;
	d[2] = 6;
	memcpy(d + 4, in + dhcp + 4, 4);     /* xid */
	put32(d + 16, DHCP_YIADDR);
	put32(d + 20, DHCP_SERVER);
	memcpy(d + 28, in + dhcp + 28, 16);  /* chaddr */
	put32(d + 236, 0x63825363);          /* the magic cookie */
	uint8_t *o = d + 240;
	*o++ = 53, *o++ = 1, *o++ = type == 1 ? 2 : 5;
	*o++ = 54, *o++ = 4, put32(o, DHCP_SERVER), o += 4;
	*o++ = 51, *o++ = 4, put32(o, 86400), o += 4;
	*o++ = 1, *o++ = 4, put32(o, 0xffffff00u), o += 4;
	*o++ = 3, *o++ = 4, put32(o, DHCP_SERVER), o += 4;
	*o++ = 255;
	size_t udp_len = 8 + (size_t)(o - d);
	uint8_t *u = out + 14 + 20;
	put16(u, 67);
	put16(u + 2, 68);
	put16(u + 4, (uint16_t)udp_len); /* checksum 0: none, which IPv4 allows */
	uint8_t *ip = out + 14;
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(20 + udp_len));
	ip[8] = 64;
	ip[9] = 17;
	put32(ip + 12, DHCP_SERVER);
	put32(ip + 16, 0xffffffffu);
	put16(ip + 10, ip_checksum(ip, 20));
	send(fd, out, 14 + 20 + udp_len, 0);
	return type;
}

/* The child: lwIP asking for an address; exits 0 when it got the scripted one. */
static _Noreturn void dhcp_client(void)
{
	close(pair[0]);
	fake_init(pair[1], 3);
	struct net_options o = { 0 };
	if (net_start(&o) < 0)
		_exit(10);
	if (net_wait_ready(10000000000ull) < 0)
		_exit(11);
	struct net_info info;
	net_info(&info);
	if (info.address != DHCP_YIADDR || info.netmask != 0xffffff00u || info.gateway != DHCP_SERVER || !info.dhcp)
		_exit(12);
	_exit(0);
}

static void test_dhcp(void **state)
{
	(void)state;
	int saved = pair[0];
	assert_int_equal(start_pair((void (*)(void))dhcp_client), 0);
	int answered[6] = { 0 }, status = -1;
	uint64_t start = net_now_ns();
	while (net_now_ns() - start < 15000000000ull) {
		uint8_t frame[NETDEV_FRAME_MAX];
		ssize_t n = recv(pair[0], frame, sizeof(frame), MSG_DONTWAIT);
		if (n > 0)
			answered[dhcp_answer(pair[0], frame, (size_t)n)]++;
		else if (waitpid(child, &status, WNOHANG) == child)
			break;
		else
			usleep(1000);
	}
	close(pair[0]);
	pair[0] = saved;
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_true(answered[1] >= 1); /* an OFFER for a DISCOVER */
	assert_true(answered[3] >= 1); /* an ACK for a REQUEST */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_tcp_echo_random_sizes),
		cmocka_unit_test(test_tcp_many_connections),
		cmocka_unit_test(test_tcp_refused),
		cmocka_unit_test(test_udp_echo),
		cmocka_unit_test(test_ping),
		cmocka_unit_test(test_info),
		cmocka_unit_test(test_bad_sockets),
		cmocka_unit_test(test_server_mode_marshalling),
		cmocka_unit_test(test_garbage_frames),
	};
	/* DHCP first: its child must start lwIP afresh, so it is forked before this
	 * process starts its own. */
	const struct CMUnitTest dhcp_tests[] = {
		cmocka_unit_test(test_dhcp),
	};
	int failed = cmocka_run_group_tests(dhcp_tests, NULL, NULL);
	return failed + cmocka_run_group_tests(tests, group_setup, group_teardown);
}
