/*
 * The AMD SVM back end (AMD APM vol.2 ch.15): finding SVM with nested paging,
 * turning it on per CPU, a vCPU's VMCB, and the run loop that enters the
 * guest until an exit the VMM must see.
 *
 * What the kernel handles itself: host interrupts and NMIs that end a guest
 * run (they are taken as soon as the loop enables interrupts again, then the
 * guest is re-entered), the interrupt window it opens to deliver an injected
 * interrupt, the guest's EFER (the hardware needs EFER.SVME set in it, the
 * guest must not see or clear it), and events cut short by an exit
 * (EXITINTINFO, re-injected). Everything else goes to the VMM.
 *
 * Under QEMU's TCG there is no next-RIP saving and no flush-by-ASID: the
 * loop uses TLB_CONTROL 0 and 1 only, and only IOIO's EXITINFO2 gives the
 * VMM a next RIP; other instructions it advances past by their length.
 */
#include <stddef.h>

#include "kernel/arch/cpu.h"
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
#include "kernel/vmm/svm_exit.h"
#include "kernel/vmm/svm_shadow.h"
#include "kernel/vmm/svm_vmcb.h"
#include "kernel/vmm/vcpu_run.h"
#include "kernel/vmm/vcpu_state.h"
#include "kernel/vmm/vm.h"
#include "lib/common/string.h"
#include "lib/common/x86_walk.h"

static struct {
	struct spinlock lock;
	int state;        /* 0: not looked at yet; 1: usable; -1: not */
	const char *why;  /* why not */
	unsigned asids;
	bool npt;         /* nested paging (CPUID 8000_000Ah EDX[0]); without it VMs are shadow-paged */
	uint64_t iopm_pa, msrpm_pa;
	struct svm_limits limits;
} svm = { .lock = SPINLOCK_INIT("svm") };

/* Per CPU: SVM on, its host save area, the host state VMSAVE keeps, and which vCPU entered last. */
struct svm_cpu {
	bool enabled;
	uint64_t hsave_pa, host_vmcb_pa;
	uint64_t last_serial;
};
static struct svm_cpu svm_cpus[MAX_CPUS];

/* ---- detection ---- */

/* CPUID Fn8000_0001 (AMD APM vol.3 appendix E.4.2). */
#define CPUID_EXT_ECX_SVM (1u << 2)
#define CPUID_EXT_EDX_LM (1u << 29)
#define CPUID_EXT_EDX_FFXSR (1u << 25)
#define EFER_FFXSR REG_BIT(14)

static const char *svm_missing(void)
{
	uint32_t a, b, c, d;
	cpuid(0x80000000u, 0, &a, &b, &c, &d);
	if (a < SVM_CPUID_LEAF)
		return "no CPUID leaf 8000_000Ah";
	cpuid(0x80000001u, 0, &a, &b, &c, &d);
	if (!(c & CPUID_EXT_ECX_SVM))
		return "the CPU has no SVM (CPUID 8000_0001h ECX[2])";
	if (!(d & CPUID_EXT_EDX_LM))
		return "no long mode";
	if (rdmsr(MSR_VM_CR) & VM_CR_SVMDIS)
		return "SVM is disabled by the firmware (VM_CR.SVMDIS)";
	cpuid(SVM_CPUID_LEAF, 0, &a, &b, &c, &d);
	if (b < 2)
		return "fewer than two ASIDs";
	return NULL;
}

/* What VMRUN will accept on this CPU (svm_vmcb_check's limits), from CPUID. */
static void svm_limits_init(struct svm_limits *lim)
{
	uint32_t a, b, c, d, ext_d;
	cpuid(0x80000008u, 0, &a, &b, &c, &d);
	lim->maxphyaddr = a & 0xff;
	cpuid(0x80000001u, 0, &a, &b, &c, &ext_d);
	lim->long_mode = true;
	lim->efer_allowed = EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE | EFER_SVME |
			    ((ext_d & CPUID_EXT_EDX_FFXSR) ? EFER_FFXSR : 0);
	/* CR4 bits 0-10 exist on every x86-64 CPU (SDM vol.3 §2.5); the newer ones per CPUID 1 and 7. */
	uint64_t cr4 = 0x7ff;
	cpuid(1, 0, &a, &b, &c, &d);
	if (c & (1u << 17))
		cr4 |= 1ull << 17; /* PCIDE */
	if (c & (1u << 26))
		cr4 |= 1ull << 18; /* OSXSAVE */
	cpuid(0, 0, &a, &b, &c, &d);
	if (a >= 7) {
		cpuid(7, 0, &a, &b, &c, &d);
		cr4 |= (b & 1u) ? 1ull << 16 : 0;          /* FSGSBASE */
		cr4 |= (b & (1u << 7)) ? 1ull << 20 : 0;   /* SMEP */
		cr4 |= (b & (1u << 20)) ? 1ull << 21 : 0;  /* SMAP */
		cr4 |= (c & (1u << 2)) ? 1ull << 11 : 0;   /* UMIP */
	}
	lim->cr4_allowed = cr4;
}

