/*
 * vnictest: the VNIC system calls from a process's side, for tests/system/test_vnic.py.
 *
 *   vnictest            every check below; "vnictest: pass" or "vnictest: fail N" at the end
 *   vnictest hold N [MBPS]  takes /dev/net/vnicN (with a transmit limit), maps it, says so, and
 *                       sleeps until killed
 *   vnictest pools      every VF's pool as the device holds it (vnic_pool); exit status 1 when a
 *                       pool nobody owns is on or still has a ring address, or the kernel's
 *                       canary in physical page 0 was written
 *   vnictest child N    (run by the checks) takes vnicN, allocates DMA memory, exits holding it
 *
 * The checks: one owner per VNIC (EBUSY for a second opener, in this process or another), rights,
 * vnic_map's facts and the VF's registers read through the mapping, dma_alloc, vnic_bind_irq,
 * bad arguments, the PF's answers on the mailbox (reset handshake with the MAC the kernel gave,
 * NACK for another MAC), the grant's transmit rate limit (vnic_set_rate, vnic_pool) and the one a
 * parent passes to its children (vnic_rate_limit), and that
 * the VF comes back, its pool off, when its owner closes it or exits.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "drivers/igb/regs.h"
#include "lib/os/os.h"
#include "lib/os/vf_mailbox.h"

#define RW (SIETCH_RIGHT_READ | SIETCH_RIGHT_WRITE)
#define MBX_TIMEOUT_NS 2000000000ul

static int failures;

static void check(bool ok, const char *what, long got)
{
	printf("vnictest: %s: %s", what, ok ? "ok" : "FAIL");
	if (!ok)
		printf(" (got %ld: %s)", got, got < 0 ? os_strerror(got) : "");
	printf("\n");
	failures += !ok;
}

static long open_vnic(unsigned n, unsigned rights)
{
	char path[32];
	snprintf(path, sizeof(path), "/dev/net/vnic%u", n);
	return os_open(path, rights);
}

/* ---- the VF's side of the mailbox (lib/os/vf_mailbox.c), raw: the checks read the PF's verdicts ---- */

static volatile uint32_t *regs;
static struct vf_mailbox mbx;
static const struct vf_mailbox_device mbx_device = {
	.control = IGBVF_V2PMAILBOX,
	.memory = IGBVF_VMBMEM,
	.timeout_us = MBX_TIMEOUT_NS / 1000,
};

/* Sends msg and returns the PF's reply word 0 (reply words in msg), or 0 when the PF did not answer. */
static uint32_t mbx_call(uint32_t *msg, unsigned words)
{
	if (vf_mailbox_send(&mbx, msg, words) < 0 || vf_mailbox_receive(&mbx, msg, 3) < 0)
		return 0;
	return msg[0];
}

static void mac_words(const uint8_t *mac, uint32_t *w)
{
	w[0] = mac[0] | mac[1] << 8 | mac[2] << 16 | (uint32_t)mac[3] << 24;
	w[1] = mac[4] | mac[5] << 8;
}

