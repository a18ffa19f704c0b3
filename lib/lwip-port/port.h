/*
 * Sietch's port of lwIP: one network interface over a struct netdev
 * (lib/os/netdev.h), driven by polling from the program's own loop.
 *
 * lwip_port_start brings lwIP up on the device and asks for an address (DHCP,
 * or the static one given); lwip_port_poll then does one round of work: a
 * batch of received frames into lwIP, lwIP's due timers, and the frames lwIP
 * produced out to the device with one doorbell. Nothing here enters the
 * kernel unless the device's own functions do.
 */
#pragma once

#include <stdint.h>
#include "lib/os/netdev.h"

struct netif;

/* Addresses are in network byte order, as lwIP keeps them. */
struct lwip_port_config {
	int dhcp;          /* 1: ask for an address by DHCP; 0: use the ones below */
	uint32_t address;
	uint32_t netmask;
	uint32_t gateway;
};

/* Initializes lwIP (once per process) and adds dev as the default interface. 0 or -SIETCH_E*. */
int lwip_port_start(struct netdev *dev, const struct lwip_port_config *config);

/* One round of work; returns the number of frames received. */
int lwip_port_poll(void);

/* Sends the frames lwIP has queued since the last poll (after a write outside the loop). */
void lwip_port_flush(void);

/* 1 once the interface has an address (at once with a static one). */
int lwip_port_ready(void);

/* Free and total elements of lwIP's receive buffers (PBUF_POOL), TCP segments and TCP connections. */
struct lwip_port_pools {
	uint16_t pbufs_free, pbufs_total, tcp_segs_free, tcp_segs_total, tcp_pcbs_free, tcp_pcbs_total;
};
void lwip_port_pools(struct lwip_port_pools *out);

struct netif *lwip_port_netif(void);
struct netdev *lwip_port_device(void);

/* lwIP's clock in milliseconds; the program build reads the time page (sys_arch.c). */
uint32_t sys_now(void);
/* The monotonic clock in nanoseconds (the time page), for the timeouts of lib/os/net.c. */
uint64_t net_now_ns(void);
/* Maps the memory the polling loop uses (the bss, some stack) before it runs. */
void lwip_port_prefault(void);