/* The MSRs whose guest values VMRUN/VMLOAD/VMSAVE swap (Table B-2): the
 * guest reads and writes them directly. Every other MSR exits, EFER too. */
static const uint32_t passthrough_msrs[] = {
	MSR_FS_BASE, MSR_GS_BASE, MSR_KERNEL_GS_BASE, MSR_STAR, MSR_LSTAR, 0xc0000083 /* CSTAR */, MSR_FMASK,
	0x174, 0x175, 0x176, /* SYSENTER_CS, _ESP, _EIP */
};

static int svm_maps_init(void)
{
	uint64_t iopm = frame_alloc_contiguous(SVM_IOPM_SIZE / PAGE_SIZE, 1, ~0ull);
	uint64_t msrpm = frame_alloc_contiguous(SVM_MSRPM_SIZE / PAGE_SIZE, 1, ~0ull);
	if (iopm == FRAME_NONE || msrpm == FRAME_NONE) {
		if (iopm != FRAME_NONE)
			frame_free_contiguous(iopm, SVM_IOPM_SIZE / PAGE_SIZE);
		if (msrpm != FRAME_NONE)
			frame_free_contiguous(msrpm, SVM_MSRPM_SIZE / PAGE_SIZE);
		return -SIETCH_ENOMEM;
	}
	/* Every port exits to the VMM (§15.10.1); every MSR but the swapped ones (§15.11). */
	memset(phys_to_virt(iopm), 0xff, SVM_IOPM_SIZE);
	memset(phys_to_virt(msrpm), 0xff, SVM_MSRPM_SIZE);
	for (size_t i = 0; i < sizeof(passthrough_msrs) / sizeof(passthrough_msrs[0]); i++)
		svm_msrpm_set(phys_to_virt(msrpm), passthrough_msrs[i], false, false);
	svm.iopm_pa = iopm;
	svm.msrpm_pa = msrpm;
	return 0;
}

static void svm_cpus_free(void)
{
	for (uint32_t i = 0; i < MAX_CPUS; i++) {
		struct svm_cpu *c = &svm_cpus[i];
		if (c->hsave_pa && c->hsave_pa != FRAME_NONE)
			frame_free(c->hsave_pa);
		if (c->host_vmcb_pa && c->host_vmcb_pa != FRAME_NONE)
			frame_free(c->host_vmcb_pa);
		c->hsave_pa = c->host_vmcb_pa = 0;
	}
}

/* Every CPU's two host pages (§15.30.4, and the VMCB VMSAVE fills), taken when SVM is first
 * looked at rather than at a CPU's first VMRUN: the frames a VM takes are then the same
 * whichever CPUs its vCPUs run on, and all of them come back when it goes. */
static int svm_cpus_init(void)
{
	for (uint32_t i = 0; i < cpus_online && i < MAX_CPUS; i++) {
		svm_cpus[i].hsave_pa = frame_alloc();
		svm_cpus[i].host_vmcb_pa = frame_alloc();
		if (svm_cpus[i].hsave_pa == FRAME_NONE || svm_cpus[i].host_vmcb_pa == FRAME_NONE) {
			svm_cpus_free();
			return -SIETCH_ENOMEM;
		}
	}
	return 0;
}

