/* The process table, and the life of a process from spawn to the last handle closed. */
#include "kernel/proc/proc.h"
#include "kernel/arch/cpu.h"
#include "kernel/arch/hooks.h"
#include "kernel/arch/trap.h"
#include "kernel/console.h"
#include "kernel/mm/frame.h"
#include "kernel/mm/heap.h"
#include "kernel/proc/hooks.h"
#include "kernel/proc/nohz.h"
#include "kernel/proc/proc_internal.h"
#include "kernel/proc/sched.h"
#include "kernel/proc/time_page.h"
#include "kernel/proc/wait_internal.h"
#include "lib/common/string.h"

#define DEFAULT_MMAP_BASE 0x100000000ull /* 4 GiB: above any program image */

static struct proc *table[MAX_PROCS];
static struct proc_exit_hook *exit_hooks;
struct proc_hooks proc_hooks;
static struct spinlock table_lock = SPINLOCK_INIT("proc_table");
static uint32_t next_pid = 1;

static void table_remove_locked(struct proc *p)
{
	for (int i = 0; i < MAX_PROCS; i++)
		if (table[i] == p)
			table[i] = 0;
}

static void proc_release(struct object *object)
{
	struct proc *p = container_of(object, struct proc, object);
	spin_lock(&table_lock);
	table_remove_locked(p);
	spin_unlock(&table_lock);
	kfree(p);
}

static const struct object_ops proc_ops = { .release = proc_release };

/* Half of usable memory by default, so one runaway process leaves the system room to recover. */
static uint64_t default_page_limit(void) { return frame_managed_count() / 2; }

struct proc *proc_alloc(const char *name, uint32_t parent_pid)
{
	struct proc *p = kzalloc(sizeof(*p));
	if (!p)
		return 0;
	object_init(&p->object, OBJECT_PROCESS, &proc_ops);
	if (vm_space_create(&p->space)) {
		kfree(p);
		return 0;
	}
	handle_table_init(&p->handles);
	p->lock = (struct spinlock)SPINLOCK_INIT("proc");
	p->parent_pid = parent_pid;
	p->page_limit = default_page_limit();
	p->mmap_next = DEFAULT_MMAP_BASE;
	size_t len = strnlen(name, PROC_NAME_MAX - 1);
	memcpy(p->name, name, len);

	spin_lock(&table_lock);
	int slot = 0;
	while (slot < MAX_PROCS && table[slot])
		slot++;
	if (slot < MAX_PROCS) {
		table[slot] = p;
		p->pid = next_pid++;
	}
	spin_unlock(&table_lock);
	if (slot == MAX_PROCS) {
		vm_space_destroy(&p->space);
		kfree(p);
		return 0;
	}
	return p;
}

long proc_add_thread(struct proc *p, struct thread *t)
{
	spin_lock(&p->lock);
	if (p->thread_count >= MAX_THREADS_PER_PROC) {
		spin_unlock(&p->lock);
		return -SIETCH_EAGAIN;
	}
	t->proc_next = p->threads;
	p->threads = t;
	p->thread_count++;
	__atomic_add_fetch(&p->threads_unfreed, 1, __ATOMIC_ACQ_REL);
	if (p->dying)
		t->killed = 1; /* created while the process is being killed: it leaves at once */
	spin_unlock(&p->lock);
	return 0;
}

/* What the layers above keep for p goes too (kernel/proc/hooks.h). */
static void proc_run_exit_hooks(struct proc *p)
{
	for (struct proc_exit_hook *hook = exit_hooks; hook; hook = hook->next)
		hook->exited(p);
}

/* Memory and handles go as soon as the last thread leaves; see proc_finish_exit for the rest. */
static void proc_teardown(struct proc *p)
{
	spin_lock(&p->lock);
	p->dying = true; /* no handle_send into a table being emptied */
	spin_unlock(&p->lock);
	handle_table_close_all(&p->handles);
	/* The last thread exiting still runs on the dying tables: step onto the kernel's first.
	 * (A spawn that failed half way runs this in its parent, whose tables must stay.) */
	if (read_cr3() == p->space.root)
		vm_space_activate(&kernel_space);
	vm_space_destroy(&p->space);
	proc_run_exit_hooks(p);
	spin_lock(&p->lock);
	p->pages = 0;
	spin_unlock(&p->lock);
}

