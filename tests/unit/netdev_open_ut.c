/*
 * Host tests of netdev_open (lib/os/netdev_open.c), with both drivers' real
 * open.c behind it: the kernel's calls are faked (which VNICs exist and are
 * owned, each VNIC's PCI address, pci_list's table, dma_alloc) and the
 * drivers' init functions are stand-ins, so what is checked is the choice of
 * VNIC and of driver by PCI ID, and that every handle is closed exactly once.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/os/os.h" /* first, so the names below replace only the included files' calls */

static long fake_open(const char *path, unsigned rights);
static long fake_close(long handle);
static long fake_vnic_map(long vnic, struct sietch_vnic_info *out);
static long fake_pci_list(size_t first, struct sietch_pci_info *buf, size_t count);
static long fake_dma_alloc(long device, size_t size, struct sietch_dma_region *out);
#define os_open fake_open
#define os_close fake_close
#define os_vnic_map fake_vnic_map
#define os_pci_list fake_pci_list
#define os_dma_alloc fake_dma_alloc
#define os_notify_create() (-SIETCH_ENOMEM) /* igb then polls: no interrupt to fake */
#define os_notify_wait(n, bits) ((void)(n), (void)(bits), 0L)
#define os_vnic_set_rate(h, mbps) ((void)(h), (void)(mbps), 0L)
#include "lib/os/netdev_open.c"
#include "drivers/igb/os/open.c"
#include "drivers/ixgbe-vf/os/open.c"

#define VNICS 4
#define HANDLE(n) (10 + (n))
static struct {
	int exists;		/* how many /dev/net/vnicN there are */
	int owned;		/* bitmap: open says EBUSY */
	int map_busy;		/* bitmap: vnic_map says EBUSY */
	int unlisted;		/* bitmap: the VNIC's function is missing from pci_list */
	uint16_t device[VNICS]; /* each VNIC's VF's device ID (vendor 8086) */
	int closes[VNICS];	/* closes of each VNIC's handle */
	int open_handles;
	int dma_calls, igb_inits, ixgbe_inits;
} f;

static long fake_open(const char *path, unsigned rights)
{
	int n;
	if (sscanf(path, "/dev/net/vnic%d", &n) != 1 || n >= f.exists)
		return -SIETCH_ENOENT;
	if (f.owned & (1 << n))
		return -SIETCH_EBUSY;
	assert_int_equal(rights, SIETCH_RIGHT_READ | SIETCH_RIGHT_WRITE);
	f.open_handles++;
	return HANDLE(n);
}

static long fake_close(long handle)
{
	assert_in_range(handle, HANDLE(0), HANDLE(VNICS - 1));
	f.closes[handle - HANDLE(0)]++;
	f.open_handles--;
	return 0;
}

/* VNIC n is the VF at 03:1n.0 in the PCI table, after its PF at 03:00.0. */
static long fake_vnic_map(long vnic, struct sietch_vnic_info *out)
{
	int n = (int)(vnic - HANDLE(0));
	if (f.map_busy & (1 << n))
		return -SIETCH_EBUSY;
	memset(out, 0, sizeof(*out));
	out->vf = (uint32_t)n;
	out->regs = 0x7000000000ull + 0x4000ull * (uint64_t)n;
	out->bus = 3;
	out->devfn = (uint8_t)(0x80 + 8 * n);
	if (f.unlisted & (1 << n))
		out->devfn = 0x7f;
	return 0;
}

static long fake_pci_list(size_t first, struct sietch_pci_info *buf, size_t count)
{
	assert_int_equal(count, 1);
	if (first > VNICS)
		return 0;
	memset(buf, 0, sizeof(*buf));
	buf->bus = 3;
	buf->vendor = 0x8086;
	buf->device = first == 0 ? 0x10c9 : f.device[first - 1];
	buf->devfn = first == 0 ? 0 : (uint8_t)(0x80 + 8 * (first - 1));
	return 1;
}

static long fake_dma_alloc(long device, size_t size, struct sietch_dma_region *out)
{
	(void)device;
	f.dma_calls++;
	out->address = 0x6000000000ull;
	out->bus_address = 0x12340000ull;
	out->size = size;
	return 0;
}

/* The drivers' netdev operations: only close, which gives the VNIC back as the real ones do. */
static void igb_close(struct netdev *dev)
{
	struct igbvf *vf = (struct igbvf *)dev;
	vf->release(vf);
}

static void ixgbe_close(struct netdev *dev)
{
	struct ixgbevf *vf = (struct ixgbevf *)dev;
	vf->release(vf);
}

const struct netdev_ops igbvf_netdev_ops = { .close = igb_close };
const struct netdev_ops ixgbevf_netdev_ops = { .close = ixgbe_close };

int igbvf_init(struct igbvf *vf, volatile void *regs, const struct vf_dma *dma, const uint8_t mac[6])
{
	(void)regs, (void)dma, (void)mac;
	f.igb_inits++;
	vf->netdev.ops = &igbvf_netdev_ops;
	return 0;
}

