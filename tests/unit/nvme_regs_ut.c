/* Host tests for drivers/nvme/regs.h: the layouts are checked by its static
 * asserts at compile time; here the field macros against values decoded by
 * hand from NVMe 1.4 §3.1 and from what QEMU 10 reports. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "drivers/nvme/regs.h"

static void test_cap_fields(void **state)
{
	(void)state;
	/* QEMU's controller: MQES 7FFh, CQR, TO 0Fh, DSTRD 0, NSSRS, CSS NVM,
	 * MPSMIN 0, MPSMAX 4. */
	uint64_t cap = 0x7ff | NVME_CAP_CQR | (0xfull << 24) | NVME_CAP_NSSRS | NVME_CAP_CSS_NVM |
		       (4ull << 52);
	assert_int_equal(NVME_CAP_MQES(cap), 2048);
	assert_int_equal(NVME_CAP_TO_MS(cap), 7500);
	assert_int_equal(NVME_CAP_DSTRD(cap), 0);
	assert_int_equal(NVME_CAP_MPSMIN(cap), 0);
	assert_int_equal(NVME_CAP_MPSMAX(cap), 4);
	assert_int_equal(NVME_CAP_DSTRD(3ull << 32), 3);
	assert_int_equal(NVME_VS_MAJOR(NVME_VS_1_4), 1);
	assert_int_equal(NVME_VS_MINOR(NVME_VS_1_4), 4);
}

static void test_cc_and_aqa(void **state)
{
	(void)state;
	uint32_t cc = NVME_CC_EN | NVME_CC_CSS_NVM | NVME_CC_MPS(12) | NVME_CC_AMS_RR |
		      NVME_CC_IOSQES(NVME_SQES_LOG2) | NVME_CC_IOCQES(NVME_CQES_LOG2);
	assert_int_equal(cc, 0x00460001);
	assert_int_equal(NVME_AQA(32, 32), 0x001f001f);
	assert_int_equal(NVME_CC_SHN_NORMAL, 0x4000);
	assert_int_equal(NVME_CSTS_SHST_COMPLETE, 0x8);
}

static void test_doorbells_follow_stride(void **state)
{
	(void)state;
	assert_int_equal(nvme_sq_tail_doorbell(0, 0), 0x1000);
	assert_int_equal(nvme_cq_head_doorbell(0, 0), 0x1004);
	assert_int_equal(nvme_sq_tail_doorbell(1, 0), 0x1008);
	assert_int_equal(nvme_cq_head_doorbell(1, 0), 0x100c);
	/* DSTRD 2: 16-byte stride. */
	assert_int_equal(nvme_sq_tail_doorbell(1, 2), 0x1020);
	assert_int_equal(nvme_cq_head_doorbell(1, 2), 0x1030);
	/* With stride 0, 16 queue pairs' doorbells stay on the first page. */
	assert_true(nvme_cq_head_doorbell(16, 0) < 0x2000);
}

static void test_status_fields(void **state)
{
	(void)state;
	uint16_t status = NVME_STATUS_MAKE(NVME_SCT_COMMAND_SPECIFIC, 0x1a) | NVME_STATUS_DNR | 1;
	assert_int_equal(status, 0x8235);
	assert_int_equal(NVME_STATUS_SCT(status), 1);
	assert_int_equal(NVME_STATUS_SC(status), 0x1a);
	assert_int_equal(status & NVME_CQE_PHASE, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cap_fields),
		cmocka_unit_test(test_cc_and_aqa),
		cmocka_unit_test(test_doorbells_follow_stride),
		cmocka_unit_test(test_status_fields),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
