/*
 * The Intel VMX back end (SDM vol.3C ch.24-29): finding VMX with EPT and
 * unrestricted guests, VMXON per CPU, a VMCS per vCPU, and the run loop
 * that enters the guest until an exit the VMM must see. Its exits are the
 * same records the SVM back end makes (vmx_exit.c), so user/vmm works on
 * both unchanged.
 *
 * The vCPU's state between runs is a VMCB image (struct vmcb, as the SVM
 * back end keeps it): vcpu_get/vcpu_set and the MMIO decoder are the SVM
 * ones, and what both back ends do alike to that state (the interrupt
 * window among it) is kernel/vmm/vcpu_state.c. Each entry writes the image
 * into the VMCS and each exit reads it back. The VMCS is VMCLEARed after
 * every run, so a vCPU may run on any CPU next without an IPI to clear it
 * where it last ran (§25.11.1): every entry is a VMLAUNCH. That costs a few
 * hundred VMWRITEs per entry, which is not where the time goes.
 *
 * What the kernel handles itself, as on SVM: host interrupts and NMIs, the
 * interrupt window it opens to deliver an injected interrupt, the guest's
 * EFER, and events an exit cut short (IDT-vectoring information,
 * re-injected). VMX adds one: the CR0 and CR4 bits VMX operation fixes
 * (NE, VMXE; §A.7, §A.8) belong to the host through the guest/host masks,
 * the guest reads its own values from the read shadows, and its writes to
 * them exit and are emulated here (every CR0/CR4 bit is the host's, see
 * cr0_host_bits). A shadow-paged VM runs without EPT and so without
 * unrestricted guest, on the tables vmx_shadow.c keeps (see vmx_shadow.h).
 */
#include <stddef.h>

#include "kernel/arch/cpu.h"
#include "kernel/arch/gdt.h"
#include "kernel/arch/lapic.h"
#include "kernel/arch/percpu.h"
#include "kernel/arch/regs.h"
#include "kernel/arch/timer.h"
#include "kernel/arch/trap.h"
#include "kernel/console.h"
#include "kernel/mm/frame.h"
#include "kernel/mm/heap.h"
#include "kernel/mm/vm.h"
#include "kernel/proc/sched.h"
#include "kernel/proc/thread.h"
#include "kernel/shadowpt/shadow_vcpu.h"
#include "kernel/vmm/guest_cr.h"
#include "kernel/vmm/svm_exit.h"
#include "kernel/vmm/svm_vmcb.h"
#include "kernel/vmm/vcpu_run.h"
#include "kernel/vmm/vcpu_state.h"
#include "kernel/vmm/vm.h"
#include "kernel/vmm/vmx.h"
#include "kernel/vmm/vmx_shadow.h"
#include "lib/common/string.h"
#include "lib/common/x86_segment.h"
#include "lib/common/x86_walk.h"

#define CR0_NE (1ull << 5)

static struct {
	struct spinlock lock;
	int state;	 /* 0: not looked at yet; 1: usable; -1: not */
	const char *why; /* why not */
	uint64_t basic;
	uint32_t pin, proc, proc2, exit, entry;
	uint32_t proc_shadow, proc2_shadow; /* the same for a shadow-paged VM (vmx_shadow.h) */
	bool shadow;			    /* the controls shadow paging needs are there */
	uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	bool vpid, ept_ad;
	uint32_t preemption_ticks; /* the backstop's VMX-preemption timer value, 0: none */
	uint64_t msr_bitmap_pa;
	struct svm_limits limits; /* what the guest may set, for svm_vmcb_check */
} vmx = { .lock = SPINLOCK_INIT("vmx") };

/* Per CPU: VMX operation on (its VMXON region), and which vCPU entered last. */
struct vmx_cpu {
	bool on;
	uint64_t vmxon_pa;
	uint64_t last_serial;
};
static struct vmx_cpu vmx_cpus[MAX_CPUS];

/* A vCPU's VMX part: its VMCS and what the image does not hold. */
struct vmx_vcpu {
	uint64_t vmcs_pa;
	uint32_t interruptibility; /* GUEST_INTERRUPTIBILITY at the last exit */
	struct vmx_exit_info exit;
	uint32_t instruction_error; /* after a failed VMLAUNCH */
	struct x86_paging hw;	    /* shadow paging: the CR0/CR3/CR4/EFER the processor runs with */
};

int vmx_world_switch(uint64_t *gpr, int launched);

/* ---- VMX instructions (§31.3) ---- */

static inline bool vmwrite(uint32_t field, uint64_t value)
{
	bool failed;
	__asm__ volatile("vmwrite %2, %1; setna %0"
			 : "=q"(failed)
			 : "r"((uint64_t)field), "rm"(value)
			 : "cc");
	return !failed;
}

static inline uint64_t vmread(uint32_t field)
{
	uint64_t value = 0;
	__asm__ volatile("vmread %1, %0"
			 : "=rm"(value)
			 : "r"((uint64_t)field)
			 : "cc");
	return value;
}

#define VMX_PA_INSN(name)                              \
	static inline bool name(uint64_t pa)           \
	{                                              \
		bool failed;                           \
		__asm__ volatile(#name " %1; setna %0" \
				 : "=q"(failed)        \
				 : "m"(pa)             \
				 : "cc", "memory");    \
		return !failed;                        \
	}
VMX_PA_INSN(vmxon)
VMX_PA_INSN(vmclear)
VMX_PA_INSN(vmptrld)

/* INVEPT/INVVPID all-context (type 2, §31.3): every cached guest translation goes. */
static void flush_guest_tlb(void)
{
	struct {
		uint64_t a, b;
	} descriptor = { 0, 0 };
	__asm__ volatile("invept %0, %1" ::"m"(descriptor), "r"(2ull)
			 : "cc", "memory");
	if (vmx.vpid)
		__asm__ volatile("invvpid %0, %1" ::"m"(descriptor), "r"(2ull)
				 : "cc", "memory");
}

/* ---- detection ---- */

#define CPUID_1_ECX_VMX (1u << 5)