/*
 * Called once every thread's kernel stack is freed, so a parent that wakes
 * here sees every frame of the child back in the allocator. The reference
 * the living threads held goes with the state change, under table_lock: a
 * parent that sees the exit and then closes its last handle finds the child
 * out of the table at once, not a moment later. p outlives the wake because
 * proc_release, which frees it, waits for table_lock.
 */
static void proc_finish_exit(struct proc *p)
{
	uint32_t pid = p->pid;
	spin_lock(&table_lock);
	spin_lock(&p->lock);
	p->state = PROC_EXITED;
	int status = p->exit_status;
	spin_unlock(&p->lock);
	bool last = __atomic_sub_fetch(&p->object.refs, 1, __ATOMIC_ACQ_REL) == 0;
	if (last)
		table_remove_locked(p); /* no handle, so no waiter either */
	else
		wait_wake_all(&p->exit_waiters);
	spin_unlock(&table_lock);
	if (last)
		kfree(p);
	if (pid == 1)
		init_exited(status);
}

void proc_thread_freed(struct proc *p)
{
	if (__atomic_sub_fetch(&p->threads_unfreed, 1, __ATOMIC_ACQ_REL) == 0)
		proc_finish_exit(p);
}

void proc_thread_gone(struct proc *p, struct thread *t)
{
	spin_lock(&p->lock);
	struct thread **link = &p->threads;
	while (*link && *link != t)
		link = &(*link)->proc_next;
	if (*link)
		*link = t->proc_next;
	bool last = --p->thread_count == 0;
	spin_unlock(&p->lock);
	if (last)
		proc_teardown(p);
}

void proc_abandon(struct proc *p)
{
	p->exit_status = -1;
	proc_teardown(p);
	proc_finish_exit(p);
}

void proc_kill(struct proc *p, int status)
{
	spin_lock(&p->lock);
	if (p->state == PROC_EXITED || p->dying) {
		spin_unlock(&p->lock);
		return;
	}
	p->dying = true;
	p->exit_status = status;
	sched_lock_take();
	for (struct thread *t = p->threads; t; t = t->proc_next) {
		t->killed = 1;
		wait_cancel(t);
		sched_interrupt_locked(t);
	}
	sched_lock_release();
	spin_unlock(&p->lock);
}

/* Table lock held: a reference only while someone else still holds one (a zero count means it is being freed). */
static bool table_try_ref(struct object *object)
{
	uint32_t refs = __atomic_load_n(&object->refs, __ATOMIC_ACQUIRE);
	while (refs && !__atomic_compare_exchange_n(&object->refs, &refs, refs + 1, false, __ATOMIC_ACQ_REL,
						     __ATOMIC_ACQUIRE))
		;
	return refs != 0;
}

/* Collects a few members at a time under the table lock, then kills them without it. */
size_t proc_kill_group(uint32_t group, uint32_t spared, int status)
{
	enum { BATCH = 16 };
	size_t killed = 0;
	for (int slot = 0; slot < MAX_PROCS;) {
		struct proc *batch[BATCH];
		int n = 0;
		spin_lock(&table_lock);
		for (; slot < MAX_PROCS && n < BATCH; slot++) {
			struct proc *p = table[slot];
			if (p && p->console_group == group && p->pid != spared && p->state == PROC_ALIVE && !p->dying &&
			    table_try_ref(&p->object))
				batch[n++] = p;
		}
		spin_unlock(&table_lock);
		for (int i = 0; i < n; i++) {
			proc_kill(batch[i], status);
			object_unref(&batch[i]->object);
		}
		killed += (size_t)n;
	}
	return killed;
}

long proc_wait(struct proc *p, int *status)
{
	spin_lock(&p->lock);
	while (p->state != PROC_EXITED) {
		long err = wait_sleep(&p->exit_waiters, &p->lock);
		if (err) {
			spin_unlock(&p->lock);
			return err;
		}
	}
	*status = p->exit_status;
	spin_unlock(&p->lock);
	return 0;
}

struct proc *proc_find(uint32_t pid)
{
	struct proc *found = 0;
	spin_lock(&table_lock);
	for (int i = 0; i < MAX_PROCS && !found; i++) {
		struct proc *p = table[i];
		if (!p || p->pid != pid)
			continue;
		if (table_try_ref(&p->object))
			found = p;
	}
	spin_unlock(&table_lock);
	return found;
}

void proc_inherit_console_group(struct proc *child, const struct proc *parent)
{
	spin_lock(&table_lock);
	child->console_group = parent ? parent->console_group : child->pid;
	spin_unlock(&table_lock);
}

