/* Host checks of drivers/igb/regs.h: the layouts compile with their asserts, and the queue register arithmetic. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "drivers/igb/regs.h"

static void test_queue_registers(void **state)
{
	(void)state;
	/* queues 0-3 in the 0x2800 block, 0x100 apart; 4-15 in the 0xc000 block, 0x40 apart */
	assert_int_equal(IGB_RDBAL(0), 0x02800);
	assert_int_equal(IGB_RDT(3), 0x02b18);
	assert_int_equal(IGB_RDBAL(4), 0x0c100);
	assert_int_equal(IGB_RXDCTL(15), 0x0c3e8);
	assert_int_equal(IGB_TDBAL(1), 0x03900);
	assert_int_equal(IGB_TDT(8), 0x0e218);
	assert_int_equal(IGB_SRRCTL(9), 0x0c24c);
}

static void test_receive_address_registers(void **state)
{
	(void)state;
	assert_int_equal(IGB_RAL(0), 0x05400);
	assert_int_equal(IGB_RAH(15), 0x0547c);
	assert_int_equal(IGB_RAL(16), 0x054e0); /* RA2: entries 16-23 */
	assert_int_equal(IGB_RAH(23), 0x0551c);
}

static void test_descriptor_bits(void **state)
{
	(void)state;
	union igb_tx_desc d = { .read = { .buffer_addr = 0x1000,
					  .cmd_type_len = 60 | IGB_TXD_DTYP_DATA | IGB_TXD_DCMD_EOP |
							  IGB_TXD_DCMD_IFCS | IGB_TXD_DCMD_RS | IGB_TXD_DCMD_DEXT } };
	assert_int_equal(d.read.cmd_type_len, 0x2b30003c);
	union igb_rx_desc r = { .read = { .packet_addr = 0x2000, .header_addr = 0 } };
	assert_int_equal(r.wb.status_error & IGB_RXD_STAT_DD, 0); /* header_addr's low dword is status_error */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_queue_registers),
		cmocka_unit_test(test_receive_address_registers),
		cmocka_unit_test(test_descriptor_bits),
	};
	return cmocka_run_group_tests(tests, 0, 0);
}
