/*
 * Starting the 82599 VF behind a VNIC handle the caller already owns: the
 * libos half of "netdev_open picks the driver by PCI ID". vnic_map says where
 * the VF's registers are mapped and its PCI address; pci_list gives that
 * function's vendor and device ID; only a VF ixgbevf_matches() is started.
 *
 * Not wired into netdev_open yet: today's VNICs are made by the kernel's igb
 * PF driver, so an 82599 VNIC needs a kernel side (an ixgbe PF, or a VF handed
 * through by a hypervisor) first; netdev_open then calls this before igb.
 */
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

/* The vendor and device ID of the function at (segment, bus, devfn); -SIETCH_ENOENT if none. */
static int pci_ids(const struct sietch_vnic_info *info, uint16_t *vendor, uint16_t *device)
{
	static struct sietch_pci_info entry; /* 504 bytes: off the stack */
	for (size_t i = 0;; i++) {
		long n = os_pci_list(i, &entry, 1);
		if (n <= 0)
			return n < 0 ? (int)n : -SIETCH_ENOENT;
		if (entry.segment == info->segment && entry.bus == info->bus && entry.devfn == info->devfn) {
			*vendor = entry.vendor;
			*device = entry.device;
			return 0;
		}
	}
}

/* 0 and *out when handle's VF is an 82599/X540/X550 VF now running; -SIETCH_ENODEV when the VF is
 * another driver's (the caller keeps the handle); other -SIETCH_E* on failure. */
int ixgbevf_open_vnic(long handle, struct netdev **out)
{
	struct sietch_vnic_info info;
	long r = os_vnic_map(handle, &info);
	if (r < 0)
		return (int)r;
	uint16_t vendor = 0, device = 0;
	r = pci_ids(&info, &vendor, &device);
	if (r < 0)
		return (int)r;
	if (!ixgbevf_matches(vendor, device))
		return -SIETCH_ENODEV;
	struct sietch_dma_region region;
	r = os_dma_alloc(handle, IXGBEVF_DMA_SIZE, &region);
	if (r < 0)
		return (int)r;
	struct ixgbevf *vf = calloc(1, sizeof(*vf));
	if (!vf)
		return -SIETCH_ENOMEM;
	struct ixgbevf_dma dma = { (void *)(uintptr_t)region.address, region.bus_address, region.size };
	r = ixgbevf_init(vf, (volatile void *)(uintptr_t)info.regs, &dma);
	if (r < 0) {
		free(vf);
		return (int)r;
	}
	*out = &vf->netdev;
	return 0;
}
