/*
 * Host tests of ixgbevf_open_vnic (drivers/ixgbe-vf/os/open.c): the kernel's
 * calls are faked (vnic_map's PCI address, pci_list's table, dma_alloc) and
 * ixgbevf_init is a stand-in, so what is checked is the choice by PCI ID and
 * what the driver is handed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/os/os.h" /* first, so the names below replace only open.c's calls */

static long fake_vnic_map(long vnic, struct sietch_vnic_info *out);
static long fake_pci_list(size_t first, struct sietch_pci_info *buf, size_t count);
static long fake_dma_alloc(long device, size_t size, struct sietch_dma_region *out);
#define os_vnic_map fake_vnic_map
#define os_pci_list fake_pci_list
#define os_dma_alloc fake_dma_alloc
#define IXGBEVF_MODEL
#include "drivers/ixgbe-vf/os/open.c"

static struct {
	uint16_t device[3]; /* the PCI table: three functions of vendor 8086 */
	uint8_t vf_devfn;   /* the VNIC's function: table entry vf_devfn */
	long dma_error;
	int init_error;
	int inits, dma_calls;
	size_t dma_size;
	struct ixgbevf_dma init_dma;
	volatile void *init_regs;
} f;

static long fake_vnic_map(long vnic, struct sietch_vnic_info *out)
{
	assert_int_equal(vnic, 7);
	memset(out, 0, sizeof(*out));
	out->regs = 0x40000000;
	out->bus = 3;
	out->devfn = f.vf_devfn;
	return 0;
}

static long fake_pci_list(size_t first, struct sietch_pci_info *buf, size_t count)
{
	assert_int_equal(count, 1);
	if (first >= 3)
		return 0;
	memset(buf, 0, sizeof(*buf));
	buf->bus = 3;
	buf->devfn = (uint8_t)first;
	buf->vendor = IXGBEVF_VENDOR_INTEL;
	buf->device = f.device[first];
	return 1;
}

static long fake_dma_alloc(long device, size_t size, struct sietch_dma_region *out)
{
	assert_int_equal(device, 7);
	f.dma_calls++;
	f.dma_size = size;
	if (f.dma_error)
		return f.dma_error;
	out->address = 0x7000000;
	out->bus_address = 0x9000000;
	out->size = size;
	return 0;
}

int ixgbevf_init(struct ixgbevf *vf, volatile void *regs, const struct ixgbevf_dma *dma)
{
	f.inits++;
	f.init_regs = regs;
	f.init_dma = *dma;
	vf->netdev.ops = &ixgbevf_netdev_ops;
	return f.init_error;
}

const struct netdev_ops ixgbevf_netdev_ops;

static int setup(void **state)
{
	(void)state;
	memset(&f, 0, sizeof(f));
	f.device[0] = 0x10c9; /* an 82576 PF */
	f.device[1] = 0x10ca; /* its VF: igb's */
	f.device[2] = IXGBEVF_DEV_82599;
	return 0;
}

static void test_picks_by_pci_id(void **state)
{
	(void)state;
	static const uint16_t ours[] = { IXGBEVF_DEV_82599, IXGBEVF_DEV_X540, IXGBEVF_DEV_X550,
					 IXGBEVF_DEV_X550EM_X, IXGBEVF_DEV_X550EM_A };
	for (unsigned i = 0; i < sizeof(ours) / sizeof(ours[0]); i++) {
		f.device[2] = ours[i];
		f.vf_devfn = 2;
		struct netdev *dev = 0;
		assert_int_equal(ixgbevf_open_vnic(7, &dev), 0);
		assert_non_null(dev);
		assert_ptr_equal(dev->ops, &ixgbevf_netdev_ops);
		free(dev);
	}
	assert_int_equal(f.dma_size, IXGBEVF_DMA_SIZE);
	assert_ptr_equal(f.init_regs, (void *)0x40000000);
	assert_int_equal(f.init_dma.bus, 0x9000000);
	assert_ptr_equal(f.init_dma.va, (void *)0x7000000);
}

static void test_other_vf_left_alone(void **state)
{
	(void)state;
	f.vf_devfn = 1; /* the 82576 VF */
	struct netdev *dev = 0;
	assert_int_equal(ixgbevf_open_vnic(7, &dev), -SIETCH_ENODEV);
	assert_null(dev);
	assert_int_equal(f.dma_calls, 0); /* nothing taken for a VF another driver will start */
	assert_int_equal(f.inits, 0);
	f.vf_devfn = 5; /* not in the table */
	assert_int_equal(ixgbevf_open_vnic(7, &dev), -SIETCH_ENOENT);
}

static void test_failures_pass_through(void **state)
{
	(void)state;
	f.vf_devfn = 2;
	struct netdev *dev = 0;
	f.dma_error = -SIETCH_ENOMEM;
	assert_int_equal(ixgbevf_open_vnic(7, &dev), -SIETCH_ENOMEM);
	f.dma_error = 0;
	f.init_error = -SIETCH_ETIMEDOUT;
	assert_int_equal(ixgbevf_open_vnic(7, &dev), -SIETCH_ETIMEDOUT);
	assert_null(dev);
}

static void test_matches(void **state)
{
	(void)state;
	assert_true(ixgbevf_matches(0x8086, 0x10ed));
	assert_true(ixgbevf_matches(0x8086, 0x1515));
	assert_true(ixgbevf_matches(0x8086, 0x1565));
	assert_false(ixgbevf_matches(0x8086, 0x10ca)); /* the 82576 VF is igb's */
	assert_false(ixgbevf_matches(0x1af4, 0x10ed));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_picks_by_pci_id, setup),
		cmocka_unit_test_setup(test_other_vf_left_alone, setup),
		cmocka_unit_test_setup(test_failures_pass_through, setup),
		cmocka_unit_test_setup(test_matches, setup),
	};
	return cmocka_run_group_tests(tests, 0, 0);
}