int svm_detect(void)
{
	spin_lock(&svm.lock);
	if (svm.state == 0) {
		svm.why = svm_missing();
		if (!svm.why && svm_maps_init())
			svm.why = "no memory for the permission maps";
		if (!svm.why && svm_cpus_init())
			svm.why = "no memory for the per-CPU host save areas";
		if (svm.why) {
			svm.state = -1;
			kprintf("sietch: svm: not available: %s\n", svm.why);
		} else {
			uint32_t a, b, c, d;
			cpuid(SVM_CPUID_LEAF, 0, &a, &b, &c, &d);
			svm.asids = b;
			svm.npt = (d & SVM_CPUID_EDX_NP) != 0;
			svm_limits_init(&svm.limits);
			svm.state = 1;
			kprintf("sietch: svm: revision %u, %s, %u ASIDs%s\n", a & 0xff,
				svm.npt ? "nested paging" : "no nested paging: shadow paging only", b,
				(d & SVM_CPUID_EDX_NRIPS) ? ", next-RIP saving" : "");
		}
	}
	int ok = svm.state == 1;
	spin_unlock(&svm.lock);
	return ok ? 0 : -SIETCH_ENODEV;
}

unsigned svm_asid_count(void) { return svm.asids; }

bool svm_has_npt(void) { return svm.npt; }

/* ---- per CPU ---- */

/* EFER.SVME and the host save area (§15.4, §15.30.4) on the calling CPU, once; interrupts off. */
static int svm_cpu_enable(struct svm_cpu *c)
{
	if (c->enabled)
		return 0;
	if (!c->hsave_pa)
		return -SIETCH_ENODEV; /* a CPU svm_cpus_init did not know: none comes online after boot */
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
	wrmsr(MSR_VM_HSAVE_PA, c->hsave_pa);
	c->enabled = true;
	return 0;
}

/* ---- the VMCB ---- */

/* The processor's state after RESET (Intel SDM vol.3 §9.1.1, Table 9-1;
 * AMD APM vol.2 §14.1.3): real mode at F000:FFF0 with CS base FFFF0000h. */
void svm_vmcb_reset_state(struct vmcb_save *s)
{
	const struct x86_segment data = {
		.attr = X86_SEG_P | X86_SEG_S | X86_SEG_TYPE_WRITABLE | X86_SEG_TYPE_ACCESSED,
		.limit = 0xffff,
	};
	s->es = s->ss = s->ds = s->fs = s->gs = data;
	s->cs = (struct x86_segment){
		.selector = 0xf000,
		.attr = X86_SEG_P | X86_SEG_S | X86_SEG_TYPE_CODE | X86_SEG_TYPE_READABLE | X86_SEG_TYPE_ACCESSED,
		.limit = 0xffff,
		.base = 0xffff0000,
	};
	s->gdtr = s->idtr = (struct x86_segment){ .limit = 0xffff };
	s->ldtr = (struct x86_segment){ .attr = X86_SEG_P | X86_SYS_LDT, .limit = 0xffff };
	s->tr = (struct x86_segment){ .attr = X86_SEG_P | X86_SYS_TSS_BUSY, .limit = 0xffff };
	s->cr0 = X86_CR0_CD | X86_CR0_NW | (1ull << 4); /* ET */
	s->efer = X86_EFER_SVME;
	s->rflags = 2;
	s->rip = 0xfff0;
	s->dr6 = 0xffff0ff0;
	s->dr7 = 0x400;
	s->g_pat = 0x0007040600070406ull; /* the PAT's power-on value (SDM vol.3 §11.12.4) */
}

/* What exits: Table 15-7 ff. The guest gets no SVM of its own, so its SVM
 * instructions exit too (the VMM answers #UD). */
#define SVM_GUEST_MISC1                                                                                      \
	(SVM_MISC1_INTR | SVM_MISC1_NMI | SVM_MISC1_SMI | SVM_MISC1_CPUID | SVM_MISC1_RSM | SVM_MISC1_HLT |    \
	 SVM_MISC1_INVLPGA | SVM_MISC1_IOIO_PROT | SVM_MISC1_MSR_PROT | SVM_MISC1_TASK_SWITCH |                \
	 SVM_MISC1_FERR_FREEZE | SVM_MISC1_SHUTDOWN)
#define SVM_GUEST_MISC2                                                                                      \
	(SVM_MISC2_VMRUN | SVM_MISC2_VMMCALL | SVM_MISC2_VMLOAD | SVM_MISC2_VMSAVE | SVM_MISC2_STGI |         \
	 SVM_MISC2_CLGI | SVM_MISC2_SKINIT | SVM_MISC2_XSETBV | SVM_MISC2_MONITOR | SVM_MISC2_MWAIT |          \
	 SVM_MISC2_RDPRU)

