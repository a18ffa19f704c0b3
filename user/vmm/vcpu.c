/*
 * A vCPU's thread: run the guest, carry out the exit, run it again. See
 * vmm.h for how interrupts and halts work.
 */
#include "user/vmm/vmm.h"

#include <stdio.h>
#include <string.h>

#include "lib/common/x86_decode.h"
#include "lib/common/x86_mmio.h"
#include "lib/common/x86_walk.h"
#include "lib/os/os.h"

#define EFER_LMA (1u << 10)
#define CR0_PE 1u
/* Segment attributes in the VMCB's form (AMD APM vol.2 §15.5.1): descriptor
 * bits 47:40 in 7:0 and 55:52 in 11:8. */
#define ATTR_CODE32 0xc9b  /* present, DPL 0, execute/read, accessed; 32-bit, 4 KiB granular */
#define ATTR_DATA32 0xc93  /* present, DPL 0, read/write, accessed; 32-bit, 4 KiB granular */
#define ATTR_CODE16 0x09b
#define ATTR_DATA16 0x093
#define ATTR_TSS_BUSY 0x08b /* present, 32-bit busy TSS (SDM vol.3 Table 3-2) */
#define ATTR_LDT 0x082
#define CR0_ET 0x10u        /* reset value: extension type, always 1 */
#define RFLAGS_RESERVED 0x2u
#define RFLAGS_IF 0x200u
#define DR6_RESET 0xffff0ff0u
#define DR7_RESET 0x400u
#define PAT_RESET 0x0007040600070406ull /* SDM vol.3 §13.12.4 */
#define INSN_HLT_LEN 1
#define INSN_CPUID_LEN 2
#define INSN_MSR_LEN 2
#define INSN_VMMCALL_LEN 3

static void sregs_reset(struct sietch_vcpu_sregs *s)
{
	memset(s, 0, sizeof(*s));
	s->tr = (struct sietch_vm_segment){ 0, ATTR_TSS_BUSY, 0xffff, 0 };
	s->ldtr = (struct sietch_vm_segment){ 0, ATTR_LDT, 0xffff, 0 };
	s->gdtr.limit = 0xffff;
	s->idtr.limit = 0xffff;
	s->dr6 = DR6_RESET;
	s->dr7 = DR7_RESET;
	s->pat = PAT_RESET;
}

/* Multiboot2 spec §3.3 "I386 machine state": EAX magic, EBX the information,
 * CS a 32-bit flat code segment, the others flat data, CR0.PE set and PG
 * clear, EFLAGS.IF and VM clear. The guest loads its own GDT and IDT. */
int vcpu_boot_bsp(struct vcpu *v, uint32_t entry, uint32_t info_phys)
{
	struct sietch_vcpu_sregs s;
	sregs_reset(&s);
	struct sietch_vm_segment code = { 0x08, ATTR_CODE32, 0xffffffffu, 0 };
	struct sietch_vm_segment data = { 0x10, ATTR_DATA32, 0xffffffffu, 0 };
	s.cs = code;
	s.ds = s.es = s.fs = s.gs = s.ss = data;
	s.cr0 = CR0_PE | CR0_ET;
	long err = os_vcpu_set(v->handle, SIETCH_VCPU_SREGS, &s, sizeof(s));
	if (err < 0)
		return (int)err;
	memset(&v->run.regs, 0, sizeof(v->run.regs));
	v->run.regs.gpr[SIETCH_RAX] = 0x36d76289u; /* MB2_BOOTLOADER_MAGIC */
	v->run.regs.gpr[SIETCH_RBX] = info_phys;
	v->run.regs.rip = entry;
	v->run.regs.rflags = RFLAGS_RESERVED;
	v->run.request = SIETCH_RUN_SET_REGS;
	return 0;
}

/* SDM vol.3 §9.4.4.1 / §11.6.1: a STARTUP IPI starts the processor in real
 * mode at vector:0000 (CS selector vector << 8, base vector << 12). */
static int vcpu_start_ap(struct vcpu *v, uint8_t vector)
{
	struct sietch_vcpu_sregs s;
	sregs_reset(&s);
	struct sietch_vm_segment data = { 0, ATTR_DATA16, 0xffff, 0 };
	s.cs = (struct sietch_vm_segment){ (uint16_t)(vector << 8), ATTR_CODE16, 0xffff, (uint64_t)vector << 12 };
	s.ds = s.es = s.fs = s.gs = s.ss = data;
	s.idtr.limit = 0x3ff;
	s.cr0 = CR0_ET;
	long err = os_vcpu_set(v->handle, SIETCH_VCPU_SREGS, &s, sizeof(s));
	if (err < 0)
		return (int)err;
	memset(&v->run.regs, 0, sizeof(v->run.regs));
	v->run.regs.rflags = RFLAGS_RESERVED;
	v->run.request = SIETCH_RUN_SET_REGS;
	return 0;
}

