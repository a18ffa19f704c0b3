/* Host tests for lib/common/nvme_cmd.c: each command's dwords as NVMe 1.4
 * lays them out, and PRP entries and lists (§4.3) over page boundaries. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lib/common/nvme_cmd.c"

#define PAGE NVME_PAGE_SIZE

static void test_read_write_encoding(void **state)
{
	(void)state;
	struct nvme_sqe c;
	memset(&c, 0xaa, sizeof(c));
	assert_int_equal(nvme_cmd_read(&c, 1, 0x123456789aull, 8), 0);
	assert_int_equal(c.opc, 0x02);
	assert_int_equal(c.flags, 0); /* no fusing, PRPs */
	assert_int_equal(c.nsid, 1);
	assert_int_equal(c.cdw10, 0x3456789a);
	assert_int_equal(c.cdw11, 0x12);
	assert_int_equal(c.cdw12, 7); /* 0's based */
	assert_int_equal(c.prp1, 0);
	assert_int_equal(c.mptr, 0);
	assert_int_equal(c.cdw13 | c.cdw14 | c.cdw15, 0);

	assert_int_equal(nvme_cmd_write(&c, 2, 5, NVME_RW_MAX_BLOCKS, NVME_RW_FUA), 0);
	assert_int_equal(c.opc, 0x01);
	assert_int_equal(c.cdw12, 0xffffu | (1u << 30));

	assert_int_equal(nvme_cmd_read(&c, 1, 0, 0), -SIETCH_EINVAL);
	assert_int_equal(nvme_cmd_read(&c, 1, 0, NVME_RW_MAX_BLOCKS + 1), -SIETCH_EINVAL);
	assert_int_equal(nvme_cmd_read(&c, 0, 0, 1), -SIETCH_EINVAL);
	assert_int_equal(nvme_cmd_read(&c, NVME_NSID_ALL, 0, 1), -SIETCH_EINVAL);
	assert_int_equal(nvme_cmd_write(&c, 1, 0, 1, 1u << 31), -SIETCH_EINVAL);
}

static void test_block_range_decodes_what_was_encoded(void **state)
{
	(void)state;
	struct nvme_sqe c;
	uint64_t slba;
	uint32_t blocks;
	assert_int_equal(nvme_cmd_write(&c, 1, 0xabcdef012345ull, 65536, NVME_RW_FUA), 0);
	assert_int_equal(nvme_cmd_block_range(&c, &slba, &blocks), 0);
	assert_int_equal(slba, 0xabcdef012345ull);
	assert_int_equal(blocks, 65536);
	assert_int_equal(nvme_cmd_write_zeroes(&c, 1, 7, 1), 0);
	assert_int_equal(nvme_cmd_block_range(&c, &slba, &blocks), 0);
	assert_int_equal(slba, 7);
	assert_int_equal(blocks, 1);
	assert_int_equal(nvme_cmd_flush(&c, 1), 0);
	assert_int_equal(nvme_cmd_block_range(&c, &slba, &blocks), -SIETCH_EINVAL);
	c.opc = NVME_NVM_COMPARE;
	assert_int_equal(nvme_cmd_block_range(&c, &slba, &blocks), -SIETCH_EINVAL);
}

static void test_write_zeroes_and_flush(void **state)
{
	(void)state;
	struct nvme_sqe c;
	assert_int_equal(nvme_cmd_write_zeroes(&c, 3, 100, 16), 0);
	assert_int_equal(c.opc, 0x08);
	assert_int_equal(c.cdw10, 100);
	assert_int_equal(c.cdw12, 15);
	assert_int_equal(c.prp1 | c.prp2, 0);

	assert_int_equal(nvme_cmd_flush(&c, 3), 0);
	assert_int_equal(c.opc, 0x00);
	assert_int_equal(c.nsid, 3);
	assert_int_equal(nvme_cmd_flush(&c, NVME_NSID_ALL), 0);
	assert_int_equal(nvme_cmd_flush(&c, 0), -SIETCH_EINVAL);
}

static void test_identify(void **state)
{
	(void)state;
	struct nvme_sqe c;
	assert_int_equal(nvme_cmd_identify(&c, NVME_IDENTIFY_CNS_SECONDARY_LIST, 0, 0x42), 0);
	assert_int_equal(c.opc, 0x06);
	assert_int_equal(c.cdw10, 0x15 | (0x42u << 16));
	assert_int_equal(nvme_cmd_identify(&c, NVME_IDENTIFY_CNS_NAMESPACE, 2, 0), 0);
	assert_int_equal(c.nsid, 2);
	assert_int_equal(c.cdw10, 0);
}