/* The FXSAVE image of an x87/SSE unit after FINIT and with MXCSR's reset value (SDM vol.1 §10.5.1). */
int svm_vcpu_init(struct vcpu *vcpu)
{
	uint64_t pa = frame_alloc();
	if (pa == FRAME_NONE)
		return -SIETCH_ENOMEM;
	vcpu->vmcb_pa = pa;
	vcpu->vmcb = phys_to_virt(pa);
	struct vmcb_control *c = &vcpu->vmcb->control;
	c->intercept_misc1 = SVM_GUEST_MISC1;
	c->intercept_misc2 = SVM_GUEST_MISC2;
	c->iopm_base_pa = svm.iopm_pa;
	c->msrpm_base_pa = svm.msrpm_pa;
	c->guest_asid = vcpu->vm->asid;
	c->tlb_control = SVM_TLB_FLUSH_ALL;
	c->vintr = SVM_VINTR_MASKING; /* the guest's IF masks only its own interrupts, never the host's */
	c->nested_ctl = SVM_NESTED_NP_ENABLE;
	c->ncr3 = vcpu->vm->npt.root;
	svm_vmcb_reset_state(&vcpu->vmcb->save);
	if (vcpu->vm->shadow && svm_shadow_init(vcpu)) {
		svm_vcpu_free(vcpu);
		return -SIETCH_ENOMEM;
	}
	vcpu_state_init(vcpu);
	return 0;
}

void svm_vcpu_free(struct vcpu *vcpu)
{
	if (vcpu->shadow)
		svm_shadow_free(vcpu);
	if (vcpu->vmcb_pa)
		frame_free(vcpu->vmcb_pa);
	vcpu->vmcb_pa = 0;
	vcpu->vmcb = NULL;
}

/* ---- events ---- */

#define SVM_VINTR_WINDOW (SVM_VINTR_IRQ | SVM_VINTR_IGN_TPR | SVM_VINTR_PRIO_MASK | SVM_VINTR_VECTOR_MASK)

/*
 * Before an entry (vcpu_events_prepare decides): SVM's interrupt window is a
 * virtual interrupt with the VINTR intercept (§15.21.4), which makes the
 * guest exit at the moment it could take one. Returns true when the VMM's
 * window is open now.
 */
static bool events_prepare(struct vcpu *vcpu)
{
	struct vmcb_control *c = &vcpu->vmcb->control;
	c->vintr &= ~SVM_VINTR_WINDOW;
	c->intercept_misc1 &= ~SVM_MISC1_VINTR;
	enum vcpu_window window = vcpu_events_prepare(vcpu);
	if (window == VCPU_WINDOW_ARM) {
		c->vintr |= SVM_VINTR_IRQ | SVM_VINTR_IGN_TPR | (0xfull << SVM_VINTR_PRIO_SHIFT);
		c->intercept_misc1 |= SVM_MISC1_VINTR;
	}
	return window == VCPU_WINDOW_OPEN;
}

/* After an exit: an event whose delivery the exit cut short goes in again
 * (§15.7.2, EXITINTINFO); one that was delivered is gone from EVENTINJ. */
static void events_after_exit(struct vcpu *vcpu)
{
	struct vmcb_control *c = &vcpu->vmcb->control;
	c->eventinj = (c->exitintinfo & SVM_EVTINJ_VALID) ? c->exitintinfo : 0;
	c->vintr &= ~SVM_VINTR_WINDOW;
	c->intercept_misc1 &= ~SVM_MISC1_VINTR;
}

long svm_vcpu_inject(struct vcpu *vcpu, const struct sietch_vcpu_event *e)
{
	struct vmcb_control *c = &vcpu->vmcb->control;
	if (e->vector > 255 || e->has_error > 1)
		return -SIETCH_EINVAL;
	if (e->type == SIETCH_EVENT_INTR)
		return vcpu_inject_intr(vcpu, e);
	uint64_t type;
	switch (e->type) {
	case SIETCH_EVENT_NMI:
		if (e->vector != 2 || e->has_error)
			return -SIETCH_EINVAL;
		type = SVM_EVTINJ_TYPE_NMI;
		break;
	case SIETCH_EVENT_EXCEPTION:
		/* §15.20: vector 2 is NMI's, and above 31 is no exception (TCG refuses 31 too) */
		if (e->vector >= 31 || e->vector == 2)
			return -SIETCH_EINVAL;
		type = SVM_EVTINJ_TYPE_EXCEPTION;
		break;
	case SIETCH_EVENT_SOFT_INT:
		if (e->has_error)
			return -SIETCH_EINVAL;
		type = SVM_EVTINJ_TYPE_SOFT_INT;
		break;
	default:
		return -SIETCH_EINVAL;
	}
	if (c->eventinj & SVM_EVTINJ_VALID)
		return -SIETCH_EBUSY;
	c->eventinj = svm_evtinj((uint8_t)e->vector, type, (int)e->has_error, e->error_code);
	return 0;
}

