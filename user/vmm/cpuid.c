/*
 * The processor a guest sees: the host's CPUID with what the VM does not
 * offer taken out (SVM itself, x2APIC, the TSC-deadline timer, MONITOR),
 * the vCPU's own APIC ID and CPU count put in, and the hypervisor bit set;
 * and the few MSRs that reach the VMM.
 */
#include "user/vmm/vmm.h"

#include "user/vmm/guest_boot.h"

/* CPUID bits (Intel SDM vol.2A CPUID, AMD APM vol.3 appendix E). */
#define LEAF1_ECX_MONITOR (1u << 3)
#define LEAF1_ECX_VMX (1u << 5)
#define LEAF1_ECX_X2APIC (1u << 21)
#define LEAF1_ECX_TSC_DEADLINE (1u << 24)
#define LEAF1_ECX_HYPERVISOR (1u << 31)
#define LEAF1_EDX_HTT (1u << 28)
#define EXT1_ECX_SVM (1u << 2)
#define LEAF_SVM_FEATURES 0x8000000au
#define MSR_APIC_BASE 0x1b
#define APIC_BASE_BSP (1u << 8)
#define APIC_BASE_ENABLE (1u << 11)

static void host_cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(sub));
}

void vm_cpuid(const struct vcpu *v, uint32_t leaf, uint32_t subleaf, uint64_t gpr[])
{
	uint32_t r[4];
	host_cpuid(leaf, subleaf, r);
	if (leaf == 1) {
		r[2] &= ~(LEAF1_ECX_MONITOR | LEAF1_ECX_VMX | LEAF1_ECX_X2APIC | LEAF1_ECX_TSC_DEADLINE);
		r[2] |= LEAF1_ECX_HYPERVISOR;
		r[3] |= LEAF1_EDX_HTT;
		/* EBX 31:24 initial APIC ID, 23:16 logical processors per package */
		r[1] = (r[1] & 0xffff) | (v->lapic.id << 24) | (v->vm->cpus << 16);
	} else if (leaf == 0xb || leaf == 0x1f) {
		r[3] = v->lapic.id; /* x2APIC ID: the same number */
	} else if (leaf == 0x80000001u) {
		r[2] &= ~EXT1_ECX_SVM;
	} else if (leaf == LEAF_SVM_FEATURES) {
		r[0] = r[1] = r[2] = r[3] = 0;
	}
	gpr[0] = r[0]; /* eax, ebx, ecx, edx into the registers in x86 numbering */
	gpr[3] = r[1];
	gpr[1] = r[2];
	gpr[2] = r[3];
}

uint64_t vm_msr_read(const struct vcpu *v, uint32_t msr, bool *known)
{
	*known = true;
	if (msr == MSR_APIC_BASE)
		return GUEST_LAPIC_BASE | APIC_BASE_ENABLE | (v->index == 0 ? APIC_BASE_BSP : 0);
	*known = false;
	return 0;
}
