/* Host tests for the VMX back end's pure parts: the VMCS field table
 * (kernel/vmm/vmx_vmcs.c) against the encoding rules of SDM vol.3C
 * §24.11.2, the control-adjustment rule of vol.3D appendix A, and exits in
 * the ABI's terms (kernel/vmm/vmx_exit.c), the same records SVM makes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/vmm/svm_exit.c"
#include "kernel/vmm/vmx_exit.c"
#include "kernel/vmm/vmx_vmcs.c"
#include "lib/common/x86_decode.c"
#include "lib/common/x86_mmio.c"
#include "lib/common/x86_segment.c"
#include "lib/common/x86_walk.c"

/* Appendix B groups fields by width and type: the encoding says both. */
static void test_field_encodings(void **state)
{
	(void)state;
	assert_true(vmx_field_count() > 100);
	for (unsigned i = 0; i < vmx_field_count(); i++) {
		uint32_t enc = vmx_field_at(i);
		const char *name = vmx_field_name(enc);
		assert_non_null(name);
		assert_int_equal(enc & 1, 0);	     /* the full field, never the high half */
		assert_int_equal(enc & ~0x6fffu, 0); /* bits 31:15 and 12 are reserved (Table 24-21) */
		for (unsigned j = 0; j < i; j++)
			assert_int_not_equal(enc, vmx_field_at(j));
		unsigned type = VMX_FIELD_TYPE(enc);
		if (strncmp(name, "GUEST_", 6) == 0 && strcmp(name, "GUEST_PHYSICAL_ADDRESS") != 0 &&
		    strcmp(name, "GUEST_LINEAR_ADDRESS") != 0)
			assert_int_equal(type, VMX_TYPE_GUEST);
		if (strncmp(name, "HOST_", 5) == 0)
			assert_int_equal(type, VMX_TYPE_HOST);
		if (strstr(name, "SELECTOR"))
			assert_int_equal(VMX_FIELD_WIDTH(enc), VMX_WIDTH_16);
		if (strstr(name, "_LIMIT") || strstr(name, "ACCESS_RIGHTS") || strstr(name, "CONTROLS"))
			assert_int_equal(VMX_FIELD_WIDTH(enc), VMX_WIDTH_32);
		if ((strstr(name, "_BASE") && !strstr(name, "BASED")) || !strcmp(name + strlen(name) - 4, "_CR0") || strstr(name, "RIP"))
			assert_int_equal(VMX_FIELD_WIDTH(enc), VMX_WIDTH_NATURAL);
		if (strstr(name, "IA32_EFER") || strstr(name, "IA32_PAT") || strstr(name, "BITMAP_") ||
		    strstr(name, "POINTER"))
			assert_int_equal(VMX_FIELD_WIDTH(enc), VMX_WIDTH_64);
	}
	/* A few values straight from appendix B. */
	assert_int_equal(VMCS_GUEST_RIP, 0x681e);
	assert_int_equal(VMCS_EPT_POINTER, 0x201a);
	assert_int_equal(VMCS_EXIT_REASON, 0x4402);
	assert_int_equal(VMCS_HOST_RSP, 0x6c14);
	assert_string_equal(vmx_field_name(0x4826), "GUEST_ACTIVITY_STATE");
	assert_null(vmx_field_name(0x4827));
	assert_int_equal(VMX_FIELD_TYPE(VMCS_EXIT_QUALIFICATION), VMX_TYPE_EXIT_INFO);
}

static void test_adjust_controls(void **state)
{
	(void)state;
	uint32_t out, missing;
	/* Bits 1, 2, 4 must be 1 (the pin-based default1 class); 0-7 and 31 may be. */
	uint64_t cap = (0x800000ffull << 32) | 0x16;
	assert_int_equal(vmx_adjust_controls(cap, 0x1, 0x8, &out, &missing), 0);
	assert_int_equal(out, 0x1f);
	assert_int_equal(missing, 0);
	/* A wanted bit the CPU lacks is dropped; a needed one fails and is named. */
	assert_int_equal(vmx_adjust_controls(cap, 1u << 9, 0, &out, &missing), 0);
	assert_int_equal(out, 0x16);
	assert_int_equal(vmx_adjust_controls(cap, 0, (1u << 9) | (1u << 31), &out, &missing), -1);
	assert_int_equal(missing, 1u << 9);
	assert_int_equal(out, 0x80000016u);
	/* CR0 in VMX operation: FIXED0 bits on, bits FIXED1 lacks off (§A.7). */
	assert_int_equal(vmx_fixed_bits(0x60000010, 0x80000021, 0xffffffff), 0xe0000031);
	assert_int_equal(vmx_fixed_bits(0xffffffffffull, 0, 0xffffffff), 0xffffffff);
	/* The Multiboot2 entry's CR0 (PE, ET): an unrestricted guest keeps PG clear; without one
	 * (shadow paging, no EPT) PG and PE are forced like NE, the read shadow hiding them. */
	assert_int_equal(vmx_guest_cr0(0x11, 0x80000021, 0xffffffff, true), 0x31);
	assert_int_equal(vmx_guest_cr0(0x10, 0x80000021, 0xffffffff, true), 0x30);
	assert_int_equal(vmx_guest_cr0(0x11, 0x80000021, 0xffffffff, false), 0x80000031);
	assert_int_equal(vmx_eptp(0x123000, false), 0x12301e);
	assert_int_equal(vmx_eptp(0x123000, true), 0x12305e);
}

