#include "kernel/proc/sched.h"
#include "kernel/arch/cpu.h"
#include "kernel/arch/gdt.h"
#include "kernel/arch/lapic.h"
#include "kernel/arch/percpu.h"
#include "kernel/arch/smp.h"
#include "kernel/arch/timer.h"
#include "kernel/arch/trap.h"
#include "kernel/console.h"
#include "kernel/ctl/counters.h"
#include "kernel/mm/vm.h"
#include "kernel/proc/proc.h"
#include "kernel/proc/wait_internal.h"

void switch_context(uint64_t *save_rsp, uint64_t load_rsp);

static struct spinlock sched_lock = SPINLOCK_INIT("sched");
static struct thread *run_head, *run_tail;
static struct thread idle_threads[MAX_CPUS];
static volatile uint64_t idle_cpus; /* bit per CPU halted in the idle loop */

/* The thread that was running before the switch, for sched_finish_switch to clean up after. */
static struct thread *switched_from[MAX_CPUS];

void sched_lock_take(void) { spin_lock(&sched_lock); }
void sched_lock_release(void) { spin_unlock(&sched_lock); }

struct thread *thread_current(void)
{
	return this_cpu()->current;
}

struct proc *proc_current(void)
{
	struct thread *t = this_cpu()->current;
	return t ? t->proc : 0;
}

void sched_init_this_cpu(void)
{
	struct cpu *cpu = this_cpu();
	struct thread *idle = &idle_threads[cpu->id];
	idle->state = THREAD_RUNNING;
	idle->last_cpu = cpu->id;
	cpu->idle = idle;
	cpu->current = idle;
}

static void run_queue_push(struct thread *t)
{
	t->queue_next = 0;
	if (run_tail)
		run_tail->queue_next = t;
	else
		run_head = t;
	run_tail = t;
}

static struct thread *run_queue_pop(void)
{
	struct thread *t = run_head;
	if (t) {
		run_head = t->queue_next;
		if (!run_head)
			run_tail = 0;
		t->queue_next = 0;
	}
	return t;
}

/* sched_lock held. */
static void make_runnable_locked(struct thread *t)
{
	t->state = THREAD_RUNNABLE;
	run_queue_push(t);
	if (idle_cpus)
		lapic_send_ipi_others(VECTOR_IPI_WAKE);
}

void sched_make_runnable(struct thread *t)
{
	spin_lock(&sched_lock);
	make_runnable_locked(t);
	spin_unlock(&sched_lock);
}

static void fpu_save(struct thread *t) { __asm__ volatile("fxsave64 %0" : "=m"(*(uint8_t(*)[FPU_STATE_SIZE])t->fpu)); }
static void fpu_restore(struct thread *t)
{
	__asm__ volatile("fxrstor64 %0" ::"m"(*(const uint8_t(*)[FPU_STATE_SIZE])t->fpu));
}

static void account_cpu_time(struct thread *prev, uint64_t now)
{
	if (prev->proc && prev->ran_since_ns)
		__atomic_add_fetch(&prev->proc->cpu_ns, now - prev->ran_since_ns, __ATOMIC_RELAXED);
}

