/*
 * Starting the 82599 VF (or an X540/X550 VF) behind a VNIC handle that
 * netdev_open (lib/os/netdev_open.c) has opened, mapped and chosen this
 * driver for by PCI ID: vnic_map has said where the VF's registers are;
 * dma_alloc gives the rings and buffers. The VF then owns the handle and
 * close gives it back. No interrupt is bound: the driver polls.
 *
 * No kernel side makes an 82599 VNIC yet (today's VNICs come from the
 * kernel's igb PF driver; an ixgbe PF, or a VF passed through by a
 * hypervisor, is needed first), so this has run only against a model.
 */
#include <stdio.h>
#include <stdlib.h>
#include "drivers/ixgbe-vf/os/ixgbevf.h"
#include "lib/os/os.h"

int ixgbevf_matches(uint16_t vendor, uint16_t device)
{
	if (vendor != IXGBEVF_VENDOR_INTEL)
		return 0;
	switch (device) {
	case IXGBEVF_DEV_82599:
	case IXGBEVF_DEV_X540:
	case IXGBEVF_DEV_X550:
	case IXGBEVF_DEV_X550EM_X:
	case IXGBEVF_DEV_X550EM_A:
		return 1;
	default:
		return 0;
	}
}

/* Closing the grant makes the PF reset the VF and only then frees its DMA memory. */
static void give_vnic_back(struct ixgbevf *vf)
{
	os_close(vf->handle);
	free(vf);
}

int ixgbevf_open_vnic(long handle, const struct sietch_vnic_info *info, struct netdev **out)
{
	struct sietch_dma_region region;
	long r = os_dma_alloc(handle, IXGBEVF_DMA_SIZE, &region);
	if (r < 0)
		return (int)r;
	struct ixgbevf *vf = calloc(1, sizeof(*vf));
	if (!vf)
		return -SIETCH_ENOMEM;
	struct vf_dma dma = { (void *)(uintptr_t)region.address, region.bus_address, region.size };
	r = ixgbevf_init(vf, (volatile void *)(uintptr_t)info->regs, &dma);
	if (r < 0) {
		free(vf);
		return (int)r;
	}
	snprintf(vf->netdev.name, sizeof(vf->netdev.name), "vnic%u", info->vf);
	vf->handle = handle;
	vf->release = give_vnic_back;
	*out = &vf->netdev;
	return 0;
}
