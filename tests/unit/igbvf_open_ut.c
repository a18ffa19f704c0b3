/*
 * Host tests of igbvf_open_vnic (drivers/igb/os/open.c): the kernel's VNIC
 * calls are faked (where each fails) and igbvf_init is a stand-in, so what is
 * checked is what the driver gets, that close gives the handle back once, and
 * that a failure leaves the handle to the caller (netdev_open, whose choice
 * of VNIC and driver tests/unit/netdev_open_ut.c checks).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/os/os.h" /* first, so the names below replace only open.c's calls */

static long fake_close(long handle);
static long fake_dma_alloc(long device, size_t size, struct sietch_dma_region *out);
static long fake_notify_create(void);
static long fake_bind_irq(long vnic, unsigned vector, long notify, uint64_t bits);
#define os_notify_create fake_notify_create
#define os_vnic_bind_irq fake_bind_irq
#define os_notify_wait(n, bits) ((void)(n), *(bits) = 1, 0L)
#define os_close fake_close
#define os_dma_alloc fake_dma_alloc
#include "drivers/igb/os/open.c"

#define VNICS 4
static struct {
	long dma_error;
	int init_error;
	int closed_handles;
	int notifies;
	long bind_error;
	unsigned bound_vector;
	size_t dma_size;
	volatile void *init_regs;
	struct vf_dma init_dma;
	uint8_t init_mac[6];
} f;

static long fake_notify_create(void)
{
	f.notifies++;
	return 50;
}

static long fake_bind_irq(long vnic, unsigned vector, long notify, uint64_t bits)
{
	assert_in_range(vnic, 10, 10 + VNICS - 1);
	assert_int_equal(notify, 50);
	assert_int_not_equal(bits, 0);
	f.bound_vector = vector;
	return f.bind_error;
}

static long fake_close(long handle)
{
	if (handle == 50) {
		f.notifies--;
		return 0;
	}
	assert_in_range(handle, 10, 10 + VNICS - 1);
	f.closed_handles++;
	return 0;
}

/* What vnic_map tells the owner of VNIC n (handle 10 + n). */
static void fake_vnic_map(int n, struct sietch_vnic_info *out)
{
	memset(out, 0, sizeof(*out));
	out->vf = (uint32_t)n;
	out->regs = 0x7000000000ull + 0x4000ull * (uint64_t)n;
	out->regs_size = 0x4000;
	uint8_t mac[6] = { 0x52, 0x54, 0, 0x12, 0x34, (uint8_t)(0x57 + n) };
	memcpy(out->mac, mac, 6);
}

static long fake_dma_alloc(long device, size_t size, struct sietch_dma_region *out)
{
	(void)device;
	if (f.dma_error)
		return f.dma_error;
	f.dma_size = size;
	out->address = 0x6000000000ull;
	out->bus_address = 0x12340000ull;
	out->size = (size + 4095) & ~4095ull;
	return 0;
}

int igbvf_init(struct igbvf *vf, volatile void *regs, const struct vf_dma *dma, const uint8_t mac[6])
{
	f.init_regs = regs;
	f.init_dma = *dma;
	memcpy(f.init_mac, mac, 6);
	if (f.init_error)
		return f.init_error;
	vf->netdev.ops = &igbvf_netdev_ops;
	memcpy(vf->netdev.mac, mac, 6);
	return 0;
}

const struct netdev_ops igbvf_netdev_ops = { 0 };

static int setup(void **state)
{
	(void)state;
	memset(&f, 0, sizeof(f));
	return 0;
}

static void close_it(struct netdev *dev)
{
	struct igbvf *vf = (struct igbvf *)dev;
	vf->release(vf);
}

/* igbvf_open_vnic on VNIC n's handle, as netdev_open calls it after vnic_map. */
static int open_vnic(int n, struct netdev **dev)
{
	struct sietch_vnic_info info;
	fake_vnic_map(n, &info);
	return igbvf_open_vnic(10 + n, &info, dev);
}

static void test_driver_gets_the_vnic(void **state)
{
	(void)state;
	struct netdev *dev = 0;
	assert_int_equal(open_vnic(2, &dev), 0);
	assert_string_equal(dev->name, "vnic2");
	assert_ptr_equal(f.init_regs, (volatile void *)(uintptr_t)(0x7000000000ull + 0x8000));
	assert_ptr_equal(f.init_dma.va, (void *)(uintptr_t)0x6000000000ull);
	assert_int_equal(f.init_dma.bus, 0x12340000ull);
	assert_true(f.dma_size >= IGBVF_DMA_SIZE);
	assert_int_equal(f.init_mac[5], 0x59);
	assert_int_equal(f.bound_vector, IGBVF_RX_VECTOR);
	assert_non_null(((struct igbvf *)dev)->sleep);
	assert_int_equal(((struct igbvf *)dev)->sleep((struct igbvf *)dev), 0);
	assert_int_equal(f.closed_handles, 0); /* the driver holds it */
	close_it(dev);
	assert_int_equal(f.closed_handles, 1);
	assert_int_equal(f.notifies, 0);
	f.bind_error = -SIETCH_EINVAL; /* no interrupt: the VNIC still works, wait polls */
	assert_int_equal(open_vnic(3, &dev), 0);
	assert_string_equal(dev->name, "vnic3");
	assert_null(((struct igbvf *)dev)->sleep);
	assert_int_equal(f.notifies, 0);
	close_it(dev);
	assert_int_equal(f.closed_handles, 2);
}

static void test_failures_leave_the_handle_to_the_caller(void **state)
{
	(void)state;
	struct netdev *dev = 0;
	f.dma_error = -SIETCH_ENOMEM;
	assert_int_equal(open_vnic(0, &dev), -SIETCH_ENOMEM);
	f.dma_error = 0;
	f.init_error = -SIETCH_ETIMEDOUT; /* the PF never answered the mailbox */
	assert_int_equal(open_vnic(0, &dev), -SIETCH_ETIMEDOUT);
	assert_null(dev);
	assert_int_equal(f.closed_handles, 0);
	assert_int_equal(f.notifies, 0);
}

static void test_matches(void **state)
{
	(void)state;
	assert_true(igbvf_matches(0x8086, 0x10ca));
	assert_false(igbvf_matches(0x8086, 0x10c9)); /* the PF */
	assert_false(igbvf_matches(0x8086, 0x10ed)); /* the 82599 VF is ixgbevf's */
	assert_false(igbvf_matches(0x1af4, 0x10ca));
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
