/* Where every interrupt and exception lands, and the report a fatal one prints. */
#include "kernel/arch/trap.h"
#include "kernel/arch/cpu.h"
#include "kernel/arch/lapic.h"
#include "kernel/arch/percpu.h"
#include "kernel/console.h"
#include "kernel/ctl/counters.h"
#include "kernel/proc/sched.h"
#include "kernel/mm/layout.h"

static irq_handler_fn irq_handlers[256];
void (*trap_user_fault_hook)(struct trap_frame *frame); /* set by kernel/proc once processes exist */

static const char *const exception_names[32] = {
	[0] = "#DE divide error", [1] = "#DB debug", [2] = "NMI", [3] = "#BP breakpoint",
	[4] = "#OF overflow", [5] = "#BR bound range", [6] = "#UD invalid opcode",
	[7] = "#NM device not available", [8] = "#DF double fault", [10] = "#TS invalid TSS",
	[11] = "#NP segment not present", [12] = "#SS stack fault", [13] = "#GP general protection",
	[14] = "#PF page fault", [16] = "#MF x87 error", [17] = "#AC alignment check",
	[18] = "#MC machine check", [19] = "#XM SIMD exception", [20] = "#VE virtualization",
	[21] = "#CP control protection",
};

const char *trap_vector_name(uint64_t vector)
{
	if (vector < 32)
		return exception_names[vector] ? exception_names[vector] : "reserved";
	return "interrupt";
}

void trap_set_handler(uint8_t vector, irq_handler_fn handler) { irq_handlers[vector] = handler; }

static int kernel_address(uint64_t a) { return a >= KERNEL_VMA; }

void trap_backtrace(uint64_t rbp)
{
	kprintf("backtrace: (addr2line -e build/kernel.elf ADDRESS)\n");
	for (int depth = 0; depth < 32 && kernel_address(rbp) && (rbp & 7) == 0; depth++) {
		uint64_t *frame = (uint64_t *)rbp;
		uint64_t return_address = frame[1];
		if (!return_address)
			break;
		kprintf("  #%d 0x%016lx\n", depth, return_address);
		rbp = frame[0];
	}
}

void trap_report(const struct trap_frame *f)
{
	kprintf("sietch: exception: vector=%lu (%s) error=0x%lx cpu=%u rip=0x%016lx cr2=0x%016lx\n", f->vector,
		trap_vector_name(f->vector), f->error, this_cpu()->id, f->rip, read_cr2());
	kprintf("  cs=0x%lx rflags=0x%lx rsp=0x%016lx ss=0x%lx cr3=0x%lx\n", f->cs, f->rflags, f->rsp, f->ss,
		read_cr3());
	kprintf("  rax=0x%016lx rbx=0x%016lx rcx=0x%016lx rdx=0x%016lx\n", f->rax, f->rbx, f->rcx, f->rdx);
	kprintf("  rsi=0x%016lx rdi=0x%016lx rbp=0x%016lx r8 =0x%016lx\n", f->rsi, f->rdi, f->rbp, f->r8);
	kprintf("  r9 =0x%016lx r10=0x%016lx r11=0x%016lx r12=0x%016lx\n", f->r9, f->r10, f->r11, f->r12);
	kprintf("  r13=0x%016lx r14=0x%016lx r15=0x%016lx\n", f->r13, f->r14, f->r15);
	if (f->vector == VECTOR_PAGE_FAULT)
		kprintf("  page fault: %s %s in %s mode\n", f->error & PF_PRESENT ? "protection violation" : "not present",
			f->error & PF_FETCH ? "on fetch" : (f->error & PF_WRITE ? "on write" : "on read"),
			f->error & PF_USER ? "user" : "kernel");
	if (kernel_address(f->rip))
		kprintf("  faulting instruction at 0x%016lx\n", f->rip);
	trap_backtrace(f->rbp);
}

static _Noreturn void trap_kernel_fatal(struct trap_frame *frame)
{
	console_set_panicking();
	trap_report(frame);
	system_halt_all(EXIT_EXCEPTION);
}

void trap_dispatch(struct trap_frame *frame)
{
	if (frame->vector < VECTOR_IRQ_BASE) {
		counters_exception(frame->vector);
		if (trap_from_user(frame) && trap_user_fault_hook) {
			trap_user_fault_hook(frame);
			return;
		}
		trap_kernel_fatal(frame);
	}
	counters_interrupt(frame->vector, this_cpu()->id);
	irq_handler_fn handler = irq_handlers[frame->vector];
	if (frame->vector != VECTOR_SPURIOUS)
		lapic_eoi();
	if (handler)
		handler(frame);
	sched_return_to_user(frame);
}
