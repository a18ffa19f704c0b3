/*
 * Intel VMX (SDM vol.3C ch.24-29, vol.3D appendices A-C): the VMCS field
 * encodings, the control bits Sietch uses, exit reasons and the
 * VM-instruction errors, and the pure functions over them that the host
 * unit tests check (kernel/vmm/vmx_vmcs.c, vmx_exit.c).
 *
 * A VMCS field's encoding (§24.11.2, Table 24-21) says what it is: bit 0
 * the high half of a 64-bit field, bits 9:1 its index, 11:10 its type
 * (control, read-only exit information, guest state, host state) and 14:13
 * its width (16-bit, 64-bit, 32-bit, natural width).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "kernel/vmm/svm.h"
#include "lib/common/vm_abi.h"

/* ---- VMCS fields, SDM vol.3D appendix B ---- */

#define VMX_FIELD_WIDTH(enc) (((enc) >> 13) & 3)
#define VMX_WIDTH_16 0
#define VMX_WIDTH_64 1
#define VMX_WIDTH_32 2
#define VMX_WIDTH_NATURAL 3
#define VMX_FIELD_TYPE(enc) (((enc) >> 10) & 3)
#define VMX_TYPE_CONTROL 0
#define VMX_TYPE_EXIT_INFO 1 /* read only */
#define VMX_TYPE_GUEST 2
#define VMX_TYPE_HOST 3

