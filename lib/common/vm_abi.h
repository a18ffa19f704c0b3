/*
 * The virtual-machine ABI: what a user-level VMM passes to and gets from the
 * kernel's VM calls (rows 60-68 of lib/common/syscall.h). The split is KVM's:
 * the kernel keeps the world switch, the nested page tables and interrupt
 * delivery; every exit it does not handle itself comes back to the VMM as a
 * struct sietch_vm_exit from vcpu_run, as KVM_RUN fills its kvm_run page.
 *
 *	vm_create(flags)                            -> a VM handle (flags: SIETCH_VM_SHADOW or 0)
 *	vm_map(vm, memory, offset, gpa, size, prot) -> memory object pages at guest-physical gpa
 *	vm_unmap(vm, gpa, size)                     -> nothing there any more (accesses: MMIO exits)
 *	vcpu_create(vm, index)                      -> a vCPU handle
 *	vcpu_run(vcpu, run)                         -> 0 with run->exit filled
 *	vcpu_get(vcpu, what, buf, size) / vcpu_set  -> registers (SIETCH_VCPU_*)
 *	vcpu_inject(vcpu, event)                    -> an interrupt, NMI or exception for the guest
 *
 * A VM and its vCPUs are used only by the process that created them (a handle
 * sent elsewhere gets -SIETCH_EPERM). A vCPU runs on one thread at a time
 * (-SIETCH_EBUSY for a second). On a machine without SVM and nested paging
 * (or where firmware disabled SVM) vm_create fails with -SIETCH_ENODEV.
 *
 * Counters: counters_read(SIETCH_COUNTERS_VM, vm handle) and
 * (SIETCH_COUNTERS_VCPU, vcpu handle) fill the `vm` part of struct
 * sietch_counters; the system and process scopes carry the totals.
 */
#pragma once

#include <stdint.h>

/* ---- limits ---------------------------------------------------------- */

#define SIETCH_VM_MAX_VCPUS 16          /* vcpu_create's index is below this */
#define SIETCH_VM_GPA_LIMIT (1ull << 40) /* guest-physical addresses below 1 TiB */
#define SIETCH_VM_MAX_SLOTS 32          /* vm_map ranges per VM */

/* vm_create's flags. SHADOW: the VM runs on shadow page tables the kernel
 * composes from the guest's tables (kernel/shadowpt) instead of nested
 * paging; a machine without nested paging gets them whatever the flag says. */
#define SIETCH_VM_SHADOW (1u << 0)

/* ---- vm_map: prot is SIETCH_PROT_READ, optionally with WRITE and EXEC ---
 * offset, gpa and size are multiples of 4 KiB; [offset, offset + size) lies
 * in the memory object; the guest-physical range must not overlap an
 * existing one (vm_unmap it first). The memory handle needs READ (and WRITE
 * for PROT_WRITE). The VM holds the memory object until the range is
 * unmapped or the VM is gone. */

/* ---- registers ------------------------------------------------------- */

/* General registers in the x86 encoding order (enum x86_gpr of
 * lib/common/x86_decode.h), so the VMM can hand gpr[] to x86_mmio_*. */
enum sietch_vcpu_gpr {
	SIETCH_RAX, SIETCH_RCX, SIETCH_RDX, SIETCH_RBX, SIETCH_RSP, SIETCH_RBP, SIETCH_RSI, SIETCH_RDI,
	SIETCH_R8, SIETCH_R9, SIETCH_R10, SIETCH_R11, SIETCH_R12, SIETCH_R13, SIETCH_R14, SIETCH_R15,
	SIETCH_GPR_COUNT
};

struct sietch_vcpu_regs {
	uint64_t gpr[SIETCH_GPR_COUNT];
	uint64_t rip;
	uint64_t rflags; /* bit 1 always reads 1 and is forced on */
};

/* A segment register with its hidden part, laid out like the VMCB's and
 * lib/common/x86_segment.h's struct x86_segment: attr holds descriptor bits
 * 47:40 in 7:0 and 55:52 in 11:8 (type, S, DPL, P, AVL, L, D/B, G); limit is
 * byte-granular. GDTR and IDTR use only base and limit. */
struct sietch_vm_segment {
	uint16_t selector;
	uint16_t attr;
	uint32_t limit;
	uint64_t base;
};

/* Everything else a guest's execution depends on, like KVM's kvm_sregs plus
 * the system-call MSRs. cpl is read-only: the kernel derives it from SS.DPL
 * (0 with CR0.PE clear) as the hardware would. efer is the guest's view;
 * the kernel adds EFER.SVME where the hardware needs it and never shows it.
 * On set, rules VMRUN enforces (AMD APM vol.2 §15.5.1) are checked first:
 * a refusal is -SIETCH_EINVAL, never a failed entry. */