static void test_queue_creation(void **state)
{
	(void)state;
	struct nvme_sqe c;
	assert_int_equal(nvme_cmd_create_io_cq(&c, 1, 256, 0x200000, 3), 0);
	assert_int_equal(c.opc, 0x05);
	assert_int_equal(c.prp1, 0x200000);
	assert_int_equal(c.cdw10, 1 | (255u << 16));
	assert_int_equal(c.cdw11, 1 | 2 | (3u << 16)); /* PC, IEN, IV */
	assert_int_equal(nvme_cmd_create_io_cq(&c, 1, 2, 0x200000, -1), 0);
	assert_int_equal(c.cdw11, 1); /* polled: no IEN */

	assert_int_equal(nvme_cmd_create_io_sq(&c, 4, 65536, 0x300000, 1), 0);
	assert_int_equal(c.opc, 0x01);
	assert_int_equal(c.cdw10, 4 | (0xffffu << 16));
	assert_int_equal(c.cdw11, 1 | (1u << 16));

	assert_int_equal(nvme_cmd_create_io_sq(&c, 0, 16, 0x300000, 1), -SIETCH_EINVAL);
	assert_int_equal(nvme_cmd_create_io_sq(&c, 1, 16, 0x300000, 0), -SIETCH_EINVAL);
	assert_int_equal(nvme_cmd_create_io_sq(&c, 1, 1, 0x300000, 1), -SIETCH_EINVAL);
	assert_int_equal(nvme_cmd_create_io_sq(&c, 1, 65537, 0x300000, 1), -SIETCH_EINVAL);
	assert_int_equal(nvme_cmd_create_io_cq(&c, 1, 16, 0x300010, -1), -SIETCH_EINVAL);
	assert_int_equal(nvme_cmd_create_io_cq(&c, 1, 16, 0x300000, 2048), -SIETCH_EINVAL);

	assert_int_equal(nvme_cmd_delete_io_sq(&c, 4), 0);
	assert_int_equal(c.opc, 0x00);
	assert_int_equal(c.cdw10, 4);
	assert_int_equal(nvme_cmd_delete_io_cq(&c, 4), 0);
	assert_int_equal(c.opc, 0x04);
	assert_int_equal(nvme_cmd_delete_io_cq(&c, 0), -SIETCH_EINVAL);
}

static void test_set_number_of_queues(void **state)
{
	(void)state;
	struct nvme_sqe c;
	assert_int_equal(nvme_cmd_set_num_queues(&c, 16, 8), 0);
	assert_int_equal(c.opc, 0x09);
	assert_int_equal(c.cdw10, 0x07);
	assert_int_equal(c.cdw11, 15 | (7u << 16));
	assert_int_equal(NVME_NUM_QUEUES_SQ(c.cdw11), 16);
	assert_int_equal(NVME_NUM_QUEUES_CQ(c.cdw11), 8);
	assert_int_equal(nvme_cmd_set_num_queues(&c, 0, 1), -SIETCH_EINVAL);
	assert_int_equal(nvme_cmd_set_num_queues(&c, 1, 65536), -SIETCH_EINVAL);
}

static void test_virtualization_management(void **state)
{
	(void)state;
	struct nvme_sqe c;
	/* The bring-up order of QEMU's SR-IOV controller, step by step. */
	assert_int_equal(nvme_cmd_virt_mgmt(&c, NVME_VM_ACT_PRIMARY_FLEXIBLE, NVME_VM_RT_VQ, 0, 0), 0);
	assert_int_equal(c.opc, 0x1c);
	assert_int_equal(c.cdw10, 0x1);
	assert_int_equal(c.cdw11, 0);
	assert_int_equal(nvme_cmd_virt_mgmt(&c, NVME_VM_ACT_SECONDARY_ASSIGN, NVME_VM_RT_VI, 5, 1), 0);
	assert_int_equal(c.cdw10, 0x8 | (1u << 8) | (5u << 16));
	assert_int_equal(c.cdw11, 1);
	assert_int_equal(nvme_cmd_virt_mgmt(&c, NVME_VM_ACT_SECONDARY_ONLINE, 1, 5, 9), 0);
	assert_int_equal(c.cdw10, 0x9 | (5u << 16)); /* RT and NR are for assignments only */
	assert_int_equal(c.cdw11, 0);
	assert_int_equal(nvme_cmd_virt_mgmt(&c, 2, 0, 5, 0), -SIETCH_EINVAL);
	assert_int_equal(nvme_cmd_virt_mgmt(&c, NVME_VM_ACT_SECONDARY_ASSIGN, 2, 5, 1), -SIETCH_EINVAL);
}

