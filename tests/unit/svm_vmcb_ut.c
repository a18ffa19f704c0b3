/* Host tests for kernel/vmm/svm_vmcb.c: the permission maps' bit positions
 * and each of VMRUN's consistency checks. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/vmm/svm_vmcb.c"

static uint8_t msrpm[SVM_MSRPM_SIZE];
static uint8_t iopm[SVM_IOPM_SIZE];

static void test_msrpm(void **state)
{
	(void)state;
	memset(msrpm, 0, sizeof(msrpm));
	/* EFER (C000_0080h): range 2 at 800h, MSR 80h -> bits 100h/101h from there. */
	assert_int_equal(svm_msrpm_set(msrpm, 0xc0000080, false, true), 0);
	assert_int_equal(msrpm[0x820], 0x2);
	assert_false(svm_msrpm_intercepts(msrpm, 0xc0000080, false));
	assert_true(svm_msrpm_intercepts(msrpm, 0xc0000080, true));
	/* TSC (10h): byte 4, bits 0 and 1. */
	assert_int_equal(svm_msrpm_set(msrpm, 0x10, true, true), 0);
	assert_int_equal(msrpm[4], 0x3);
	/* VM_HSAVE_PA (C001_0117h): range 3 at 1000h, bits 22Eh/22Fh -> byte 1045h, bits 6, 7. */
	assert_int_equal(svm_msrpm_set(msrpm, 0xc0010117, true, true), 0);
	assert_int_equal(msrpm[0x1045], 0xc0);
	assert_int_equal(svm_msrpm_set(msrpm, 0xc0010117, false, false), 0);
	assert_int_equal(msrpm[0x1045], 0);
	/* The last MSR of range 1 is the map's bits 3FFEh/3FFFh. */
	assert_int_equal(svm_msrpm_set(msrpm, 0x1fff, true, false), 0);
	assert_int_equal(msrpm[0x7ff], 0x40);
	/* Outside the ranges: not in the map, always intercepted. */
	assert_int_equal(svm_msrpm_set(msrpm, 0x2000, false, false), -1);
	assert_int_equal(svm_msrpm_set(msrpm, 0xc0002000, false, false), -1);
	assert_true(svm_msrpm_intercepts(msrpm, 0x40000000, false));
}

static void test_iopm(void **state)
{
	(void)state;
	memset(iopm, 0, sizeof(iopm));
	svm_iopm_set(iopm, 0x3f8, 8, true); /* COM1 */
	assert_int_equal(iopm[0x7f], 0xff);
	assert_true(svm_iopm_intercepts(iopm, 0x3fd, 1));
	assert_false(svm_iopm_intercepts(iopm, 0x3f7, 1));
	/* A word access straddling into an intercepted port exits. */
	assert_true(svm_iopm_intercepts(iopm, 0x3f7, 2));
	svm_iopm_set(iopm, 0x3f8, 8, false);
	assert_int_equal(iopm[0x7f], 0);
	/* Past the top: port FFFFh's 4-byte access uses bits 10000h..10002h. */
	svm_iopm_set(iopm, 0xffff, 4, true);
	assert_int_equal(iopm[0x1fff], 0x80);
	assert_int_equal(iopm[0x2000], 0x07);
}

static const struct svm_limits limits = {
	.maxphyaddr = 40,
	.cr4_allowed = 0x3406ff, /* VME..PGE, OSFXSR, OSXMMEXCPT, OSXSAVE, SMEP, SMAP */
	.efer_allowed = 0x1 | X86_EFER_LME | X86_EFER_LMA | X86_EFER_NXE | X86_EFER_SVME,
	.long_mode = true,
};

/* A guest in 64-bit mode, as a Sietch kernel runs. */
static struct vmcb good(void)
{
	struct vmcb v;
	memset(&v, 0, sizeof(v));
	v.control.intercept_misc2 = SVM_MISC2_VMRUN | SVM_MISC2_VMMCALL;
	v.control.iopm_base_pa = 0x100000;
	v.control.msrpm_base_pa = 0x104000;
	v.control.guest_asid = 1;
	v.save.efer = X86_EFER_SVME | X86_EFER_LME | X86_EFER_LMA | X86_EFER_NXE;
	v.save.cr0 = X86_CR0_PE | X86_CR0_PG | X86_CR0_WP;
	v.save.cr3 = 0x1000;
	v.save.cr4 = X86_CR4_PAE;
	v.save.dr6 = 0xffff0ff0;
	v.save.dr7 = 0x400;
	v.save.cs.attr = X86_SEG_L | X86_SEG_P | X86_SEG_S | 0xb;
	return v;
}