struct sietch_vcpu_sregs {
	struct sietch_vm_segment es, cs, ss, ds, fs, gs;
	struct sietch_vm_segment ldtr, tr, gdtr, idtr;
	uint64_t cr0, cr2, cr3, cr4, efer;
	uint64_t dr6, dr7;
	uint64_t star, lstar, cstar, sfmask, kernel_gs_base;
	uint64_t sysenter_cs, sysenter_esp, sysenter_eip;
	uint64_t pat;
	uint32_t cpl;              /* out only */
	uint32_t interrupt_shadow; /* 1: the next instruction runs with interrupts held off (STI, MOV SS) */
};

/* The guest's x87/SSE state in the FXSAVE format (Intel SDM vol.1 §10.5.1):
 * saved and restored around every entry, never the VMM's. */
struct sietch_vcpu_fpu {
	uint8_t fxsave[512];
};

/* vcpu_get / vcpu_set `what`; size must be the struct's size. */
#define SIETCH_VCPU_REGS 1  /* struct sietch_vcpu_regs */
#define SIETCH_VCPU_SREGS 2 /* struct sietch_vcpu_sregs */
#define SIETCH_VCPU_FPU 3   /* struct sietch_vcpu_fpu */

/* ---- events ---------------------------------------------------------- */

/* vcpu_inject: one event for the guest.
 * INTR: an external interrupt, held pending until the guest can take it
 *   (RFLAGS.IF set, no interrupt shadow) and then delivered through its IDT;
 *   one at a time: -SIETCH_EBUSY while the previous one is still pending.
 *   Any thread may inject one while the vCPU runs: the kernel ends that
 *   guest run at once to deliver it (the other kinds need the vCPU stopped:
 *   -SIETCH_EBUSY while it runs).
 * NMI, EXCEPTION (vector 0-31 but 2, with an error code if has_error) and
 *   SOFT_INT: delivered at the next entry; -SIETCH_EBUSY if one is waiting.
 * Ask for SIETCH_RUN_INTR_WINDOW in vcpu_run to be told when the guest can
 * take the next interrupt. */
#define SIETCH_EVENT_INTR 0
#define SIETCH_EVENT_NMI 2
#define SIETCH_EVENT_EXCEPTION 3
#define SIETCH_EVENT_SOFT_INT 4

struct sietch_vcpu_event {
	uint32_t type;
	uint32_t vector;
	uint32_t has_error;
	uint32_t error_code;
};

/* ---- exits ----------------------------------------------------------- */

/* Why vcpu_run returned. The first group reaches the VMM; the HOST_* reasons
 * are exits the kernel handled itself and only counts. */
enum sietch_vm_exit_reason {
	SIETCH_VM_EXIT_NONE = 0,         /* returned for SIETCH_RUN_RETURN_ON_INTR: nothing for the VMM to do */
	SIETCH_VM_EXIT_IO = 1,           /* IN/OUT/INS/OUTS: exit.io */
	SIETCH_VM_EXIT_MMIO = 2,         /* an access to a guest-physical address with no memory, or one
	                                    its vm_map prot does not allow (a write to ROM): exit.mmio */
	SIETCH_VM_EXIT_CPUID = 3,        /* exit.cpuid; the answer goes into rax..rdx, RIP += 2 */
	SIETCH_VM_EXIT_MSR_READ = 4,     /* exit.msr.index; the value goes into edx:eax, RIP += 2 */
	SIETCH_VM_EXIT_MSR_WRITE = 5,    /* exit.msr.index and .value; RIP += 2 */
	SIETCH_VM_EXIT_HLT = 6,          /* RIP is at the HLT (1 byte) */
	SIETCH_VM_EXIT_SHUTDOWN = 7,     /* triple fault: the vCPU is dead until its registers are set again */
	SIETCH_VM_EXIT_VMMCALL = 8,      /* a hypercall; RIP += 3 */
	SIETCH_VM_EXIT_INTR_WINDOW = 9,  /* the guest can take an interrupt now (SIETCH_RUN_INTR_WINDOW) */
	SIETCH_VM_EXIT_INVALID = 10,     /* the state cannot be entered: exit.invalid.why; or VMEXIT_INVALID */
	SIETCH_VM_EXIT_UNHANDLED = 11,   /* an intercept with no reason of its own (hw_code says which) */
	SIETCH_VM_EXIT_INTERRUPTED = 12, /* vcpu_run gave up before an exit: the process is being killed */
	/* counted only, never returned */
	SIETCH_VM_EXIT_HOST_INTR = 16,   /* a host interrupt arrived during the guest */
	SIETCH_VM_EXIT_HOST_NMI = 17,
	SIETCH_VM_EXIT_HOST_VINTR = 18,  /* an interrupt window the kernel opened for its own injection */
	SIETCH_VM_EXIT_HOST_MSR = 19,    /* an MSR the kernel keeps itself (EFER) */
	SIETCH_VM_EXIT_HOST_NPF = 20,    /* a nested page fault on mapped memory (access rights) */
	/* Shadow paging's exits, all handled by the kernel (kernel/shadowpt). */
	SIETCH_VM_EXIT_HOST_SHADOW_FILL = 21, /* a #PF the shadow resolved: an entry made or widened (A/D) */
	SIETCH_VM_EXIT_HOST_GUEST_PF = 22,    /* a #PF that was the guest's own, reflected into it */
	SIETCH_VM_EXIT_HOST_CR3 = 23,         /* MOV to or from CR3 */
	SIETCH_VM_EXIT_HOST_CR = 24,          /* CR0/CR4 reads and writes, CLTS, LMSW, SMSW */
	SIETCH_VM_EXIT_HOST_INVLPG = 25,
	SIETCH_VM_EXIT_COUNTED = 32      /* counters have this many slots */
};