static void test_namespace_attachment(void **state)
{
	(void)state;
	struct nvme_sqe c;
	static struct nvme_controller_list list;
	uint16_t ids[] = { 2, 3 }, unsorted[] = { 3, 2 };

	assert_int_equal(nvme_cmd_ns_attachment(&c, 2, NVME_NS_ATTACH), 0);
	assert_int_equal(c.opc, 0x15);
	assert_int_equal(c.nsid, 2);
	assert_int_equal(c.cdw10, 0);
	assert_int_equal(nvme_cmd_ns_attachment(&c, 2, NVME_NS_DETACH), 0);
	assert_int_equal(c.cdw10, 1);
	assert_int_equal(nvme_cmd_ns_attachment(&c, 2, 2), -SIETCH_EINVAL);
	assert_int_equal(nvme_cmd_ns_attachment(&c, 0, 0), -SIETCH_EINVAL);

	assert_int_equal(nvme_controller_list_set(&list, ids, 2), 0);
	const uint8_t *bytes = (const uint8_t *)&list;
	assert_int_equal(bytes[0] | bytes[1] << 8, 2);
	assert_int_equal(bytes[2] | bytes[3] << 8, 2);
	assert_int_equal(bytes[4] | bytes[5] << 8, 3);
	assert_int_equal(bytes[6], 0);
	assert_int_equal(nvme_controller_list_set(&list, unsorted, 2), -SIETCH_EINVAL);
	assert_int_equal(nvme_controller_list_set(&list, ids, NVME_CONTROLLER_LIST_MAX + 1),
			 -SIETCH_EINVAL);
}

static void test_prp_one_and_two_pages(void **state)
{
	(void)state;
	struct nvme_sqe c;
	uint64_t pages[] = { 0x10000, 0x7000, 0x23000 };

	/* Within one page, at an offset. */
	assert_int_equal(nvme_prp_build(&c, pages, 3, 0x200, 0xe00, NULL), 0);
	assert_int_equal(c.prp1, 0x10200);
	assert_int_equal(c.prp2, 0);
	/* One byte over the boundary: PRP2 is the second page itself. */
	assert_int_equal(nvme_prp_build(&c, pages, 3, 0x200, 0xe01, NULL), 0);
	assert_int_equal(c.prp2, 0x7000);
	/* Exactly two whole pages. */
	assert_int_equal(nvme_prp_build(&c, pages, 3, 0, 2 * PAGE, NULL), 0);
	assert_int_equal(c.prp1, 0x10000);
	assert_int_equal(c.prp2, 0x7000);
	/* No data. */
	assert_int_equal(nvme_prp_build(&c, pages, 3, 0, 0, NULL), 0);
	assert_int_equal(c.prp1 | c.prp2, 0);
}

static void test_prp_list(void **state)
{
	(void)state;
	struct nvme_sqe c;
	uint64_t pages[] = { 0x10000, 0x7000, 0x23000, 0x5000 };
	uint64_t entries[8] = { 0 };
	struct nvme_prp_list list = { entries, 0x90000, 8 };

	/* Three pages plus 4 bytes: the list holds pages 1..3. */
	assert_int_equal(nvme_prp_build(&c, pages, 4, 0xffc, 2 * PAGE + 8, &list), 0);
	assert_int_equal(c.prp1, 0x10ffc);
	assert_int_equal(c.prp2, 0x90000);
	assert_int_equal(entries[0], 0x7000);
	assert_int_equal(entries[1], 0x23000);
	assert_int_equal(entries[2], 0x5000);
	assert_int_equal(entries[3], 0);
	assert_int_equal(nvme_prp_list_entries(0xffc, 2 * PAGE + 8, 0x90000), 3);

	/* Not enough pages behind the buffer, or list entries. */
	assert_int_equal(nvme_prp_build(&c, pages, 4, 0, 4 * PAGE + 1, &list), -SIETCH_ENOSPC);
	list.capacity = 2;
	assert_int_equal(nvme_prp_build(&c, pages, 4, 0, 4 * PAGE, &list), -SIETCH_ENOSPC);
	assert_int_equal(nvme_prp_build(&c, pages, 4, 0, 4 * PAGE, NULL), -SIETCH_EINVAL);
}

