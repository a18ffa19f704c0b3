/*
 * lwIP's network interface over a struct netdev (lwIP's doc: "netif" and
 * contrib's ethernetif.c skeleton): received frames go straight from the
 * device into lwIP's pool buffers, frames lwIP sends are gathered and handed
 * to the device in batches, one doorbell each.
 */
#include <string.h>
#include "lib/common/syscall.h"
#include "lib/lwip-port/port.h"
#include "lwip/dhcp.h"
#include "lwip/etharp.h"
#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"

/* Frames moved per call to the device: one receive or transmit ring's worth
 * is plenty; each costs a NETDEV_FRAME_MAX buffer here. */
#define PORT_BATCH 32

_Static_assert(PBUF_POOL_BUFSIZE >= NETDEV_FRAME_MAX, "a received frame must fit one pool buffer");

static struct port {
	struct netdev *dev;
	struct netif netif;
	int dhcp;
	int started;
	/* Receive: pool buffers waiting for the device to fill them. */
	struct pbuf *rx[PORT_BATCH];
	/* Transmit: frames copied out of lwIP's pbufs, in order, until the next flush. */
	uint8_t tx_space[PORT_BATCH][NETDEV_FRAME_MAX];
	const void *tx_frames[PORT_BATCH];
	uint16_t tx_lengths[PORT_BATCH];
	int tx_count;
	uint64_t tx_dropped; /* frames lwIP sent that no transmit slot took */
} port;

struct netif *lwip_port_netif(void)
{
	return &port.netif;
}

struct netdev *lwip_port_device(void)
{
	return port.dev;
}

/* Hands the queued frames to the device; what it does not take waits for the next flush,
 * in order, unless the queue is full, when lwIP's retransmissions cover the loss. */
void lwip_port_flush(void)
{
	if (port.tx_count == 0)
		return;
	int taken = port.dev->ops->transmit_batch(port.dev, port.tx_frames, port.tx_lengths, port.tx_count);
	if (taken < 0)
		taken = 0;
	int left = port.tx_count - taken;
	const void *done[PORT_BATCH];
	memcpy(done, port.tx_frames, sizeof(void *) * (size_t)taken);
	memmove(port.tx_frames, port.tx_frames + taken, sizeof(void *) * (size_t)left);
	memmove(port.tx_lengths, port.tx_lengths + taken, sizeof(uint16_t) * (size_t)left);
	memcpy(port.tx_frames + left, done, sizeof(void *) * (size_t)taken);
	port.tx_count = left;
}

static err_t port_linkoutput(struct netif *netif, struct pbuf *p)
{
	(void)netif;
	if (p->tot_len > NETDEV_FRAME_MAX)
		return ERR_BUF;
	if (port.tx_count == PORT_BATCH) {
		lwip_port_flush();
		if (port.tx_count == PORT_BATCH) {
			port.tx_dropped++;
			return ERR_MEM;
		}
	}
	int slot = port.tx_count++;
	port.tx_lengths[slot] = pbuf_copy_partial(p, (void *)port.tx_frames[slot], p->tot_len, 0);
	return ERR_OK;
}

static err_t port_netif_init(struct netif *netif)
{
	netif->name[0] = 'e';
	netif->name[1] = 'n';
	netif->hwaddr_len = ETH_HWADDR_LEN;
	memcpy(netif->hwaddr, port.dev->mac, ETH_HWADDR_LEN);
	netif->mtu = port.dev->mtu ? port.dev->mtu : 1500;
	netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
	netif->output = etharp_output;
	netif->linkoutput = port_linkoutput;
	return ERR_OK;
}

int lwip_port_start(struct netdev *dev, const struct lwip_port_config *config)
{
	if (port.started)
		return -SIETCH_EBUSY;
	lwip_port_prefault();
	port.dev = dev;
	for (int i = 0; i < PORT_BATCH; i++)
		port.tx_frames[i] = port.tx_space[i];
	lwip_init();
	ip4_addr_t address, netmask, gateway;
	ip4_addr_set_u32(&address, config->dhcp ? 0 : config->address);
	ip4_addr_set_u32(&netmask, config->dhcp ? 0 : config->netmask);
	ip4_addr_set_u32(&gateway, config->dhcp ? 0 : config->gateway);
	if (!netif_add(&port.netif, &address, &netmask, &gateway, NULL, port_netif_init, ethernet_input))
		return -SIETCH_EINVAL;
	netif_set_default(&port.netif);
	netif_set_up(&port.netif);
	/* The link is taken as up: a VF whose link is down later only loses frames, which
	 * lwIP's retransmissions and DHCP's retries already handle. */
	netif_set_link_up(&port.netif);
	port.dhcp = config->dhcp;
	if (config->dhcp && dhcp_start(&port.netif) != ERR_OK)
		return -SIETCH_ENOMEM;
	port.started = 1;
	lwip_port_flush();
	return 0;
}

int lwip_port_ready(void)
{
	if (!port.started)
		return 0;
	return port.dhcp ? dhcp_supplied_address(&port.netif) : 1;
}

/* Gives every empty receive slot a pool buffer; returns how many slots have one,
 * packed at the front. */
static int port_fill_rx(void)
{
	int filled = 0;
	for (int i = 0; i < PORT_BATCH; i++) {
		struct pbuf *p = port.rx[i];
		if (!p)
			p = pbuf_alloc(PBUF_RAW, NETDEV_FRAME_MAX, PBUF_POOL);
		port.rx[i] = NULL;
		if (p)
			port.rx[filled++] = p;
	}
	return filled;
}

int lwip_port_poll(void)
{
	if (!port.started)
		return 0;
	int slots = port_fill_rx();
	int received = 0;
	if (slots > 0) {
		void *bufs[PORT_BATCH];
		uint16_t lengths[PORT_BATCH];
		for (int i = 0; i < slots; i++)
			bufs[i] = port.rx[i]->payload;
		received = port.dev->ops->receive_batch(port.dev, bufs, lengths, slots);
		if (received < 0)
			received = 0;
		for (int i = 0; i < received; i++) {
			struct pbuf *p = port.rx[i];
			port.rx[i] = NULL;
			if (lengths[i] == 0 || lengths[i] > NETDEV_FRAME_MAX) {
				pbuf_free(p);
				continue;
			}
			pbuf_realloc(p, lengths[i]);
			if (port.netif.input(p, &port.netif) != ERR_OK)
				pbuf_free(p);
		}
	}
	sys_check_timeouts();
	lwip_port_flush();
	return received;
}