static const char *vmx_controls_init(void)
{
	bool true_msrs = vmx.basic & VMX_BASIC_TRUE_CONTROLS;
	uint32_t missing;
	/* External interrupts and NMIs end the guest: the host takes them (§25.6.1). */
	if (vmx_adjust_controls(rdmsr(true_msrs ? MSR_IA32_VMX_TRUE_PINBASED_CTLS : MSR_IA32_VMX_PINBASED_CTLS),
				VMX_PIN_PREEMPTION_TIMER, VMX_PIN_EXTERNAL_INTERRUPT | VMX_PIN_NMI, &vmx.pin, &missing))
		return "no external-interrupt or NMI exiting";
	/*
	 * A backstop: the guest comes out at least every 2,000,003 TSC cycles
	 * (the timer counts at the TSC rate shifted right by IA32_VMX_MISC[4:0],
	 * §26.5.1; not a power of two, since Bochs is deterministic and a guest
	 * loop of a power-of-two length would be caught at the same point of it
	 * every time). Bochs 2.7 re-evaluates interrupt masking only when an entry
	 * changes RFLAGS.IF and does so before it marks the CPU as in the guest,
	 * so a guest entered with IF clear from the host's IF clear never saw a
	 * host interrupt and ran forever; its timer exit lets the host take them.
	 */
	if (vmx.pin & VMX_PIN_PREEMPTION_TIMER)
		vmx.preemption_ticks = (uint32_t)(2000003u >> (rdmsr(MSR_IA32_VMX_MISC) & 0x1f));
	/* HLT and every port exit (no I/O bitmaps: unconditional I/O exiting); MSRs through a bitmap. */
	uint32_t proc = VMX_PROC_HLT | VMX_PROC_UNCONDITIONAL_IO | VMX_PROC_USE_MSR_BITMAPS | VMX_PROC_SECONDARY |
			VMX_PROC_MWAIT | VMX_PROC_MONITOR;
	uint64_t cap = rdmsr(true_msrs ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS : MSR_IA32_VMX_PROCBASED_CTLS);
	/* CR3 loads and stores need no exits with EPT: not wanted, so off where the TRUE MSR lets them be. */
	if (vmx_adjust_controls(cap, proc, proc, &vmx.proc, &missing))
		return "no HLT, I/O, MSR-bitmap or secondary controls";
	/* Shadow paging sees every CR3 load and store and every INVLPG (vmx_shadow.h). */
	uint32_t shadow_proc = proc | VMX_PROC_CR3_LOAD | VMX_PROC_CR3_STORE | VMX_PROC_INVLPG;
	vmx.shadow = vmx_adjust_controls(cap, shadow_proc, shadow_proc, &vmx.proc_shadow, &missing) == 0;
	cap = rdmsr(MSR_IA32_VMX_PROCBASED_CTLS2);
	if (vmx_adjust_controls(cap, VMX_PROC2_VPID | VMX_PROC2_RDTSCP | VMX_PROC2_INVPCID | VMX_PROC2_XSAVES,
				VMX_PROC2_EPT | VMX_PROC2_UNRESTRICTED, &vmx.proc2, &missing))
		return (missing & VMX_PROC2_EPT) ? "no EPT" : "no unrestricted guest";
	if (vmx_adjust_controls(rdmsr(true_msrs ? MSR_IA32_VMX_TRUE_EXIT_CTLS : MSR_IA32_VMX_EXIT_CTLS), 0,
				VMX_EXIT_HOST_64 | VMX_EXIT_SAVE_EFER | VMX_EXIT_LOAD_EFER | VMX_EXIT_SAVE_PAT |
					VMX_EXIT_LOAD_PAT,
				&vmx.exit, &missing))
		return "no 64-bit host, EFER or PAT switching on exit";
	if (vmx_adjust_controls(rdmsr(true_msrs ? MSR_IA32_VMX_TRUE_ENTRY_CTLS : MSR_IA32_VMX_ENTRY_CTLS), 0,
				VMX_ENTRY_LOAD_EFER | VMX_ENTRY_LOAD_PAT, &vmx.entry, &missing))
		return "no EFER or PAT loading on entry";
	vmx.entry &= ~VMX_ENTRY_IA32E_GUEST; /* set per entry from the guest's EFER.LMA */
	uint64_t ept = rdmsr(MSR_IA32_VMX_EPT_VPID_CAP);
	if (!(ept & VMX_EPT_CAP_WALK4) || !(ept & VMX_EPT_CAP_WB))
		return "no 4-level write-back EPT";
	if (!(ept & VMX_EPT_CAP_INVEPT) || !(ept & VMX_EPT_CAP_INVEPT_ALL))
		return "no INVEPT all-context";
	vmx.vpid = (vmx.proc2 & VMX_PROC2_VPID) && (ept & VMX_VPID_CAP_INVVPID) && (ept & VMX_VPID_CAP_INVVPID_ALL);
	if (!vmx.vpid)
		vmx.proc2 &= ~VMX_PROC2_VPID;
	/* Unrestricted guest needs EPT (§26.2.1.1): both go in shadow paging. */
	vmx.proc2_shadow = vmx.proc2 & ~(VMX_PROC2_EPT | VMX_PROC2_UNRESTRICTED);
	vmx.ept_ad = false; /* the nested map is written by the kernel only: A/D would tell nobody anything */
	return NULL;
}

static const char *vmx_missing(void)
{
	uint32_t a, b, c, d;
	cpuid(1, 0, &a, &b, &c, &d);
	if (!(c & CPUID_1_ECX_VMX))
		return "the CPU has no VMX (CPUID 1 ECX[5])";
	uint64_t fc = rdmsr(MSR_IA32_FEATURE_CONTROL);
	if ((fc & FEATURE_CONTROL_LOCK) && !(fc & FEATURE_CONTROL_VMX_OUTSIDE_SMX))
		return "VMX is disabled by the firmware (IA32_FEATURE_CONTROL locked without it)";
	vmx.basic = rdmsr(MSR_IA32_VMX_BASIC);
	if (VMX_BASIC_MEMTYPE(vmx.basic) != 6 || VMX_BASIC_REGION_SIZE(vmx.basic) > PAGE_SIZE)
		return "VMCS not write-back or larger than a page (IA32_VMX_BASIC)";
	vmx.cr0_fixed0 = rdmsr(MSR_IA32_VMX_CR0_FIXED0);
	vmx.cr0_fixed1 = rdmsr(MSR_IA32_VMX_CR0_FIXED1);
	vmx.cr4_fixed0 = rdmsr(MSR_IA32_VMX_CR4_FIXED0);
	vmx.cr4_fixed1 = rdmsr(MSR_IA32_VMX_CR4_FIXED1);
	return vmx_controls_init();
}