/* ---- one entry ---- */

/*
 * Whether this entry must flush the TLB (vcpu_tlb_stale): another vCPU of
 * any VM counts, because ASIDs are shared when there are more VMs than
 * ASIDs. TLB_CONTROL 1 flushes everything (§15.16.1); TCG knows no finer value.
 */
static void tlb_decide(struct vcpu *vcpu, struct svm_cpu *c, uint32_t cpu)
{
	bool flush = vcpu_tlb_stale(vcpu, &c->last_serial, cpu);
	vcpu->vmcb->control.tlb_control = flush ? SVM_TLB_FLUSH_ALL : SVM_TLB_NOTHING;
}

/* One VMRUN. The guest's x87/SSE state is loaded around it and the host's
 * (the VMM's) put back, all with interrupts off: the kernel itself uses no
 * FPU, and no switch can come in between. Returns the time in the guest. */
#define SVM_ENTER_WINDOW 1 /* svm_enter did not enter: the VMM's interrupt window is open */

static long svm_enter(struct vcpu *vcpu, uint64_t *guest_ns)
{
	struct vmcb *v = vcpu->vmcb;
	interrupts_disable();
	uint32_t cpu = this_cpu()->id;
	struct svm_cpu *c = &svm_cpus[cpu];
	long err = svm_cpu_enable(c);
	if (err) {
		interrupts_enable();
		return err;
	}
	/* From here an injection from another thread reaches this run (vcpu_inject_intr). */
	__atomic_store_n(&vcpu->guest_cpu, (int32_t)cpu, __ATOMIC_SEQ_CST);
	if (events_prepare(vcpu)) {
		__atomic_store_n(&vcpu->guest_cpu, -1, __ATOMIC_SEQ_CST);
		interrupts_enable();
		return SVM_ENTER_WINDOW;
	}
	tlb_decide(vcpu, c, cpu);
	if (vcpu->shadow && svm_shadow_take_flush(vcpu))
		v->control.tlb_control = SVM_TLB_FLUSH_ALL;
	v->save.rax = vcpu->gpr[SIETCH_RAX];
	v->save.rsp = vcpu->gpr[SIETCH_RSP];
	fxsave64(vcpu->host_fpu);
	fxrstor64(vcpu->guest_fpu);
	uint64_t start = timer_now_ns();
	svm_world_switch(vcpu->vmcb_pa, vcpu->gpr, c->host_vmcb_pa);
	*guest_ns = timer_now_ns() - start;
	fxsave64(vcpu->guest_fpu);
	fxrstor64(vcpu->host_fpu);
	vcpu->gpr[SIETCH_RAX] = v->save.rax;
	vcpu->gpr[SIETCH_RSP] = v->save.rsp;
	__atomic_store_n(&vcpu->guest_cpu, -1, __ATOMIC_SEQ_CST);
	interrupts_enable(); /* the host interrupt that ended the guest, if one did, is taken here */
	return 0;
}

/* ---- exits the kernel handles ---- */

/* Guest-physical memory through the nested table, the host's frames through the direct map. */
static int host_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	(void)ctx;
	memcpy(buf, phys_to_virt(addr), len);
	return 0;
}

static int host_write(void *ctx, uint64_t addr, const void *buf, size_t len)
{
	(void)ctx;
	memcpy(phys_to_virt(addr), buf, len);
	return 0;
}

/* The bytes at the guest's CS:RIP, as far as they are RAM (the VMM's decoder gets them with the MMIO exit):
 * guest-physical memory through the nested table. */
static void fetch_instruction(struct vcpu *vcpu, struct sietch_vm_exit *exit)
{
	const struct x86_mem host = { .read = host_read, .write = host_write };
	struct x86_paged_mem nested;
	struct x86_mem gpa_mem;
	x86_nested_mem_init(&nested, &gpa_mem, &host, vcpu->vm->npt.root, svm.limits.maxphyaddr);
	vcpu_fetch_instruction(vcpu, &gpa_mem, exit);
}

/* ---- the run loop ---- */