static void test_access_rights(void **state)
{
	(void)state;
	/* A 64-bit code segment: type B, S, P, L (Table 25-2 puts AVL..G at 15:12). */
	assert_int_equal(vmx_access_rights(0x29b), 0x209b);
	assert_int_equal(vmx_segment_attr(0x209b), 0x29b);
	assert_int_equal(vmx_access_rights(0xc93), 0xc093);
	/* Not present: unusable (bit 16), and unusable reads back as nothing. */
	assert_int_equal(vmx_access_rights(0x0), 1u << 16);
	assert_int_equal(vmx_segment_attr(1u << 16 | 0x93), 0);
}

static struct vmcb v;
static uint64_t regs[SIETCH_GPR_COUNT];

static struct vmx_exit_info exit_of(uint32_t reason, uint64_t qualification)
{
	memset(&v, 0, sizeof(v));
	memset(regs, 0, sizeof(regs));
	v.save.efer = X86_EFER_SVME;
	v.save.cr0 = 0x10;
	v.save.cs.attr = 0x9b;
	v.save.rip = 0x1000;
	return (struct vmx_exit_info){ .reason = reason, .qualification = qualification, .instruction_length = 2 };
}

static void test_reasons(void **state)
{
	(void)state;
	static const struct {
		uint32_t reason, interruption;
		enum sietch_vm_exit_reason abi;
	} table[] = {
		{ VMX_EXIT_EXTERNAL_INTERRUPT, 0, SIETCH_VM_EXIT_HOST_INTR },
		{ VMX_EXIT_EXCEPTION_NMI, VMX_INTR_INFO_VALID | (2u << 8) | 2, SIETCH_VM_EXIT_HOST_NMI },
		{ VMX_EXIT_EXCEPTION_NMI, VMX_INTR_INFO_VALID | (3u << 8) | 6, SIETCH_VM_EXIT_UNHANDLED },
		{ VMX_EXIT_INTERRUPT_WINDOW, 0, SIETCH_VM_EXIT_HOST_VINTR },
		{ VMX_EXIT_TRIPLE_FAULT, 0, SIETCH_VM_EXIT_SHUTDOWN },
		{ VMX_EXIT_IO, 0, SIETCH_VM_EXIT_IO },
		{ VMX_EXIT_EPT_VIOLATION, 0, SIETCH_VM_EXIT_MMIO },
		{ VMX_EXIT_CPUID, 0, SIETCH_VM_EXIT_CPUID },
		{ VMX_EXIT_RDMSR, 0, SIETCH_VM_EXIT_MSR_READ },
		{ VMX_EXIT_WRMSR, 0, SIETCH_VM_EXIT_MSR_WRITE },
		{ VMX_EXIT_HLT, 0, SIETCH_VM_EXIT_HLT },
		{ VMX_EXIT_VMCALL, 0, SIETCH_VM_EXIT_VMMCALL },
		{ VMX_EXIT_INVALID_GUEST_STATE | VMX_EXIT_REASON_ENTRY_FAILED, 0, SIETCH_VM_EXIT_INVALID },
		{ VMX_EXIT_EPT_MISCONFIG, 0, SIETCH_VM_EXIT_INVALID },
		{ VMX_EXIT_CR_ACCESS, 0, SIETCH_VM_EXIT_UNHANDLED },
		{ VMX_EXIT_XSETBV, 0, SIETCH_VM_EXIT_UNHANDLED },
	};
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		struct vmx_exit_info x = exit_of(table[i].reason, 0);
		x.interruption_info = table[i].interruption;
		assert_int_equal(vmx_exit_reason(&x), table[i].abi);
	}
	assert_string_equal(vmx_exit_name(VMX_EXIT_EPT_VIOLATION), "ept-violation");
	assert_string_equal(vmx_exit_name(200), "?");
	assert_string_equal(vmx_instruction_error_name(7), "VM entry with invalid control field(s)");
	assert_string_equal(vmx_instruction_error_name(14), "?");
}

