/* Host tests for kernel/vmm/svm_exit.c: SVM exits in the ABI's terms (the
 * reason, the IOIO/NPF/MSR/CPUID fields, the MMIO instruction decoded),
 * EFER without SVME, and registers between the ABI and a VMCB. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/vmm/svm_exit.c"
#include "lib/common/x86_decode.c"
#include "lib/common/x86_mmio.c"
#include "lib/common/x86_segment.c"
#include "lib/common/x86_walk.c"

static struct vmcb v;
static uint64_t regs[SIETCH_GPR_COUNT];

static void reset(uint64_t code, uint64_t info1, uint64_t info2)
{
	memset(&v, 0, sizeof(v));
	memset(regs, 0, sizeof(regs));
	v.control.exitcode = code;
	v.control.exitinfo1 = info1;
	v.control.exitinfo2 = info2;
	v.save.efer = X86_EFER_SVME;
	v.save.cr0 = 0x10;
	v.save.cs.attr = 0x9b; /* real mode */
	v.save.rip = 0x1000;
}

static void test_reasons(void **state)
{
	(void)state;
	static const struct {
		uint64_t code, info1;
		enum sietch_vm_exit_reason reason;
	} table[] = {
		{ VMEXIT_INTR, 0, SIETCH_VM_EXIT_HOST_INTR },
		{ VMEXIT_SMI, 0, SIETCH_VM_EXIT_HOST_INTR },
		{ VMEXIT_NMI, 0, SIETCH_VM_EXIT_HOST_NMI },
		{ VMEXIT_VINTR, 0, SIETCH_VM_EXIT_HOST_VINTR },
		{ VMEXIT_IOIO, 0, SIETCH_VM_EXIT_IO },
		{ VMEXIT_NPF, 0, SIETCH_VM_EXIT_MMIO },
		{ VMEXIT_CPUID, 0, SIETCH_VM_EXIT_CPUID },
		{ VMEXIT_MSR, 0, SIETCH_VM_EXIT_MSR_READ },
		{ VMEXIT_MSR, 1, SIETCH_VM_EXIT_MSR_WRITE },
		{ VMEXIT_HLT, 0, SIETCH_VM_EXIT_HLT },
		{ VMEXIT_SHUTDOWN, 0, SIETCH_VM_EXIT_SHUTDOWN },
		{ VMEXIT_VMMCALL, 0, SIETCH_VM_EXIT_VMMCALL },
		{ VMEXIT_INVALID, 0, SIETCH_VM_EXIT_INVALID },
		{ VMEXIT_XSETBV, 0, SIETCH_VM_EXIT_UNHANDLED },
		{ VMEXIT_VMRUN, 0, SIETCH_VM_EXIT_UNHANDLED },
		{ VMEXIT_EXCEPTION(14), 0, SIETCH_VM_EXIT_UNHANDLED },
	};
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		reset(table[i].code, table[i].info1, 0);
		assert_int_equal(svm_exit_reason(&v), table[i].reason);
	}
	/* Every reason the kernel returns or counts has a name; counted slots stay below the array. */
	for (unsigned r = SIETCH_VM_EXIT_NONE; r <= SIETCH_VM_EXIT_INTERRUPTED; r++)
		assert_non_null(sietch_vm_exit_name(r));
	for (unsigned r = SIETCH_VM_EXIT_HOST_INTR; r <= SIETCH_VM_EXIT_HOST_NPF; r++)
		assert_non_null(sietch_vm_exit_name(r));
	assert_null(sietch_vm_exit_name(SIETCH_VM_EXIT_COUNTED));
}

static void test_io(void **state)
{
	(void)state;
	struct sietch_vm_exit e;
	/* OUT DX, AX at 3F8h: SZ16, A16 (§15.10.2, Figure 15-2); EXITINFO2 the next RIP. */
	reset(VMEXIT_IOIO, (0x3f8ull << 16) | SVM_IOIO_SZ16 | SVM_IOIO_A16, 0x1001);
	regs[SIETCH_RAX] = 0xdeadbeef1234;
	svm_exit_fill(&v, regs, svm_exit_reason(&v), 3, &e);
	assert_int_equal(e.reason, SIETCH_VM_EXIT_IO);
	assert_int_equal(e.vcpu, 3);
	assert_int_equal(e.io.port, 0x3f8);
	assert_int_equal(e.io.size, 2);
	assert_int_equal(e.io.direction, SIETCH_VM_IO_OUT);
	assert_int_equal(e.io.value, 0x1234);
	assert_int_equal(e.io.next_rip, 0x1001);
	assert_int_equal(e.io.address_size, 2);
	assert_int_equal(e.rip, 0x1000);
	/* REP INSD with 32-bit addresses, ES: IN, STR, REP, SZ32, A32. */
	reset(VMEXIT_IOIO,
	      (0x60ull << 16) | SVM_IOIO_IN | SVM_IOIO_STR | SVM_IOIO_REP | SVM_IOIO_SZ32 | SVM_IOIO_A32, 0x1002);
	svm_exit_fill(&v, regs, SIETCH_VM_EXIT_IO, 0, &e);
	assert_int_equal(e.io.direction, SIETCH_VM_IO_IN);
	assert_true(e.io.string && e.io.rep);
	assert_int_equal(e.io.size, 4);
	assert_int_equal(e.io.address_size, 4);
	assert_int_equal(e.io.value, 0);
	/* OUTS through FS with 64-bit addresses. */
	reset(VMEXIT_IOIO, (0x80ull << 16) | SVM_IOIO_STR | SVM_IOIO_A64 | (4ull << SVM_IOIO_SEG_SHIFT), 0);
	svm_exit_fill(&v, regs, SIETCH_VM_EXIT_IO, 0, &e);
	assert_int_equal(e.io.segment, X86_SEG_FS);
	assert_int_equal(e.io.address_size, 8);
	assert_int_equal(e.io.size, 1);
}

