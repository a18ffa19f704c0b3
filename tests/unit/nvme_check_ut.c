/*
 * Host tests for lib/common/nvme_check.c: what a process may ask the kernel
 * to submit in kernel-checked mode. Bus addresses are host pointers; the
 * process's DMA memory is one page-aligned region.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/common/nvme_check.c"
#include "lib/common/nvme_cmd.c"
#include "tests/unit/fake_nvme.h"

#define PAGE NVME_PAGE_SIZE
#define DMA_PAGES 16

static uint8_t *dma;        /* the process's DMA memory */
static uint64_t *klist;     /* the kernel's PRP list page */
static unsigned lookups;

static uint64_t bus(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

static const void *lookup(void *ctx, uint64_t addr, size_t len)
{
	(void)ctx;
	lookups++;
	assert_true(len > 0 && addr % PAGE + len <= PAGE); /* never across a page */
	if (addr < bus(dma) || addr + len > bus(dma) + DMA_PAGES * PAGE)
		return NULL;
	return (const void *)(uintptr_t)addr;
}

static const struct nvme_area area = {
	.nsid = 1, .first_lba = 1000, .blocks = 100, .block_size = 512,
	.max_transfer = 64 * 1024, .write_zeroes = true,
};

static struct nvme_prp_list kernel_list(void)
{
	return (struct nvme_prp_list){ klist, bus(klist), PAGE / 8 };
}

static int setup(void **state)
{
	(void)state;
	dma = aligned_alloc(PAGE, DMA_PAGES * PAGE);
	klist = aligned_alloc(PAGE, PAGE);
	memset(dma, 0, DMA_PAGES * PAGE);
	memset(klist, 0, PAGE);
	lookups = 0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(dma);
	free(klist);
	return 0;
}

static struct nvme_sqe user_read(uint64_t slba, uint32_t blocks, uint64_t prp1, uint64_t prp2)
{
	struct nvme_sqe c;
	assert_int_equal(nvme_cmd_read(&c, 9, slba, blocks), 0); /* nsid 9: replaced */
	c.prp1 = prp1;
	c.prp2 = prp2;
	c.cid = 77;
	return c;
}

static void test_read_moved_into_the_area(void **state)
{
	(void)state;
	struct nvme_sqe out, in = user_read(10, 8, bus(dma), 0);
	struct nvme_prp_list l = kernel_list();
	assert_int_equal(nvme_check_io(&out, &in, &area, lookup, NULL, &l), 0);
	assert_int_equal(out.opc, NVME_NVM_READ);
	assert_int_equal(out.nsid, 1);
	assert_int_equal(out.cid, 0); /* the kernel's queue assigns it */
	assert_int_equal(out.cdw10, 1010);
	assert_int_equal(out.cdw11, 0);
	assert_int_equal(out.cdw12, 7);
	assert_int_equal(out.prp1, bus(dma));
	assert_int_equal(out.prp2, 0);
}

static void test_range_outside_the_area_refused(void **state)
{
	(void)state;
	struct nvme_sqe out, in;
	struct nvme_prp_list l = kernel_list();
	in = user_read(100, 1, bus(dma), 0);
	assert_int_equal(nvme_check_io(&out, &in, &area, lookup, NULL, &l), -SIETCH_EACCES);
	in = user_read(96, 8, bus(dma), 0);
	assert_int_equal(nvme_check_io(&out, &in, &area, lookup, NULL, &l), -SIETCH_EACCES);
	in = user_read(UINT64_MAX - 2, 8, bus(dma), 0); /* would wrap past the area */
	assert_int_equal(nvme_check_io(&out, &in, &area, lookup, NULL, &l), -SIETCH_EACCES);
	in = user_read(99, 1, bus(dma), 0);
	assert_int_equal(nvme_check_io(&out, &in, &area, lookup, NULL, &l), 0);
	assert_int_equal(out.cdw10, 1099);
}

static void test_forbidden_fields_refused(void **state)
{
	(void)state;
	struct nvme_sqe out, in;
	struct nvme_prp_list l = kernel_list();
	struct { size_t offset; uint32_t value; } pokes[] = {
		{ offsetof(struct nvme_sqe, flags), 0x01 },  /* fused */
		{ offsetof(struct nvme_sqe, flags), 0x40 },  /* SGL */
		{ offsetof(struct nvme_sqe, cdw2), 1 },
		{ offsetof(struct nvme_sqe, mptr), 0x1000 }, /* metadata */
		{ offsetof(struct nvme_sqe, cdw12), 1u << 31 }, /* limited retry */
		{ offsetof(struct nvme_sqe, cdw12), 1u << 26 }, /* PRINFO */
		{ offsetof(struct nvme_sqe, cdw13), 0x100 },
		{ offsetof(struct nvme_sqe, cdw14), 1 },
		{ offsetof(struct nvme_sqe, cdw15), 1 },
	};
	for (size_t i = 0; i < sizeof(pokes) / sizeof(pokes[0]); i++) {
		in = user_read(0, 1, bus(dma), 0);
		uint8_t *raw = (uint8_t *)&in;
		if (pokes[i].offset == offsetof(struct nvme_sqe, flags))
			raw[pokes[i].offset] = (uint8_t)pokes[i].value;
		else {
			uint32_t v;
			memcpy(&v, raw + pokes[i].offset, 4);
			v |= pokes[i].value;
			memcpy(raw + pokes[i].offset, &v, 4);
		}
		assert_int_equal(nvme_check_io(&out, &in, &area, lookup, NULL, &l), -SIETCH_EINVAL);
	}
	/* Admin opcodes and other NVM commands. */
	in = user_read(0, 1, bus(dma), 0);
	in.opc = NVME_NVM_DATASET_MANAGEMENT;
	assert_int_equal(nvme_check_io(&out, &in, &area, lookup, NULL, &l), -SIETCH_EINVAL);
	in.opc = NVME_NVM_COMPARE;
	assert_int_equal(nvme_check_io(&out, &in, &area, lookup, NULL, &l), -SIETCH_EINVAL);
	/* FUA and the dataset hint are fine. */
	in = user_read(0, 1, bus(dma), 0);
	in.cdw12 |= NVME_RW_FUA;
	in.cdw13 = 0x7;
	assert_int_equal(nvme_check_io(&out, &in, &area, lookup, NULL, &l), 0);
	assert_int_equal(out.cdw12, NVME_RW_FUA);
	assert_int_equal(out.cdw13, 0x7);
}

static void test_data_outside_dma_memory_refused(void **state)
{
	(void)state;
	struct nvme_sqe out, in;
	struct nvme_prp_list l = kernel_list();
	static uint8_t elsewhere[PAGE] __attribute__((aligned(4096)));

	in = user_read(0, 1, bus(elsewhere), 0);
	assert_int_equal(nvme_check_io(&out, &in, &area, lookup, NULL, &l), -SIETCH_EFAULT);
	/* The last 256 bytes of the region, then beyond it. */
	in = user_read(0, 1, bus(dma) + DMA_PAGES * PAGE - 256, bus(elsewhere));
	assert_int_equal(nvme_check_io(&out, &in, &area, lookup, NULL, &l), -SIETCH_EFAULT);
	in = user_read(0, 1, bus(dma) + 2, 0);
	assert_int_equal(nvme_check_io(&out, &in, &area, lookup, NULL, &l), -SIETCH_EINVAL);
	/* A second page that is not page aligned. */
	in = user_read(0, 2, bus(dma) + PAGE - 512, bus(dma) + 8);
	assert_int_equal(nvme_check_io(&out, &in, &area, lookup, NULL, &l), -SIETCH_EFAULT);
	in = user_read(0, 2, bus(dma) + PAGE - 512, bus(dma) + 3 * PAGE);
	assert_int_equal(nvme_check_io(&out, &in, &area, lookup, NULL, &l), 0);
	assert_int_equal(out.prp2, bus(dma) + 3 * PAGE);
	/* Over the controller's maximum transfer. */
	struct nvme_area big = area;
	big.blocks = 1000;
	in = user_read(0, 65536 / 512 + 1, bus(dma), 0);
	assert_int_equal(nvme_check_io(&out, &in, &big, lookup, NULL, &l), -SIETCH_EINVAL);
}

/* A list in the process's memory is copied; the device gets the copy. */
static void test_prp_list_copied_and_checked(void **state)
{
	(void)state;
	struct nvme_sqe out, in;
	struct nvme_prp_list l = kernel_list();
	uint64_t *ulist = (uint64_t *)(dma + 15 * PAGE);
	for (int i = 0; i < 4; i++)
		ulist[i] = bus(dma) + (uint64_t)(5 + i) * PAGE;

	in = user_read(0, 34, bus(dma) + 4 * PAGE - 1024, bus(ulist)); /* 17 KiB over 5 pages */
	assert_int_equal(nvme_check_io(&out, &in, &area, lookup, NULL, &l), 0);
	assert_int_equal(out.prp1, bus(dma) + 4 * PAGE - 1024);
	assert_int_equal(out.prp2, bus(klist));
	for (int i = 0; i < 4; i++)
		assert_int_equal(klist[i], bus(dma) + (uint64_t)(5 + i) * PAGE);
	ulist[4] = bus(dma) + 9 * PAGE;
	in = user_read(0, 35, bus(dma) + 4 * PAGE - 1024, bus(ulist)); /* 6 pages */
	assert_int_equal(nvme_check_io(&out, &in, &area, lookup, NULL, &l), 0);
	assert_int_equal(klist[4], bus(dma) + 9 * PAGE);

	/* One bad entry, a list outside, a list that is not aligned. */
	ulist[2] = 0x1000;
	assert_int_equal(nvme_check_io(&out, &in, &area, lookup, NULL, &l), -SIETCH_EFAULT);
	ulist[2] = bus(dma) + 7 * PAGE;
	in.prp2 = 0x2000;
	assert_int_equal(nvme_check_io(&out, &in, &area, lookup, NULL, &l), -SIETCH_EFAULT);
	in.prp2 = bus(ulist) + 4;
	assert_int_equal(nvme_check_io(&out, &in, &area, lookup, NULL, &l), -SIETCH_EFAULT);
	/* No room in the kernel's list. */
	in.prp2 = bus(ulist);
	l.capacity = 3;
	assert_int_equal(nvme_check_io(&out, &in, &area, lookup, NULL, &l), -SIETCH_ENOSPC);
}

/* A process list chained across its pages is followed; the kernel's list is
 * rebuilt with its own chain where it crosses a page. Checked by moving the
 * data with the device model, which walks the kernel's list. */
static void test_chained_lists_both_sides(void **state)
{
	(void)state;
	struct nvme_sqe out, in;
	uint64_t *kmem = aligned_alloc(PAGE, 2 * PAGE);
	struct nvme_prp_list l = { kmem + PAGE / 8 - 3, bus(kmem + PAGE / 8 - 3), 16 };
	/* The process's list: two entries at the end of page 14, chained to page 15. */
	uint64_t *tail = (uint64_t *)(dma + 15 * PAGE) - 2;
	uint64_t *next = (uint64_t *)(dma + 15 * PAGE);
	tail[0] = bus(dma) + 1 * PAGE;
	tail[1] = bus(next);
	for (int i = 0; i < 4; i++)
		next[i] = bus(dma) + (uint64_t)(2 + i) * PAGE;
	for (unsigned i = 0; i < 6 * PAGE; i++)
		dma[i] = (uint8_t)(i * 5 + i / PAGE);

	in = user_read(0, 48, bus(dma), bus(tail)); /* 24 KiB: 6 pages, 5 listed */
	assert_int_equal(nvme_check_io(&out, &in, &area, lookup, NULL, &l), 0);
	uint8_t *media = calloc(48, 512);
	assert_true(fake_nvme_dma(out.prp1, out.prp2, media, 48 * 512, true));
	assert_memory_equal(media, dma, 48 * 512);
	free(media);
	free(kmem);
}

static void test_flush_and_write_zeroes(void **state)
{
	(void)state;
	struct nvme_sqe out, in;
	struct nvme_area no_wz = area;
	no_wz.write_zeroes = false;

	assert_int_equal(nvme_cmd_flush(&in, 5), 0);
	assert_int_equal(nvme_check_io(&out, &in, &area, lookup, NULL, NULL), 0);
	assert_int_equal(out.opc, NVME_NVM_FLUSH);
	assert_int_equal(out.nsid, 1);
	in.prp1 = bus(dma);
	assert_int_equal(nvme_check_io(&out, &in, &area, lookup, NULL, NULL), -SIETCH_EINVAL);

	assert_int_equal(nvme_cmd_write_zeroes(&in, 1, 50, 50), 0);
	in.cdw12 |= NVME_WZ_DEAC;
	assert_int_equal(nvme_check_io(&out, &in, &area, lookup, NULL, NULL), 0);
	assert_int_equal(out.cdw10, 1050);
	assert_int_equal(out.cdw12, 49 | NVME_WZ_DEAC);
	assert_int_equal(nvme_check_io(&out, &in, &no_wz, lookup, NULL, NULL), -SIETCH_EINVAL);
	assert_int_equal(nvme_cmd_write_zeroes(&in, 1, 50, 51), 0);
	assert_int_equal(nvme_check_io(&out, &in, &area, lookup, NULL, NULL), -SIETCH_EACCES);
	assert_int_equal(lookups, 0); /* no data: no memory touched */
}

static void test_read_only_grant_refuses_writes(void **state)
{
	(void)state;
	struct nvme_sqe out, in;
	struct nvme_prp_list l = kernel_list();
	struct nvme_area ro = area;
	ro.read_only = true;

	assert_int_equal(nvme_cmd_write(&in, 1, 10, 8, 0), 0);
	in.prp1 = bus(dma);
	assert_int_equal(nvme_check_io(&out, &in, &ro, lookup, NULL, &l), -SIETCH_EPERM);
	assert_int_equal(nvme_check_io(&out, &in, &area, lookup, NULL, &l), 0);
	assert_int_equal(nvme_cmd_write_zeroes(&in, 1, 50, 50), 0);
	assert_int_equal(nvme_check_io(&out, &in, &ro, lookup, NULL, NULL), -SIETCH_EPERM);
	in = user_read(10, 8, bus(dma), 0);
	assert_int_equal(nvme_check_io(&out, &in, &ro, lookup, NULL, &l), 0);
	assert_int_equal(out.cdw10, 1010);
	assert_int_equal(nvme_cmd_flush(&in, 1), 0);
	assert_int_equal(nvme_check_io(&out, &in, &ro, lookup, NULL, NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_read_moved_into_the_area, setup, teardown),
		cmocka_unit_test_setup_teardown(test_range_outside_the_area_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forbidden_fields_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_data_outside_dma_memory_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prp_list_copied_and_checked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chained_lists_both_sides, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flush_and_write_zeroes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_only_grant_refuses_writes, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
