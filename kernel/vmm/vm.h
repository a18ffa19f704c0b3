/*
 * Virtual machines and their vCPUs as kernel objects (OBJECT_VM,
 * OBJECT_VCPU), reached through handles of the process that created them.
 *
 * A VM owns its guest-physical map: ranges of memory objects (vm_map), and
 * the nested page table built from them (kernel/vmm/npt.c). A vCPU owns its
 * VMCB, the guest's general registers that VMRUN does not keep in the VMCB,
 * and the guest's x87/SSE state. Each vCPU holds a reference to its VM, and
 * a running vCPU (vcpu_run) one to itself, so the guest's memory and tables
 * are freed only when no guest can be running on them.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "kernel/arch/spinlock.h"
#include "kernel/object/object.h"
#include "kernel/mm/vm.h"
#include "kernel/vmm/svm.h"
#include "lib/common/vm_abi.h"

struct memory_object;
struct proc;
struct shadow_vcpu;
struct pt_format;
struct vmx_vcpu;

/* One vm_map range: pages [offset, offset + size) of memory at gpa. */
struct vm_slot {
	uint64_t gpa, size, offset;
	unsigned prot;                /* SIETCH_PROT_* */
	struct memory_object *memory; /* a reference; NULL for a free slot */
	bool ready;                   /* in the nested table; false while vm_map fills it */
};

struct vm {
	struct object object; /* OBJECT_VM */
	struct proc *owner;   /* a reference: only its handles work */
	uint32_t id;          /* for reports: vm<id> */
	uint32_t asid;        /* the guest's TLB tag (AMD APM vol.2 §15.16) */
	struct spinlock lock; /* slots, vcpus, running, changing */
	struct addr_space npt; /* the nested page table, pt_format_npt */
	volatile uint64_t npt_generation; /* bumped by every removal: vCPUs flush their TLB before the next entry */
	struct vm_slot slots[SIETCH_VM_MAX_SLOTS];
	struct vcpu *vcpus[SIETCH_VM_MAX_VCPUS]; /* not references: a vCPU clears its slot as it goes */
	uint32_t running;     /* vCPUs inside vcpu_run */
	bool changing;        /* a vm_unmap is in progress: no entry until it is done */
	bool shadow;          /* shadow paging (kernel/shadowpt) instead of nested paging */
	struct sietch_vm_counters counters;
};

struct vcpu {
	struct object object; /* OBJECT_VCPU */
	struct vm *vm;        /* a reference */
	uint32_t index;
	struct vmcb *vmcb;    /* one frame, in the direct map (VMX: the register image, see vmx.c) */
	struct vmx_vcpu *vmx; /* VMX only: the VMCS and exit information */
	uint64_t vmcb_pa;
	uint64_t gpr[SIETCH_GPR_COUNT]; /* rax and rsp live in the VMCB while the guest runs */
	uint8_t guest_fpu[512] __attribute__((aligned(16)));
	uint8_t host_fpu[512] __attribute__((aligned(16)));
	bool running;         /* inside vcpu_run: a second caller gets EBUSY */
	bool dead;            /* shut down (triple fault): no entry until its registers are set again */
	struct spinlock event_lock; /* intr_pending and intr_vector: vcpu_inject of an INTR may come from any thread */
	bool intr_pending;    /* an injected INTR not yet delivered */
	bool window_wanted;   /* the VMM asked for an interrupt-window exit */
	uint8_t intr_vector;
	uint64_t serial;      /* unique for the kernel's lifetime: a CPU's "last vCPU entered" */
	int32_t last_cpu;     /* the CPU of the last entry, -1 before the first */
	volatile int32_t guest_cpu; /* the CPU between the last look at intr_pending and the exit, else -1 */
	uint64_t npt_generation; /* the VM's generation at the last entry */
	struct shadow_vcpu *shadow; /* the vCPU's shadow page tables, in a shadow-paged VM */
	struct sietch_vm_counters counters;
};

/* The world switch (kernel/vmm/svm_switch.S): loads the guest's registers
 * from gpr (but rax and rsp, which the VMCB holds), VMLOADs the guest's
 * segment and system-call state, VMRUNs, and on the exit saves them back and
 * restores the host's from host_vmcb_pa (VMSAVEd just before). Runs with
 * GIF clear but for the guest itself; returns with interrupts disabled. */
void svm_world_switch(uint64_t vmcb_pa, uint64_t *gpr, uint64_t host_vmcb_pa);

