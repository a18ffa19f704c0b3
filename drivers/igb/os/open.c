/*
 * Starting the igb VF behind a VNIC handle netdev_open (lib/os/netdev_open.c)
 * has opened and mapped: vnic_map has said where the registers are and which
 * MAC the PF filters for the VF; dma_alloc gives memory the VF may read and
 * write, with the bus address to program; the receive vector is bound to a
 * notification. Everything after that is the driver talking to the device.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "drivers/igb/os/igbvf.h"
#include "lib/os/os.h"

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

int igbvf_matches(uint16_t vendor, uint16_t device)
{
	return vendor == IGB_VENDOR_ID && device == IGB_VF_DEVICE_ID;
}

/* 0 and *out when the VF behind handle runs; the VF then owns handle and its close closes it.
 * On failure nothing is left allocated and the caller keeps (and closes) handle. */
int igbvf_open_vnic(long handle, const struct sietch_vnic_info *info, struct netdev **out)
{
	struct sietch_dma_region region;
	long r = os_dma_alloc(handle, IGBVF_DMA_SIZE, &region);
	if (r < 0)
		return (int)r;
	struct igbvf *vf = calloc(1, sizeof(*vf));
	struct vnic_platform *p = calloc(1, sizeof(*p));
	struct vf_dma dma = { (void *)(uintptr_t)region.address, region.bus_address, region.size };
	r = vf && p ? igbvf_init(vf, (volatile void *)(uintptr_t)info->regs, &dma, info->mac) : -SIETCH_ENOMEM;
	if (r < 0) {
		free(p);
		free(vf);
		return (int)r;
	}
	snprintf(vf->netdev.name, sizeof(vf->netdev.name), "vnic%u", info->vf);
	p->handle = handle;
	p->notify = bind_receive_vector(handle);
	vf->platform = p;
	vf->release = vnic_release;
	vf->sleep = p->notify >= 0 ? vnic_sleep : 0;
	vf->set_rate = vnic_set_rate;
	*out = &vf->netdev;
	return 0;
}
