#include "kernel/proc/sched.h"
#include "kernel/arch/cpu.h"
#include "kernel/arch/gdt.h"
#include "kernel/arch/lapic.h"
#include "kernel/arch/percpu.h"
#include "kernel/arch/smp.h"
#include "kernel/arch/timer.h"
#include "kernel/arch/trap.h"
#include "kernel/console.h"
#include "kernel/mm/vm.h"
#include "kernel/proc/hooks.h"
#include "kernel/proc/nohz.h"
#include "kernel/proc/proc.h"
#include "kernel/proc/wait_internal.h"

void switch_context(uint64_t *save_rsp, uint64_t load_rsp);

static struct spinlock sched_lock = SPINLOCK_INIT("sched");
static struct thread idle_threads[MAX_CPUS];
static volatile uint64_t idle_cpus; /* bit per CPU halted in the idle loop */

/*
 * Run queues: one shared by every CPU that is not dedicated (xv6's design),
 * and one per CPU for the threads pinned to it, which no other CPU takes.
 */
static struct wait_queue shared_queue, pinned_queue[MAX_CPUS];
static uint32_t pinned_threads[MAX_CPUS]; /* live threads pinned to each CPU */
/* CPUs other than 0 with a thread pinned to them: unpinned threads keep off (kernel/proc/nohz.h). */
static volatile uint64_t dedicated_cpus;

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
	idle->pinned_cpu = (int)cpu->id;
	cpu->idle = idle;
	cpu->current = idle;
}

static void queue_push_front(struct wait_queue *q, struct thread *t)
{
	t->queue_next = q->head;
	q->head = t;
	if (!q->tail)
		q->tail = t;
}

static struct thread *queue_pop(struct wait_queue *q)
{
	struct thread *t = q->head;
	if (t) {
		q->head = t->queue_next;
		if (!q->head)
			q->tail = 0;
		t->queue_next = 0;
	}
	return t;
}

static bool cpu_dedicated(uint32_t id) { return dedicated_cpus & (1ull << id); }

static bool may_run_on(const struct thread *t, uint32_t id)
{
	return t->pinned_cpu == THREAD_ANY_CPU ? !cpu_dedicated(id) : (uint32_t)t->pinned_cpu == id;
}

static struct wait_queue *run_queue_of(const struct thread *t)
{
	return t->pinned_cpu == THREAD_ANY_CPU ? &shared_queue : &pinned_queue[t->pinned_cpu];
}

static void run_queue_push(struct thread *t) { wait_queue_push(run_queue_of(t), t); }

/* The next thread CPU id may run: its pinned ones first, then the shared queue unless it is dedicated. */
static struct thread *run_queue_pop(uint32_t id)
{
	struct thread *t = queue_pop(&pinned_queue[id]);
	if (!t && !cpu_dedicated(id))
		t = queue_pop(&shared_queue);
	return t;
}

static bool work_for(uint32_t id) { return pinned_queue[id].head || (!cpu_dedicated(id) && shared_queue.head); }

/*
 * Whether this CPU needs its tick while it runs `next`: CPU 0 keeps time for
 * every sleeper, an ordinary CPU preempts, a dedicated one only shares itself
 * among its pinned threads (or moves a leftover unpinned thread away).
 */
static bool tick_needed(struct cpu *cpu, const struct thread *next)
{
	if (cpu->id == 0 || !cpu_dedicated(cpu->id) || pinned_queue[cpu->id].head)
		return true;
	return next != cpu->idle && next->pinned_cpu != (int)cpu->id;
}

/*
 * sched_lock held: t was just queued; interrupt only a CPU that can run it
 * and may not notice soon: its own CPU if pinned (the tick may be stopped
 * there), else the idle CPUs that are not dedicated.
 */
static void kick_for(struct thread *t)
{
	struct cpu *self = this_cpu();
	if (t->pinned_cpu != THREAD_ANY_CPU) {
		uint32_t id = (uint32_t)t->pinned_cpu;
		if (id == self->id)
			nohz_tick_set(tick_needed(self, self->current));
		else
			lapic_send_ipi(cpus[id].apic_id, VECTOR_IPI_RESCHED);
		return;
	}
	uint64_t targets = idle_cpus & ~dedicated_cpus & ~(1ull << self->id);
	for (uint32_t id = 0; targets && id < cpus_online; id++)
		if (targets & (1ull << id)) {
			lapic_send_ipi(cpus[id].apic_id, VECTOR_IPI_WAKE);
			targets &= ~(1ull << id);
		}
}

/* sched_lock held. */
static void make_runnable_locked(struct thread *t)
{
	t->state = THREAD_RUNNABLE;
	run_queue_push(t);
	kick_for(t);
}