/* As svm_limits_init: what the guest may put in CR4 and EFER. */
static void vmx_limits_init(struct svm_limits *lim)
{
	uint32_t a, b, c, d;
	cpuid(0x80000008u, 0, &a, &b, &c, &d);
	lim->maxphyaddr = a & 0xff;
	lim->long_mode = true;
	lim->efer_allowed = EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE | EFER_SVME;
	lim->cr4_allowed = vmx.cr4_fixed1 & ~CR4_VMXE;
}

/* Guest MSRs the VMCS switches or this file swaps by hand (vmx_msrs_swap) pass through; the rest exit. */
static const uint32_t passthrough_msrs[] = {
	MSR_FS_BASE, MSR_GS_BASE, MSR_KERNEL_GS_BASE, MSR_STAR, MSR_LSTAR, 0xc0000083 /* CSTAR */, MSR_FMASK,
	0x174, 0x175, 0x176, /* SYSENTER_CS, _ESP, _EIP */
};

/* The MSR bitmap (§25.6.9): read bitmaps for low and high MSRs, then write bitmaps, 1 KiB each. */
static void msr_bitmap_pass(uint8_t *bitmap, uint32_t msr)
{
	unsigned base = (msr >= 0xc0000000u) ? 1024 : 0, bit = msr & 0x1fff;
	bitmap[base + bit / 8] &= (uint8_t) ~(1u << (bit % 8));
	bitmap[2048 + base + bit / 8] &= (uint8_t) ~(1u << (bit % 8));
}

/* Every CPU's VMXON region (§24.11.5), taken when VMX is first looked at rather than at a CPU's
 * first entry: the frames a VM takes are then the same whichever CPUs its vCPUs run on. */
static int vmx_cpus_init(void)
{
	for (uint32_t i = 0; i < cpus_online && i < MAX_CPUS; i++) {
		uint64_t region = frame_alloc();
		if (region == FRAME_NONE) {
			for (uint32_t j = 0; j < i; j++) {
				frame_free(vmx_cpus[j].vmxon_pa);
				vmx_cpus[j].vmxon_pa = 0;
			}
			return -SIETCH_ENOMEM;
		}
		vmx_cpus[i].vmxon_pa = region;
	}
	return 0;
}

int vmx_detect(void)
{
	spin_lock(&vmx.lock);
	if (vmx.state == 0) {
		vmx.why = vmx_missing();
		if (!vmx.why) {
			uint64_t bitmap = frame_alloc();
			if (bitmap == FRAME_NONE) {
				vmx.why = "no memory for the MSR bitmap";
			} else {
				memset(phys_to_virt(bitmap), 0xff, PAGE_SIZE);
				for (size_t i = 0; i < sizeof(passthrough_msrs) / sizeof(passthrough_msrs[0]); i++)
					msr_bitmap_pass(phys_to_virt(bitmap), passthrough_msrs[i]);
				vmx.msr_bitmap_pa = bitmap;
			}
		}
		if (!vmx.why && vmx_cpus_init())
			vmx.why = "no memory for the per-CPU VMXON regions";
		if (vmx.why) {
			vmx.state = -1;
			kprintf("sietch: vmx: not available: %s\n", vmx.why);
		} else {
			vmx_limits_init(&vmx.limits);
			vmx.state = 1;
			kprintf("sietch: vmx: revision %u, EPT, unrestricted guest%s\n", VMX_BASIC_REVISION(vmx.basic),
				vmx.vpid ? ", VPID" : "");
		}
	}
	int ok = vmx.state == 1;
	spin_unlock(&vmx.lock);
	return ok ? 0 : -SIETCH_ENODEV;
}

/* VPIDs are 16 bits, 0 the host's (§28.1). */
unsigned vmx_asid_count(void) { return 0x10000; }

/* ---- per CPU ---- */

/* IA32_FEATURE_CONTROL, CR0/CR4 for VMX operation and VMXON (§24.7), once per CPU; interrupts off. */
static int vmx_cpu_enable(struct vmx_cpu *c)
{
	if (c->on)
		return 0;
	uint64_t region = c->vmxon_pa;
	if (!region)
		return -SIETCH_ENODEV; /* a CPU vmx_cpus_init did not know: none comes online after boot */
	uint64_t fc = rdmsr(MSR_IA32_FEATURE_CONTROL);
	if (!(fc & FEATURE_CONTROL_LOCK))
		wrmsr(MSR_IA32_FEATURE_CONTROL, fc | FEATURE_CONTROL_LOCK | FEATURE_CONTROL_VMX_OUTSIDE_SMX);
	write_cr0(vmx_fixed_bits(read_cr0(), vmx.cr0_fixed0, vmx.cr0_fixed1));
	write_cr4(vmx_fixed_bits(read_cr4() | CR4_VMXE, vmx.cr4_fixed0, vmx.cr4_fixed1));
	*(uint32_t *)phys_to_virt(region) = VMX_BASIC_REVISION(vmx.basic);
	if (!vmxon(region)) {
		kprintf("sietch: vmx: VMXON failed on cpu %u\n", this_cpu()->id);
		return -SIETCH_ENODEV;
	}
	c->on = true;
	return 0;
}

/* ---- the vCPU ---- */

int vmx_vcpu_init(struct vcpu *vcpu)
{
	struct vmx_vcpu *x = kzalloc(sizeof(*x));
	uint64_t image = frame_alloc(), vmcs = frame_alloc();
	if (!x || image == FRAME_NONE || vmcs == FRAME_NONE) {
		kfree(x);
		if (image != FRAME_NONE)
			frame_free(image);
		if (vmcs != FRAME_NONE)
			frame_free(vmcs);
		return -SIETCH_ENOMEM;
	}
	*(uint32_t *)phys_to_virt(vmcs) = VMX_BASIC_REVISION(vmx.basic);
	x->vmcs_pa = vmcs;
	vcpu->vmx = x;
	vcpu->vmcb_pa = image;
	vcpu->vmcb = phys_to_virt(image);
	svm_vmcb_reset_state(&vcpu->vmcb->save);
	/* The image passes svm_vmcb_check's control checks, which mean nothing here. */
	vcpu->vmcb->control.intercept_misc2 = SVM_MISC2_VMRUN;
	vcpu->vmcb->control.guest_asid = 1;
	vcpu_state_init(vcpu);
	if (vcpu->vm->shadow) {
		long err = vmx.shadow ? vmx_shadow_init(vcpu) : -SIETCH_ENODEV;
		if (err) {
			vmx_vcpu_free(vcpu);
			return (int)err;
		}
	}
	return 0;
}