static void test_msr_cpuid_efer(void **state)
{
	(void)state;
	struct sietch_vm_exit e;
	reset(VMEXIT_MSR, 1, 0);
	regs[SIETCH_RCX] = 0xffffffff00000277ull;
	regs[SIETCH_RAX] = 0xffffffff00070406ull;
	regs[SIETCH_RDX] = 0x00070406;
	v.save.efer = X86_EFER_SVME | X86_EFER_LME | X86_EFER_LMA;
	svm_exit_fill(&v, regs, svm_exit_reason(&v), 0, &e);
	assert_int_equal(e.reason, SIETCH_VM_EXIT_MSR_WRITE);
	assert_int_equal(e.msr.index, 0x277);
	assert_int_equal(e.msr.value, 0x0007040600070406ull);
	assert_int_equal(e.efer, X86_EFER_LME | X86_EFER_LMA); /* SVME is the hardware's, never the guest's */
	reset(VMEXIT_CPUID, 0, 0);
	regs[SIETCH_RAX] = 0x80000001;
	regs[SIETCH_RCX] = 7;
	svm_exit_fill(&v, regs, SIETCH_VM_EXIT_CPUID, 0, &e);
	assert_int_equal(e.cpuid.leaf, 0x80000001);
	assert_int_equal(e.cpuid.subleaf, 7);
}

static void test_mmio(void **state)
{
	(void)state;
	struct sietch_vm_exit e;
	/* mov dword [rbx+8], eax in 64-bit mode: a 4-byte write of eax. */
	reset(VMEXIT_NPF, SVM_NPF_W | SVM_NPF_U | SVM_NPF_FINAL_GPA, 0xfee00008);
	v.save.efer = X86_EFER_SVME | X86_EFER_LME | X86_EFER_LMA;
	v.save.cr0 = X86_CR0_PE | X86_CR0_PG;
	v.save.cs.attr = 0x9b | X86_SEG_L;
	regs[SIETCH_RAX] = 0x1122334455667788ull;
	svm_exit_fill(&v, regs, svm_exit_reason(&v), 0, &e);
	assert_int_equal(e.mmio.gpa, 0xfee00008);
	assert_true(e.mmio.write);
	assert_false(e.mmio.fetch);
	static const uint8_t store[] = { 0x89, 0x43, 0x08 };
	memcpy(e.mmio.insn, store, sizeof(store));
	e.mmio.insn_len = sizeof(store);
	svm_exit_mmio_decode(&v, regs, &e);
	assert_int_equal(e.mmio.size, 4);
	assert_int_equal(e.mmio.value, 0x55667788);
	assert_int_equal(e.mmio.decoded_len, 3);
	/* movzx eax, word [0x20] in real mode (0F B7 06 20 00): a 2-byte read. */
	reset(VMEXIT_NPF, SVM_NPF_U, 0xb8020);
	svm_exit_fill(&v, regs, SIETCH_VM_EXIT_MMIO, 0, &e);
	static const uint8_t load[] = { 0x0f, 0xb7, 0x06, 0x20, 0x00 };
	memcpy(e.mmio.insn, load, sizeof(load));
	e.mmio.insn_len = sizeof(load);
	svm_exit_mmio_decode(&v, regs, &e);
	assert_false(e.mmio.write);
	assert_int_equal(e.mmio.size, 2);
	assert_int_equal(e.mmio.decoded_len, 5);
	/* Nothing fetched, or an instruction MMIO emulation does not carry out: size 0. */
	e.mmio.insn_len = 0;
	svm_exit_mmio_decode(&v, regs, &e);
	assert_int_equal(e.mmio.size, 0);
	static const uint8_t add[] = { 0x01, 0x06, 0x20, 0x00 }; /* add [0x20], ax */
	memcpy(e.mmio.insn, add, sizeof(add));
	e.mmio.insn_len = sizeof(add);
	svm_exit_mmio_decode(&v, regs, &e);
	assert_int_equal(e.mmio.size, 0);
	assert_int_equal(e.mmio.decoded_len, 0);
	/* An instruction fetch from a GPA without memory. */
	reset(VMEXIT_NPF, SVM_NPF_I | SVM_NPF_U, 0xfffffff0);
	svm_exit_fill(&v, regs, SIETCH_VM_EXIT_MMIO, 0, &e);
	assert_true(e.mmio.fetch);
}