/* Table lock held: the occupied slots, in pid order. Pids only grow, so a parent comes before its children. */
static int slots_by_pid(int order[MAX_PROCS])
{
	int n = 0;
	for (int slot = 0; slot < MAX_PROCS; slot++) {
		if (!table[slot])
			continue;
		int at = n++;
		for (; at > 0 && table[order[at - 1]]->pid > table[slot]->pid; at--)
			order[at] = order[at - 1];
		order[at] = slot;
	}
	return n;
}

static bool pid_in(const uint32_t *pids, int count, uint32_t pid)
{
	for (int i = 0; i < count; i++)
		if (pids[i] == pid)
			return true;
	return false;
}

/*
 * One pass in pid order: a process joins when its parent joined and it is
 * still in the leader's old group (one that made a group of its own since
 * keeps it, and so do its children).
 */
void proc_new_console_group(struct proc *leader)
{
	int order[MAX_PROCS];
	uint32_t joined[MAX_PROCS];
	int joined_count = 0;
	spin_lock(&table_lock);
	uint32_t old = leader->console_group;
	int n = slots_by_pid(order);
	for (int i = 0; i < n; i++) {
		struct proc *p = table[order[i]];
		if (p != leader && (p->console_group != old || !pid_in(joined, joined_count, p->parent_pid)))
			continue;
		p->console_group = leader->pid;
		joined[joined_count++] = p->pid;
	}
	spin_unlock(&table_lock);
}

size_t proc_snapshot(struct sietch_proc_info *out, size_t max)
{
	size_t n = 0;
	spin_lock(&table_lock);
	for (int i = 0; i < MAX_PROCS && n < max; i++) {
		struct proc *p = table[i];
		if (!p)
			continue;
		out[n] = (struct sietch_proc_info){
			.pid = p->pid, .parent = p->parent_pid, .threads = p->thread_count,
			.state = p->state == PROC_EXITED, .pages = p->pages, .cpu_ns = p->cpu_ns,
		};
		memcpy(out[n].name, p->name, sizeof(out[n].name) - 1);
		n++;
	}
	spin_unlock(&table_lock);
	return n;
}

/* An exception in user mode ends the process, with a line saying why and where. */
static void proc_user_fault(struct trap_frame *frame)
{
	struct proc *p = proc_current();
	int status = EXIT_STATUS_FAULT;
	if (frame->vector == VECTOR_INVALID_OPCODE || frame->vector == VECTOR_GENERAL_PROTECTION)
		status = EXIT_STATUS_ILLEGAL;
	else if (frame->vector == VECTOR_DIVIDE || frame->vector == VECTOR_SIMD)
		status = EXIT_STATUS_ARITH;
	kprintf("sietch: process %s (pid %u) killed: %s at rip=0x%lx", p->name, p->pid, trap_vector_name(frame->vector),
		frame->rip);
	if (frame->vector == VECTOR_PAGE_FAULT)
		kprintf(" address=0x%lx (%s)", read_cr2(), frame->error & PF_PRESENT ? "protection" : "not mapped");
	kprintf("\n");
	proc_kill(p, status);
	thread_exit();
}

void proc_exit_hook_add(struct proc_exit_hook *hook)
{
	struct proc_exit_hook **link = &exit_hooks;
	while (*link)
		link = &(*link)->next;
	hook->next = 0;
	*link = hook;
}

void proc_init(void)
{
	arch_hooks.user_fault = proc_user_fault;
	arch_hooks.return_to_user = sched_return_to_user;
	arch_hooks.timer_tick = sched_tick;
	arch_hooks.cpu_started = sched_cpu_started;
	nohz_init();
	time_page_init();
}

long proc_pin_thread(struct proc *p, uint64_t tid, int cpu)
{
	if (tid == 0 || tid == thread_current()->tid) {
		sched_pin_current(cpu);
		return 0;
	}
	spin_lock(&p->lock); /* a thread on the list is not yet gone, so not yet freed */
	struct thread *t = p->threads;
	while (t && t->tid != tid)
		t = t->proc_next;
	bool dedicated = false;
	if (t) {
		sched_lock_take();
		dedicated = sched_pin_locked(t, cpu);
		sched_lock_release();
	}
	spin_unlock(&p->lock);
	if (dedicated)
		nohz_cpu_dedicated((uint32_t)cpu);
	return t ? 0 : -SIETCH_ESRCH;
}