/* A short name of a reason, for reports and `stat` ("io", "mmio", ...); NULL for an unused slot. */
static inline const char *sietch_vm_exit_name(unsigned reason)
{
	static const char *const names[SIETCH_VM_EXIT_COUNTED] = {
		[SIETCH_VM_EXIT_NONE] = "none", [SIETCH_VM_EXIT_IO] = "io", [SIETCH_VM_EXIT_MMIO] = "mmio",
		[SIETCH_VM_EXIT_CPUID] = "cpuid", [SIETCH_VM_EXIT_MSR_READ] = "msr_read",
		[SIETCH_VM_EXIT_MSR_WRITE] = "msr_write", [SIETCH_VM_EXIT_HLT] = "hlt",
		[SIETCH_VM_EXIT_SHUTDOWN] = "shutdown", [SIETCH_VM_EXIT_VMMCALL] = "vmmcall",
		[SIETCH_VM_EXIT_INTR_WINDOW] = "intr_window", [SIETCH_VM_EXIT_INVALID] = "invalid",
		[SIETCH_VM_EXIT_UNHANDLED] = "unhandled", [SIETCH_VM_EXIT_INTERRUPTED] = "interrupted",
		[SIETCH_VM_EXIT_HOST_INTR] = "host_intr", [SIETCH_VM_EXIT_HOST_NMI] = "host_nmi",
		[SIETCH_VM_EXIT_HOST_VINTR] = "host_vintr", [SIETCH_VM_EXIT_HOST_MSR] = "host_msr",
		[SIETCH_VM_EXIT_HOST_NPF] = "host_npf", [SIETCH_VM_EXIT_HOST_SHADOW_FILL] = "shadow_fill",
		[SIETCH_VM_EXIT_HOST_GUEST_PF] = "guest_pf", [SIETCH_VM_EXIT_HOST_CR3] = "cr3",
		[SIETCH_VM_EXIT_HOST_CR] = "cr", [SIETCH_VM_EXIT_HOST_INVLPG] = "invlpg",
	};
	return reason < SIETCH_VM_EXIT_COUNTED ? names[reason] : 0;
}

/* run->exit.io.direction */
#define SIETCH_VM_IO_OUT 0
#define SIETCH_VM_IO_IN 1

struct sietch_vm_exit_io {
	uint16_t port;
	uint8_t size;         /* bytes: 1, 2 or 4 */
	uint8_t direction;    /* SIETCH_VM_IO_* */
	uint8_t string;       /* INS/OUTS: data in guest memory at rDI/rSI */
	uint8_t rep;          /* with a REP prefix: rCX counts */
	uint8_t address_size; /* string forms: 2, 4 or 8 */
	uint8_t segment;      /* OUTS: the effective segment, enum x86_seg_reg */
	uint64_t next_rip;    /* RIP after the instruction (from the hardware) */
	uint64_t value;       /* OUT: the low `size` bytes of rAX */
};

struct sietch_vm_exit_mmio {
	uint64_t gpa;     /* the guest-physical address touched */
	uint8_t write;    /* 1: a write (or a read-modify-write) */
	uint8_t fetch;    /* 1: the guest tried to execute there */
	uint8_t size;     /* bytes, when the kernel could decode the instruction; else 0 */
	uint8_t insn_len; /* bytes valid in insn (0: could not be read) */
	uint8_t insn[15]; /* the instruction bytes at RIP, for the VMM's decoder */
	uint8_t decoded_len; /* the instruction's length when size is set (RIP += it), else 0 */
	uint64_t value;   /* a decoded write: the bytes stored, zero-extended */
};