void vmx_vcpu_free(struct vcpu *vcpu)
{
	if (vcpu->shadow)
		vmx_shadow_free(vcpu);
	if (vcpu->vmx) {
		frame_free(vcpu->vmx->vmcs_pa);
		kfree(vcpu->vmx);
		vcpu->vmx = NULL;
	}
	if (vcpu->vmcb_pa)
		frame_free(vcpu->vmcb_pa);
	vcpu->vmcb_pa = 0;
	vcpu->vmcb = NULL;
}

/* Guest-physical memory through the VM's EPT (pt_format_ept), as far as it is RAM and within a page. */
static int ept_read(void *ctx, uint64_t gpa, void *buf, size_t len)
{
	struct vm *vm = ctx;
	uint64_t pa;
	if (!vm_translate(&vm->npt, gpa, &pa, NULL))
		return -1;
	if ((gpa & (PAGE_SIZE - 1)) + len > PAGE_SIZE)
		return -1;
	memcpy(buf, phys_to_virt(pa), len);
	return 0;
}

/* ---- writing the VMCS ---- */

#define SEGMENT_FIELDS(seg, SEG)                                                                        \
	{                                                                                               \
		offsetof(struct vmcb_save, seg), VMCS_GUEST_##SEG##_SELECTOR, VMCS_GUEST_##SEG##_LIMIT, \
			VMCS_GUEST_##SEG##_ACCESS_RIGHTS, VMCS_GUEST_##SEG##_BASE                       \
	}
static const struct {
	size_t offset;
	uint32_t selector, limit, rights, base;
} segments[] = {
	SEGMENT_FIELDS(es, ES),
	SEGMENT_FIELDS(cs, CS),
	SEGMENT_FIELDS(ss, SS),
	SEGMENT_FIELDS(ds, DS),
	SEGMENT_FIELDS(fs, FS),
	SEGMENT_FIELDS(gs, GS),
	SEGMENT_FIELDS(ldtr, LDTR),
	SEGMENT_FIELDS(tr, TR),
};

static struct x86_segment *image_segment(struct vmcb *v, size_t i)
{
	return (struct x86_segment *)((char *)&v->save + segments[i].offset);
}

/* The CR0/CR4 bits the host owns (§25.6.6): all of them. Owning only the
 * ones VMX operation fixes would do on paper, but under Bochs CD and NW then
 * came back set after the guest cleared them; with every bit owned, the
 * guest reads its own value from the read shadow, and its few writes exit
 * to cr_emulate (a handful per boot). */
static uint64_t cr0_host_bits(void) { return 0xffffffffull; }
static uint64_t cr4_host_bits(void) { return 0xffffffffull; }

/* The CR0/CR3/CR4/EFER the VMCS gets. With EPT the guest's own, but for
 * the CR0/CR4 bits VMX operation fixes (§A.7, §A.8; PE and PG are free
 * with an unrestricted guest) and the read shadows hide; with shadow
 * paging the ones vmx_shadow_enter worked out, where PE and PG are fixed. */
static void hardware_paging(struct vcpu *vcpu, struct x86_paging *hw)
{
	if (vcpu->shadow) {
		*hw = vcpu->vmx->hw;
	} else {
		svm_guest_paging(vcpu->vmcb, hw);
		hw->efer = svm_guest_efer(vcpu->vmcb);
	}
	hw->cr0 = vmx_guest_cr0(hw->cr0, vmx.cr0_fixed0, vmx.cr0_fixed1, !vcpu->shadow);
	hw->cr4 = vmx_fixed_bits(hw->cr4, vmx.cr4_fixed0, vmx.cr4_fixed1);
}

static void write_guest_state(struct vcpu *vcpu)
{
	struct vmcb *v = vcpu->vmcb;
	struct vmcb_save *s = &v->save;
	for (size_t i = 0; i < sizeof(segments) / sizeof(segments[0]); i++) {
		const struct x86_segment *seg = image_segment(v, i);
		uint32_t ar = vmx_access_rights(seg->attr);
		if (i == 1 || i == 7)
			ar &= ~(1u << 16); /* CS and TR are never unusable (§27.3.1.2) */
		/* A byte-granular limit above 1 MiB exists only as G=1 (§27.3.1.2: limit 31:20 set needs
		 * G, limit 11:0 not all ones forbids it); the VMCB, and so the ABI, have no such rule. */
		if (seg->limit > 0xfffffu && (seg->limit & 0xfffu) == 0xfffu)
			ar |= 1u << 15;
		else if (seg->limit <= 0xfffffu)
			ar &= ~(1u << 15);
		vmwrite(segments[i].selector, seg->selector);
		vmwrite(segments[i].limit, seg->limit);
		vmwrite(segments[i].rights, ar);
		vmwrite(segments[i].base, seg->base);
	}
	vmwrite(VMCS_GUEST_GDTR_BASE, s->gdtr.base);
	vmwrite(VMCS_GUEST_GDTR_LIMIT, s->gdtr.limit);
	vmwrite(VMCS_GUEST_IDTR_BASE, s->idtr.base);
	vmwrite(VMCS_GUEST_IDTR_LIMIT, s->idtr.limit);
	struct x86_paging hw;
	hardware_paging(vcpu, &hw);
	vmwrite(VMCS_GUEST_CR0, hw.cr0);
	vmwrite(VMCS_CR0_READ_SHADOW, s->cr0);
	vmwrite(VMCS_GUEST_CR4, hw.cr4);
	vmwrite(VMCS_CR4_READ_SHADOW, s->cr4);
	vmwrite(VMCS_GUEST_CR3, hw.cr3);
	vmwrite(VMCS_GUEST_DR7, s->dr7);
	vmwrite(VMCS_GUEST_RSP, s->rsp);
	vmwrite(VMCS_GUEST_RIP, s->rip);
	vmwrite(VMCS_GUEST_RFLAGS, s->rflags);
	vmwrite(VMCS_GUEST_SYSENTER_CS, s->sysenter_cs);
	vmwrite(VMCS_GUEST_SYSENTER_ESP, s->sysenter_esp);
	vmwrite(VMCS_GUEST_SYSENTER_EIP, s->sysenter_eip);
	uint64_t efer = hw.efer;
	vmwrite(VMCS_GUEST_IA32_EFER, efer);
	vmwrite(VMCS_GUEST_IA32_PAT, s->g_pat);
	vmwrite(VMCS_ENTRY_CONTROLS, vmx.entry | ((efer & EFER_LMA) ? VMX_ENTRY_IA32E_GUEST : 0));
	/* The image's shadow bit says whether one is held; STI blocking needs IF set (§27.3.1.5). */
	uint32_t intr = vcpu->vmx->interruptibility & ~(VMX_INTERRUPTIBILITY_STI | VMX_INTERRUPTIBILITY_MOV_SS);
	if (v->control.interrupt_shadow & SVM_INT_SHADOW)
		intr |= (vcpu->vmx->interruptibility & 3) ? (vcpu->vmx->interruptibility & 3) : ((s->rflags & RFLAGS_IF) ? VMX_INTERRUPTIBILITY_STI : VMX_INTERRUPTIBILITY_MOV_SS);
	if ((intr & VMX_INTERRUPTIBILITY_STI) && !(s->rflags & RFLAGS_IF))
		intr = (intr & ~VMX_INTERRUPTIBILITY_STI) | VMX_INTERRUPTIBILITY_MOV_SS;
	vmwrite(VMCS_GUEST_INTERRUPTIBILITY, intr);
	vmwrite(VMCS_GUEST_ACTIVITY_STATE, 0);
	vmwrite(VMCS_GUEST_PENDING_DEBUG, 0);
	/* PAE paging without long mode takes its PDPTEs from the VMCS at entry with EPT (§27.3.1.6);
	 * without EPT (shadow paging) the processor reads them from CR3's page itself. */
	if (!vcpu->shadow && (s->cr0 & X86_CR0_PG) && (s->cr4 & X86_CR4_PAE) && !(efer & EFER_LMA)) {
		for (int i = 0; i < 4; i++) {
			uint64_t pdpte = 0;
			if (ept_read(vcpu->vm, (s->cr3 & 0xffffffe0u) + 8u * (unsigned)i, &pdpte, 8))
				pdpte = 0;
			vmwrite(VMCS_GUEST_PDPTE0 + 2 * (unsigned)i, pdpte);
		}
	}
	/* A pending event, in VMCB EVENTINJ encoding (the same bits as VM-entry interruption information). */
	uint64_t inj = v->control.eventinj;
	vmwrite(VMCS_ENTRY_INTERRUPTION_INFO, (inj & SVM_EVTINJ_VALID) ? (uint32_t)inj : 0);
	vmwrite(VMCS_ENTRY_EXCEPTION_ERROR_CODE, inj >> 32);
	vmwrite(VMCS_ENTRY_INSTRUCTION_LENGTH, 0);
}