/* The exits only SVM handles in the kernel: shadow paging's. */
static bool handled_here(struct vcpu *vcpu, enum sietch_vm_exit_reason *reason)
{
	return vcpu->shadow && svm_shadow_exit(vcpu, reason);
}

/* The entry for the shared loop: the shadow tables are loaded around VMRUN. */
static long svm_run_enter(struct vcpu *vcpu, uint64_t *guest_ns, const char **why)
{
	(void)why; /* VMRUN's refusals come back as VMEXIT_INVALID exits */
	long err = vcpu->shadow ? svm_shadow_enter(vcpu) : 0;
	if (!err) {
		err = svm_enter(vcpu, guest_ns);
		if (vcpu->shadow)
			svm_shadow_left(vcpu);
	}
	if (err == SVM_ENTER_WINDOW)
		return VCPU_ENTER_WINDOW;
	return err;
}

static const char *svm_run_state_refused(struct vcpu *vcpu) { return svm_vmcb_check(vcpu->vmcb, &svm.limits); }

/* The exit's reason, with the events it cut short put back for re-injection. */
static enum sietch_vm_exit_reason svm_run_exit_reason(struct vcpu *vcpu, const char **why)
{
	(void)why; /* VMEXIT_INVALID carries no text: the loop's default stands */
	enum sietch_vm_exit_reason reason = svm_exit_reason(vcpu->vmcb);
	events_after_exit(vcpu);
	return reason;
}

static void svm_run_exit_fill(struct vcpu *vcpu, enum sietch_vm_exit_reason reason, struct sietch_vm_exit *e)
{
	svm_exit_fill(vcpu->vmcb, vcpu->gpr, reason, vcpu->index, e);
}

/* Only VMRUN's own refusals are reported: svm_vmcb_check's are the VMM's mistakes. */
static bool svm_invalid_reported(const struct sietch_vm_exit *e) { return e->hw_code == VMEXIT_INVALID; }

static const struct vcpu_run_ops svm_run_ops = {
	.state_refused = svm_run_state_refused,
	.enter = svm_run_enter,
	.exit_reason = svm_run_exit_reason,
	.handled_here = handled_here,
	.exit_fill = svm_run_exit_fill,
	.fetch_instruction = fetch_instruction,
	.exit_name = svm_exit_name,
	.invalid_reported = svm_invalid_reported,
	.invalid_why = "VMRUN refused the guest state (VMEXIT_INVALID)",
	.limits = &svm.limits,
};

long svm_vcpu_run(struct vcpu *vcpu, struct sietch_vcpu_run *run) { return vcpu_run_loop(vcpu, run, &svm_run_ops); }

/* ---- registers ---- */

long svm_vcpu_get(struct vcpu *vcpu, unsigned what, void *buf)
{
	switch (what) {
	case SIETCH_VCPU_REGS:
		svm_regs_get(vcpu->vmcb, vcpu->gpr, buf);
		return 0;
	case SIETCH_VCPU_SREGS:
		svm_sregs_get(vcpu->vmcb, buf);
		return 0;
	case SIETCH_VCPU_FPU:
		memcpy(buf, vcpu->guest_fpu, sizeof(vcpu->guest_fpu));
		return 0;
	}
	return -SIETCH_EINVAL;
}

/* MXCSR bits FXRSTOR accepts (SDM vol.1 §11.6.6): the host's MXCSR_MASK, or FFBFh where it reads 0. */
static bool mxcsr_ok(const struct sietch_vcpu_fpu *fpu, const uint8_t *host_fx)
{
	uint32_t mxcsr, mask;
	memcpy(&mxcsr, &fpu->fxsave[24], 4);
	memcpy(&mask, &host_fx[28], 4);
	return !(mxcsr & ~(mask ? mask : 0xffbfu));
}

long svm_vcpu_set(struct vcpu *vcpu, unsigned what, const void *buf)
{
	switch (what) {
	case SIETCH_VCPU_REGS:
		svm_regs_set(vcpu->vmcb, vcpu->gpr, buf);
		vcpu->dead = false;
		return 0;
	case SIETCH_VCPU_SREGS:
		return vcpu_sregs_set(vcpu, buf, &svm.limits);
	case SIETCH_VCPU_FPU:
		fxsave64(vcpu->host_fpu);
		if (!mxcsr_ok(buf, vcpu->host_fpu))
			return -SIETCH_EINVAL;
		memcpy(vcpu->guest_fpu, buf, sizeof(vcpu->guest_fpu));
		return 0;
	}
	return -SIETCH_EINVAL;
}