/* A list that starts two entries before the end of its page: the last entry
 * of the page points on to the next page (§4.3). */
static void test_prp_list_chains_across_pages(void **state)
{
	(void)state;
	struct nvme_sqe c;
	uint64_t entries[8] = { 0 };
	struct nvme_prp_list list = { entries, 0x90ff0, 8 };

	assert_int_equal(nvme_prp_list_entries(0, 5 * PAGE, 0x90ff0), 5);
	assert_int_equal(nvme_prp_build_contiguous(&c, 0x400000, 5 * PAGE, &list), 0);
	assert_int_equal(c.prp1, 0x400000);
	assert_int_equal(c.prp2, 0x90ff0);
	assert_int_equal(entries[0], 0x401000); /* at 0x90ff0 */
	assert_int_equal(entries[1], 0x90ff8 + 8); /* at 0x90ff8, the page's last: chain */
	assert_int_equal(entries[2], 0x402000); /* at 0x91000 */
	assert_int_equal(entries[3], 0x403000);
	assert_int_equal(entries[4], 0x404000);

	/* When only one entry is left it sits in the last slot itself. */
	memset(entries, 0, sizeof(entries));
	assert_int_equal(nvme_prp_list_entries(0, 3 * PAGE, 0x90ff0), 2);
	assert_int_equal(nvme_prp_build_contiguous(&c, 0x400000, 3 * PAGE, &list), 0);
	assert_int_equal(entries[0], 0x401000);
	assert_int_equal(entries[1], 0x402000);
	assert_int_equal(entries[2], 0);
}

static void test_prp_rejects_bad_addresses(void **state)
{
	(void)state;
	struct nvme_sqe c;
	uint64_t pages[] = { 0x10000, 0x7010 };
	uint64_t entries[4];
	struct nvme_prp_list odd = { entries, 0x90004, 4 };

	assert_int_equal(nvme_prp_build(&c, pages, 2, 2, 16, NULL), -SIETCH_EINVAL); /* offset bits 1:0 */
	assert_int_equal(nvme_prp_build(&c, pages, 2, PAGE, 16, NULL), -SIETCH_EINVAL);
	assert_int_equal(nvme_prp_build(&c, pages, 2, 0, PAGE + 1, NULL), -SIETCH_EINVAL);
	assert_int_equal(nvme_prp_build(&c, NULL, 0, 0, 16, NULL), -SIETCH_ENOSPC);
	assert_int_equal(nvme_prp_build_contiguous(&c, 0x400000, 3 * PAGE, &odd), -SIETCH_EINVAL);
	assert_int_equal(nvme_prp_build_contiguous(&c, 0x400002, 16, NULL), -SIETCH_EINVAL);
	assert_int_equal(nvme_prp_build_contiguous(&c, 0x40, 16, NULL), -SIETCH_EINVAL); /* page 0 */
	/* A contiguous buffer at an offset: the second page follows the first. */
	assert_int_equal(nvme_prp_build_contiguous(&c, 0x400800, PAGE, NULL), 0);
	assert_int_equal(c.prp1, 0x400800);
	assert_int_equal(c.prp2, 0x401000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_write_encoding),
		cmocka_unit_test(test_block_range_decodes_what_was_encoded),
		cmocka_unit_test(test_write_zeroes_and_flush),
		cmocka_unit_test(test_identify),
		cmocka_unit_test(test_queue_creation),
		cmocka_unit_test(test_set_number_of_queues),
		cmocka_unit_test(test_virtualization_management),
		cmocka_unit_test(test_namespace_attachment),
		cmocka_unit_test(test_prp_one_and_two_pages),
		cmocka_unit_test(test_prp_list),
		cmocka_unit_test(test_prp_list_chains_across_pages),
		cmocka_unit_test(test_prp_rejects_bad_addresses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