static void read_guest_state(struct vcpu *vcpu)
{
	struct vmcb *v = vcpu->vmcb;
	struct vmcb_save *s = &v->save;
	for (size_t i = 0; i < sizeof(segments) / sizeof(segments[0]); i++) {
		struct x86_segment *seg = image_segment(v, i);
		seg->selector = (uint16_t)vmread(segments[i].selector);
		seg->limit = (uint32_t)vmread(segments[i].limit);
		seg->attr = vmx_segment_attr((uint32_t)vmread(segments[i].rights));
		seg->base = vmread(segments[i].base);
	}
	s->gdtr.base = vmread(VMCS_GUEST_GDTR_BASE);
	s->gdtr.limit = (uint32_t)vmread(VMCS_GUEST_GDTR_LIMIT);
	s->idtr.base = vmread(VMCS_GUEST_IDTR_BASE);
	s->idtr.limit = (uint32_t)vmread(VMCS_GUEST_IDTR_LIMIT);
	uint64_t cr0m = cr0_host_bits(), cr4m = cr4_host_bits();
	s->cr0 = (vmread(VMCS_GUEST_CR0) & ~cr0m) | (vmread(VMCS_CR0_READ_SHADOW) & cr0m);
	s->cr4 = (vmread(VMCS_GUEST_CR4) & ~cr4m) | (vmread(VMCS_CR4_READ_SHADOW) & cr4m);
	/* With shadow paging CR3 holds the shadow root, and the guest's CR3 and EFER change only by exits. */
	if (!vcpu->shadow)
		s->cr3 = vmread(VMCS_GUEST_CR3);
	s->dr7 = vmread(VMCS_GUEST_DR7);
	s->rsp = vmread(VMCS_GUEST_RSP);
	s->rip = vmread(VMCS_GUEST_RIP);
	s->rflags = vmread(VMCS_GUEST_RFLAGS);
	s->sysenter_cs = vmread(VMCS_GUEST_SYSENTER_CS);
	s->sysenter_esp = vmread(VMCS_GUEST_SYSENTER_ESP);
	s->sysenter_eip = vmread(VMCS_GUEST_SYSENTER_EIP);
	if (!vcpu->shadow)
		s->efer = vmread(VMCS_GUEST_IA32_EFER) | EFER_SVME;
	s->g_pat = vmread(VMCS_GUEST_IA32_PAT);
	s->cpl = (s->cr0 & X86_CR0_PE) ? (uint8_t)((s->ss.attr & X86_SEG_DPL_MASK) >> X86_SEG_DPL_SHIFT) : 0;
	vcpu->vmx->interruptibility = (uint32_t)vmread(VMCS_GUEST_INTERRUPTIBILITY);
	if (vcpu->vmx->interruptibility & 3)
		v->control.interrupt_shadow |= SVM_INT_SHADOW;
	else
		v->control.interrupt_shadow &= ~SVM_INT_SHADOW;
	struct vmx_exit_info *x = &vcpu->vmx->exit;
	*x = (struct vmx_exit_info){
		.reason = (uint32_t)vmread(VMCS_EXIT_REASON),
		.qualification = vmread(VMCS_EXIT_QUALIFICATION),
		.gpa = vmread(VMCS_GUEST_PHYSICAL_ADDRESS),
		.instruction_length = (uint32_t)vmread(VMCS_EXIT_INSTRUCTION_LENGTH),
		.instruction_info = (uint32_t)vmread(VMCS_EXIT_INSTRUCTION_INFO),
		.interruption_info = (uint32_t)vmread(VMCS_EXIT_INTERRUPTION_INFO),
		.error_code = (uint32_t)vmread(VMCS_EXIT_INTERRUPTION_ERROR_CODE),
		.idt_vectoring_info = (uint32_t)vmread(VMCS_IDT_VECTORING_INFO),
		.ins_outs_info = (vmx.basic & VMX_BASIC_INS_OUTS_INFO) != 0,
	};
	/* An event the exit cut short goes in again (§28.2.4); a delivered one is gone. */
	v->control.eventinj = 0;
	if (x->idt_vectoring_info & VMX_INTR_INFO_VALID)
		v->control.eventinj = (x->idt_vectoring_info & ~(0x3u << 12)) |
				      ((uint64_t)(uint32_t)vmread(VMCS_IDT_VECTORING_ERROR_CODE) << 32);
}