int ixgbevf_init(struct ixgbevf *vf, volatile void *regs, const struct vf_dma *dma)
{
	(void)dma;
	f.ixgbe_inits++;
	memset(vf, 0, sizeof(*vf));
	vf->regs = regs;
	vf->netdev.ops = &ixgbevf_netdev_ops;
	return 0;
}

static int setup(void **state)
{
	(void)state;
	memset(&f, 0, sizeof(f));
	f.exists = VNICS;
	for (int i = 0; i < VNICS; i++)
		f.device[i] = 0x10ca;
	return 0;
}

static void assert_each_closed_once(void)
{
	assert_int_equal(f.open_handles, 0);
	for (int i = 0; i < VNICS; i++)
		assert_in_range(f.closes[i], 0, 1);
}

static void test_igb_vf_goes_to_igb(void **state)
{
	(void)state;
	struct netdev *dev = 0;
	assert_int_equal(netdev_open("/dev/net/vnic1", &dev), 0);
	assert_ptr_equal(dev->ops, &igbvf_netdev_ops);
	assert_string_equal(dev->name, "vnic1");
	assert_int_equal(f.igb_inits, 1);
	assert_int_equal(f.ixgbe_inits, 0);
	assert_int_equal(f.closes[1], 0); /* the driver holds it */
	dev->ops->close(dev);
	assert_int_equal(f.closes[1], 1);
	assert_each_closed_once();
}

static void test_82599_x540_x550_go_to_ixgbevf(void **state)
{
	(void)state;
	static const uint16_t ids[] = { 0x10ed, 0x1515, 0x1565, 0x15a8, 0x15c5 };
	for (unsigned i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		f.device[2] = ids[i];
		struct netdev *dev = 0;
		assert_int_equal(netdev_open("/dev/net/vnic2", &dev), 0);
		assert_ptr_equal(dev->ops, &ixgbevf_netdev_ops);
		assert_string_equal(dev->name, "vnic2");
		assert_ptr_equal(((struct ixgbevf *)dev)->regs, (void *)(uintptr_t)(0x7000000000ull + 0x8000));
		dev->ops->close(dev);
		assert_int_equal(f.closes[2], 1);
		f.closes[2] = 0;
	}
	assert_int_equal(f.ixgbe_inits, 5);
	assert_int_equal(f.igb_inits, 0);
	assert_each_closed_once();
}

static void test_unknown_vf_is_enodev(void **state)
{
	(void)state;
	f.device[0] = 0x10c9; /* not a VF either driver has */
	struct netdev *dev = 0;
	assert_int_equal(netdev_open("/dev/net/vnic0", &dev), -SIETCH_ENODEV);
	assert_null(dev);
	assert_int_equal(f.dma_calls, 0); /* nothing allocated */
	assert_int_equal(f.igb_inits + f.ixgbe_inits, 0);
	assert_int_equal(f.closes[0], 1);
	assert_each_closed_once();
	f.device[0] = 0x10ca;
	f.unlisted = 1 << 3;
	assert_int_equal(netdev_open("/dev/net/vnic3", &dev), -SIETCH_ENOENT);
	assert_int_equal(f.closes[3], 1);
	assert_int_equal(f.dma_calls, 0);
	assert_each_closed_once();
}

static void test_null_path_skips_busy_vnics(void **state)
{
	(void)state;
	f.owned = 1 << 0;    /* vnic0 refused at open */
	f.map_busy = 1 << 1; /* vnic1 refused at map */
	f.device[2] = 0x10ed;
	struct netdev *dev = 0;
	assert_int_equal(netdev_open(NULL, &dev), 0);
	assert_string_equal(dev->name, "vnic2");
	assert_ptr_equal(dev->ops, &ixgbevf_netdev_ops);
	assert_int_equal(f.closes[1], 1); /* vnic1's handle went back */
	assert_int_equal(f.open_handles, 1);
	dev->ops->close(dev);
	assert_each_closed_once();
	f.owned = (1 << VNICS) - 1;
	assert_int_equal(netdev_open(NULL, &dev), -SIETCH_EBUSY);
	f.exists = 0;
	assert_int_equal(netdev_open(NULL, &dev), -SIETCH_ENOENT);
	assert_int_equal(netdev_open("/dev/net/vnic9", &dev), -SIETCH_ENOENT);
	assert_int_equal(f.open_handles, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_igb_vf_goes_to_igb, setup),
		cmocka_unit_test_setup(test_82599_x540_x550_go_to_ixgbevf, setup),
		cmocka_unit_test_setup(test_unknown_vf_is_enodev, setup),
		cmocka_unit_test_setup(test_null_path_skips_busy_vnics, setup),
	};
	return cmocka_run_group_tests(tests, 0, 0);
}