static void expect(const struct vmcb *v, const char *phrase)
{
	const char *why = svm_vmcb_check(v, &limits);
	if (phrase == NULL) {
		if (why)
			fail_msg("refused: %s", why);
		return;
	}
	if (!why || strcmp(why, phrase) != 0)
		fail_msg("want \"%s\", got \"%s\"", phrase, why ? why : "(accepted)");
}

static void test_consistency_checks(void **state)
{
	(void)state;
	struct vmcb v = good();
	expect(&v, NULL);

	/* The Multiboot2 entry state: 32-bit protected mode, paging off. */
	v.save.efer = X86_EFER_SVME;
	v.save.cr0 = X86_CR0_PE | X86_CR0_CD | X86_CR0_NW;
	v.save.cr4 = 0;
	v.save.cs.attr = X86_SEG_DB | X86_SEG_G | X86_SEG_P | X86_SEG_S | 0xb;
	expect(&v, NULL);

	v = good(); v.save.efer &= ~X86_EFER_SVME;
	expect(&v, "EFER.SVME is clear");
	v = good(); v.save.cr0 |= X86_CR0_NW;
	expect(&v, "CR0.NW set without CR0.CD");
	v = good(); v.save.cr0 |= 1ull << 32;
	expect(&v, "CR0[63:32] not zero");
	v = good(); v.save.cr3 = 1ull << 40;
	expect(&v, "a must-be-zero bit of CR3 is set");
	v = good(); v.save.cr4 |= 1ull << 13; /* VMXE: Intel's */
	expect(&v, "a must-be-zero bit of CR4 is set");
	v = good(); v.save.dr7 |= 1ull << 40;
	expect(&v, "DR6 or DR7 bits 63:32 not zero");
	v = good(); v.save.efer |= 1ull << 20;
	expect(&v, "a must-be-zero bit of EFER is set");
	v = good(); v.save.cr4 = 0;
	expect(&v, "EFER.LME and CR0.PG without CR4.PAE");
	v = good(); v.save.cr0 &= ~X86_CR0_PE;
	expect(&v, "EFER.LME and CR0.PG without CR0.PE");
	v = good(); v.save.cs.attr |= X86_SEG_DB;
	expect(&v, "CS.L and CS.D both set in long mode");
	v = good(); v.control.intercept_misc2 = SVM_MISC2_VMMCALL;
	expect(&v, "the VMRUN intercept is clear");
	v = good(); v.control.msrpm_base_pa = (1ull << 40) - 0x1000;
	expect(&v, "a permission map extends beyond physical memory");
	v = good(); v.control.iopm_base_pa = ~0ull - 0xfff;
	expect(&v, "a permission map extends beyond physical memory");
	v = good(); v.control.guest_asid = 0;
	expect(&v, "ASID 0 is the host's");

	struct svm_limits no_lm = limits;
	no_lm.long_mode = false;
	v = good();
	assert_string_equal(svm_vmcb_check(&v, &no_lm), "EFER.LME/LMA without long mode");
}

static void test_event_injection_checks(void **state)
{
	(void)state;
	struct vmcb v = good();
	v.control.eventinj = svm_evtinj(14, SVM_EVTINJ_TYPE_EXCEPTION, 1, 0x2);
	expect(&v, NULL);
	v.control.eventinj = svm_evtinj(0x30, SVM_EVTINJ_TYPE_INTR, 0, 0);
	expect(&v, NULL);
	v.control.eventinj = svm_evtinj(0x80, SVM_EVTINJ_TYPE_SOFT_INT, 0, 0);
	expect(&v, NULL);
	v.control.eventinj = svm_evtinj(2, SVM_EVTINJ_TYPE_NMI, 0, 0);
	expect(&v, NULL);
	v.control.eventinj = svm_evtinj(2, SVM_EVTINJ_TYPE_EXCEPTION, 0, 0);
	expect(&v, "illegal event injection");
	v.control.eventinj = svm_evtinj(32, SVM_EVTINJ_TYPE_EXCEPTION, 0, 0);
	expect(&v, "illegal event injection");
	for (uint64_t type = 0; type < 8; type++) {
		v.control.eventinj = SVM_EVTINJ_VALID | (type << SVM_EVTINJ_TYPE_SHIFT) | 6;
		bool legal = type == 0 || type == 2 || type == 3 || type == 4;
		expect(&v, legal ? NULL : "illegal event injection");
	}
	/* Without V the field is ignored. */
	v.control.eventinj = 7ull << SVM_EVTINJ_TYPE_SHIFT;
	expect(&v, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_msrpm),
		cmocka_unit_test(test_iopm),
		cmocka_unit_test(test_consistency_checks),
		cmocka_unit_test(test_event_injection_checks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