/* The controls and the host state (§27.2, §28.5): the host's CR3, TSS and
 * GS base are this CPU's, so they are written on every entry. */
static void write_controls_and_host(struct vcpu *vcpu, bool window)
{
	struct cpu *cpu = this_cpu();
	vmwrite(VMCS_PIN_BASED_CONTROLS, vmx.pin);
	if (vmx.preemption_ticks)
		vmwrite(VMCS_PREEMPTION_TIMER_VALUE, vmx.preemption_ticks);
	bool shadow = vcpu->shadow != NULL;
	vmwrite(VMCS_PROC_BASED_CONTROLS,
		(shadow ? vmx.proc_shadow : vmx.proc) | (window ? VMX_PROC_INTERRUPT_WINDOW : 0));
	vmwrite(VMCS_SECONDARY_CONTROLS, shadow ? vmx.proc2_shadow : vmx.proc2);
	vmwrite(VMCS_EXIT_CONTROLS, vmx.exit);
	/* #UD: VMMCALL is AMD's, see ud_emulate; #PF: every one, with shadow paging (error-code mask and match 0). */
	vmwrite(VMCS_EXCEPTION_BITMAP, (1u << X86_EXC_UD) | (shadow ? 1u << X86_EXC_PF : 0));
	vmwrite(VMCS_PAGE_FAULT_ERROR_MASK, 0);
	vmwrite(VMCS_PAGE_FAULT_ERROR_MATCH, 0);
	vmwrite(VMCS_CR3_TARGET_COUNT, 0);
	vmwrite(VMCS_EXIT_MSR_STORE_COUNT, 0);
	vmwrite(VMCS_EXIT_MSR_LOAD_COUNT, 0);
	vmwrite(VMCS_ENTRY_MSR_LOAD_COUNT, 0);
	vmwrite(VMCS_MSR_BITMAP, vmx.msr_bitmap_pa);
	vmwrite(VMCS_EPT_POINTER, vmx_eptp(vcpu->vm->npt.root, vmx.ept_ad));
	if (vmx.vpid)
		vmwrite(VMCS_VPID, vcpu->vm->asid);
	vmwrite(VMCS_VMCS_LINK_POINTER, ~0ull); /* no shadow VMCS (§27.3.1.5) */
	vmwrite(VMCS_CR0_GUEST_HOST_MASK, cr0_host_bits());
	vmwrite(VMCS_CR4_GUEST_HOST_MASK, cr4_host_bits());

	vmwrite(VMCS_HOST_CR0, read_cr0());
	vmwrite(VMCS_HOST_CR3, read_cr3());
	vmwrite(VMCS_HOST_CR4, read_cr4());
	vmwrite(VMCS_HOST_CS_SELECTOR, GDT_KERNEL_CODE);
	vmwrite(VMCS_HOST_SS_SELECTOR, GDT_KERNEL_DATA);
	vmwrite(VMCS_HOST_DS_SELECTOR, 0);
	vmwrite(VMCS_HOST_ES_SELECTOR, 0);
	vmwrite(VMCS_HOST_FS_SELECTOR, 0);
	vmwrite(VMCS_HOST_GS_SELECTOR, 0);
	vmwrite(VMCS_HOST_TR_SELECTOR, GDT_TSS);
	vmwrite(VMCS_HOST_FS_BASE, rdmsr(MSR_FS_BASE));
	vmwrite(VMCS_HOST_GS_BASE, rdmsr(MSR_GS_BASE));
	vmwrite(VMCS_HOST_TR_BASE, (uint64_t)&cpu->tss);
	vmwrite(VMCS_HOST_GDTR_BASE, (uint64_t)cpu->gdt.entry);
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idtr;
	__asm__ volatile("sidt %0"
			 : "=m"(idtr));
	vmwrite(VMCS_HOST_IDTR_BASE, idtr.base);
	vmwrite(VMCS_HOST_SYSENTER_CS, rdmsr(0x174));
	vmwrite(VMCS_HOST_SYSENTER_ESP, rdmsr(0x175));
	vmwrite(VMCS_HOST_SYSENTER_EIP, rdmsr(0x176));
	vmwrite(VMCS_HOST_IA32_EFER, rdmsr(MSR_EFER));
	vmwrite(VMCS_HOST_IA32_PAT, rdmsr(0x277));
}

/* The system-call MSRs the VMCS does not switch (§28.5 loads none of them):
 * the guest's go in before the entry and come out after, the host's back. */
#define MSR_CSTAR 0xc0000083
struct syscall_msrs {
	uint64_t star, lstar, cstar, fmask, kernel_gs_base;
};

static void msrs_load(const struct syscall_msrs *m)
{
	wrmsr(MSR_STAR, m->star);
	wrmsr(MSR_LSTAR, m->lstar);
	wrmsr(MSR_CSTAR, m->cstar);
	wrmsr(MSR_FMASK, m->fmask);
	wrmsr(MSR_KERNEL_GS_BASE, m->kernel_gs_base);
}

static void msrs_save(struct syscall_msrs *m)
{
	m->star = rdmsr(MSR_STAR);
	m->lstar = rdmsr(MSR_LSTAR);
	m->cstar = rdmsr(MSR_CSTAR);
	m->fmask = rdmsr(MSR_FMASK);
	m->kernel_gs_base = rdmsr(MSR_KERNEL_GS_BASE);
}

/* ---- events ---- */

long vmx_vcpu_inject(struct vcpu *vcpu, const struct sietch_vcpu_event *e)
{
	if (e->type == SIETCH_EVENT_INTR)
		return vcpu_inject_intr(vcpu, e);
	return svm_vcpu_inject(vcpu, e); /* only the image's EVENTINJ: the same encoding (§25.8.3) */
}

/* ---- one entry ---- */

#define VMX_ENTER_WINDOW 1
#define VMX_ENTER_FAILED 2