struct sietch_vm_exit_cpuid {
	uint32_t leaf;    /* eax */
	uint32_t subleaf; /* ecx */
};

struct sietch_vm_exit_msr {
	uint32_t index; /* ecx */
	uint32_t reserved;
	uint64_t value; /* MSR_WRITE: edx:eax */
};

struct sietch_vm_exit_invalid {
	char why[64]; /* NUL-terminated */
};

struct sietch_vm_exit {
	uint32_t reason; /* enum sietch_vm_exit_reason */
	uint32_t vcpu;   /* the index given to vcpu_create */
	/* the hardware's own words (AMD: EXITCODE, EXITINFO1, EXITINFO2, EXITINTINFO), for reports */
	uint64_t hw_code, hw_info1, hw_info2, hw_intinfo;
	/* the state every report wants */
	uint64_t rip, cr0, cr3, cr4, efer;
	union {
		struct sietch_vm_exit_io io;
		struct sietch_vm_exit_mmio mmio;
		struct sietch_vm_exit_cpuid cpuid;
		struct sietch_vm_exit_msr msr;
		struct sietch_vm_exit_invalid invalid;
		uint8_t raw[64];
	};
};

/* vcpu_run's argument: requests in, registers in and out, the exit out.
 * With SIETCH_RUN_SET_REGS the kernel loads regs before entering (so an exit
 * is finished, RIP advanced and a result put in rax, without a vcpu_set);
 * regs always comes back as the registers at the exit. Registers set with a
 * RIP other than the vCPU's (here or with vcpu_set) end an interrupt shadow:
 * the instruction it covered is done. To restore a shadow, set SREGS after. */
#define SIETCH_RUN_SET_REGS (1u << 0)
#define SIETCH_RUN_INTR_WINDOW (1u << 1) /* exit with INTR_WINDOW once the guest can take an interrupt */
/* Return with reason NONE when a host interrupt ends the guest: the timer
 * tick does 100 times a second (unless the VMM pinned the thread to a
 * dedicated CPU), so a VMM's own device timers get a look that often even
 * while the guest computes without exiting. */
#define SIETCH_RUN_RETURN_ON_INTR (1u << 2)
#define SIETCH_RUN_REQUESTS (SIETCH_RUN_SET_REGS | SIETCH_RUN_INTR_WINDOW | SIETCH_RUN_RETURN_ON_INTR)

struct sietch_vcpu_run {
	uint32_t request; /* in: SIETCH_RUN_* */
	uint32_t interrupt_pending; /* out: an injected INTR has not been delivered yet */
	struct sietch_vcpu_regs regs;
	struct sietch_vm_exit exit;
};

/* ---- counters (counters_read scopes SIETCH_COUNTERS_VM and _VCPU) ------ */

struct sietch_vm_counters {
	uint64_t runs;    /* vcpu_run calls */
	uint64_t entries; /* VMRUNs */
	uint64_t exits;   /* every hardware exit, the ones the kernel handled included */
	uint64_t exit[SIETCH_VM_EXIT_COUNTED]; /* by enum sietch_vm_exit_reason */
	uint64_t injected;  /* events delivered through vcpu_inject */
	uint64_t guest_ns;  /* time between VMRUN and the exit */
	uint64_t kernel_ns; /* time in vcpu_run outside the guest: exit handling, entry */
	uint64_t vms, vcpus; /* system scope: how many exist now */
};

_Static_assert(sizeof(struct sietch_vcpu_regs) == 144, "ABI: no padding");
_Static_assert(sizeof(struct sietch_vm_segment) == 16, "ABI: no padding");
_Static_assert(sizeof(struct sietch_vcpu_sregs) == 10 * 16 + 16 * 8 + 8, "ABI: no padding");
_Static_assert(sizeof(struct sietch_vm_exit_io) == 24, "ABI: no padding");
_Static_assert(sizeof(struct sietch_vm_exit_mmio) == 36 + 4, "ABI: no padding");
_Static_assert(sizeof(struct sietch_vm_exit) == 8 + 4 * 8 + 5 * 8 + 64, "ABI: no padding");
_Static_assert(sizeof(struct sietch_vcpu_run) == 8 + 144 + 144, "ABI: no padding");
_Static_assert(sizeof(struct sietch_vm_counters) % 8 == 0, "counters are read word by word");
