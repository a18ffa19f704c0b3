/*
 * Which virtualization back end this machine uses, chosen once by CPUID:
 * Intel VMX (CPUID 1 ECX[5], SDM vol.3C §24.6) or AMD SVM (CPUID
 * 8000_0001h ECX[2], APM vol.2 §15.4). A CPU with neither gets SVM's, whose
 * detection says what is missing.
 */
#include "kernel/arch/cpu.h"
#include "kernel/vmm/vm.h"
#include "lib/common/pt.h"

static const struct vm_backend svm_backend = {
	.name = "svm",
	.nested_format = &pt_format_npt,
	.nested_paging = svm_has_npt,
	.detect = svm_detect,
	.asid_count = svm_asid_count,
	.vcpu_init = svm_vcpu_init,
	.vcpu_free = svm_vcpu_free,
	.vcpu_run = svm_vcpu_run,
	.vcpu_get = svm_vcpu_get,
	.vcpu_set = svm_vcpu_set,
	.vcpu_inject = svm_vcpu_inject,
};

/* vmx_detect refuses a CPU without EPT, so a VMX guest always has nested paging. */
static bool vmx_nested_paging(void) { return true; }

static const struct vm_backend vmx_backend = {
	.name = "vmx",
	.nested_format = &pt_format_ept,
	.detect = vmx_detect,
	.nested_paging = vmx_nested_paging,
	.asid_count = vmx_asid_count,
	.vcpu_init = vmx_vcpu_init,
	.vcpu_free = vmx_vcpu_free,
	.vcpu_run = vmx_vcpu_run,
	.vcpu_get = vmx_vcpu_get,
	.vcpu_set = vmx_vcpu_set,
	.vcpu_inject = vmx_vcpu_inject,
};

const struct vm_backend *vm_backend(void)
{
	uint32_t a, b, c, d;
	cpuid(1, 0, &a, &b, &c, &d);
	return (c & (1u << 5)) ? &vmx_backend : &svm_backend;
}
