/* Creating, starting and ending threads. */
#include "kernel/proc/thread.h"
#include "kernel/arch/gdt.h"
#include "kernel/arch/regs.h"
#include "kernel/arch/trap.h"
#include "kernel/console.h"
#include "kernel/mm/heap.h"
#include "kernel/proc/proc.h"
#include "kernel/proc/proc_internal.h"
#include "kernel/proc/sched.h"
#include "kernel/proc/wait_internal.h"
#include "lib/common/string.h"

extern char thread_first_run[];

#define USER_RFLAGS (RFLAGS_RESERVED_ONE | RFLAGS_IF)
/* FXSAVE image fields (SDM vol.1 §10.5.1, table 10-2): FCW at 0, MXCSR at 24; reset values from FNINIT / power-up */
#define FXSAVE_FCW 0
#define FXSAVE_MXCSR 24
#define FCW_DEFAULT 0x037f
#define MXCSR_DEFAULT 0x1f80

static volatile uint32_t next_tid = 1;
static struct thread *reap_list;
static struct spinlock reap_lock = SPINLOCK_INIT("reap");

/* Callee-saved registers that switch_context pops, then its return address. */
struct initial_switch_frame {
	uint64_t r15, r14, r13, r12, rbx, rbp, rip;
};

struct thread *thread_create_user(struct proc *proc, uint64_t rip, uint64_t rsp, uint64_t rdi)
{
	struct thread *t = kzalloc(sizeof(*t));
	if (!t)
		return 0;
	t->kernel_stack = kmalloc(KERNEL_STACK_SIZE);
	if (!t->kernel_stack) {
		kfree(t);
		return 0;
	}
	t->tid = __atomic_fetch_add(&next_tid, 1, __ATOMIC_RELAXED);
	t->proc = proc;
	t->state = THREAD_BLOCKED;
	t->pinned_cpu = THREAD_ANY_CPU;
	*(uint16_t *)&t->fpu[FXSAVE_FCW] = FCW_DEFAULT;
	*(uint32_t *)&t->fpu[FXSAVE_MXCSR] = MXCSR_DEFAULT;

	uint8_t *top = t->kernel_stack + KERNEL_STACK_SIZE;
	struct trap_frame *frame = (struct trap_frame *)(top - sizeof(struct trap_frame));
	memset(frame, 0, sizeof(*frame));
	frame->rip = rip;
	frame->rsp = rsp;
	frame->rdi = rdi;
	frame->cs = GDT_USER_CODE | 3;
	frame->ss = GDT_USER_DATA | 3;
	frame->rflags = USER_RFLAGS;
	struct initial_switch_frame *sw = (struct initial_switch_frame *)frame - 1;
	memset(sw, 0, sizeof(*sw));
	sw->rip = (uint64_t)thread_first_run;
	t->saved_rsp = (uint64_t)sw;
	return t;
}

void thread_start(struct thread *t) { sched_make_runnable(t); }

void thread_free(struct thread *t)
{
	kfree(t->kernel_stack);
	kfree(t);
}

/* sched_lock held: a dead thread's stack is still in use until the switch away from it is over. */
void thread_reap_later(struct thread *t)
{
	spin_lock(&reap_lock);
	t->queue_next = reap_list;
	reap_list = t;
	spin_unlock(&reap_lock);
}

void thread_reap_pending(void)
{
	spin_lock(&reap_lock);
	struct thread *list = reap_list;
	reap_list = 0;
	spin_unlock(&reap_lock);
	while (list) {
		struct thread *next = list->queue_next;
		struct proc *from = list->exited_from;
		thread_free(list);
		if (from)
			proc_thread_freed(from);
		list = next;
	}
}

_Noreturn void thread_exit(void)
{
	struct thread *t = thread_current();
	struct proc *proc = t->proc;
	t->proc = 0; /* the switch below must not save state into a dying process */
	/* Off the process's tables first: once this thread is gone, the last one to go frees
	 * them (proc_teardown), maybe on another CPU while this one still runs until its switch. */
	vm_space_activate(&kernel_space);
	proc_thread_gone(proc, t);
	t->exited_from = proc;
	sched_lock_take();
	t->state = THREAD_DEAD;
	sched_switch();
	panic("a dead thread ran again");
}