/* OUT DX, AX to port 3F8h and REP INSB from port 60h: Table 28-5's bits. */
static void test_io_fill(void **state)
{
	(void)state;
	struct sietch_vm_exit e;
	struct vmx_exit_info x = exit_of(VMX_EXIT_IO, (0x3f8ull << 16) | 1);
	regs[SIETCH_RAX] = 0x12345678;
	vmx_exit_fill(&x, &v, regs, SIETCH_VM_EXIT_IO, 3, &e);
	assert_int_equal(e.reason, SIETCH_VM_EXIT_IO);
	assert_int_equal(e.vcpu, 3);
	assert_int_equal(e.hw_code, VMX_EXIT_IO);
	assert_int_equal(e.io.port, 0x3f8);
	assert_int_equal(e.io.size, 2);
	assert_int_equal(e.io.direction, SIETCH_VM_IO_OUT);
	assert_int_equal(e.io.value, 0x5678);
	assert_int_equal(e.io.next_rip, 0x1002);
	assert_int_equal(e.efer, 0); /* SVME is the image's, never the VMM's */

	x = exit_of(VMX_EXIT_IO, (0x60ull << 16) | (1u << 5) | (1u << 4) | (1u << 3));
	x.ins_outs_info = true;
	x.instruction_info = (1u << 7) | (3u << 15); /* 32-bit addresses, DS */
	vmx_exit_fill(&x, &v, regs, SIETCH_VM_EXIT_IO, 0, &e);
	assert_int_equal(e.io.size, 1);
	assert_int_equal(e.io.direction, SIETCH_VM_IO_IN);
	assert_true(e.io.string && e.io.rep);
	assert_int_equal(e.io.address_size, 4);
	assert_int_equal(e.io.segment, 3);
	assert_int_equal(e.io.value, 0);
	/* Without the information (IA32_VMX_BASIC bit 54 clear): the code segment's size. */
	x.ins_outs_info = false;
	vmx_exit_fill(&x, &v, regs, SIETCH_VM_EXIT_IO, 0, &e);
	assert_int_equal(e.io.address_size, 2);
}

static void test_mmio_msr_cpuid_fill(void **state)
{
	(void)state;
	struct sietch_vm_exit e;
	struct vmx_exit_info x = exit_of(VMX_EXIT_EPT_VIOLATION, 2);
	x.gpa = 0xfee00030;
	vmx_exit_fill(&x, &v, regs, SIETCH_VM_EXIT_MMIO, 0, &e);
	assert_int_equal(e.mmio.gpa, 0xfee00030);
	assert_true(e.mmio.write);
	assert_false(e.mmio.fetch);
	assert_int_equal(e.hw_info2, 0xfee00030);
	x = exit_of(VMX_EXIT_EPT_VIOLATION, 4);
	vmx_exit_fill(&x, &v, regs, SIETCH_VM_EXIT_MMIO, 0, &e);
	assert_true(e.mmio.fetch);

	x = exit_of(VMX_EXIT_WRMSR, 0);
	regs[SIETCH_RCX] = 0x1b;
	regs[SIETCH_RDX] = 0x1;
	regs[SIETCH_RAX] = 0xfee00900;
	vmx_exit_fill(&x, &v, regs, SIETCH_VM_EXIT_MSR_WRITE, 0, &e);
	assert_int_equal(e.msr.index, 0x1b);
	assert_int_equal(e.msr.value, 0x1fee00900ull);

	x = exit_of(VMX_EXIT_CPUID, 0);
	regs[SIETCH_RAX] = 7;
	regs[SIETCH_RCX] = 1;
	vmx_exit_fill(&x, &v, regs, SIETCH_VM_EXIT_CPUID, 0, &e);
	assert_int_equal(e.cpuid.leaf, 7);
	assert_int_equal(e.cpuid.subleaf, 1);
	assert_int_equal(e.rip, 0x1000);
	assert_int_equal(e.cr0, 0x10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_field_encodings),
		cmocka_unit_test(test_adjust_controls),
		cmocka_unit_test(test_access_rights),
		cmocka_unit_test(test_reasons),
		cmocka_unit_test(test_io_fill),
		cmocka_unit_test(test_mmio_msr_cpuid_fill),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
