/*
 * Host tests for kernel/ctl/sys_thread.c, with the real process accounting of
 * kernel/proc/proc.c and fakes for threads, page tables and the scheduler;
 * and for the rest of proc.c's table: exit hooks and console groups.
 *
 * Races are played out, not hoped for: the fake thread_create_user can run a
 * second thread_create of the same process at the moment the first one is
 * building its thread, which is what another CPU may do.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/stubs/kernel_base.h"
#include "kernel/proc/proc.c"
#include "kernel/ctl/sys_thread.c"

/* ---- the rest of the kernel ---- */

struct addr_space kernel_space;
struct arch_hooks arch_hooks;
void sched_return_to_user(struct trap_frame *frame) { (void)frame; }
void sched_tick(void) {}
void sched_cpu_started(void) { abort(); }

int vm_space_create(struct addr_space *as)
{
	(void)as;
	return 0;
}
void vm_space_destroy(struct addr_space *as) { (void)as; }
void vm_space_activate(struct addr_space *as) { (void)as; }
uint64_t frame_managed_count(void) { return 1000; }
void init_exited(int status) { (void)status; }
void wait_wake_all(struct wait_queue *queue) { (void)queue; }
void wait_cancel(struct thread *thread) { (void)thread; }
long wait_sleep(struct wait_queue *queue, struct spinlock *held)
{
	(void)queue, (void)held;
	fail_msg("nothing here sleeps");
	return 0;
}
long wait_sleep_until(struct wait_queue *queue, struct spinlock *held, uint64_t deadline_ns)
{
	(void)queue, (void)held, (void)deadline_ns;
	return 0;
}
void sched_lock_take(void) {}
void sched_lock_release(void) {}
void sched_yield(void) {}
/* core's thread pinning, nohz tick and time page: not what these tests are about */
volatile uint32_t cpus_online = 1;
void sched_interrupt_locked(struct thread *thread) { (void)thread; }
void sched_pin_current(int cpu) { (void)cpu; }
bool sched_pin_locked(struct thread *thread, int cpu)
{
	(void)thread;
	(void)cpu;
	return false;
}
void nohz_init(void) {}
void nohz_cpu_dedicated(uint32_t cpu) { (void)cpu; }
void time_page_init(void) {}
uint64_t timer_now_ns(void) { return 0; }
const char *trap_vector_name(uint64_t vector)
{
	(void)vector;
	return "?";
}
void handle_table_init(struct handle_table *table) { (void)table; }
void handle_table_close_all(struct handle_table *table) { (void)table; }
_Noreturn void thread_exit(void)
{
	fail_msg("thread_exit");
	abort();
}

/* Every user address is mapped user-writable: the calls under test are not about page tables. */
bool user_range_ok(uint64_t start, size_t len) { return start != 0 && start + len >= start && start < USER_TOP; }
bool vm_translate(struct addr_space *as, uint64_t va, uint64_t *pa, uint64_t *pte)
{
	(void)as, (void)va, (void)pa;
	*pte = PTE_PRESENT | PTE_USER | PTE_WRITE;
	return true;
}

/* ---- the process and its threads ---- */

static struct proc *self;
struct proc *proc_current(void) { return self; }
struct thread *thread_current(void) { return NULL; }

static uint32_t next_test_tid = 100;
static int started, freed;
static bool out_of_memory; /* thread_create_user fails, as when the kernel heap is exhausted */
/* Runs inside thread_create_user, once: what another CPU does at that moment. */
static void (*create_hook)(void);

struct thread *thread_create_user(struct proc *proc, uint64_t rip, uint64_t rsp, uint64_t rdi)
{
	(void)rip, (void)rsp, (void)rdi;
	void (*hook)(void) = create_hook;
	create_hook = NULL;
	if (hook)
		hook();
	if (out_of_memory)
		return NULL;
	struct thread *t = calloc(1, sizeof(*t));
	t->tid = next_test_tid++;
	t->proc = proc;
	return t;
}
void thread_start(struct thread *thread)
{
	(void)thread;
	started++;
}
void thread_free(struct thread *thread)
{
	freed++;
	free(thread);
}

#define ENTRY 0x400000ull
#define STACK 0x800000ull

static long create(void)
{
	struct syscall_args args = { { ENTRY, STACK, 0, 0, 0, 0 } };
	return sys_thread_create(&args);
}

static int setup(void **state)
{
	(void)state;
	self = proc_alloc("test", 0);
	assert_non_null(self);
	struct thread *main_thread = thread_create_user(self, ENTRY, STACK, 0);
	proc_add_thread(self, main_thread);
	started = freed = 0;
	out_of_memory = false;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	while (self->threads) {
		struct thread *t = self->threads;
		self->threads = t->proc_next;
		free(t);
	}
	table[0] = NULL;
	free(self);
	return 0;
}

