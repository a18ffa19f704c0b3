/* Host tests for lib/common/nvme_status.c: status fields to names. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lib/common/nvme_status.c"

static void test_known_codes(void **state)
{
	(void)state;
	assert_string_equal(nvme_status_name(0), "Successful Completion");
	assert_string_equal(nvme_status_name(NVME_STATUS_MAKE(0, 0x02) | NVME_CQE_PHASE),
			    "Invalid Field in Command");
	assert_string_equal(nvme_status_name(NVME_STATUS_MAKE(1, 0x02) | NVME_STATUS_DNR),
			    "Invalid Queue Size");
	assert_string_equal(nvme_status_name(NVME_STATUS_MAKE(1, 0x18)), "Namespace Already Attached");
	assert_string_equal(nvme_status_name(NVME_STATUS_MAKE(1, 0x20)),
			    "Invalid Secondary Controller State");
	assert_string_equal(nvme_status_name(NVME_STATUS_MAKE(2, 0x81)), "Unrecovered Read Error");
	assert_string_equal(nvme_status_name(NVME_STATUS_MAKE(0, 0x80)), "LBA Out of Range");
	assert_string_equal(nvme_status_name(NVME_STATUS_MAKE(3, 0x71)), "Command Aborted By Host");
}

static void test_unknown_codes_fall_back_to_type(void **state)
{
	(void)state;
	assert_null(nvme_sc_name(0, 0x17));
	assert_string_equal(nvme_status_name(NVME_STATUS_MAKE(0, 0x17)), "Generic Command Status");
	assert_string_equal(nvme_status_name(NVME_STATUS_MAKE(7, 0xc0)), "Vendor Specific");
	assert_string_equal(nvme_status_name(NVME_STATUS_MAKE(5, 0)), "Reserved Status Code Type");
}

/* Each (type, code) appears once, so a lookup is never ambiguous. */
static void test_table_has_no_duplicates(void **state)
{
	(void)state;
	size_t n = sizeof(nvme_status_names) / sizeof(nvme_status_names[0]);
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			assert_false(nvme_status_names[i].sct == nvme_status_names[j].sct &&
				     nvme_status_names[i].sc == nvme_status_names[j].sc);
}

static void test_opcode_names(void **state)
{
	(void)state;
	assert_string_equal(nvme_opcode_name(false, 0x02), "Read");
	assert_string_equal(nvme_opcode_name(true, 0x02), "Get Log Page");
	assert_string_equal(nvme_opcode_name(true, 0x1c), "Virtualization Management");
	assert_string_equal(nvme_opcode_name(true, 0x15), "Namespace Attachment");
	assert_string_equal(nvme_opcode_name(false, 0x08), "Write Zeroes");
	assert_string_equal(nvme_opcode_name(false, 0x7f), "Unknown Command");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_codes),
		cmocka_unit_test(test_unknown_codes_fall_back_to_type),
		cmocka_unit_test(test_table_has_no_duplicates),
		cmocka_unit_test(test_opcode_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
