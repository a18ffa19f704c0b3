/* The register frame every interrupt, exception and system call builds on the kernel stack. */
#pragma once

#define TRAP_FRAME_RIP 136 /* used by kernel/arch/vectors.S */
#define TRAP_FRAME_SIZE 176

#ifdef __ASSEMBLER__
/* The general registers in struct trap_frame's order (its first fifteen words, last pushed first). */
.macro PUSH_GENERAL_REGISTERS
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
.endm

.macro POP_GENERAL_REGISTERS
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
.endm
#else
#include <stddef.h>
#include <stdint.h>

struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector;
	uint64_t error; /* the CPU's error code, or 0 where the vector has none */
	/* pushed by the CPU (SDM vol.3 §6.14.1, figure 6-9) */
	uint64_t rip, cs, rflags, rsp, ss;
};
_Static_assert(offsetof(struct trap_frame, rip) == TRAP_FRAME_RIP, "vectors.S must agree");
_Static_assert(sizeof(struct trap_frame) == TRAP_FRAME_SIZE, "vectors.S must agree");

#define VECTOR_DIVIDE 0
#define VECTOR_NMI 2
#define VECTOR_BREAKPOINT 3
#define VECTOR_INVALID_OPCODE 6
#define VECTOR_DEVICE_NOT_AVAILABLE 7
#define VECTOR_DOUBLE_FAULT 8
#define VECTOR_GENERAL_PROTECTION 13
#define VECTOR_PAGE_FAULT 14
#define VECTOR_SIMD 19
#define VECTOR_IRQ_BASE 32    /* first vector the IOAPIC and LAPIC deliver */
#define VECTOR_TIMER 32
#define VECTOR_SERIAL 36      /* IRQ 4 */
#define VECTOR_IPI_FIRST 0xf0 /* 0xf0-0xfe: sent by one CPU to another */
#define VECTOR_IPI_WAKE 0xf0  /* wakes an idle CPU */
#define VECTOR_IPI_HALT 0xf1  /* stops a CPU for a panic */
#define VECTOR_IPI_TLB 0xf2   /* TLB shootdown */
#define VECTOR_IPI_RESCHED 0xf3 /* a thread pinned to the CPU became runnable: reschedule, restart the tick */
#define VECTOR_SPURIOUS 0xff

/* Page-fault error code bits, SDM vol.3 §4.7 */
#define PF_PRESENT (1u << 0)
#define PF_WRITE (1u << 1)
#define PF_USER (1u << 2)
#define PF_FETCH (1u << 4)

typedef void (*irq_handler_fn)(struct trap_frame *frame);

void idt_init(void);  /* builds the table once */
void idt_load(void);  /* on every CPU */
/* The handler of a fixed vector (those above); device interrupts are objects (kernel/arch/interrupt.h). */
void trap_set_handler(uint8_t vector, irq_handler_fn handler);
const char *trap_vector_name(uint64_t vector);
void trap_report(const struct trap_frame *frame); /* registers, CR2, backtrace on the console */
void trap_backtrace(uint64_t rbp);
static inline int trap_from_user(const struct trap_frame *frame) { return (frame->cs & 3) == 3; }
#endif