void sched_make_runnable(struct thread *t)
{
	spin_lock(&sched_lock);
	make_runnable_locked(t);
	spin_unlock(&sched_lock);
}

/* sched_lock held: one more or one fewer thread pinned to cpu; true when it has just become dedicated. */
static bool pinned_count_add(int cpu, int delta)
{
	if (cpu == THREAD_ANY_CPU)
		return false;
	uint32_t id = (uint32_t)cpu;
	pinned_threads[id] += (uint32_t)delta;
	if (id == 0)
		return false;
	bool was = cpu_dedicated(id), now = pinned_threads[id] != 0;
	if (now)
		__atomic_or_fetch(&dedicated_cpus, 1ull << id, __ATOMIC_RELAXED);
	else
		__atomic_and_fetch(&dedicated_cpus, ~(1ull << id), __ATOMIC_RELAXED);
	return now && !was;
}

void sched_pin_current(int cpu)
{
	struct thread *t = thread_current();
	spin_lock(&sched_lock);
	pinned_count_add(t->pinned_cpu, -1);
	t->pinned_cpu = cpu;
	bool dedicated = pinned_count_add(cpu, 1);
	t->state = THREAD_RUNNABLE;
	sched_switch(); /* continues on its CPU */
	spin_unlock(&sched_lock);
	thread_reap_pending();
	if (dedicated)
		nohz_cpu_dedicated((uint32_t)cpu);
}

bool sched_pin_locked(struct thread *t, int cpu)
{
	bool queued = t->state == THREAD_RUNNABLE; /* another thread: runnable means waiting in a queue */
	if (queued)
		wait_queue_remove(run_queue_of(t), t);
	pinned_count_add(t->pinned_cpu, -1);
	t->pinned_cpu = cpu;
	bool dedicated = pinned_count_add(cpu, 1);
	if (queued)
		make_runnable_locked(t);
	else if (t->state == THREAD_RUNNING && !may_run_on(t, t->last_cpu))
		lapic_send_ipi(cpus[t->last_cpu].apic_id, VECTOR_IPI_RESCHED); /* it moves at its next switch */
	return dedicated;
}

void sched_interrupt_locked(struct thread *t)
{
	uint32_t id = t->last_cpu;
	if (t->state == THREAD_RUNNING && id != this_cpu()->id && nohz_tick_stopped(id))
		lapic_send_ipi(cpus[id].apic_id, VECTOR_IPI_RESCHED);
}

/* The reschedule IPI: a thread pinned here was queued; switch soon, and tick if it must share. */
void sched_kicked(void)
{
	struct cpu *cpu = this_cpu();
	spin_lock(&sched_lock);
	cpu->need_resched = 1;
	nohz_tick_set(tick_needed(cpu, cpu->current));
	spin_unlock(&sched_lock);
}

static void account_cpu_time(struct thread *prev, uint64_t now)
{
	if (prev->proc && prev->ran_since_ns)
		__atomic_add_fetch(&prev->proc->cpu_ns, now - prev->ran_since_ns, __ATOMIC_RELAXED);
}

void sched_switch(void)
{
	struct cpu *cpu = this_cpu();
	struct thread *prev = cpu->current, *next = run_queue_pop(cpu->id);
	if (!spin_held(&sched_lock) || cpu->irq_depth != 1)
		panic("sched_switch: needs exactly the scheduler lock held");
	if (!next)
		next = prev->state == THREAD_RUNNABLE && may_run_on(prev, cpu->id) ? prev : cpu->idle;
	if (prev->state == THREAD_RUNNABLE && prev != cpu->idle && next != prev) {
		run_queue_push(prev);
		if (!may_run_on(prev, cpu->id))
			kick_for(prev);
	}
	next->state = THREAD_RUNNING;
	nohz_tick_set(tick_needed(cpu, next));
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
		fxsave64(prev->fpu);
	if (next->proc) {
		fxrstor64(next->fpu);
		wrmsr(MSR_FS_BASE, next->fs_base);
	}
	if (proc_hooks.context_switched)
		proc_hooks.context_switched();

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
	if (prev && prev->state == THREAD_DEAD) {
		pinned_count_add(prev->pinned_cpu, -1);
		prev->pinned_cpu = THREAD_ANY_CPU;
		thread_reap_later(prev);
	}
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
	if (work_for(cpu->id)) {
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

void sched_wake_next_locked(struct thread *t)
{
	if (t->state != THREAD_BLOCKED)
		return;
	t->state = THREAD_RUNNABLE;
	queue_push_front(run_queue_of(t), t);
	kick_for(t);
}