static void mailbox_checks(const struct sietch_vnic_info *info)
{
	uint32_t msg[IGB_MBX_WORDS] = { IGB_VF_SET_MAC_ADDR };
	mac_words(info->mac, &msg[1]);
	uint32_t r = mbx_call(msg, 3);
	check(r == (IGB_VF_SET_MAC_ADDR | IGB_MBX_NACK), "mailbox: a request before the reset handshake is NACKed", r);

	msg[0] = IGB_VF_RESET;
	r = mbx_call(msg, 1);
	uint32_t want[2];
	mac_words(info->mac, want);
	check(r == (IGB_VF_RESET | IGB_MBX_ACK) && msg[1] == want[0] && (msg[2] & 0xffff) == want[1],
	      "mailbox: reset is ACKed with the MAC vnic_map gave", r);

	msg[0] = IGB_VF_SET_MAC_ADDR;
	mac_words(info->mac, &msg[1]);
	r = mbx_call(msg, 3);
	check(r == (IGB_VF_SET_MAC_ADDR | IGB_MBX_ACK | IGB_MBX_CTS), "mailbox: set-MAC to its own MAC is ACKed", r);

	uint8_t other[6];
	memcpy(other, info->mac, 6);
	other[5] ^= 0x40;
	msg[0] = IGB_VF_SET_MAC_ADDR;
	mac_words(other, &msg[1]);
	r = mbx_call(msg, 3);
	check(r == (IGB_VF_SET_MAC_ADDR | IGB_MBX_NACK | IGB_MBX_CTS), "mailbox: set-MAC to another MAC is NACKed", r);

	msg[0] = IGB_VF_API_NEGOTIATE;
	msg[1] = IGB_MBX_API_1_0;
	check(mbx_call(msg, 2) & IGB_MBX_ACK, "mailbox: API 1.0 is ACKed", (long)msg[0]);
	msg[0] = IGB_VF_API_NEGOTIATE;
	msg[1] = 99;
	check(mbx_call(msg, 2) & IGB_MBX_NACK, "mailbox: an unknown API is NACKed", (long)msg[0]);
	msg[0] = IGB_VF_SET_LPE;
	msg[1] = 9000;
	check(mbx_call(msg, 2) & IGB_MBX_ACK, "mailbox: set-LPE 9000 is ACKed", (long)msg[0]);
	msg[0] = IGB_VF_SET_MULTICAST | 2u << IGB_MBX_INFO_SHIFT;
	msg[1] = 0x0123 | 0x0456u << 16;
	check(mbx_call(msg, 2) & IGB_MBX_ACK, "mailbox: two multicast hashes are ACKed", (long)msg[0]);
	msg[0] = IGB_VF_SET_PROMISC;
	check(mbx_call(msg, 1) & IGB_MBX_NACK, "mailbox: promiscuous mode is NACKed", (long)msg[0]);

	/* measured, not asserted: one request and its answer, through the PF's interrupt */
	enum { ROUNDS = 100 };
	long start = os_clock_ns(SIETCH_CLOCK_MONOTONIC);
	for (int i = 0; i < ROUNDS; i++) {
		msg[0] = IGB_VF_API_NEGOTIATE;
		msg[1] = IGB_MBX_API_1_0;
		mbx_call(msg, 2);
	}
	printf("vnictest: mailbox round trip %ld us (mean of %d)\n",
	       (os_clock_ns(SIETCH_CLOCK_MONOTONIC) - start) / ROUNDS / 1000, ROUNDS);
}

/*
 * The VF's MSI-X vectors bound to one notification, each with its own bit; the VF's "other" causes
 * (the mailbox) routed to a vector and unmasked; a mailbox exchange must then post a bit. The waiting
 * is done by a thread, so that a missing interrupt costs a timeout, not a hang: the main thread
 * signals the notification itself after 2 s.
 */
static long irq_notify;
static volatile uint64_t irq_bits;
static volatile int irq_waited;

static void irq_waiter(void *arg)
{
	(void)arg;
	uint64_t bits = 0;
	os_notify_wait(irq_notify, &bits);
	irq_bits = bits;
	irq_waited = 1;
}

static void interrupt_checks(long h)
{
	irq_notify = os_notify_create();
	long r = 0;
	for (unsigned v = 0; v < 3 && r == 0; v++)
		r = os_vnic_bind_irq(h, v, irq_notify, 1u << v);
	check(r == 0, "vnic_bind_irq of all three vectors", r);
	if (os_thread_create(irq_waiter, NULL, 0) < 0)
		return;
	regs[IGBVF_IVAR_MISC / 4] = IGB_IVAR_VALID | 1; /* the mailbox's vector (QEMU reads bits 1:0 as a mask) */
	regs[IGBVF_EIAC / 4] = 7;
	regs[IGBVF_EIMS / 4] = 7;
	uint32_t msg[2] = { IGB_VF_API_NEGOTIATE, IGB_MBX_API_1_0 };
	mbx_call(msg, 2);
	long start = os_clock_ns(SIETCH_CLOCK_MONOTONIC);
	while (!irq_waited && os_clock_ns(SIETCH_CLOCK_MONOTONIC) - start < (long)MBX_TIMEOUT_NS)
		os_sleep_ns(1000000);
	if (!irq_waited)
		os_notify_signal(irq_notify, 1ul << 63);
	while (!irq_waited)
		os_yield();
	printf("vnictest: interrupt: notification bits %#lx\n", (unsigned long)irq_bits);
	check(irq_bits & 7, "the VF's mailbox interrupt reaches the bound notification", (long)irq_bits);
	regs[IGBVF_EIMC / 4] = 7;
	for (unsigned v = 0; v < 3; v++)
		os_vnic_bind_irq(h, v, -1, 0);
	os_close(irq_notify);
}

