/*
 * Host tests of netdev_open (drivers/igb/os/netdev_open.c): the kernel's VNIC
 * calls are faked (which VNICs exist, which are owned, where each call
 * fails) and igbvf_init is a stand-in, so what is checked is the choice of
 * VNIC, the arguments the driver gets, and that every failure gives the
 * handle back.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/os/os.h" /* first, so the names below replace only netdev_open.c's calls */

static long fake_open(const char *path, unsigned rights);
static long fake_close(long handle);
static long fake_vnic_map(long vnic, struct sietch_vnic_info *out);
static long fake_dma_alloc(long device, size_t size, struct sietch_dma_region *out);
static long fake_notify_create(void);
static long fake_bind_irq(long vnic, unsigned vector, long notify, uint64_t bits);
#define os_notify_create fake_notify_create
#define os_vnic_bind_irq fake_bind_irq
#define os_notify_wait(n, bits) ((void)(n), *(bits) = 1, 0L)
#define os_open fake_open
#define os_close fake_close
#define os_vnic_map fake_vnic_map
#define os_dma_alloc fake_dma_alloc
#include "drivers/igb/os/netdev_open.c"

#define VNICS 4
static struct {
	int exists;    /* how many /dev/net/vnicN there are */
	int owned;     /* bitmap: open says EBUSY */
	int map_busy;  /* bitmap: vnic_map says EBUSY */
	long dma_error;
	int init_error;
	int open_handles;
	int notifies;
	long bind_error;
	unsigned bound_vector;
	unsigned rights;
	size_t dma_size;
	volatile void *init_regs;
	struct igbvf_dma init_dma;
	uint8_t init_mac[6];
} f;

static long fake_open(const char *path, unsigned rights)
{
	int n;
	if (sscanf(path, "/dev/net/vnic%d", &n) != 1 || n >= f.exists)
		return -SIETCH_ENOENT;
	if (f.owned & (1 << n))
		return -SIETCH_EBUSY;
	f.rights = rights;
	f.open_handles++;
	return 10 + n;
}

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
	f.open_handles--;
	return 0;
}

static long fake_vnic_map(long vnic, struct sietch_vnic_info *out)
{
	int n = (int)vnic - 10;
	if (f.map_busy & (1 << n))
		return -SIETCH_EBUSY;
	memset(out, 0, sizeof(*out));
	out->vf = (uint32_t)n;
	out->regs = 0x7000000000ull + 0x4000ull * (uint64_t)n;
	out->regs_size = 0x4000;
	uint8_t mac[6] = { 0x52, 0x54, 0, 0x12, 0x34, (uint8_t)(0x57 + n) };
	memcpy(out->mac, mac, 6);
	return 0;
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

int igbvf_init(struct igbvf *vf, volatile void *regs, const struct igbvf_dma *dma, const uint8_t mac[6])
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
	f.exists = VNICS;
	return 0;
}

static void close_it(struct netdev *dev)
{
	struct igbvf *vf = (struct igbvf *)dev;
	vf->release(vf);
}

static void test_first_free_vnic(void **state)
{
	(void)state;
	f.owned = 1 << 0;    /* vnic0 refused at open */
	f.map_busy = 1 << 1; /* vnic1 refused at map */
	struct netdev *dev = 0;
	assert_int_equal(netdev_open(NULL, &dev), 0);
	assert_string_equal(dev->name, "vnic2");
	assert_int_equal(f.open_handles, 1); /* vnic1's handle went back */
	assert_int_equal(f.rights, SIETCH_RIGHT_READ | SIETCH_RIGHT_WRITE);
	assert_ptr_equal(f.init_regs, (volatile void *)(uintptr_t)(0x7000000000ull + 0x8000));
	assert_ptr_equal(f.init_dma.va, (void *)(uintptr_t)0x6000000000ull);
	assert_int_equal(f.init_dma.bus, 0x12340000ull);
	assert_true(f.dma_size >= IGBVF_DMA_SIZE);
	assert_int_equal(f.init_mac[5], 0x59);
	assert_int_equal(f.bound_vector, IGBVF_RX_VECTOR);
	assert_non_null(((struct igbvf *)dev)->sleep);
	assert_int_equal(((struct igbvf *)dev)->sleep((struct igbvf *)dev), 0);
	close_it(dev);
	assert_int_equal(f.open_handles, 0);
	assert_int_equal(f.notifies, 0);
	f.bind_error = -SIETCH_EINVAL; /* no interrupt: the VNIC still works, wait polls */
	assert_int_equal(netdev_open(NULL, &dev), 0);
	assert_null(((struct igbvf *)dev)->sleep);
	assert_int_equal(f.notifies, 0);
	close_it(dev);
}

static void test_named_vnic_and_none_free(void **state)
{
	(void)state;
	struct netdev *dev;
	assert_int_equal(netdev_open("/dev/net/vnic3", &dev), 0);
	assert_string_equal(dev->name, "vnic3");
	close_it(dev);
	f.owned = (1 << VNICS) - 1;
	assert_int_equal(netdev_open(NULL, &dev), -SIETCH_EBUSY);
	f.exists = 0;
	assert_int_equal(netdev_open(NULL, &dev), -SIETCH_ENOENT);
	assert_int_equal(netdev_open("/dev/net/vnic9", &dev), -SIETCH_ENOENT);
	assert_int_equal(f.open_handles, 0);
}

static void test_failures_give_the_handle_back(void **state)
{
	(void)state;
	struct netdev *dev;
	f.dma_error = -SIETCH_ENOMEM;
	assert_int_equal(netdev_open(NULL, &dev), -SIETCH_ENOMEM);
	assert_int_equal(f.open_handles, 0);
	f.dma_error = 0;
	f.init_error = -SIETCH_ETIMEDOUT; /* the PF never answered the mailbox */
	assert_int_equal(netdev_open(NULL, &dev), -SIETCH_ETIMEDOUT);
	assert_int_equal(f.open_handles, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_first_free_vnic, setup),
		cmocka_unit_test_setup(test_named_vnic_and_none_free, setup),
		cmocka_unit_test_setup(test_failures_give_the_handle_back, setup),
	};
	return cmocka_run_group_tests(tests, 0, 0);
}
