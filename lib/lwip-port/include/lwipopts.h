/*
 * lwIP's options for Sietch (every option and its default: lwIP's src/include/lwip/opt.h).
 *
 * One process, one thread, no operating system underneath lwIP (NO_SYS): the
 * program's event loop (lib/os/net.c, net_poll) receives frames, feeds them in,
 * and runs lwIP's timers from the monotonic clock read off the time page, so a
 * busy loop enters the kernel for nothing. Memory comes from lwIP's own static
 * pools in the program's bss, never from malloc, so once warm the loop takes no
 * page fault either. Only the raw (callback) API is built.
 */
#pragma once

#define NO_SYS 1
#define SYS_LIGHTWEIGHT_PROT 0 /* one thread touches lwIP */
#define LWIP_SOCKET 0
#define LWIP_NETCONN 0
#define LWIP_NETIF_API 0

/* --- memory: static pools, sized for 64 KiB in flight per connection ---- */
#define MEM_LIBC_MALLOC 0
#define MEMP_MEM_MALLOC 0
#define MEM_ALIGNMENT 8
#define MEM_SIZE (1024 * 1024) /* the heap of PBUF_RAM buffers tcp_write copies into */
#define MEMP_NUM_PBUF 64
#define MEMP_NUM_UDP_PCB 8
#define MEMP_NUM_TCP_PCB 16
#define MEMP_NUM_TCP_PCB_LISTEN 8
#define MEMP_NUM_TCP_SEG 512
#define MEMP_NUM_RAW_PCB 4
/* Receive buffers: one pool buffer holds a whole frame (NETDEV_FRAME_MAX), so the
 * device copies into it and lwIP never chains a received frame. */
#define PBUF_POOL_SIZE 256
#define PBUF_POOL_BUFSIZE 2048

/* --- protocols ----------------------------------------------------------- */
#define LWIP_IPV4 1
#define LWIP_IPV6 0
#define LWIP_ARP 1
#define LWIP_ETHERNET 1
#define ETHARP_SUPPORT_STATIC_ENTRIES 0
#define ARP_QUEUEING 1
#define LWIP_ICMP 1
#define LWIP_RAW 1 /* ping's echo requests and replies */
#define LWIP_UDP 1
#define LWIP_TCP 1
#define LWIP_DHCP 1
#define DHCP_DOES_ARP_CHECK 0 /* QEMU's user network hands out addresses no one else has */
#define LWIP_AUTOIP 0
#define LWIP_IGMP 0
#define LWIP_DNS 0
#define IP_REASSEMBLY 1
#define IP_FRAG 1
#define IP_REASS_MAX_PBUFS 48 /* a 64 KiB datagram in 1480-byte fragments */
#define MEMP_NUM_REASSDATA 8
#define LWIP_NETIF_STATUS_CALLBACK 1
#define LWIP_NETIF_LINK_CALLBACK 1
#define LWIP_NETIF_LOOPBACK 0
#define LWIP_HAVE_LOOPIF 0

/* --- TCP: a full 16-bit window, no scaling ------------------------------- */
#define TCP_MSS 1460
#define TCP_WND (44 * TCP_MSS)      /* 64240: under 65535, so no window scaling */
#define TCP_SND_BUF (44 * TCP_MSS)
#define TCP_SND_QUEUELEN (4 * TCP_SND_BUF / TCP_MSS)
#define TCP_QUEUE_OOSEQ 1
#define LWIP_TCP_KEEPALIVE 0
#define TCP_LISTEN_BACKLOG 1
#define TCP_DEFAULT_LISTEN_BACKLOG 8

/* --- checksums in software: what a VF offloads is not assumed ------------ */
#define CHECKSUM_GEN_IP 1
#define CHECKSUM_GEN_UDP 1
#define CHECKSUM_GEN_TCP 1
#define CHECKSUM_GEN_ICMP 1
#define CHECKSUM_CHECK_IP 1
#define CHECKSUM_CHECK_UDP 1
#define CHECKSUM_CHECK_TCP 1
#define CHECKSUM_CHECK_ICMP 1

/* --- no statistics or debug output (the device counts frames; netdev_stats) */
#define LWIP_STATS 0
#define LWIP_DEBUG 0