/* ---- the checks ---- */

static void map_checks(long h, struct sietch_vnic_info *info)
{
	long r = os_vnic_map(h, info);
	check(r == 0, "vnic_map", r);
	if (r)
		return;
	printf("vnictest: vnic0: vf %u mac %02x:%02x:%02x:%02x:%02x:%02x regs %#lx+%#lx msix %u queues %u/%u "
	       "pf queue %u rate %u max frame %u pci %02x:%02x.%u link %s\n",
	       info->vf, info->mac[0], info->mac[1], info->mac[2], info->mac[3], info->mac[4], info->mac[5],
	       (unsigned long)info->regs, (unsigned long)info->regs_size, info->msix_vectors, info->rx_queues,
	       info->tx_queues, info->pf_rx_queue, info->tx_rate_mbps, info->max_frame, info->bus, info->devfn >> 3,
	       info->devfn & 7, info->flags & SIETCH_VNIC_LINK_UP ? "up" : "down");
	check(info->vf == 0 && info->regs_size == 16384 && info->msix_vectors == 3 && info->rx_queues == 1 &&
	      (info->mac[0] & 3) == 2, "vnic_map's facts", info->vf);
	regs = (volatile uint32_t *)info->regs;
	vf_mailbox_init(&mbx, &mbx_device, regs);
	uint32_t status = regs[IGBVF_STATUS / 4];
	printf("vnictest: vnic0: VTSTATUS %#010x\n", status);
	check(status != 0xffffffffu, "VTSTATUS reads through the mapping", status);
	struct sietch_vnic_info again;
	r = os_vnic_map(h, &again);
	check(r == 0 && again.regs == info->regs, "vnic_map twice gives the same mapping", r);
}

static void bad_argument_checks(long h)
{
	struct sietch_vnic_info info;
	struct sietch_dma_region region;
	check(os_vnic_map(h, NULL) == -SIETCH_EFAULT, "vnic_map to NULL is EFAULT", os_vnic_map(h, NULL));
	check(os_vnic_map(h, (void *)0xffffffff80000000ul) == -SIETCH_EFAULT, "vnic_map into the kernel is EFAULT", 0);
	check(os_vnic_map(SIETCH_HANDLE_STDOUT, &info) == -SIETCH_EBADF, "vnic_map of the console is EBADF", 0);
	long n = os_notify_create();
	check(os_vnic_bind_irq(h, 3, n, 1) == -SIETCH_EINVAL, "vnic_bind_irq of vector 3 is EINVAL", 0);
	check(os_vnic_bind_irq(h, 0, n, 0) == -SIETCH_EINVAL, "vnic_bind_irq with no bits is EINVAL", 0);
	check(os_vnic_bind_irq(h, 0, h, 1) == -SIETCH_EBADF, "vnic_bind_irq to a VNIC, not a notification, is EBADF",
	      0);
	long r = os_vnic_bind_irq(h, 0, n, 1);
	check(r == 0, "vnic_bind_irq of vector 0", r);
	r = os_vnic_bind_irq(h, 0, n, 2);
	check(r == 0, "vnic_bind_irq again (rebinding)", r);
	r = os_vnic_bind_irq(h, 0, -1, 0);
	check(r == 0, "vnic_bind_irq to -1 unbinds", r);
	os_close(n);
	check(os_dma_alloc(h, 0, &region) == -SIETCH_EINVAL, "dma_alloc of 0 bytes is EINVAL", 0);
	check(os_dma_alloc(h, 1ul << 40, &region) == -SIETCH_EINVAL, "dma_alloc of 1 TiB is EINVAL", 0);
	check(os_dma_alloc(h, 4096, NULL) == -SIETCH_EFAULT, "dma_alloc to NULL is EFAULT", 0);
}

