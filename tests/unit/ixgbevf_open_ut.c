/*
 * Host tests of ixgbevf_open_vnic (drivers/ixgbe-vf/os/open.c): the kernel's
 * calls are faked (dma_alloc, close) and ixgbevf_init is a stand-in, so what
 * is checked is what the driver is handed, that close gives the handle back
 * exactly once, and that a failure leaves the handle to the caller
 * (netdev_open, whose choice by PCI ID tests/unit/netdev_open_ut.c checks).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/os/os.h" /* first, so the names below replace only open.c's calls */

static long fake_dma_alloc(long device, size_t size, struct sietch_dma_region *out);
static long fake_close(long handle);
#define os_dma_alloc fake_dma_alloc
#define os_close fake_close
#include "drivers/ixgbe-vf/os/open.c"

static struct {
	long dma_error;
	int init_error;
	int inits, dma_calls, closes;
	size_t dma_size;
	struct vf_dma init_dma;
	volatile void *init_regs;
} f;

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

static long fake_close(long handle)
{
	assert_int_equal(handle, 7);
	f.closes++;
	return 0;
}

int ixgbevf_init(struct ixgbevf *vf, volatile void *regs, const struct vf_dma *dma)
{
	f.inits++;
	f.init_regs = regs;
	f.init_dma = *dma;
	memset(vf, 0, sizeof(*vf)); /* as the real one does: open.c sets its fields after */
	vf->netdev.ops = &ixgbevf_netdev_ops;
	return f.init_error;
}

const struct netdev_ops ixgbevf_netdev_ops;

static int setup(void **state)
{
	(void)state;
	memset(&f, 0, sizeof(f));
	return 0;
}

/* ixgbevf_open_vnic on handle 7, the VNIC of VF 5, as netdev_open calls it after vnic_map. */
static int open_vnic(struct netdev **dev)
{
	struct sietch_vnic_info info;
	memset(&info, 0, sizeof(info));
	info.vf = 5;
	info.regs = 0x40000000;
	return ixgbevf_open_vnic(7, &info, dev);
}

static void test_driver_gets_the_vnic(void **state)
{
	(void)state;
	struct netdev *dev = 0;
	assert_int_equal(open_vnic(&dev), 0);
	assert_non_null(dev);
	assert_ptr_equal(dev->ops, &ixgbevf_netdev_ops);
	assert_string_equal(dev->name, "vnic5");
	assert_int_equal(f.dma_size, IXGBEVF_DMA_SIZE);
	assert_ptr_equal(f.init_regs, (void *)0x40000000);
	assert_int_equal(f.init_dma.bus, 0x9000000);
	assert_ptr_equal(f.init_dma.va, (void *)0x7000000);
	assert_int_equal(f.closes, 0); /* the driver holds it */
	struct ixgbevf *vf = (struct ixgbevf *)dev;
	vf->release(vf); /* close_op's last step: frees vf */
	assert_int_equal(f.closes, 1);
}

static void test_failures_leave_the_handle_to_the_caller(void **state)
{
	(void)state;
	struct netdev *dev = 0;
	f.dma_error = -SIETCH_ENOMEM;
	assert_int_equal(open_vnic(&dev), -SIETCH_ENOMEM);
	assert_int_equal(f.inits, 0);
	f.dma_error = 0;
	f.init_error = -SIETCH_ETIMEDOUT;
	assert_int_equal(open_vnic(&dev), -SIETCH_ETIMEDOUT);
	assert_null(dev);
	assert_int_equal(f.closes, 0);
}

static void test_matches(void **state)
{
	(void)state;
	assert_true(ixgbevf_matches(0x8086, 0x10ed));
	assert_true(ixgbevf_matches(0x8086, 0x1515));
	assert_true(ixgbevf_matches(0x8086, 0x1565));
	assert_true(ixgbevf_matches(0x8086, 0x15a8));
	assert_true(ixgbevf_matches(0x8086, 0x15c5));
	assert_false(ixgbevf_matches(0x8086, 0x10ca)); /* the 82576 VF is igb's */
	assert_false(ixgbevf_matches(0x8086, 0x10fb)); /* the 82599 PF */
	assert_false(ixgbevf_matches(0x1af4, 0x10ed));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_driver_gets_the_vnic, setup),
		cmocka_unit_test_setup(test_failures_leave_the_handle_to_the_caller, setup),
		cmocka_unit_test_setup(test_matches, setup),
	};
	return cmocka_run_group_tests(tests, 0, 0);
}
