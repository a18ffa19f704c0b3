/*
 * The user-level VMM: one guest, its memory (a memory object mapped both
 * here and into the VM at guest-physical 0), its vCPUs (one thread each)
 * and its devices. The kernel runs the guest (vcpu_run, lib/common/vm_abi.h)
 * and returns every exit it does not handle itself; this program emulates
 * what the guest touched and runs it again, as kvmtool does over KVM_RUN.
 *
 * One lock covers every device and every local APIC: exits are short, and
 * the guest's devices are few and slow. Interrupts reach a vCPU through its
 * local APIC model and vcpu_inject; a halted vCPU sleeps on its notification.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/common/vm_abi.h"
#include "user/vmm/cmos.h"
#include "user/vmm/ioapic.h"
#include "user/vmm/lapic.h"
#include "user/vmm/pci_ports.h"
#include "user/vmm/pic.h"
#include "user/vmm/pit.h"
#include "user/vmm/power.h"
#include "user/vmm/uart.h"

#define VMM_MAX_CPUS 16 /* SIETCH_VM_MAX_VCPUS */
#define VMM_COM1_PIN 4  /* ISA IRQ 4, GSI 4: no interrupt source override in the MADT */

enum vcpu_state {
	VCPU_RUNNING,
	VCPU_HALTED,    /* at HLT: sleeps until an interrupt is pending */
	VCPU_WAIT_SIPI, /* an application processor before its STARTUP IPI */
};

struct vcpu {
	struct vm *vm;
	unsigned index;
	long handle;
	long wake;  /* a notification: signalled when the vCPU has something to do */
	volatile int state;
	volatile int sipi_vector; /* -1: none received */
	volatile bool injected;   /* an interrupt went to the kernel since the last vcpu_run began */
	struct lapic lapic;
	struct sietch_vcpu_run run;
	bool mmio_warned;
};

struct vm {
	long handle;
	unsigned number; /* the N of "[vmN] " */
	long memory; /* the memory object holding the guest's RAM */
	uint8_t *ram;
	uint64_t ram_size;
	unsigned cpus;
	struct vcpu vcpu[VMM_MAX_CPUS];
	struct uart uart;
	struct pic_pair pic;
	struct pit pit;
	struct cmos cmos;
	struct pci_ports pci;
	struct power power;
	struct ioapic ioapic;
	volatile int lock;
	volatile bool done;
	int status;
	const char *mark_prefix; /* vmm --mark: see marks.c */
};

void vm_lock(struct vm *vm);
void vm_unlock(struct vm *vm);
uint64_t vmm_now_ns(void);
/* Ends the VM (the first call's status wins) and the program. */
_Noreturn void vm_end(struct vm *vm, int status);

/* ports.c: the guest's port I/O and MMIO, with the lock held. */
uint32_t vm_port_in(struct vm *vm, struct vcpu *v, uint16_t port, unsigned size);
void vm_port_out(struct vm *vm, struct vcpu *v, uint16_t port, unsigned size, uint32_t value);
/* False if gpa belongs to no device. */
bool vm_mmio(struct vm *vm, struct vcpu *v, uint64_t gpa, bool write, unsigned size, uint64_t *value);
/* The UART's interrupt line to the I/O APIC, after anything that may change it. */
void vm_uart_irq_update(struct vm *vm);

/* marks.c: the VM's exit counters after a console line beginning with
 * mark_prefix (vm_mark), or now (vm_exits_print; what names the line). */
void vm_mark(struct vm *vm, const char *line, size_t len);
void vm_exits_print(struct vm *vm, const char *what);

/* vcpu.c */
void vcpu_loop(struct vcpu *v);
/* Lock held: offers v's next interrupt to the kernel, and wakes v if halted. */
void vcpu_kick(struct vcpu *v);
int vcpu_boot_bsp(struct vcpu *v, uint32_t entry, uint32_t info_phys);

/* cpuid.c: what the guest sees of the processor. */
void vm_cpuid(const struct vcpu *v, uint32_t leaf, uint32_t subleaf, uint64_t gpr[]);
uint64_t vm_msr_read(const struct vcpu *v, uint32_t msr, bool *known);