/* X(name, encoding): the one table both the code and the reports use. */
#define VMX_FIELDS(X)                                                               \
	/* B.1.1 16-bit control, B.1.2 guest, B.1.3 host */                         \
	X(VPID, 0x0000)                                                             \
	X(GUEST_ES_SELECTOR, 0x0800)                                                \
	X(GUEST_CS_SELECTOR, 0x0802)                                                \
	X(GUEST_SS_SELECTOR, 0x0804)                                                \
	X(GUEST_DS_SELECTOR, 0x0806)                                                \
	X(GUEST_FS_SELECTOR, 0x0808)                                                \
	X(GUEST_GS_SELECTOR, 0x080a)                                                \
	X(GUEST_LDTR_SELECTOR, 0x080c)                                              \
	X(GUEST_TR_SELECTOR, 0x080e)                                                \
	X(HOST_ES_SELECTOR, 0x0c00)                                                 \
	X(HOST_CS_SELECTOR, 0x0c02)                                                 \
	X(HOST_SS_SELECTOR, 0x0c04)                                                 \
	X(HOST_DS_SELECTOR, 0x0c06)                                                 \
	X(HOST_FS_SELECTOR, 0x0c08)                                                 \
	X(HOST_GS_SELECTOR, 0x0c0a)                                                 \
	X(HOST_TR_SELECTOR, 0x0c0c)                                                 \
	/* B.2.1 64-bit control, B.2.2 read only, B.2.3 guest, B.2.4 host */        \
	X(IO_BITMAP_A, 0x2000)                                                      \
	X(IO_BITMAP_B, 0x2002)                                                      \
	X(MSR_BITMAP, 0x2004)                                                       \
	X(TSC_OFFSET, 0x2010)                                                       \
	X(EPT_POINTER, 0x201a)                                                      \
	X(GUEST_PHYSICAL_ADDRESS, 0x2400)                                           \
	X(VMCS_LINK_POINTER, 0x2800)                                                \
	X(GUEST_IA32_DEBUGCTL, 0x2802)                                              \
	X(GUEST_IA32_PAT, 0x2804)                                                   \
	X(GUEST_IA32_EFER, 0x2806)                                                  \
	X(GUEST_PDPTE0, 0x280a)                                                     \
	X(GUEST_PDPTE1, 0x280c)                                                     \
	X(GUEST_PDPTE2, 0x280e)                                                     \
	X(GUEST_PDPTE3, 0x2810)                                                     \
	X(HOST_IA32_PAT, 0x2c00)                                                    \
	X(HOST_IA32_EFER, 0x2c02)                                                   \
	/* B.3.1 32-bit control, B.3.2 read only, B.3.3 guest, B.3.4 host */        \
	X(PIN_BASED_CONTROLS, 0x4000)                                               \
	X(PROC_BASED_CONTROLS, 0x4002)                                              \
	X(EXCEPTION_BITMAP, 0x4004)                                                 \
	X(PAGE_FAULT_ERROR_MASK, 0x4006)                                            \
	X(PAGE_FAULT_ERROR_MATCH, 0x4008)                                           \
	X(CR3_TARGET_COUNT, 0x400a)                                                 \
	X(EXIT_CONTROLS, 0x400c)                                                    \
	X(EXIT_MSR_STORE_COUNT, 0x400e)                                             \
	X(EXIT_MSR_LOAD_COUNT, 0x4010)                                              \
	X(ENTRY_CONTROLS, 0x4012)                                                   \
	X(ENTRY_MSR_LOAD_COUNT, 0x4014)                                             \
	X(ENTRY_INTERRUPTION_INFO, 0x4016)                                          \
	X(ENTRY_EXCEPTION_ERROR_CODE, 0x4018)                                       \
	X(ENTRY_INSTRUCTION_LENGTH, 0x401a)                                         \
	X(TPR_THRESHOLD, 0x401c)                                                    \
	X(SECONDARY_CONTROLS, 0x401e)                                               \
	X(VM_INSTRUCTION_ERROR, 0x4400)                                             \
	X(EXIT_REASON, 0x4402)                                                      \
	X(EXIT_INTERRUPTION_INFO, 0x4404)                                           \
	X(EXIT_INTERRUPTION_ERROR_CODE, 0x4406)                                     \
	X(IDT_VECTORING_INFO, 0x4408)                                               \
	X(IDT_VECTORING_ERROR_CODE, 0x440a)                                         \
	X(EXIT_INSTRUCTION_LENGTH, 0x440c)                                          \
	X(EXIT_INSTRUCTION_INFO, 0x440e)                                            \
	X(GUEST_ES_LIMIT, 0x4800)                                                   \
	X(GUEST_CS_LIMIT, 0x4802)                                                   \
	X(GUEST_SS_LIMIT, 0x4804)                                                   \
	X(GUEST_DS_LIMIT, 0x4806)                                                   \
	X(GUEST_FS_LIMIT, 0x4808)                                                   \
	X(GUEST_GS_LIMIT, 0x480a)                                                   \
	X(GUEST_LDTR_LIMIT, 0x480c)                                                 \
	X(GUEST_TR_LIMIT, 0x480e)                                                   \
	X(GUEST_GDTR_LIMIT, 0x4810)                                                 \
	X(GUEST_IDTR_LIMIT, 0x4812)                                                 \
	X(GUEST_ES_ACCESS_RIGHTS, 0x4814)                                           \
	X(GUEST_CS_ACCESS_RIGHTS, 0x4816)                                           \
	X(GUEST_SS_ACCESS_RIGHTS, 0x4818)                                           \
	X(GUEST_DS_ACCESS_RIGHTS, 0x481a)                                           \
	X(GUEST_FS_ACCESS_RIGHTS, 0x481c)                                           \
	X(GUEST_GS_ACCESS_RIGHTS, 0x481e)                                           \
	X(GUEST_LDTR_ACCESS_RIGHTS, 0x4820)                                         \
	X(GUEST_TR_ACCESS_RIGHTS, 0x4822)                                           \
	X(GUEST_INTERRUPTIBILITY, 0x4824)                                           \
	X(GUEST_ACTIVITY_STATE, 0x4826)                                             \
	X(GUEST_SYSENTER_CS, 0x482a)                                                \
	X(PREEMPTION_TIMER_VALUE, 0x482e)                                           \
	X(HOST_SYSENTER_CS, 0x4c00)                                                 \
	/* B.4.1 natural-width control, B.4.2 read only, B.4.3 guest, B.4.4 host */ \
	X(CR0_GUEST_HOST_MASK, 0x6000)                                              \
	X(CR4_GUEST_HOST_MASK, 0x6002)                                              \
	X(CR0_READ_SHADOW, 0x6004)                                                  \
	X(CR4_READ_SHADOW, 0x6006)                                                  \
	X(EXIT_QUALIFICATION, 0x6400)                                               \
	X(GUEST_LINEAR_ADDRESS, 0x640a)                                             \
	X(GUEST_CR0, 0x6800)                                                        \
	X(GUEST_CR3, 0x6802)                                                        \
	X(GUEST_CR4, 0x6804)                                                        \
	X(GUEST_ES_BASE, 0x6806)                                                    \
	X(GUEST_CS_BASE, 0x6808)                                                    \
	X(GUEST_SS_BASE, 0x680a)                                                    \
	X(GUEST_DS_BASE, 0x680c)                                                    \
	X(GUEST_FS_BASE, 0x680e)                                                    \
	X(GUEST_GS_BASE, 0x6810)                                                    \
	X(GUEST_LDTR_BASE, 0x6812)                                                  \
	X(GUEST_TR_BASE, 0x6814)                                                    \
	X(GUEST_GDTR_BASE, 0x6816)                                                  \
	X(GUEST_IDTR_BASE, 0x6818)                                                  \
	X(GUEST_DR7, 0x681a)                                                        \
	X(GUEST_RSP, 0x681c)                                                        \
	X(GUEST_RIP, 0x681e)                                                        \
	X(GUEST_RFLAGS, 0x6820)                                                     \
	X(GUEST_PENDING_DEBUG, 0x6822)                                              \
	X(GUEST_SYSENTER_ESP, 0x6824)                                               \
	X(GUEST_SYSENTER_EIP, 0x6826)                                               \
	X(HOST_CR0, 0x6c00)                                                         \
	X(HOST_CR3, 0x6c02)                                                         \
	X(HOST_CR4, 0x6c04)                                                         \
	X(HOST_FS_BASE, 0x6c06)                                                     \
	X(HOST_GS_BASE, 0x6c08)                                                     \
	X(HOST_TR_BASE, 0x6c0a)                                                     \
	X(HOST_GDTR_BASE, 0x6c0c)                                                   \
	X(HOST_IDTR_BASE, 0x6c0e)                                                   \
	X(HOST_SYSENTER_ESP, 0x6c10)                                                \
	X(HOST_SYSENTER_EIP, 0x6c12)                                                \
	X(HOST_RSP, 0x6c14)                                                         \
	X(HOST_RIP, 0x6c16)