void vcpu_kick(struct vcpu *v)
{
	int vector = lapic_pending(&v->lapic);
	if (vector >= 0) {
		struct sietch_vcpu_event ev = { SIETCH_EVENT_INTR, (uint32_t)vector, 0, 0 };
		if (os_vcpu_inject(v->handle, &ev) == 0) {
			lapic_accept(&v->lapic, (uint8_t)vector);
			v->injected = true;
		}
		/* -EBUSY: one is still pending in the kernel; the next exit offers this one again */
	}
	if (v->state == VCPU_HALTED && (v->injected || v->run.interrupt_pending))
		os_notify_signal(v->wake, 1);
}

/* A report for an exit that ends the guest: what, where, and the state. */
static _Noreturn void vcpu_fail(struct vcpu *v, const char *what)
{
	const struct sietch_vm_exit *e = &v->run.exit;
	fprintf(stderr,
		"vmm: vm%u cpu %u: %s (exit %u, hardware code 0x%lx info 0x%lx 0x%lx) at rip 0x%lx cr0 0x%lx cr3 0x%lx "
		"cr4 0x%lx efer 0x%lx\n",
		v->vm->number, v->index, what, e->reason, (unsigned long)e->hw_code, (unsigned long)e->hw_info1,
		(unsigned long)e->hw_info2, (unsigned long)e->rip, (unsigned long)e->cr0, (unsigned long)e->cr3,
		(unsigned long)e->cr4, (unsigned long)e->efer);
	vm_end(v->vm, 2);
}

static void exit_io(struct vcpu *v)
{
	const struct sietch_vm_exit_io *io = &v->run.exit.io;
	struct sietch_vcpu_regs *r = &v->run.regs;
	if (io->string)
		vcpu_fail(v, "string port I/O (INS/OUTS) is not emulated");
	vm_lock(v->vm);
	if (io->direction == SIETCH_VM_IO_IN) {
		uint32_t value = vm_port_in(v->vm, v, io->port, io->size);
		struct x86_reg_operand rax = { X86_RAX, false };
		x86_reg_write(r->gpr, rax, io->size, value); /* IN AL/AX keeps the rest, IN EAX zero-extends */
	} else {
		vm_port_out(v->vm, v, io->port, io->size, (uint32_t)io->value);
	}
	bool off = v->vm->power.off;
	vm_unlock(v->vm);
	if (off)
		vm_end(v->vm, v->vm->power.status);
	r->rip = io->next_rip;
}

static enum x86_cpu_mode guest_mode(const struct sietch_vm_exit *e)
{
	if (e->efer & EFER_LMA)
		return X86_MODE_64; /* the guest's kernel, the only code that touches the APICs */
	return (e->cr0 & CR0_PE) ? X86_MODE_32 : X86_MODE_16;
}

/* Guest-physical memory for the software page walk: RAM only. */
static int ram_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	struct vm *vm = ctx;
	if (addr > vm->ram_size || len > vm->ram_size - addr)
		return -1;
	memcpy(buf, vm->ram + addr, len);
	return 0;
}

static int ram_write(void *ctx, uint64_t addr, const void *buf, size_t len)
{
	struct vm *vm = ctx;
	if (addr > vm->ram_size || len > vm->ram_size - addr)
		return -1;
	memcpy(vm->ram + addr, buf, len);
	return 0;
}

/* The instruction at RIP: the bytes the kernel sent with the exit, or else
 * fetched through the guest's own page tables, as the processor would. */
static int mmio_insn(struct vcpu *v, struct x86_insn *insn)
{
	const struct sietch_vm_exit *e = &v->run.exit;
	enum x86_cpu_mode mode = guest_mode(e);
	if (e->mmio.insn_len)
		return x86_decode(e->mmio.insn, e->mmio.insn_len, mode, insn);
	struct x86_mem phys = { v->vm, ram_read, ram_write }, linear;
	struct x86_paging pg = { e->cr0, e->cr3, e->cr4, e->efer, 0, true, NULL };
	struct x86_paged_mem paged;
	x86_linear_mem_init(&paged, &linear, &phys, &pg, X86_ACCESS_FETCH | X86_ACCESS_NO_AD);
	return x86_fetch_decode(&linear, v->run.regs.rip, mode, insn);
}

static void exit_mmio(struct vcpu *v)
{
	const struct sietch_vm_exit_mmio *m = &v->run.exit.mmio;
	struct sietch_vcpu_regs *r = &v->run.regs;
	struct x86_insn insn;
	struct x86_mmio access;
	if (m->fetch)
		vcpu_fail(v, "the guest executed at an address with no memory");
	if (mmio_insn(v, &insn) != 0 || x86_mmio_access(&insn, r->gpr, &access) != 0)
		vcpu_fail(v, "an MMIO access by an instruction the VMM cannot carry out");
	uint64_t value = access.value;
	vm_lock(v->vm);
	bool known = vm_mmio(v->vm, v, m->gpa, access.write, access.size, &value);
	vm_unlock(v->vm);
	if (!known) {
		if (!v->mmio_warned)
			fprintf(stderr, "vmm: vm%u cpu %u: %s of unbacked guest-physical 0x%lx at rip 0x%lx ignored\n",
				v->vm->number, v->index, access.write ? "write" : "read", (unsigned long)m->gpa,
				(unsigned long)r->rip);
		v->mmio_warned = true;
		value = ~0ull;
	}
	if (!access.write)
		x86_mmio_complete(&insn, r->gpr, r->rflags, value);
	else
		x86_mmio_complete(&insn, r->gpr, r->rflags, 0);
	r->rip += insn.len;
}