static void dma_checks(long h)
{
	struct sietch_dma_region region;
	long r = os_dma_alloc(h, 10000, &region);
	check(r == 0 && region.size == 12288 && region.address && region.bus_address &&
	      !(region.bus_address & 4095), "dma_alloc of 10000 bytes", r);
	if (r)
		return;
	printf("vnictest: dma region %#lx bus %#lx size %lu\n", (unsigned long)region.address,
	       (unsigned long)region.bus_address, (unsigned long)region.size);
	volatile uint8_t *p = (volatile uint8_t *)region.address;
	bool zero = true;
	for (uint64_t i = 0; i < region.size; i++)
		zero &= p[i] == 0;
	memset((void *)p, 0xa5, region.size);
	check(zero && p[region.size - 1] == 0xa5, "DMA memory is zeroed and writable", 0);
}

static long pool_of(unsigned vf, struct sietch_vnic_pool *pool)
{
	memset(pool, 0xff, sizeof(*pool));
	return os_vnic_pool(vf, pool);
}

static void print_pool(const struct sietch_vnic_pool *p)
{
	printf("vnictest: pool %u%s%s%s%s%s rate %u rttbcnrc %#x read %#x rings %#lx %#lx %#lx %#lx\n", p->vf,
	       p->flags & SIETCH_VNIC_POOL_OWNED ? " owned" : " free", p->flags & SIETCH_VNIC_POOL_RX_ON ? " vfre" : "",
	       p->flags & SIETCH_VNIC_POOL_TX_ON ? " vfte" : "", p->flags & SIETCH_VNIC_POOL_RXQ_ON ? " rxq" : "",
	       p->flags & SIETCH_VNIC_POOL_TXQ_ON ? " txq" : "", p->tx_rate_mbps, p->rttbcnrc, p->rttbcnrc_read,
	       (unsigned long)p->rx_ring[0], (unsigned long)p->rx_ring[1], (unsigned long)p->tx_ring[0],
	       (unsigned long)p->tx_ring[1]);
}

/* After the reset handshake: the grant's rate limit, validated, programmed for the VF's queue. */
static void rate_checks(long h)
{
	struct sietch_vnic_pool pool;
	long r = pool_of(0, &pool);
	check(r == 0 && (pool.flags & (SIETCH_VNIC_POOL_OWNED | SIETCH_VNIC_POOL_RX_ON | SIETCH_VNIC_POOL_TX_ON)) ==
			      (SIETCH_VNIC_POOL_OWNED | SIETCH_VNIC_POOL_RX_ON | SIETCH_VNIC_POOL_TX_ON),
	      "vnic_pool: vnic0 owned, on after its handshake", r ? r : pool.flags);
	unsigned start = pool.tx_rate_mbps;
	check(os_vnic_set_rate(h, 0) == -SIETCH_EINVAL, "vnic_set_rate 0 is EINVAL", os_vnic_set_rate(h, 0));
	check(os_vnic_set_rate(h, 1001) == -SIETCH_EINVAL, "vnic_set_rate 1001 is EINVAL", 0);
	check(os_vnic_set_rate(SIETCH_HANDLE_STDOUT, 100) == -SIETCH_EBADF, "vnic_set_rate of the console is EBADF", 0);
	if (start == 0 || start > 100) {
		r = os_vnic_set_rate(h, 100);
		pool_of(0, &pool);
		check(r == 0 && pool.tx_rate_mbps == 100 && pool.rttbcnrc == (IGB_RTTBCNRC_RS_ENA | 10u << 14),
		      "vnic_set_rate 100 programs RTTBCNRC 1000/100 = 10.0", r ? r : pool.rttbcnrc);
	}
	check(os_vnic_set_rate(h, 101) == -SIETCH_EPERM, "a grant's rate only tightens (101 after 100 is EPERM)",
	      os_vnic_set_rate(h, 101));
	r = os_vnic_set_rate(h, 30);
	pool_of(0, &pool);
	/* 1000/30 = 33 + 1/3: 14 fraction bits of 16384/3 */
	check(r == 0 && pool.tx_rate_mbps == 30 && pool.rttbcnrc == (IGB_RTTBCNRC_RS_ENA | 33u << 14 | 5461),
	      "vnic_set_rate 30 programs RTTBCNRC 33.333", r ? r : pool.rttbcnrc);
	print_pool(&pool);
	struct sietch_vnic_info info;
	r = os_vnic_map(h, &info);
	check(r == 0 && info.tx_rate_mbps == 30, "vnic_map reports the grant's rate", r ? r : info.tx_rate_mbps);
	check(os_vnic_pool(99, &pool) == -SIETCH_ENOENT, "vnic_pool of VF 99 is ENOENT", 0);
	check(os_vnic_pool(0, NULL) == -SIETCH_EFAULT, "vnic_pool to NULL is EFAULT", 0);
}