#define VMX_FIELD_ENUM(name, enc) VMCS_##name = (enc),
enum vmcs_field { VMX_FIELDS(VMX_FIELD_ENUM) };
#undef VMX_FIELD_ENUM

/* The field's name as in the table ("GUEST_CR0"), or NULL for an encoding not in it. */
const char *vmx_field_name(uint32_t encoding);
/* How many fields the table has, and the i-th encoding (for the tests and a VMCS dump). */
unsigned vmx_field_count(void);
uint32_t vmx_field_at(unsigned i);

/* ---- controls, SDM vol.3C §25.6 (§24.6 before 2023) ---- */

/* Pin-based (Table 25-5). */
#define VMX_PIN_EXTERNAL_INTERRUPT (1u << 0)
#define VMX_PIN_NMI (1u << 3)
#define VMX_PIN_VIRTUAL_NMI (1u << 5)
#define VMX_PIN_PREEMPTION_TIMER (1u << 6)
/* Primary processor-based (Table 25-6). */
#define VMX_PROC_INTERRUPT_WINDOW (1u << 2)
#define VMX_PROC_HLT (1u << 7)
#define VMX_PROC_INVLPG (1u << 9)
#define VMX_PROC_MWAIT (1u << 10)
#define VMX_PROC_RDPMC (1u << 11)
#define VMX_PROC_RDTSC (1u << 12)
#define VMX_PROC_CR3_LOAD (1u << 15)
#define VMX_PROC_CR3_STORE (1u << 16)
#define VMX_PROC_CR8_LOAD (1u << 19)
#define VMX_PROC_CR8_STORE (1u << 20)
#define VMX_PROC_MOV_DR (1u << 23)
#define VMX_PROC_UNCONDITIONAL_IO (1u << 24)
#define VMX_PROC_USE_IO_BITMAPS (1u << 25)
#define VMX_PROC_USE_MSR_BITMAPS (1u << 28)
#define VMX_PROC_MONITOR (1u << 29)
#define VMX_PROC_SECONDARY (1u << 31)
/* Secondary processor-based (Table 25-7). */
#define VMX_PROC2_EPT (1u << 1)
#define VMX_PROC2_RDTSCP (1u << 3)
#define VMX_PROC2_VPID (1u << 5)
#define VMX_PROC2_UNRESTRICTED (1u << 7)
#define VMX_PROC2_INVPCID (1u << 12)
#define VMX_PROC2_XSAVES (1u << 20)
/* VM-exit controls (Table 25-13). */
#define VMX_EXIT_HOST_64 (1u << 9) /* host address-space size: the host is in long mode */
#define VMX_EXIT_SAVE_PAT (1u << 18)
#define VMX_EXIT_LOAD_PAT (1u << 19)
#define VMX_EXIT_SAVE_EFER (1u << 20)
#define VMX_EXIT_LOAD_EFER (1u << 21)
/* VM-entry controls (Table 25-15). */
#define VMX_ENTRY_IA32E_GUEST (1u << 9)
#define VMX_ENTRY_LOAD_PAT (1u << 14)
#define VMX_ENTRY_LOAD_EFER (1u << 15)

/*
 * A control word from its capability MSR (SDM vol.3D §A.3-A.5): bits 31:0
 * are the allowed 0-settings (a 1 there: the control must be 1), bits 63:32
 * the allowed 1-settings (a 0 there: the control must be 0). The result is
 * wanted with the must-be-1 bits added and the must-be-0 ones removed; if
 * that loses a bit of `needed`, -1 and the lost bits in *missing.
 */