/* kernel/vmm/svm.c */
int svm_detect(void);        /* 0, or -SIETCH_ENODEV with the reason logged once */
unsigned svm_asid_count(void);
bool svm_has_npt(void);       /* false: every VM is shadow-paged */
int svm_vcpu_init(struct vcpu *vcpu); /* VMCB with the reset state and Sietch's intercepts */
void svm_vcpu_free(struct vcpu *vcpu);
/* Runs vcpu until an exit for the VMM (filled into run->exit, registers into run->regs). */
long svm_vcpu_run(struct vcpu *vcpu, struct sietch_vcpu_run *run);
long svm_vcpu_get(struct vcpu *vcpu, unsigned what, void *buf);
long svm_vcpu_set(struct vcpu *vcpu, unsigned what, const void *buf);
/* An NMI or exception: the caller has the vCPU claimed. */
long svm_vcpu_inject(struct vcpu *vcpu, const struct sietch_vcpu_event *event);

/* The processor's reset state in a VMCB save area (both back ends start there). */
void svm_vmcb_reset_state(struct vmcb_save *s);

/* kernel/vmm/vmx.c: the Intel VMX back end, the same calls as svm_* above. */
int vmx_detect(void);
unsigned vmx_asid_count(void);
int vmx_vcpu_init(struct vcpu *vcpu);
void vmx_vcpu_free(struct vcpu *vcpu);
long vmx_vcpu_run(struct vcpu *vcpu, struct sietch_vcpu_run *run);
long vmx_vcpu_get(struct vcpu *vcpu, unsigned what, void *buf);
long vmx_vcpu_set(struct vcpu *vcpu, unsigned what, const void *buf);
long vmx_vcpu_inject(struct vcpu *vcpu, const struct sietch_vcpu_event *event);

/* The back end of this machine (kernel/vmm/backend.c): VMX where CPUID
 * says the CPU has it, else SVM (which says why not when it is missing). */
struct vm_backend {
	const char *name;
	const struct pt_format *nested_format; /* the guest-physical map's tables: NPT or EPT */
	int (*detect)(void);
	/* Whether guests can run on the hardware's nested tables; false: shadow paging only. */
	bool (*nested_paging)(void);
	unsigned (*asid_count)(void);
	int (*vcpu_init)(struct vcpu *vcpu);
	void (*vcpu_free)(struct vcpu *vcpu);
	long (*vcpu_run)(struct vcpu *vcpu, struct sietch_vcpu_run *run);
	long (*vcpu_get)(struct vcpu *vcpu, unsigned what, void *buf);
	long (*vcpu_set)(struct vcpu *vcpu, unsigned what, const void *buf);
	long (*vcpu_inject)(struct vcpu *vcpu, const struct sietch_vcpu_event *event);
};
const struct vm_backend *vm_backend(void);

/* kernel/vmm/npt.c */
int npt_create(struct vm *vm);
void npt_destroy(struct vm *vm);
/* Maps the slot's pages into the nested table: all or nothing. */
int npt_map_slot(struct vm *vm, const struct vm_slot *slot);
void npt_unmap_range(struct vm *vm, uint64_t gpa, uint64_t size);

/* kernel/vmm/vm.c: counting, shared by the back end and the calls. */
void vm_count_exit(struct vcpu *vcpu, unsigned reason);
void vm_count_time(struct vcpu *vcpu, uint64_t guest_ns, uint64_t kernel_ns);
void vm_count_add(struct vcpu *vcpu, size_t offset, uint64_t n);

/* kernel/vmm/vm.c: the objects. Both return with one reference, the caller's. */
long vm_create(struct proc *owner, struct vm **out);
long vcpu_create(struct vm *vm, uint32_t index, struct vcpu **out); /* -SIETCH_EEXIST for a taken index */
/* The VM or vCPU a handle of the calling process names: -SIETCH_EBADF, or
 * -SIETCH_EPERM for missing rights or another process's VM. */
long vm_lookup(uint64_t handle, uint32_t rights, struct vm **out);
long vcpu_lookup(uint64_t handle, uint32_t rights, struct vcpu **out);
/* One user of a vCPU at a time: -SIETCH_EBUSY if another thread has it (or,
 * to run it, while a vm_unmap is changing the VM's memory). */
long vcpu_claim(struct vcpu *vcpu, bool to_run);
void vcpu_unclaim(struct vcpu *vcpu, bool to_run);