/* A pool nobody owns: nothing on, no ring address left (the device could still reach it). */
static bool pool_is_quiet(const struct sietch_vnic_pool *p)
{
	return !(p->flags & ~SIETCH_VNIC_POOL_LOW_PAGE_OK) && !(p->rx_ring[0] | p->rx_ring[1] | p->tx_ring[0] |
								 p->tx_ring[1]);
}

/* Every pool as the device holds it; "quiet" or "NOT QUIET" for each free one, and the low page. */
static int show_pools(void)
{
	struct sietch_vnic_pool pool;
	int bad = 0, low_page_ok = 1;
	for (unsigned vf = 0; pool_of(vf, &pool) == 0; vf++) {
		print_pool(&pool);
		if (!(pool.flags & SIETCH_VNIC_POOL_OWNED)) {
			bool quiet = pool_is_quiet(&pool);
			printf("vnictest: free pool %u %s\n", vf, quiet ? "quiet" : "NOT QUIET");
			bad += !quiet;
		}
		low_page_ok &= !!(pool.flags & SIETCH_VNIC_POOL_LOW_PAGE_OK);
	}
	printf("vnictest: low page %s\n", low_page_ok ? "whole" : "WRITTEN");
	return bad || !low_page_ok;
}

/* A child takes vnic1 and exits holding it (and its DMA memory); the VF must come back. */
static void exit_returns_checks(void)
{
	char *argv[] = { "vnictest", "child", "1", NULL };
	long child = os_spawn("/bin/vnictest", argv);
	int status = -1;
	check(child >= 0 && os_wait(child, &status) == 0 && status == 0, "a child takes vnic1 and exits holding it",
	      status);
	os_close(child);
	long h = open_vnic(1, RW);
	check(h >= 0, "vnic1 is free again after its owner exited", h);
	if (h >= 0)
		os_close(h);
}

/* The child's half of rate_limit_checks: 0 when its grant came with its parent's limit and it cannot lift it. */
static int child_rate(void)
{
	long h = open_vnic(1, RW);
	struct sietch_vnic_info info;
	if (h < 0 || os_vnic_map(h, &info) < 0)
		return 2;
	if (info.tx_rate_mbps != 50)
		return 3;
	if (os_vnic_rate_limit(-1, 60) != -SIETCH_EPERM || os_vnic_set_rate(h, 60) != -SIETCH_EPERM)
		return 4;
	return os_vnic_set_rate(h, 20) == 0 ? 0 : 5;
}

/* A parent limits itself, and so every child it spawns from then on; a process handle with KILL limits another. */
static void rate_limit_checks(void)
{
	check(os_vnic_rate_limit(-1, 0) == -SIETCH_EINVAL, "vnic_rate_limit 0 is EINVAL", 0);
	check(os_vnic_rate_limit(-1, 1001) == -SIETCH_EINVAL, "vnic_rate_limit 1001 is EINVAL", 0);
	check(os_vnic_rate_limit(SIETCH_HANDLE_STDOUT, 50) == -SIETCH_EBADF, "vnic_rate_limit of the console is EBADF",
	      0);
	long r = os_vnic_rate_limit(-1, 50);
	check(r == 0, "vnic_rate_limit 50 on itself", r);
	check(os_vnic_rate_limit(-1, 60) == -SIETCH_EPERM, "a limit only tightens (60 after 50 is EPERM)", 0);
	char *argv[] = { "vnictest", "child-rate", NULL };
	long child = os_spawn("/bin/vnictest", argv);
	int status = -1;
	check(child >= 0 && os_wait(child, &status) == 0 && status == 0,
	      "a child's grant starts with its parent's limit, and the child cannot lift it", status);
	check(os_vnic_rate_limit(child, 40) == 0 && os_vnic_rate_limit(child, 45) == -SIETCH_EPERM,
	      "vnic_rate_limit through a process handle", 0);
	os_close(child);
}

