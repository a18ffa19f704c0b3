/*
 * lib/os/net.h: the calls every program makes, passed to the mode chosen by
 * net_start (net_direct.c or net_client.c), and the option parsing the
 * network programs share.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/common/syscall.h"
#include "lib/lwip-port/port.h"
#include "lib/os/net.h"

static const struct net_backend *mode;

long net_start(const struct net_options *options)
{
	if (mode)
		return -SIETCH_EBUSY;
	const struct net_backend *b = options->server ? &net_client : &net_direct;
	long r = b->start(options);
	if (r == 0)
		mode = b;
	return r;
}

long net_wait_ready(uint64_t timeout_ns)
{
	if (!mode)
		return -SIETCH_EINVAL;
	uint64_t start = net_now_ns();
	while (!mode->ready()) {
		if (net_now_ns() - start > timeout_ns)
			return -SIETCH_ETIMEDOUT;
		mode->poll();
	}
	return 0;
}

/* Every call before net_start fails the same way. */
#define CALL(fn, ...) (mode ? mode->fn(__VA_ARGS__) : -SIETCH_EINVAL)

long net_poll(void) { return mode ? mode->poll() : -SIETCH_EINVAL; }
long net_info(struct net_info *out) { return CALL(info, out); }
long net_listen(uint16_t port) { return CALL(listen, port); }
long net_accept(long listener) { return CALL(accept, listener); }
long net_connect(uint32_t address, uint16_t port) { return CALL(connect, address, port); }
long net_connected(long socket) { return CALL(connected, socket); }
long net_read(long socket, void *buf, size_t len) { return CALL(read, socket, buf, len); }
long net_write(long socket, const void *buf, size_t len) { return CALL(write, socket, buf, len); }
long net_close(long socket) { return CALL(close, socket); }
long net_udp_open(uint16_t port) { return CALL(udp_open, port); }

long net_udp_recv(long socket, void *buf, size_t len, uint32_t *from, uint16_t *from_port)
{
	return CALL(udp_recv, socket, buf, len, from, from_port);
}

long net_udp_send(long socket, const void *buf, size_t len, uint32_t to, uint16_t to_port)
{
	return CALL(udp_send, socket, buf, len, to, to_port);
}

long net_ping(uint32_t address, uint16_t sequence, size_t payload, uint64_t timeout_ns)
{
	return CALL(ping, address, sequence, payload, timeout_ns);
}

/* --- addresses and options ---------------------------------------------------- */

static long parse_quad(const char *text, const char **end, uint32_t *out)
{
	uint32_t a = 0;
	for (int i = 0; i < 4; i++) {
		if (*text < '0' || *text > '9')
			return -SIETCH_EINVAL;
		unsigned v = 0;
		int digits = 0;
		while (*text >= '0' && *text <= '9' && digits < 4) {
			v = v * 10 + (unsigned)(*text++ - '0');
			digits++;
		}
		if (v > 255 || digits > 3)
			return -SIETCH_EINVAL;
		a = a << 8 | v;
		if (i < 3 && *text++ != '.')
			return -SIETCH_EINVAL;
	}
	*end = text;
	*out = a;
	return 0;
}

long net_parse_address(const char *text, uint32_t *address, uint32_t *netmask)
{
	const char *end;
	if (!text || parse_quad(text, &end, address) < 0)
		return -SIETCH_EINVAL;
	unsigned bits = 24;
	if (*end == '/') {
		end++;
		if (*end < '0' || *end > '9')
			return -SIETCH_EINVAL;
		bits = 0;
		while (*end >= '0' && *end <= '9' && bits <= 32)
			bits = bits * 10 + (unsigned)(*end++ - '0');
		if (bits > 32)
			return -SIETCH_EINVAL;
	}
	if (*end)
		return -SIETCH_EINVAL;
	if (netmask)
		*netmask = bits == 0 ? 0 : 0xffffffffu << (32 - bits);
	return 0;
}

char *net_format_address(uint32_t a, char buf[16])
{
	snprintf(buf, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
	return buf;
}

long net_parse_options(int *argc, char **argv, struct net_options *o)
{
	memset(o, 0, sizeof(*o));
	int out = 1;
	for (int i = 1; i < *argc; i++) {
		const char *a = argv[i];
		const char *value = i + 1 < *argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--server")) {
			o->server = 1;
		} else if (!strcmp(a, "--netd")) { /* NETD_ATTACHED_FLAG: added by netd itself */
			o->server = 2;
		} else if (!strcmp(a, "--max-frame") && value) {
			o->max_frame = (uint32_t)strtoul(value, NULL, 10);
			i++;
		} else if (!strcmp(a, "--rate") && value) {
			char *end;
			unsigned long mbps = strtoul(value, &end, 10);
			if (*end || mbps == 0 || mbps > UINT32_MAX) {
				fprintf(stderr, "--rate: not a rate in Mb/s: %s\n", value);
				return -SIETCH_EINVAL;
			}
			o->rate_mbps = (uint32_t)mbps; /* the kernel says whether it is one the grant allows */
			i++;
		} else if (!strcmp(a, "--addr") || !strcmp(a, "--gw") || !strcmp(a, "--dev")) {
			if (!value) {
				fprintf(stderr, "%s needs a value\n", a);
				return -SIETCH_EINVAL;
			}
			i++;
			long r = 0;
			if (!strcmp(a, "--addr")) {
				r = net_parse_address(value, &o->address, &o->netmask);
				o->static_address = 1;
			} else if (!strcmp(a, "--gw")) {
				r = net_parse_address(value, &o->gateway, NULL);
			} else {
				o->device = value;
			}
			if (r < 0) {
				fprintf(stderr, "%s: not an address: %s\n", a, value);
				return r;
			}
		} else {
			argv[out++] = argv[i];
		}
	}
	argv[out] = NULL;
	*argc = out;
	return 0;
}