static void exit_msr(struct vcpu *v, bool write)
{
	struct sietch_vcpu_regs *r = &v->run.regs;
	if (!write) {
		bool known;
		uint64_t value = vm_msr_read(v, v->run.exit.msr.index, &known);
		r->gpr[SIETCH_RAX] = (uint32_t)value;
		r->gpr[SIETCH_RDX] = value >> 32;
	}
	/* writes: the APIC base stays where the MADT says; other MSRs the kernel left to us mean nothing here */
	r->rip += INSN_MSR_LEN;
}

/* At HLT: sleep until an interrupt can be delivered (or the VM ends). With
 * RFLAGS.IF clear no interrupt the model sends ends the halt (SDM vol.2 HLT:
 * only an enabled interrupt, NMI, INIT or RESET does), so the vCPU sleeps
 * until the VM ends: a guest halted for good (its panic, the CPUs its
 * power-off stops) costs no host CPU. */
static void vcpu_halt(struct vcpu *v)
{
	bool wakeable = v->run.regs.rflags & RFLAGS_IF;
	v->run.regs.rip += INSN_HLT_LEN;
	vm_lock(v->vm);
	v->state = VCPU_HALTED;
	for (;;) {
		lapic_timer_poll(&v->lapic, vmm_now_ns());
		vcpu_kick(v);
		if (v->vm->done || (wakeable && (v->injected || v->run.interrupt_pending)))
			break; /* the kernel delivers it when the guest runs again */
		vm_unlock(v->vm);
		uint64_t bits;
		os_notify_wait(v->wake, &bits);
		vm_lock(v->vm);
	}
	v->state = VCPU_RUNNING;
	vm_unlock(v->vm);
}

/* An application processor waits for its STARTUP IPI. */
static void vcpu_wait_sipi(struct vcpu *v)
{
	while (v->sipi_vector < 0 && !v->vm->done) {
		uint64_t bits;
		os_notify_wait(v->wake, &bits);
	}
	if (v->vm->done)
		return;
	if (vcpu_start_ap(v, (uint8_t)v->sipi_vector) != 0)
		vcpu_fail(v, "the vCPU's registers were refused at its STARTUP IPI");
	v->state = VCPU_RUNNING;
}

static void exit_handle(struct vcpu *v)
{
	struct sietch_vm_exit *e = &v->run.exit;
	struct sietch_vcpu_regs *r = &v->run.regs;
	switch (e->reason) {
	case SIETCH_VM_EXIT_IO: exit_io(v); break;
	case SIETCH_VM_EXIT_MMIO: exit_mmio(v); break;
	case SIETCH_VM_EXIT_CPUID:
		vm_cpuid(v, e->cpuid.leaf, e->cpuid.subleaf, r->gpr);
		r->rip += INSN_CPUID_LEN;
		break;
	case SIETCH_VM_EXIT_MSR_READ: exit_msr(v, false); break;
	case SIETCH_VM_EXIT_MSR_WRITE: exit_msr(v, true); break;
	case SIETCH_VM_EXIT_HLT: vcpu_halt(v); break;
	case SIETCH_VM_EXIT_VMMCALL:
		r->gpr[SIETCH_RAX] = (uint64_t)-1; /* no hypercalls */
		r->rip += INSN_VMMCALL_LEN;
		break;
	case SIETCH_VM_EXIT_INTR_WINDOW:
	case SIETCH_VM_EXIT_NONE: break;
	case SIETCH_VM_EXIT_SHUTDOWN: vcpu_fail(v, "triple fault (shutdown)");
	case SIETCH_VM_EXIT_INVALID: vcpu_fail(v, e->invalid.why[0] ? e->invalid.why : "invalid guest state");
	case SIETCH_VM_EXIT_INTERRUPTED: vm_end(v->vm, v->vm->status);
	default: vcpu_fail(v, "an exit the VMM does not handle");
	}
}

void vcpu_loop(struct vcpu *v)
{
	if (v->state == VCPU_WAIT_SIPI)
		vcpu_wait_sipi(v);
	while (!v->vm->done) {
		vm_lock(v->vm);
		lapic_timer_poll(&v->lapic, vmm_now_ns());
		v->injected = false; /* what is injected from here on is delivered by this run or seen after it */
		vcpu_kick(v);
		vm_unlock(v->vm);
		v->run.request |= SIETCH_RUN_SET_REGS;
		long err = os_vcpu_run(v->handle, &v->run);
		if (err < 0) {
			fprintf(stderr, "vmm: vm%u cpu %u: vcpu_run: %s\n", v->vm->number, v->index, os_strerror(err));
			vm_end(v->vm, 2);
		}
		exit_handle(v);
		if (v->state == VCPU_WAIT_SIPI) /* an INIT from another vCPU */
			vcpu_wait_sipi(v);
	}
}