static int run_checks(void)
{
	long h = open_vnic(0, RW);
	check(h >= 0, "open /dev/net/vnic0", h);
	if (h < 0)
		return 1;
	check(open_vnic(0, RW) == -SIETCH_EBUSY, "a second open of vnic0 is EBUSY", open_vnic(0, RW));
	check(open_vnic(1, SIETCH_RIGHT_READ) == -SIETCH_EPERM, "open without WRITE is EPERM", 0);
	check(open_vnic(99, RW) == -SIETCH_ENOENT, "vnic99 does not exist", 0);
	check(os_handle_dup(h, SIETCH_RIGHT_READ) == -SIETCH_EPERM, "a VNIC handle cannot be duplicated", 0);
	struct sietch_vnic_info info;
	map_checks(h, &info);
	bad_argument_checks(h);
	dma_checks(h);
	if (regs) {
		mailbox_checks(&info);
		rate_checks(h);
		interrupt_checks(h);
	}

	char *argv[] = { "vnictest", "child-busy", NULL };
	long other = os_spawn("/bin/vnictest", argv);
	int status = -1;
	check(other >= 0 && os_wait(other, &status) == 0 && status == 0, "another process gets EBUSY for vnic0",
	      status);
	os_close(other);
	exit_returns_checks();

	long start = os_clock_ns(SIETCH_CLOCK_MONOTONIC);
	check(os_close(h) == 0, "close vnic0", 0);
	printf("vnictest: close (unbind, unmap, FLR, scrub, free DMA) took %ld ms\n",
	       (os_clock_ns(SIETCH_CLOCK_MONOTONIC) - start) / 1000000);
	struct sietch_vnic_pool pool;
	long r = pool_of(0, &pool);
	check(r == 0 && pool_is_quiet(&pool), "vnic0's pool is off, its rings forgotten, once closed",
	      r ? r : pool.flags);
	h = open_vnic(0, RW);
	check(h >= 0, "vnic0 is free again after close", h);
	if (h >= 0)
		os_close(h);
	rate_limit_checks(); /* last: it limits this process for good */
	printf(failures ? "vnictest: fail %d\n" : "vnictest: pass\n", failures);
	return failures != 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "child-busy")) {
		long h = open_vnic(0, RW);
		return h == -SIETCH_EBUSY ? 0 : 1;
	}
	if (argc == 2 && !strcmp(argv[1], "child-rate"))
		return child_rate();
	if (argc == 2 && !strcmp(argv[1], "pools"))
		return show_pools();
	if ((argc == 3 || argc == 4) && (!strcmp(argv[1], "child") || !strcmp(argv[1], "hold"))) {
		unsigned n = (unsigned)atoi(argv[2]);
		long h = open_vnic(n, RW);
		struct sietch_vnic_info info;
		struct sietch_dma_region region;
		long r = h < 0 ? h : argc == 4 ? os_vnic_set_rate(h, (uint32_t)atoi(argv[3])) : 0;
		if (r || os_vnic_map(h, &info) || os_dma_alloc(h, 65536, &region)) {
			printf("vnictest: cannot take vnic%u: %s\n", n, os_strerror(r ? r : -SIETCH_EIO));
			return 1;
		}
		memset((void *)region.address, 0x5a, region.size);
		if (!strcmp(argv[1], "child"))
			return 0; /* exits holding the VF */
		printf("vnictest: holding vnic%u as pid %ld\n", n, os_self());
		fflush(stdout);
		for (;;)
			os_sleep_ns(1000000000ul);
	}
	if (argc == 1)
		return run_checks();
	fprintf(stderr, "usage: vnictest [hold N [MBPS] | pools]\n");
	return 2;
}