static long vmx_enter(struct vcpu *vcpu, uint64_t *guest_ns)
{
	struct vmx_vcpu *x = vcpu->vmx;
	struct vmcb_save *s = &vcpu->vmcb->save;
	interrupts_disable();
	uint32_t cpu = this_cpu()->id;
	struct vmx_cpu *c = &vmx_cpus[cpu];
	long err = vmx_cpu_enable(c);
	if (err) {
		interrupts_enable();
		return err;
	}
	__atomic_store_n(&vcpu->guest_cpu, (int32_t)cpu, __ATOMIC_SEQ_CST);
	/* The interrupt window, when one is wanted, is interrupt-window exiting (§26.7.5). */
	enum vcpu_window window = vcpu_events_prepare(vcpu);
	if (window == VCPU_WINDOW_OPEN) {
		__atomic_store_n(&vcpu->guest_cpu, -1, __ATOMIC_SEQ_CST);
		interrupts_enable();
		return VMX_ENTER_WINDOW;
	}
	if (!vmptrld(x->vmcs_pa)) {
		__atomic_store_n(&vcpu->guest_cpu, -1, __ATOMIC_SEQ_CST);
		interrupts_enable();
		return -SIETCH_ENODEV;
	}
	write_controls_and_host(vcpu, window == VCPU_WINDOW_ARM);
	s->rsp = vcpu->gpr[SIETCH_RSP];
	s->rax = vcpu->gpr[SIETCH_RAX];
	write_guest_state(vcpu);
	bool flush = vcpu_tlb_stale(vcpu, &c->last_serial, cpu);
	if (vcpu->shadow && vmx_shadow_take_flush(vcpu))
		flush = true;
	if (flush)
		flush_guest_tlb();
	struct syscall_msrs host_msrs, guest_msrs = { s->star, s->lstar, s->cstar, s->sfmask, s->kernel_gs_base };
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) gdtr, idtr;
	__asm__ volatile("sgdt %0; sidt %1"
			 : "=m"(gdtr), "=m"(idtr));
	msrs_save(&host_msrs);
	msrs_load(&guest_msrs);
	fxsave64(vcpu->host_fpu);
	fxrstor64(vcpu->guest_fpu);
	/* The VMCS has no CR2 (§27.3.1.1): the guest's is the processor's while it runs, and a
	 * #PF that exits leaves it alone (§27.1), so a reflected fault's goes in here. */
	write_cr2(s->cr2);
	uint64_t start = timer_now_ns();
	int failed = vmx_world_switch(vcpu->gpr, 0);
	*guest_ns = timer_now_ns() - start;
	s->cr2 = read_cr2();
	fxsave64(vcpu->guest_fpu);
	fxrstor64(vcpu->host_fpu);
	/* The exit left GDTR and IDTR limits at FFFFh (§28.5.2): the host's own again. */
	__asm__ volatile("lgdt %0; lidt %1" ::"m"(gdtr), "m"(idtr));
	msrs_save(&guest_msrs);
	msrs_load(&host_msrs);
	s->star = guest_msrs.star;
	s->lstar = guest_msrs.lstar;
	s->cstar = guest_msrs.cstar;
	s->sfmask = guest_msrs.fmask;
	s->kernel_gs_base = guest_msrs.kernel_gs_base;
	if (failed) {
		x->instruction_error = (uint32_t)vmread(VMCS_VM_INSTRUCTION_ERROR);
	} else {
		read_guest_state(vcpu);
		vcpu->gpr[SIETCH_RSP] = s->rsp;
		s->rax = vcpu->gpr[SIETCH_RAX];
	}
	vmclear(x->vmcs_pa);
	__atomic_store_n(&vcpu->guest_cpu, -1, __ATOMIC_SEQ_CST);
	bool nmi = !failed && vmx_exit_reason(&x->exit) == SIETCH_VM_EXIT_HOST_NMI;
	interrupts_enable(); /* the host interrupt that ended the guest, if one did, is taken here */
	if (nmi)
		__asm__ volatile("int $2"); /* NMI exiting consumed it (§26.2): the host's handler runs now */
	return failed ? VMX_ENTER_FAILED : 0;
}

/* ---- exits the kernel handles ---- */

static void gpr_set(struct vcpu *vcpu, unsigned reg, uint64_t value)
{
	vcpu->gpr[reg] = value;
	if (reg == SIETCH_RSP)
		vcpu->vmcb->save.rsp = value;
}

/* A CR-access exit (§28.2.1, Table 28-3): MOV to CR0/CR4, CLTS or LMSW that
 * touched a host-owned bit, and with shadow paging MOV to and from CR3.
 * The guest's registers change in the image (the read shadows at the next
 * entry) as the processor would change them (guest_cr.c): setting CR0.PG
 * with EFER.LME activates long mode (SDM vol.3A §10.8.5). Anything else:
 * false, for the VMM. */
static bool cr_emulate(struct vcpu *vcpu, enum sietch_vm_exit_reason *reason)
{
	struct vmcb_save *s = &vcpu->vmcb->save;
	uint64_t q = vcpu->vmx->exit.qualification;
	unsigned cr = VMX_CR_NUMBER(q), type = VMX_CR_ACCESS_TYPE(q), reg = VMX_CR_GPR(q);
	uint64_t width = ((s->efer & EFER_LMA) && (s->cs.attr & X86_SEG_L)) ? ~0ull : 0xffffffffull;
	struct x86_paging g;
	svm_guest_paging(vcpu->vmcb, &g);
	unsigned effects = 0;
	if (cr != 0 && cr != 3 && cr != 4)
		return false;
	if (type == VMX_CR_ACCESS_MOV_TO)
		effects = guest_cr_write(&g, cr, (reg == SIETCH_RSP ? s->rsp : vcpu->gpr[reg]) & width,
					 vmx.limits.cr4_allowed);
	else if (type == VMX_CR_ACCESS_MOV_FROM)
		gpr_set(vcpu, reg, guest_cr_read(&g, cr) & width);
	else if (type == VMX_CR_ACCESS_CLTS)
		g.cr0 &= ~(1ull << 3); /* TS */
	else
		effects = guest_cr_write(&g, 0, guest_cr_lmsw(s->cr0, VMX_CR_LMSW_DATA(q)), vmx.limits.cr4_allowed);
	*reason = cr == 3 ? SIETCH_VM_EXIT_HOST_CR3 : SIETCH_VM_EXIT_HOST_CR;
	if (effects & GUEST_CR_GP) {
		vcpu_inject_gp(vcpu);
		return true;
	}
	s->cr0 = g.cr0;
	s->cr3 = g.cr3;
	s->cr4 = g.cr4;
	s->efer = g.efer;
	if (vcpu->shadow)
		shadow_vcpu_cr_written(vcpu->shadow, effects & GUEST_CR_CR3_LOAD, effects & GUEST_CR_FLUSH_ALL);
	s->rip += vcpu->vmx->exit.instruction_length;
	return true;
}

