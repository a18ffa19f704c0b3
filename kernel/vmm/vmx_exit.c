/*
 * VMX exits in the ABI's terms, the same records svm_exit.c makes from a
 * VMCB (see vmx.h), so the VMM cannot tell which back end ran.
 */
#include "kernel/vmm/vmx.h"

#include "kernel/vmm/svm_exit.h"

enum sietch_vm_exit_reason vmx_exit_reason(const struct vmx_exit_info *x)
{
	if (x->reason & VMX_EXIT_REASON_ENTRY_FAILED)
		return SIETCH_VM_EXIT_INVALID;
	switch (VMX_EXIT_REASON_BASIC(x->reason)) {
	case VMX_EXIT_EXCEPTION_NMI:
		/* NMIs; the exceptions in the bitmap (#UD, #PF with shadow paging) are vmx.c's. */
		if ((x->interruption_info & VMX_INTR_INFO_VALID) &&
		    VMX_INTR_INFO_TYPE(x->interruption_info) == VMX_INTR_TYPE_NMI)
			return SIETCH_VM_EXIT_HOST_NMI;
		return SIETCH_VM_EXIT_UNHANDLED;
	case VMX_EXIT_EXTERNAL_INTERRUPT:
	case VMX_EXIT_PREEMPTION_TIMER: /* the run loop's backstop for host interrupts, see vmx.c */
		return SIETCH_VM_EXIT_HOST_INTR;
	case VMX_EXIT_INTERRUPT_WINDOW:
		return SIETCH_VM_EXIT_HOST_VINTR;
	case VMX_EXIT_TRIPLE_FAULT:
		return SIETCH_VM_EXIT_SHUTDOWN;
	case VMX_EXIT_IO:
		return SIETCH_VM_EXIT_IO;
	case VMX_EXIT_EPT_VIOLATION:
		/* As SVM's nested page fault: every one goes to the VMM as MMIO. */
		return SIETCH_VM_EXIT_MMIO;
	case VMX_EXIT_CPUID:
		return SIETCH_VM_EXIT_CPUID;
	case VMX_EXIT_RDMSR:
		return SIETCH_VM_EXIT_MSR_READ;
	case VMX_EXIT_WRMSR:
		return SIETCH_VM_EXIT_MSR_WRITE;
	case VMX_EXIT_HLT:
		return SIETCH_VM_EXIT_HLT;
	case VMX_EXIT_VMCALL:
		return SIETCH_VM_EXIT_VMMCALL;
	case VMX_EXIT_INVALID_GUEST_STATE:
	case VMX_EXIT_MSR_LOADING:
	case VMX_EXIT_MACHINE_CHECK:
	case VMX_EXIT_EPT_MISCONFIG:
		return SIETCH_VM_EXIT_INVALID;
	}
	return SIETCH_VM_EXIT_UNHANDLED;
}

/* The I/O exit qualification (§28.2.1, Table 28-5) and, for INS/OUTS, the
 * instruction information (§25.9.4, Table 25-19) into the ABI's fields. */
static void vmx_fill_io(const struct vmx_exit_info *x, const struct vmcb *v, const uint64_t gpr[SIETCH_GPR_COUNT],
			struct sietch_vm_exit_io *io)
{
	uint64_t q = x->qualification;
	io->size = (uint8_t)((q & 7) + 1);
	io->direction = (q & (1u << 3)) ? SIETCH_VM_IO_IN : SIETCH_VM_IO_OUT;
	io->string = (q & (1u << 4)) != 0;
	io->rep = (q & (1u << 5)) != 0;
	io->port = (uint16_t)(q >> 16);
	io->next_rip = v->save.rip + x->instruction_length;
	if (io->string) {
		if (x->ins_outs_info) {
			unsigned a = (x->instruction_info >> 7) & 7;
			io->address_size = a == 2 ? 8 : a == 1 ? 4 :
								 2;
			io->segment = (uint8_t)((x->instruction_info >> 15) & 7);
		} else {
			/* Without the information: the default address size of the code segment, DS. */
			bool long64 = (v->save.efer & (1ull << 10)) && (v->save.cs.attr & (1u << 9));
			io->address_size = long64 ? 8 : (v->save.cs.attr & (1u << 10)) ? 4 :
											 2;
			io->segment = 3;
		}
	} else {
		io->address_size = 0;
		io->segment = 0;
	}
	if (io->direction == SIETCH_VM_IO_OUT && !io->string)
		io->value = gpr[SIETCH_RAX] & (io->size == 4 ? 0xffffffffull : io->size == 2 ? 0xffffull :
											       0xffull);
}

void vmx_exit_fill(const struct vmx_exit_info *x, const struct vmcb *v, const uint64_t gpr[SIETCH_GPR_COUNT],
		   enum sietch_vm_exit_reason reason, uint32_t vcpu_index, struct sietch_vm_exit *out)
{
	*out = (struct sietch_vm_exit){
		.reason = reason,
		.vcpu = vcpu_index,
		.hw_code = x->reason,
		.hw_info1 = x->qualification,
		.hw_info2 = x->gpa,
		.hw_intinfo = x->idt_vectoring_info,
	};
	svm_exit_fill_state(v, out);
	switch (reason) {
	case SIETCH_VM_EXIT_IO:
		vmx_fill_io(x, v, gpr, &out->io);
		break;
	case SIETCH_VM_EXIT_MMIO:
		/* §28.2.1, Table 28-7: bit 0 a read, 1 a write, 2 a fetch. */
		out->mmio.gpa = x->gpa;
		out->mmio.write = (x->qualification & 2) != 0;
		out->mmio.fetch = (x->qualification & 4) != 0;
		break;
	default:
		svm_exit_fill_from_gpr(gpr, reason, out);
		break;
	}
}
