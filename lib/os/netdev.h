/* A network device as a program sees it: frames in, frames out, no system call per frame. */
#pragma once
#include <stdint.h>
#define NETDEV_FRAME_MAX 2048
struct netdev;
struct netdev_stats {
	uint64_t rx_packets, rx_bytes, rx_dropped, rx_errors, tx_packets, tx_bytes, tx_dropped;
	/* The driver's DMA buffers (0 where a device has none): a pool is whole when
	 * free + rx + tx == total, rx being what the receive ring holds for good and tx
	 * what frames still being sent hold. */
	uint32_t buffers_total, buffers_free, buffers_rx, buffers_tx;
};
struct netdev_ops {
	/* Copies up to max received frames into bufs[i] (NETDEV_FRAME_MAX bytes each), sets lengths[i]; returns how many, 0 when none. Never blocks. */
	int (*receive_batch)(struct netdev *dev, void *const *bufs, uint16_t *lengths, int max);
	/* Queues up to n frames with one doorbell; returns how many were taken (fewer when the ring is full). */
	int (*transmit_batch)(struct netdev *dev, const void *const *frames, const uint16_t *lengths, int n);
	int (*link_up)(struct netdev *dev);
	void (*stats)(struct netdev *dev, struct netdev_stats *out);
	/* Sleeps until a frame may have arrived or timeout_ns passes; may be NULL (then callers poll). */
	int (*wait)(struct netdev *dev, uint64_t timeout_ns);
	void (*close)(struct netdev *dev);
	/* Asks the device to pass received frames up to max_frame bytes; may be NULL. 0 or -SIETCH_E*. */
	int (*set_max_frame)(struct netdev *dev, uint32_t max_frame);
	/* Limits the device's transmit rate to mbps, for good (a VNIC grant's limit only tightens); may be NULL. */
	int (*set_rate)(struct netdev *dev, uint32_t mbps);
};
struct netdev { const struct netdev_ops *ops; uint8_t mac[6]; uint16_t mtu; char name[16]; };
/* Opens a VNIC: path like "/dev/net/vnic0", or NULL for the first free one. 0 or -SIETCH_E*. */
int netdev_open(const char *path, struct netdev **out);