static void test_limit(void **state)
{
	(void)state;
	for (int i = 1; i < MAX_THREADS_PER_PROC; i++)
		assert_true(create() > 0);
	assert_int_equal(self->thread_count, MAX_THREADS_PER_PROC);
	assert_int_equal(create(), -SIETCH_EAGAIN);
	assert_int_equal(self->thread_count, MAX_THREADS_PER_PROC);
	assert_int_equal(started, MAX_THREADS_PER_PROC - 1);
}

static long racing_result;
static void race_another_create(void) { racing_result = create(); }

/* Two threads of one process create the last thread the limit allows at the same moment: one must fail. */
static void test_limit_holds_under_a_race(void **state)
{
	(void)state;
	for (int i = 1; i < MAX_THREADS_PER_PROC - 1; i++)
		assert_true(create() > 0);
	assert_int_equal(self->thread_count, MAX_THREADS_PER_PROC - 1);

	racing_result = 0;
	create_hook = race_another_create;
	long result = create();
	assert_null(create_hook); /* the race was run */
	assert_true(self->thread_count <= MAX_THREADS_PER_PROC);
	assert_int_equal(self->thread_count, MAX_THREADS_PER_PROC);
	assert_true((result > 0) != (racing_result > 0));
	assert_int_equal(result > 0 ? racing_result : result, -SIETCH_EAGAIN);
	assert_int_equal(started, MAX_THREADS_PER_PROC - 1);
	assert_int_equal(freed, 1); /* the loser's thread was never started, and is gone */
}

/* A thread that could not be made takes no place under the limit. */
static void test_failed_create_takes_no_place(void **state)
{
	(void)state;
	assert_true(create() > 0);
	out_of_memory = true;
	assert_int_equal(create(), -SIETCH_ENOMEM);
	out_of_memory = false;
	struct syscall_args bad_stack = { { ENTRY, 8, 0, 0, 0, 0 } };
	assert_int_equal(sys_thread_create(&bad_stack), -SIETCH_EFAULT);
	assert_int_equal(self->thread_count, 2);
	for (int i = 2; i < MAX_THREADS_PER_PROC; i++)
		assert_true(create() > 0);
	assert_int_equal(create(), -SIETCH_EAGAIN);
}

/* Exit hooks (kernel/proc/hooks.h): each added one runs once per teardown, in the order added, with the process. */
static char hook_order[8];
static struct proc *hook_saw[8];
static int hook_calls;
static void record_hook(char which, struct proc *p)
{
	hook_order[hook_calls] = which;
	hook_saw[hook_calls++] = p;
}
static void first_hook(struct proc *p) { record_hook('1', p); }
static void second_hook(struct proc *p) { record_hook('2', p); }

static void test_exit_hooks_in_order(void **state)
{
	(void)state;
	static struct proc_exit_hook first = { .exited = first_hook }, second = { .exited = second_hook };
	proc_exit_hook_add(&first);
	proc_exit_hook_add(&second);
	proc_run_exit_hooks(self);
	assert_string_equal(hook_order, "12");
	assert_ptr_equal(hook_saw[0], self);
	assert_ptr_equal(hook_saw[1], self);
	exit_hooks = NULL;
}

/* Console groups (job control): a process spawned as a child of parent, in the table like any. */
static struct proc *spawned(const char *name, struct proc *parent)
{
	struct proc *p = proc_alloc(name, parent ? parent->pid : 0);
	assert_non_null(p);
	proc_inherit_console_group(p, parent);
	return p;
}

/*
 * The shell spawns a program, which spawns a child, which spawns its own,
 * all before the shell makes the program a job (the interleaving that let a
 * reader of the console see end of file in `usertests kill`): the job takes
 * them along, but not the shell, the shell's other child, nor a descendant
 * that had already made a group of its own.
 */
static void test_new_console_group_takes_children_along(void **state)
{
	(void)state;
	struct proc *shell = self;
	proc_inherit_console_group(shell, NULL);
	struct proc *program = spawned("program", shell), *child = spawned("child", program);
	struct proc *grandchild = spawned("grandchild", child), *sibling = spawned("sibling", shell);
	struct proc *own = spawned("own", child);
	proc_new_console_group(own);
	struct proc *own_child = spawned("own-child", own);
	assert_int_equal(child->console_group, shell->pid);

	proc_new_console_group(program);
	assert_int_equal(program->console_group, program->pid);
	assert_int_equal(child->console_group, program->pid);
	assert_int_equal(grandchild->console_group, program->pid);
	assert_int_equal(shell->console_group, shell->pid);
	assert_int_equal(sibling->console_group, shell->pid);
	assert_int_equal(own->console_group, own->pid);
	assert_int_equal(own_child->console_group, own->pid);
	assert_int_equal(spawned("late", grandchild)->console_group, program->pid);

	for (int slot = 1; slot < MAX_PROCS; slot++) {
		free(table[slot]);
		table[slot] = NULL;
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limit_holds_under_a_race, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_create_takes_no_place, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exit_hooks_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_new_console_group_takes_children_along, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
