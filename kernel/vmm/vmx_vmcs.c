/*
 * The VMCS field table, the control-adjustment rule and the names reports
 * use (see vmx.h). Pure: host-tested by tests/unit/vmx_ut.c.
 */
#include "kernel/vmm/vmx.h"

#include <stddef.h>

struct vmx_field {
	uint32_t encoding;
	const char *name;
};

#define VMX_FIELD_ROW(name, enc) { (enc), #name },
static const struct vmx_field fields[] = { VMX_FIELDS(VMX_FIELD_ROW) };
#undef VMX_FIELD_ROW

unsigned vmx_field_count(void)
{
	return sizeof(fields) / sizeof(fields[0]);
}

uint32_t vmx_field_at(unsigned i) { return i < vmx_field_count() ? fields[i].encoding : ~0u; }

const char *vmx_field_name(uint32_t encoding)
{
	for (unsigned i = 0; i < vmx_field_count(); i++)
		if (fields[i].encoding == encoding)
			return fields[i].name;
	return NULL;
}

int vmx_adjust_controls(uint64_t capability, uint32_t wanted, uint32_t needed, uint32_t *out, uint32_t *missing)
{
	uint32_t must_be_one = (uint32_t)capability, may_be_one = (uint32_t)(capability >> 32);
	uint32_t value = (wanted | needed | must_be_one) & may_be_one;
	*out = value;
	*missing = needed & ~value;
	return *missing ? -1 : 0;
}

const char *vmx_exit_name(uint32_t basic_reason)
{
	static const char *const names[] = {
		[VMX_EXIT_EXCEPTION_NMI] = "exception-or-nmi",
		[VMX_EXIT_EXTERNAL_INTERRUPT] = "external-interrupt",
		[VMX_EXIT_TRIPLE_FAULT] = "triple-fault",
		[VMX_EXIT_INIT] = "init",
		[VMX_EXIT_SIPI] = "sipi",
		[VMX_EXIT_INTERRUPT_WINDOW] = "interrupt-window",
		[VMX_EXIT_NMI_WINDOW] = "nmi-window",
		[VMX_EXIT_TASK_SWITCH] = "task-switch",
		[VMX_EXIT_CPUID] = "cpuid",
		[VMX_EXIT_GETSEC] = "getsec",
		[VMX_EXIT_HLT] = "hlt",
		[VMX_EXIT_INVD] = "invd",
		[VMX_EXIT_INVLPG] = "invlpg",
		[VMX_EXIT_RDPMC] = "rdpmc",
		[VMX_EXIT_RDTSC] = "rdtsc",
		[VMX_EXIT_VMCALL] = "vmcall",
		[VMX_EXIT_CR_ACCESS] = "cr-access",
		[VMX_EXIT_DR_ACCESS] = "dr-access",
		[VMX_EXIT_IO] = "io",
		[VMX_EXIT_RDMSR] = "rdmsr",
		[VMX_EXIT_WRMSR] = "wrmsr",
		[VMX_EXIT_INVALID_GUEST_STATE] = "invalid-guest-state",
		[VMX_EXIT_MSR_LOADING] = "msr-loading",
		[VMX_EXIT_MWAIT] = "mwait",
		[VMX_EXIT_MONITOR] = "monitor",
		[VMX_EXIT_PAUSE] = "pause",
		[VMX_EXIT_MACHINE_CHECK] = "machine-check",
		[VMX_EXIT_EPT_VIOLATION] = "ept-violation",
		[VMX_EXIT_EPT_MISCONFIG] = "ept-misconfig",
		[VMX_EXIT_INVEPT] = "invept",
		[VMX_EXIT_PREEMPTION_TIMER] = "preemption-timer",
		[VMX_EXIT_INVVPID] = "invvpid",
		[VMX_EXIT_XSETBV] = "xsetbv",
	};
	if (basic_reason < sizeof(names) / sizeof(names[0]) && names[basic_reason])
		return names[basic_reason];
	return "?";
}

const char *vmx_instruction_error_name(uint32_t error)
{
	/* SDM vol.3C §31.4, Table 31-1 "VM-Instruction Error Numbers". */
	static const char *const names[] = {
		[1] = "VMCALL executed in VMX root operation",
		[2] = "VMCLEAR with invalid physical address",
		[3] = "VMCLEAR with VMXON pointer",
		[4] = "VMLAUNCH with non-clear VMCS",
		[5] = "VMRESUME with non-launched VMCS",
		[6] = "VMRESUME after VMXOFF",
		[7] = "VM entry with invalid control field(s)",
		[8] = "VM entry with invalid host-state field(s)",
		[9] = "VMPTRLD with invalid physical address",
		[10] = "VMPTRLD with VMXON pointer",
		[11] = "VMPTRLD with incorrect VMCS revision identifier",
		[12] = "VMREAD/VMWRITE from/to unsupported VMCS component",
		[13] = "VMWRITE to read-only VMCS component",
		[15] = "VMXON executed in VMX root operation",
		[16] = "VM entry with invalid executive-VMCS pointer",
		[17] = "VM entry with non-launched executive VMCS",
		[18] = "VM entry with executive-VMCS pointer not VMXON pointer",
		[19] = "VMCALL with non-clear VMCS",
		[20] = "VMCALL with invalid VM-exit control fields",
		[22] = "VMCALL with incorrect MSEG revision identifier",
		[23] = "VMXOFF under dual-monitor treatment of SMIs and SMM",
		[24] = "VMCALL with invalid SMM-monitor features",
		[25] = "VM entry with invalid VM-execution control fields in executive VMCS",
		[26] = "VM entry with events blocked by MOV SS",
		[28] = "Invalid operand to INVEPT/INVVPID",
	};
	if (error < sizeof(names) / sizeof(names[0]) && names[error])
		return names[error];
	return "?";
}
