/* Host tests for kernel/vmm/svm.h: the VMCB layout (its offsets are also
 * asserted at compile time, so building this test checks them all), the
 * exit-code names and the EVENTINJ encoding. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/vmm/svm.h"
#include "lib/common/x86_segment.c"

static void test_layout(void **state)
{
	(void)state;
	/* Offsets from the start of the page, as VMRUN sees them (APM Table B-2
	 * lists the save area from 400h). */
	assert_int_equal(offsetof(struct vmcb, control.exitcode), 0x070);
	assert_int_equal(offsetof(struct vmcb, control.ncr3), 0x0b0);
	assert_int_equal(offsetof(struct vmcb, save.es), 0x400);
	assert_int_equal(offsetof(struct vmcb, save.cpl), 0x4cb);
	assert_int_equal(offsetof(struct vmcb, save.efer), 0x4d0);
	assert_int_equal(offsetof(struct vmcb, save.rip), 0x578);
	assert_int_equal(offsetof(struct vmcb, save.rsp), 0x5d8);
	assert_int_equal(offsetof(struct vmcb, save.rax), 0x5f8);
	assert_int_equal(offsetof(struct vmcb, save.g_pat), 0x668);
	assert_int_equal(sizeof(struct vmcb), 4096);

	/* A segment moves between a decoded descriptor and the VMCB as is:
	 * 00cf9b000000ffff is the flat 32-bit code segment with attributes c9b. */
	struct vmcb v;
	memset(&v, 0, sizeof(v));
	x86_desc_decode(0x00cf9b000000ffffull, 0x08, &v.save.cs);
	uint8_t raw[16];
	memcpy(raw, (uint8_t *)&v + 0x410, 16);
	assert_int_equal(raw[0] | raw[1] << 8, 0x0008);
	assert_int_equal(raw[2] | raw[3] << 8, 0x0c9b);
	assert_int_equal(raw[4] | raw[5] << 8 | raw[6] << 16 | (uint32_t)raw[7] << 24, 0xffffffff);
}

static void test_exit_names(void **state)
{
	(void)state;
	assert_string_equal(svm_exit_name(VMEXIT_CPUID), "cpuid");
	assert_string_equal(svm_exit_name(VMEXIT_IOIO), "ioio");
	assert_string_equal(svm_exit_name(VMEXIT_NPF), "npf");
	assert_string_equal(svm_exit_name(VMEXIT_SHUTDOWN), "shutdown");
	assert_string_equal(svm_exit_name(VMEXIT_VMMCALL), "vmmcall");
	assert_string_equal(svm_exit_name(VMEXIT_CR_WRITE(3)), "cr_write");
	assert_string_equal(svm_exit_name(VMEXIT_CR_READ(0)), "cr_read");
	assert_string_equal(svm_exit_name(VMEXIT_DR_WRITE(7)), "dr_write");
	assert_string_equal(svm_exit_name(VMEXIT_EXCEPTION(14)), "exception");
	assert_string_equal(svm_exit_name(VMEXIT_EXCEPTION(31)), "exception");
	assert_string_equal(svm_exit_name(VMEXIT_CR_WRITE_TRAP(4)), "cr_write_trap");
	assert_string_equal(svm_exit_name(VMEXIT_INVALID), "invalid");
	assert_string_equal(svm_exit_name(0x3ff), "unknown");
	/* Spot checks of appendix C's numbering. */
	assert_int_equal(VMEXIT_INTR, 0x60);
	assert_int_equal(VMEXIT_HLT, 0x78);
	assert_int_equal(VMEXIT_IOIO, 0x7b);
	assert_int_equal(VMEXIT_MSR, 0x7c);
	assert_int_equal(VMEXIT_VMRUN, 0x80);
	assert_int_equal(VMEXIT_XSETBV, 0x8d);
	assert_int_equal(VMEXIT_EXCEPTION(14), 0x4e);

	/* Every named code has its own name. */
	static const struct { uint64_t code; const char *name; } all[] = {
#define ROW(name, code, text) { code, text },
		SVM_EXIT_CODES(ROW)
#undef ROW
	};
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		assert_string_equal(svm_exit_name(all[i].code), all[i].name);
		for (size_t j = 0; j < i; j++)
			assert_true(all[i].code != all[j].code && strcmp(all[i].name, all[j].name) != 0);
	}
}

static void test_event_injection(void **state)
{
	(void)state;
	/* #GP(0x10): vector 13, type 3, error code valid, V. */
	assert_true(svm_evtinj(13, SVM_EVTINJ_TYPE_EXCEPTION, 1, 0x10) == 0x0000001080000b0dull);
	/* An external interrupt, vector 0x30, no error code. */
	assert_true(svm_evtinj(0x30, SVM_EVTINJ_TYPE_INTR, 0, 0) == 0x80000030ull);
	assert_true(svm_evtinj(2, SVM_EVTINJ_TYPE_NMI, 0, 0) == 0x80000202ull);
	/* Intercept bits land where Table B-1 puts them. */
	assert_int_equal(SVM_MISC1_CPUID, 1u << 18);
	assert_int_equal(SVM_MISC1_IOIO_PROT, 1u << 27);
	assert_int_equal(SVM_MISC2_VMRUN, 1u);
	assert_int_equal(SVM_INTERCEPT_CR_WRITE(3), 1u << 19);
}

static void test_ioio(void **state)
{
	(void)state;
	/* "in ax, dx" with DX = 0x3f8, 32-bit addressing (APM Figure 15-2). */
	uint64_t info = SVM_IOIO_IN | SVM_IOIO_SZ16 | SVM_IOIO_A32 | (0x3f8ull << SVM_IOIO_PORT_SHIFT);
	assert_int_equal(svm_ioio_port(info), 0x3f8);
	assert_int_equal(svm_ioio_size(info), 2);
	assert_true(svm_ioio_is_in(info));
	info = SVM_IOIO_SZ32 | SVM_IOIO_STR | SVM_IOIO_REP | (0xcfcull << SVM_IOIO_PORT_SHIFT);
	assert_int_equal(svm_ioio_port(info), 0xcfc);
	assert_int_equal(svm_ioio_size(info), 4);
	assert_false(svm_ioio_is_in(info));
	assert_int_equal(svm_ioio_size(SVM_IOIO_SZ8), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_exit_names),
		cmocka_unit_test(test_event_injection),
		cmocka_unit_test(test_ioio),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