/* Fetching an instruction writes nothing. */
static int ept_write(void *ctx, uint64_t gpa, const void *buf, size_t len)
{
	(void)ctx;
	(void)gpa;
	(void)buf;
	(void)len;
	return -1;
}

/* Guest-physical memory through the EPT. */
static void fetch_instruction(struct vcpu *vcpu, struct sietch_vm_exit *exit)
{
	const struct x86_mem gpa_mem = { .ctx = vcpu->vm, .read = ept_read, .write = ept_write };
	vcpu_fetch_instruction(vcpu, &gpa_mem, exit);
}

/* A #UD in the guest (the only exception it exits for): AMD's VMMCALL
 * (0F 01 D9), which faults on Intel, is the hypercall the VMM expects, as
 * VMCALL (0F 01 C1) is; any other goes back to the guest. */
static bool ud_emulate(struct vcpu *vcpu, enum sietch_vm_exit_reason *reason)
{
	struct sietch_vm_exit probe;
	fetch_instruction(vcpu, &probe);
	if (probe.mmio.insn_len >= 3 && probe.mmio.insn[0] == 0x0f && probe.mmio.insn[1] == 0x01 &&
	    probe.mmio.insn[2] == 0xd9) {
		*reason = SIETCH_VM_EXIT_VMMCALL;
		return false;
	}
	vcpu->vmcb->control.eventinj = svm_evtinj(6, SVM_EVTINJ_TYPE_EXCEPTION, 0, 0);
	return true;
}

static const char *exit_name(uint64_t hw_code) { return vmx_exit_name(VMX_EXIT_REASON_BASIC(hw_code)); }

/* ---- the run loop ---- */

/* The exits vmx_exit_reason leaves to this file (SIETCH_VM_EXIT_UNHANDLED):
 * exceptions (#UD, and #PF with shadow paging), CR accesses, INVLPG (shadow
 * paging only). */
static bool handled_here(struct vcpu *vcpu, enum sietch_vm_exit_reason *reason)
{
	struct vmx_exit_info *x = &vcpu->vmx->exit;
	if (*reason != SIETCH_VM_EXIT_UNHANDLED)
		return false;
	switch (VMX_EXIT_REASON_BASIC(x->reason)) {
	case VMX_EXIT_EXCEPTION_NMI:
		if (vcpu->shadow && (x->interruption_info & 0xffu) == X86_EXC_PF)
			return vmx_shadow_page_fault(vcpu, x, reason);
		return ud_emulate(vcpu, reason);
	case VMX_EXIT_CR_ACCESS:
		return cr_emulate(vcpu, reason);
	case VMX_EXIT_INVLPG:
		if (!vcpu->shadow)
			return false;
		vmx_shadow_invlpg(vcpu, x->qualification);
		vcpu->vmcb->save.rip += x->instruction_length;
		*reason = SIETCH_VM_EXIT_HOST_INVLPG;
		return true;
	}
	return false;
}

/* Both kinds of refusal leave the exit record as a failed entry (SDM §27.8). */
static void entry_failed(struct vcpu *vcpu)
{
	vcpu->vmx->exit = (struct vmx_exit_info){ .reason = VMX_EXIT_REASON_ENTRY_FAILED };
}

static const char *vmx_run_state_refused(struct vcpu *vcpu)
{
	const char *why = svm_vmcb_check(vcpu->vmcb, &vmx.limits);
	if (!why && vcpu->shadow && !(vcpu->vmcb->save.cr0 & X86_CR0_PE))
		why = "real mode: no unrestricted guest without EPT (shadow paging)";
	if (why)
		entry_failed(vcpu);
	return why;
}

static long vmx_run_enter(struct vcpu *vcpu, uint64_t *guest_ns, const char **why)
{
	if (vcpu->shadow && vmx_shadow_enter(vcpu, &vcpu->vmx->hw) != 0)
		return -SIETCH_ENOMEM;
	long err = vmx_enter(vcpu, guest_ns);
	if (err == VMX_ENTER_WINDOW)
		return VCPU_ENTER_WINDOW;
	if (err == VMX_ENTER_FAILED) {
		entry_failed(vcpu);
		*why = vmx_instruction_error_name(vcpu->vmx->instruction_error);
		return VCPU_ENTER_REFUSED;
	}
	return err;
}

/* The exit's reason; an invalid one is named by its basic exit reason. */
static enum sietch_vm_exit_reason vmx_run_exit_reason(struct vcpu *vcpu, const char **why)
{
	enum sietch_vm_exit_reason reason = vmx_exit_reason(&vcpu->vmx->exit);
	if (reason == SIETCH_VM_EXIT_INVALID)
		*why = vmx_exit_name(VMX_EXIT_REASON_BASIC(vcpu->vmx->exit.reason));
	return reason;
}

static void vmx_run_exit_fill(struct vcpu *vcpu, enum sietch_vm_exit_reason reason, struct sietch_vm_exit *e)
{
	vmx_exit_fill(&vcpu->vmx->exit, vcpu->vmcb, vcpu->gpr, reason, vcpu->index, e);
}

/* VMX reports every refusal, the check's as well as the hardware's. */
static bool vmx_invalid_reported(const struct sietch_vm_exit *e)
{
	(void)e;
	return true;
}

static const struct vcpu_run_ops vmx_run_ops = {
	.state_refused = vmx_run_state_refused,
	.enter = vmx_run_enter,
	.exit_reason = vmx_run_exit_reason,
	.handled_here = handled_here,
	.exit_fill = vmx_run_exit_fill,
	.fetch_instruction = fetch_instruction,
	.exit_name = exit_name,
	.invalid_reported = vmx_invalid_reported,
	.invalid_why = "VM entry refused the guest state",
	.limits = &vmx.limits,
};

long vmx_vcpu_run(struct vcpu *vcpu, struct sietch_vcpu_run *run) { return vcpu_run_loop(vcpu, run, &vmx_run_ops); }

/* ---- registers: the image, as the SVM back end's ---- */

long vmx_vcpu_get(struct vcpu *vcpu, unsigned what, void *buf) { return svm_vcpu_get(vcpu, what, buf); }

/* The segment and control registers are checked against what VMX allows. */
long vmx_vcpu_set(struct vcpu *vcpu, unsigned what, const void *buf)
{
	if (what == SIETCH_VCPU_SREGS)
		return vcpu_sregs_set(vcpu, buf, &vmx.limits);
	return svm_vcpu_set(vcpu, what, buf);
}
