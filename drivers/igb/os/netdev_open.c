/*
 * netdev_open for igb VFs: the kernel's half of a VNIC is three calls. Opening
 * /dev/net/vnicN makes the caller its one owner (a second opener gets EBUSY);
 * vnic_map maps the VF's registers and says which MAC the PF filters for it;
 * dma_alloc gives memory the VF may read and write, with the bus address to
 * program. Everything after that is the driver talking to the device.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "drivers/igb/os/igbvf.h"
#include "lib/os/os.h"

#define VNIC_MAX 8 /* the 82576's VFs */

struct vnic_platform {
	long handle;
	long notify; /* the receive vector's notification, or -1 */
};

long igbvf_vnic_handle(const struct igbvf *vf)
{
	const struct vnic_platform *p = vf->platform;
	return p ? p->handle : -SIETCH_EBADF;
}

static long vnic_sleep(struct igbvf *vf)
{
	struct vnic_platform *p = vf->platform;
	uint64_t bits;
	return os_notify_wait(p->notify, &bits);
}

/* A notification the VF's receive vector signals, for wait(IGBVF_WAIT_FOREVER); -1 if none. */
static long bind_receive_vector(long handle)
{
	long notify = os_notify_create();
	if (notify < 0)
		return -1;
	if (os_vnic_bind_irq(handle, IGBVF_RX_VECTOR, notify, 1) < 0) {
		os_close(notify);
		return -1;
	}
	return notify;
}

static long vnic_set_rate(struct igbvf *vf, uint32_t mbps)
{
	struct vnic_platform *p = vf->platform;
	return os_vnic_set_rate(p->handle, mbps);
}

static void vnic_release(struct igbvf *vf)
{
	struct vnic_platform *p = vf->platform;
	/* Closing the grant makes the PF reset the VF and only then frees its DMA memory. */
	os_close(p->handle);
	if (p->notify >= 0)
		os_close(p->notify);
	free(p);
	free(vf);
}

static int vnic_start(long handle, struct igbvf *vf)
{
	struct sietch_vnic_info info;
	long r = os_vnic_map(handle, &info);
	if (r < 0)
		return (int)r;
	struct sietch_dma_region region;
	r = os_dma_alloc(handle, IGBVF_DMA_SIZE, &region);
	if (r < 0)
		return (int)r;
	struct igbvf_dma dma = { (void *)(uintptr_t)region.address, region.bus_address, region.size };
	r = igbvf_init(vf, (volatile void *)(uintptr_t)info.regs, &dma, info.mac);
	if (r < 0)
		return (int)r;
	snprintf(vf->netdev.name, sizeof(vf->netdev.name), "vnic%u", info.vf);
	return 0;
}

static int open_one(const char *path, struct netdev **out)
{
	long handle = os_open(path, SIETCH_RIGHT_READ | SIETCH_RIGHT_WRITE);
	if (handle < 0)
		return (int)handle;
	struct igbvf *vf = calloc(1, sizeof(*vf));
	struct vnic_platform *p = calloc(1, sizeof(*p));
	int r = vf && p ? vnic_start(handle, vf) : -SIETCH_ENOMEM;
	if (r < 0) {
		os_close(handle);
		free(p);
		free(vf);
		return r;
	}
	p->handle = handle;
	p->notify = bind_receive_vector(handle);
	vf->platform = p;
	vf->release = vnic_release;
	vf->sleep = p->notify >= 0 ? vnic_sleep : 0;
	vf->set_rate = vnic_set_rate;
	*out = &vf->netdev;
	return 0;
}

/* NULL: the first VNIC nobody owns (an owned one says EBUSY when opened or mapped). EBUSY when
 * every one is taken, ENOENT when there are none. */
int netdev_open(const char *path, struct netdev **out)
{
	if (path)
		return open_one(path, out);
	int last = -SIETCH_ENOENT;
	for (int i = 0; i < VNIC_MAX; i++) {
		char name[32];
		snprintf(name, sizeof(name), "/dev/net/vnic%d", i);
		int r = open_one(name, out);
		if (r != -SIETCH_EBUSY)
			return r == -SIETCH_ENOENT ? last : r;
		last = r;
	}
	return last;
}