void sched_switch(void)
{
	struct cpu *cpu = this_cpu();
	struct thread *prev = cpu->current, *next = run_queue_pop();
	if (!spin_held(&sched_lock) || cpu->irq_depth != 1)
		panic("sched_switch: needs exactly the scheduler lock held");
	if (!next)
		next = prev->state == THREAD_RUNNABLE ? prev : cpu->idle;
	if (prev->state == THREAD_RUNNABLE && prev != cpu->idle && next != prev)
		run_queue_push(prev);
	next->state = THREAD_RUNNING;
	if (next == prev)
		return;

	uint64_t now = timer_now_ns();
	account_cpu_time(prev, now);
	next->ran_since_ns = now;
	next->last_cpu = cpu->id;
	cpu->current = next;
	uint64_t stack_top = (uint64_t)next->kernel_stack + KERNEL_STACK_SIZE;
	if (next->proc) {
		tss_set_kernel_stack(cpu, stack_top);
		cpu->syscall_kernel_rsp = stack_top;
		vm_space_activate(&next->proc->space);
	} else {
		vm_space_activate(&kernel_space);
	}
	if (prev->proc)
		fpu_save(prev);
	if (next->proc) {
		fpu_restore(next);
		wrmsr(MSR_FS_BASE, next->fs_base);
	}
	counters_context_switch();

	/* The interrupt state belongs to the thread, not the CPU (xv6's intena). */
	int were_enabled = cpu->irq_were_enabled;
	switched_from[cpu->id] = prev;
	switch_context(&prev->saved_rsp, next->saved_rsp);
	this_cpu()->irq_were_enabled = were_enabled;
	sched_finish_switch_locked();
}

/* The first thing a thread does after switch_context, with sched_lock still held. */
void sched_finish_switch_locked(void)
{
	struct cpu *cpu = this_cpu();
	struct thread *prev = switched_from[cpu->id];
	switched_from[cpu->id] = 0;
	if (prev && prev->state == THREAD_DEAD)
		thread_reap_later(prev);
}

/* A new thread arrives here (thread_first_run) holding sched_lock, and leaves to user mode. */
void sched_finish_switch(void)
{
	sched_finish_switch_locked();
	this_cpu()->irq_were_enabled = 0; /* iretq sets IF from the frame */
	spin_unlock(&sched_lock);
	thread_reap_pending();
	/* Killed before it ever ran: leave now rather than run user code until the first tick. */
	if (this_cpu()->current->killed)
		thread_exit();
}

void sched_yield(void)
{
	spin_lock(&sched_lock);
	this_cpu()->current->state = THREAD_RUNNABLE;
	sched_switch();
	spin_unlock(&sched_lock);
	thread_reap_pending();
}

void sched_run_ready(void)
{
	struct cpu *cpu = this_cpu();
	spin_lock(&sched_lock);
	if (run_head) {
		cpu->current->state = THREAD_RUNNABLE;
		sched_switch();
	}
	__atomic_or_fetch(&idle_cpus, 1ull << cpu->id, __ATOMIC_RELAXED);
	spin_unlock(&sched_lock);
	thread_reap_pending();
}

void sched_idle_halt(void)
{
	/* sti; hlt is atomic, so a wake IPI sent after the check still ends the hlt. */
	__asm__ volatile("sti; hlt; cli" ::: "memory");
	__atomic_and_fetch(&idle_cpus, ~(1ull << this_cpu()->id), __ATOMIC_RELAXED);
}

/* Each CPU's idle thread: run work from smp_run_on_all, else threads, else halt until an interrupt. */
void sched_idle(void)
{
	for (;;) {
		interrupts_disable();
		if (smp_work_waiting()) {
			interrupts_enable();
			smp_run_work();
			continue;
		}
		sched_run_ready();
		sched_idle_halt();
	}
}

void sched_cpu_started(void)
{
	sched_init_this_cpu();
	sched_idle();
}

void sched_tick(void)
{
	struct cpu *cpu = this_cpu();
	cpu->need_resched = 1;
	if (cpu->id == 0)
		wait_expire_deadlines(timer_now_ns());
}

void sched_return_to_user(struct trap_frame *frame)
{
	struct cpu *cpu = this_cpu();
	struct thread *t = cpu->current;
	if (!t || !t->proc || !trap_from_user(frame))
		return;
	if (t->killed)
		thread_exit();
	if (cpu->need_resched) {
		cpu->need_resched = 0;
		sched_yield();
		if (t->killed)
			thread_exit();
	}
}

void sched_wake_locked(struct thread *t)
{
	if (t->state == THREAD_BLOCKED)
		make_runnable_locked(t);
}