int vmx_adjust_controls(uint64_t capability, uint32_t wanted, uint32_t needed, uint32_t *out, uint32_t *missing);

/* A CR0/CR4 value for VMX operation (§A.7, §A.8): the FIXED0 bits set, bits FIXED1 lacks clear. */
static inline uint64_t vmx_fixed_bits(uint64_t value, uint64_t fixed0, uint64_t fixed1)
{
	return (value | fixed0) & fixed1;
}

/* The GUEST_CR0 for cr0 (the guest's own with EPT, the shadow's without):
 * the fixed bits as above, but PE and PG stay cr0's for an unrestricted
 * guest (§26.2.1.1, §27.3.1.1), which only EPT allows. */
static inline uint64_t vmx_guest_cr0(uint64_t cr0, uint64_t fixed0, uint64_t fixed1, bool unrestricted)
{
	if (unrestricted)
		fixed0 &= ~(uint64_t)((1u << 0) | (1u << 31)); /* PE, PG */
	return vmx_fixed_bits(cr0, fixed0, fixed1);
}

/* IA32_VMX_BASIC (§A.1). */
#define VMX_BASIC_REVISION(b) ((uint32_t)(b)&0x7fffffffu)
#define VMX_BASIC_REGION_SIZE(b) (((b) >> 32) & 0x1fff)
#define VMX_BASIC_MEMTYPE(b) (((b) >> 50) & 0xf) /* 6: write-back */
#define VMX_BASIC_INS_OUTS_INFO (1ull << 54)	 /* INS/OUTS exits fill the instruction information */
#define VMX_BASIC_TRUE_CONTROLS (1ull << 55)	 /* the TRUE_* capability MSRs exist */

/* IA32_VMX_EPT_VPID_CAP (§A.10). */
#define VMX_EPT_CAP_WALK4 (1ull << 6)
#define VMX_EPT_CAP_WB (1ull << 14)
#define VMX_EPT_CAP_2M (1ull << 16)
#define VMX_EPT_CAP_INVEPT (1ull << 20)
#define VMX_EPT_CAP_AD (1ull << 21)
#define VMX_EPT_CAP_INVEPT_ALL (1ull << 26)
#define VMX_VPID_CAP_INVVPID (1ull << 32)
#define VMX_VPID_CAP_INVVPID_ALL (1ull << 42)

/* The EPT pointer (§25.6.11, Table 25-9): write-back tables, a 4-level walk, A/D flags if asked. */
static inline uint64_t vmx_eptp(uint64_t root, bool accessed_dirty)
{
	return root | 6u | (3u << 3) | (accessed_dirty ? 1u << 6 : 0);
}

/* ---- exits, SDM vol.3D appendix C ---- */

enum vmx_exit_code {
	VMX_EXIT_EXCEPTION_NMI = 0,
	VMX_EXIT_EXTERNAL_INTERRUPT = 1,
	VMX_EXIT_TRIPLE_FAULT = 2,
	VMX_EXIT_INIT = 3,
	VMX_EXIT_SIPI = 4,
	VMX_EXIT_INTERRUPT_WINDOW = 7,
	VMX_EXIT_NMI_WINDOW = 8,
	VMX_EXIT_TASK_SWITCH = 9,
	VMX_EXIT_CPUID = 10,
	VMX_EXIT_GETSEC = 11,
	VMX_EXIT_HLT = 12,
	VMX_EXIT_INVD = 13,
	VMX_EXIT_INVLPG = 14,
	VMX_EXIT_RDPMC = 15,
	VMX_EXIT_RDTSC = 16,
	VMX_EXIT_VMCALL = 18,
	VMX_EXIT_CR_ACCESS = 28,
	VMX_EXIT_DR_ACCESS = 29,
	VMX_EXIT_IO = 30,
	VMX_EXIT_RDMSR = 31,
	VMX_EXIT_WRMSR = 32,
	VMX_EXIT_INVALID_GUEST_STATE = 33,
	VMX_EXIT_MSR_LOADING = 34,
	VMX_EXIT_MWAIT = 36,
	VMX_EXIT_MONITOR = 39,
	VMX_EXIT_PAUSE = 40,
	VMX_EXIT_MACHINE_CHECK = 41,
	VMX_EXIT_EPT_VIOLATION = 48,
	VMX_EXIT_EPT_MISCONFIG = 49,
	VMX_EXIT_INVEPT = 50,
	VMX_EXIT_PREEMPTION_TIMER = 52,
	VMX_EXIT_INVVPID = 53,
	VMX_EXIT_XSETBV = 55,
};
#define VMX_EXIT_REASON_BASIC(r) ((r)&0xffffu)
#define VMX_EXIT_REASON_ENTRY_FAILED (1u << 31)