static void test_registers(void **state)
{
	(void)state;
	reset(0, 0, 0);
	struct sietch_vcpu_regs in = { .rip = 0x7c00, .rflags = ~0ull }, out;
	for (int i = 0; i < SIETCH_GPR_COUNT; i++)
		in.gpr[i] = 0x100 + (uint64_t)i;
	svm_regs_set(&v, regs, &in);
	assert_int_equal(v.save.rax, 0x100);
	assert_int_equal(v.save.rsp, 0x104);
	assert_int_equal(v.save.rflags, 0x3f7fd7); /* reserved bits dropped, bit 1 kept */
	svm_regs_get(&v, regs, &out);
	assert_int_equal(out.gpr[SIETCH_R15], 0x10f);
	assert_int_equal(out.rip, 0x7c00);

	struct sietch_vcpu_sregs s = { 0 }, back;
	s.cs = (struct sietch_vm_segment){ .selector = 0x10, .attr = 0xa9b | 0xf000, .limit = 0xffffffff };
	s.ss = (struct sietch_vm_segment){ .selector = 0x1b, .attr = 0xcf3, .limit = 0xffffffff };
	s.cr0 = X86_CR0_PE | X86_CR0_PG;
	s.cr4 = X86_CR4_PAE;
	s.efer = X86_EFER_LME | X86_EFER_LMA;
	s.interrupt_shadow = 1;
	svm_sregs_set(&v, &s);
	assert_int_equal(v.save.efer, X86_EFER_LME | X86_EFER_LMA | X86_EFER_SVME);
	assert_int_equal(v.save.cs.attr, 0xa9b); /* only 12 attribute bits exist */
	assert_int_equal(v.save.cpl, 3);         /* SS.DPL */
	assert_true(v.control.interrupt_shadow & SVM_INT_SHADOW);
	svm_sregs_get(&v, &back);
	assert_int_equal(back.efer, X86_EFER_LME | X86_EFER_LMA);
	assert_int_equal(back.cpl, 3);
	assert_int_equal(back.interrupt_shadow, 1);
	s.cr0 = 0; /* real mode: CPL 0 whatever SS says */
	s.interrupt_shadow = 0;
	svm_sregs_set(&v, &s);
	assert_int_equal(v.save.cpl, 0);
	assert_false(v.control.interrupt_shadow & SVM_INT_SHADOW);
}

/* `sti; hlt` exits at the HLT inside STI's shadow; the VMM completes the HLT
 * by moving RIP past it, which must end the shadow, or the next instruction
 * (the idle loop's CLI) runs in it too and a pending interrupt is never taken. */
static void test_completed_instruction_ends_shadow(void **state)
{
	(void)state;
	reset(0, 0, 0);
	v.save.rflags = 0x202;
	v.control.interrupt_shadow = SVM_INT_SHADOW;
	struct sietch_vcpu_regs r;
	svm_regs_get(&v, regs, &r);
	svm_regs_set(&v, regs, &r); /* RIP unchanged: still inside the shadow */
	assert_true(v.control.interrupt_shadow & SVM_INT_SHADOW);
	assert_false(svm_guest_interruptible(&v));
	r.rip += 1; /* past the HLT */
	svm_regs_set(&v, regs, &r);
	assert_false(v.control.interrupt_shadow & SVM_INT_SHADOW);
	assert_true(svm_guest_interruptible(&v));
}

static void test_interruptible(void **state)
{
	(void)state;
	reset(0, 0, 0);
	v.save.rflags = 2;
	assert_false(svm_guest_interruptible(&v));
	v.save.rflags |= 1u << 9;
	assert_true(svm_guest_interruptible(&v));
	v.control.interrupt_shadow = SVM_INT_SHADOW;
	assert_false(svm_guest_interruptible(&v));
	v.control.interrupt_shadow = 0;
	v.control.eventinj = svm_evtinj(14, SVM_EVTINJ_TYPE_EXCEPTION, 1, 2);
	assert_false(svm_guest_interruptible(&v));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reasons),     cmocka_unit_test(test_io),
		cmocka_unit_test(test_msr_cpuid_efer), cmocka_unit_test(test_mmio),
		cmocka_unit_test(test_registers),   cmocka_unit_test(test_interruptible),
		cmocka_unit_test(test_completed_instruction_ends_shadow),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
