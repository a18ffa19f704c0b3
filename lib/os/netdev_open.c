/*
 * netdev_open: the one place that turns /dev/net/vnicN into a running driver.
 * Opening the VNIC makes the caller its one owner (a second opener gets
 * EBUSY); vnic_map maps the VF's registers and gives its PCI address;
 * pci_list gives that function's vendor and device ID, and the first driver
 * whose match function accepts them gets the handle. From then on the driver
 * owns the handle and closes it in its close; on any failure before that,
 * this file closes it, which resets the VF and frees its DMA memory.
 *
 * user/user.mk links this archive before the drivers' archives, so a program
 * that never calls netdev_open carries neither driver.
 */
#include <stdio.h>
#include "drivers/igb/os/igbvf.h"
#include "drivers/ixgbe-vf/os/ixgbevf.h"
#include "lib/os/netdev.h"
#include "lib/os/os.h"

#define VNIC_MAX 8 /* VNICs tried for a NULL path: the 82576's VFs */

struct vnic_driver {
	int (*matches)(uint16_t vendor, uint16_t device);
	int (*open_vnic)(long handle, const struct sietch_vnic_info *info, struct netdev **out);
};

static const struct vnic_driver drivers[] = {
	{ igbvf_matches, igbvf_open_vnic },
	{ ixgbevf_matches, ixgbevf_open_vnic },
};

/* The vendor and device ID of the function at the VNIC's PCI address; -SIETCH_ENOENT if none. */
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

/* Hands an owned, mapped VNIC to the driver for its VF; -SIETCH_ENODEV when none drives it. */
static int start_driver(long handle, struct netdev **out)
{
	struct sietch_vnic_info info;
	long r = os_vnic_map(handle, &info);
	if (r < 0)
		return (int)r;
	uint16_t vendor = 0, device = 0;
	r = pci_ids(&info, &vendor, &device);
	if (r < 0)
		return (int)r;
	for (size_t i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++)
		if (drivers[i].matches(vendor, device))
			return drivers[i].open_vnic(handle, &info, out);
	return -SIETCH_ENODEV;
}

static int open_one(const char *path, struct netdev **out)
{
	long handle = os_open(path, SIETCH_RIGHT_READ | SIETCH_RIGHT_WRITE);
	if (handle < 0)
		return (int)handle;
	int r = start_driver(handle, out);
	if (r < 0)
		os_close(handle);
	return r;
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