/* A short name of a basic exit reason ("io", "ept-violation"), "?" for others. */
const char *vmx_exit_name(uint32_t basic_reason);
/* The VM-instruction error's meaning (§31.4, Table 31-1), "?" for an unknown number. */
const char *vmx_instruction_error_name(uint32_t error);

/* Interruption information (§25.8.3, §25.9.2): the layout of the VMCB's
 * EVENTINJ low half, so the vCPU's pending event keeps SVM's encoding. */
#define VMX_INTR_INFO_VALID (1u << 31)
#define VMX_INTR_INFO_HAS_ERROR (1u << 11)
#define VMX_INTR_INFO_TYPE(i) (((i) >> 8) & 7)
#define VMX_INTR_TYPE_EXTERNAL 0
#define VMX_INTR_TYPE_NMI 2
#define VMX_INTR_TYPE_HW_EXCEPTION 3
#define VMX_INTR_TYPE_SOFT_INT 4
#define VMX_INTR_TYPE_PRIV_SOFT_EXCEPTION 5
#define VMX_INTR_TYPE_SOFT_EXCEPTION 6

/* Guest interruptibility state (§25.4.2, Table 25-3). */
#define VMX_INTERRUPTIBILITY_STI (1u << 0)
#define VMX_INTERRUPTIBILITY_MOV_SS (1u << 1)

/* Segment access rights (§25.4.1, Table 25-2): descriptor bits 47:40 in
 * 7:0, 55:52 in 15:12, and bit 16 "unusable". The VMCB's attr has them in
 * 11:8; a segment that is not present is unusable. */
static inline uint32_t vmx_access_rights(uint16_t attr)
{
	uint32_t ar = (attr & 0xffu) | ((uint32_t)(attr & 0xf00u) << 4);
	return (attr & 0x80u) ? ar : ar | (1u << 16);
}

static inline uint16_t vmx_segment_attr(uint32_t ar)
{
	if (ar & (1u << 16))
		return 0;
	return (uint16_t)((ar & 0xffu) | ((ar >> 4) & 0xf00u));
}

/* What one exit left in the VMCS's read-only fields (§25.9). */
struct vmx_exit_info {
	uint32_t reason;	/* EXIT_REASON */
	uint64_t qualification; /* EXIT_QUALIFICATION */
	uint64_t gpa;		/* GUEST_PHYSICAL_ADDRESS */
	uint32_t instruction_length;
	uint32_t instruction_info;
	uint32_t interruption_info; /* EXIT_INTERRUPTION_INFO */
	uint32_t error_code;	    /* EXIT_INTERRUPTION_ERROR_CODE: an exception's that exited */
	uint32_t idt_vectoring_info;
	bool ins_outs_info; /* IA32_VMX_BASIC bit 54: instruction_info is valid for INS/OUTS */
};

/* The ABI's reason for the exit (HOST_* ones the kernel handles itself). A
 * CR access is UNHANDLED here: the run loop emulates the ones it causes. */
enum sietch_vm_exit_reason vmx_exit_reason(const struct vmx_exit_info *x);

/* The exit record, as svm_exit_fill makes it from a VMCB: v is the vCPU's
 * register image (kept in a VMCB's layout by the VMX back end too), gpr the
 * general registers. hw_code is the VMX exit reason, hw_info1 the
 * qualification, hw_info2 the guest-physical address, hw_intinfo the
 * IDT-vectoring information. */
void vmx_exit_fill(const struct vmx_exit_info *x, const struct vmcb *v, const uint64_t gpr[SIETCH_GPR_COUNT],
		   enum sietch_vm_exit_reason reason, uint32_t vcpu_index, struct sietch_vm_exit *out);

/* CR-access exit qualification (§28.2.1, Table 28-3). */
#define VMX_CR_NUMBER(q) ((unsigned)(q)&0xf)
#define VMX_CR_ACCESS_TYPE(q) (((unsigned)(q) >> 4) & 3)
#define VMX_CR_ACCESS_MOV_TO 0
#define VMX_CR_ACCESS_MOV_FROM 1
#define VMX_CR_ACCESS_CLTS 2
#define VMX_CR_ACCESS_LMSW 3
#define VMX_CR_GPR(q) (((unsigned)(q) >> 8) & 0xf)
#define VMX_CR_LMSW_DATA(q) (((q) >> 16) & 0xffff)
