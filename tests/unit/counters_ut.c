/* Host tests for kernel/ctl/counters.c, with the real authority rule (kernel/ctl/authority.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/ctl/counters.c"

/* No IOMMU on the host: nothing blocked. */
uint64_t iommu_fault_count(void) { return 0; }
#include "kernel/ctl/authority.c"

struct arch_hooks arch_hooks;
struct proc_hooks proc_hooks;

/* self (7) spawned other (9), which spawned grandchild (12); stranger (11) is a child of 3, long gone. */
static struct proc self, other, grandchild, stranger;
static struct proc *current;

struct proc *proc_current(void) { return current; }

struct proc *proc_find(uint32_t pid)
{
	struct proc *all[] = { &self, &other, &grandchild, &stranger };
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (all[i]->pid == pid) {
			object_ref(&all[i]->object);
			return all[i];
		}
	return NULL;
}

uint64_t frame_free_count(void) { return 1234; }
volatile uint32_t cpus_online = 2;
uint64_t frame_managed_count(void) { return 5678; }

#include "tests/unit/stubs/user_memory.h"

/* Handles for the VM and vCPU scopes: 5 is a VM whose counters op fills the vm part, 6 a vCPU without the
 * READ right, 7 a VM of another process (its op refuses); anything else names nothing. */
static long fake_vm_counters(struct object *object, struct sietch_counters *out)
{
	(void)object;
	out->vm.exit[SIETCH_VM_EXIT_IO] = 42;
	return 0;
}
static long foreign_vm_counters(struct object *object, struct sietch_counters *out)
{
	(void)object;
	(void)out;
	return -SIETCH_EPERM;
}
static const struct object_ops fake_vm_ops = { .counters = fake_vm_counters };
static const struct object_ops foreign_vm_ops = { .counters = foreign_vm_counters };
static struct object fake_vm = OBJECT_INIT(OBJECT_VM, &fake_vm_ops);
static struct object fake_vcpu = OBJECT_INIT(OBJECT_VCPU, &fake_vm_ops);
static struct object foreign_vm = OBJECT_INIT(OBJECT_VM, &foreign_vm_ops);

long handle_get_typed(struct handle_table *table, long handle, uint32_t type, uint32_t rights, struct object **out)
{
	(void)table;
	struct object *o = handle == 5 ? &fake_vm : handle == 6 ? &fake_vcpu : handle == 7 ? &foreign_vm : NULL;
	if (!o || o->type != type)
		return -SIETCH_EBADF;
	if (handle == 6 && (rights & SIETCH_RIGHT_READ))
		return -SIETCH_EPERM;
	object_ref(o);
	*out = o;
	return 0;
}

static long read_counters(uint64_t scope, uint64_t id, struct sietch_counters *out)
{
	struct syscall_args args = { { scope, id, (uint64_t)(uintptr_t)out, 0, 0, 0 } };
	return sys_counters_read(&args);
}

static int setup(void **state)
{
	(void)state;
	memset(&self, 0, sizeof(self));
	memset(&other, 0, sizeof(other));
	memset(&grandchild, 0, sizeof(grandchild));
	memset(&stranger, 0, sizeof(stranger));
	memset(&system_counters, 0, sizeof(system_counters));
	memset(cpu_counters, 0, sizeof(cpu_counters));
	object_init(&self.object, OBJECT_PROCESS, &object_ops_none);
	object_init(&other.object, OBJECT_PROCESS, &object_ops_none);
	object_init(&grandchild.object, OBJECT_PROCESS, &object_ops_none);
	object_init(&stranger.object, OBJECT_PROCESS, &object_ops_none);
	self.pid = 7;
	other.pid = 9;
	other.parent_pid = 7;
	grandchild.pid = 12;
	grandchild.parent_pid = 9;
	stranger.pid = 11;
	stranger.parent_pid = 3;
	current = &self;
	return 0;
}

static void test_adds_to_system_and_current(void **state)
{
	(void)state;
	counters_syscall(SYS_ipc_call);
	counters_syscall(SYS_ipc_call);
	counters_syscall(SIETCH_COUNTED_SYSCALLS); /* past the table: counted in the total only */
	counters_interrupt(VECTOR_TIMER, 1);
	counters_exception(14);
	counters_exception(13);
	counters_init();
	proc_hooks.context_switched(); /* what the scheduler calls on a switch */
	current = NULL; /* an interrupt on an idle CPU */
	counters_interrupt(VECTOR_SERIAL, 0);

	assert_int_equal(system_counters.syscalls, 3);
	assert_int_equal(system_counters.syscall[SYS_ipc_call], 2);
	assert_int_equal(system_counters.interrupts, 2);
	assert_int_equal(system_counters.exceptions, 2);
	assert_int_equal(system_counters.page_faults, 1);
	assert_int_equal(system_counters.context_switches, 1);
	assert_int_equal(self.counters.syscalls, 3);
	assert_int_equal(self.counters.syscall[SYS_ipc_call], 2);
	assert_int_equal(self.counters.interrupts, 1);
	assert_int_equal(self.counters.page_faults, 1);
	assert_int_equal(other.counters.syscalls, 0);
	assert_int_equal(system_counters.ticks, 1);
	assert_int_equal(system_counters.device_interrupts, 1);
	assert_int_equal(self.counters.ticks, 1);
	assert_int_equal(self.counters.device_interrupts, 0);
}

static void test_interrupt_kinds_by_cpu(void **state)
{
	(void)state;
	struct sietch_counters out;
	counters_interrupt(VECTOR_TIMER, 0);
	counters_interrupt(VECTOR_IPI_TLB, 1);
	counters_interrupt(VECTOR_IPI_WAKE, 1);
	counters_interrupt(VECTOR_SERIAL, 1);
	counters_interrupt(VECTOR_SPURIOUS, 1);

	assert_int_equal(read_counters(SIETCH_COUNTERS_CPU, 1, &out), 0);
	assert_int_equal(out.interrupts, 4);
	assert_int_equal(out.ticks, 0);
	assert_int_equal(out.ipis, 2);
	assert_int_equal(out.device_interrupts, 1);
	assert_int_equal(out.syscalls, 0);
	assert_int_equal(read_counters(SIETCH_COUNTERS_CPU, 0, &out), 0);
	assert_int_equal(out.ticks, 1);
	assert_int_equal(out.ipis, 0);
	assert_int_equal(read_counters(SIETCH_COUNTERS_SYSTEM, 0, &out), 0);
	assert_int_equal(out.interrupts, 5);
	assert_int_equal(out.ipis + out.ticks + out.device_interrupts, 4);
	assert_int_equal(out.cpus, 2);
}

static void test_read_scopes(void **state)
{
	(void)state;
	struct sietch_counters out;
	counters_syscall(SYS_proc_self);
	current = &other;
	counters_syscall(SYS_proc_self);
	counters_syscall(SYS_proc_self);
	current = &self;

	assert_int_equal(read_counters(SIETCH_COUNTERS_SELF, 0, &out), 0);
	assert_int_equal(out.syscall[SYS_proc_self], 1);
	assert_int_equal(out.free_frames, 0);

	assert_int_equal(read_counters(SIETCH_COUNTERS_PROCESS, 9, &out), 0);
	assert_int_equal(out.syscall[SYS_proc_self], 2);
	assert_int_equal(other.object.refs, 1); /* proc_find's reference was dropped */

	assert_int_equal(read_counters(SIETCH_COUNTERS_SYSTEM, 0, &out), 0);
	assert_int_equal(out.syscalls, 3);
	assert_int_equal(out.free_frames, 1234);
	assert_int_equal(out.total_frames, 5678);
}

static void test_read_refusals(void **state)
{
	(void)state;
	struct sietch_counters out;
	assert_int_equal(read_counters(6, 0, &out), -SIETCH_EINVAL);
	assert_int_equal(read_counters(SIETCH_COUNTERS_CPU, 2, &out), -SIETCH_EINVAL); /* only 2 online */
	assert_int_equal(read_counters(SIETCH_COUNTERS_CPU, 0, NULL), -SIETCH_EFAULT);
	assert_int_equal(read_counters(SIETCH_COUNTERS_SELF, 1, &out), -SIETCH_EINVAL);
	assert_int_equal(read_counters(SIETCH_COUNTERS_SYSTEM, 7, &out), -SIETCH_EINVAL);
	assert_int_equal(read_counters(SIETCH_COUNTERS_PROCESS, 8, &out), -SIETCH_ESRCH);
	assert_int_equal(read_counters(SIETCH_COUNTERS_PROCESS, (1ull << 32) + 7, &out), -SIETCH_ESRCH);
	assert_int_equal(read_counters(SIETCH_COUNTERS_SELF, 0, NULL), -SIETCH_EFAULT);
	assert_int_equal(read_counters(SIETCH_COUNTERS_PROCESS, 9, NULL), -SIETCH_EFAULT);
	assert_int_equal(other.object.refs, 1);
}

/* The VM and vCPU scopes: a handle of the right type with READ, and what the object itself fills in. */
static void test_read_vm_scopes(void **state)
{
	(void)state;
	struct sietch_counters out;
	memset(&out, 0x5a, sizeof(out));
	assert_int_equal(read_counters(SIETCH_COUNTERS_VM, 5, &out), 0);
	assert_int_equal(out.vm.exit[SIETCH_VM_EXIT_IO], 42);
	assert_int_equal(out.syscalls, 0); /* the rest is zero, not the caller's */
	assert_int_equal(read_counters(SIETCH_COUNTERS_VCPU, 5, &out), -SIETCH_EBADF); /* a VM is no vCPU */
	assert_int_equal(read_counters(SIETCH_COUNTERS_VCPU, 6, &out), -SIETCH_EPERM);
	assert_int_equal(read_counters(SIETCH_COUNTERS_VM, 7, &out), -SIETCH_EPERM);
	assert_int_equal(read_counters(SIETCH_COUNTERS_VM, 8, &out), -SIETCH_EBADF);
	assert_int_equal(read_counters(SIETCH_COUNTERS_VM, 5, NULL), -SIETCH_EFAULT);
	assert_int_equal(fake_vm.refs, 1);
	assert_int_equal(foreign_vm.refs, 1);
}

/* Another process's counters need the authority proc_open asks for: a descendant, or the caller is init. */
static void test_read_needs_authority(void **state)
{
	(void)state;
	struct sietch_counters out;
	assert_int_equal(read_counters(SIETCH_COUNTERS_PROCESS, 7, &out), 0); /* itself */
	assert_int_equal(read_counters(SIETCH_COUNTERS_PROCESS, 9, &out), 0); /* a child */
	assert_int_equal(read_counters(SIETCH_COUNTERS_PROCESS, 12, &out), 0); /* a grandchild */
	assert_int_equal(read_counters(SIETCH_COUNTERS_PROCESS, 11, &out), -SIETCH_EPERM);

	current = &other;
	memset(&out, 0x5a, sizeof(out));
	assert_int_equal(read_counters(SIETCH_COUNTERS_PROCESS, 7, &out), -SIETCH_EPERM); /* its parent */
	assert_int_equal(out.syscalls, 0x5a5a5a5a5a5a5a5aull); /* nothing was copied */
	assert_int_equal(read_counters(SIETCH_COUNTERS_PROCESS, 11, &out), -SIETCH_EPERM); /* a stranger */
	assert_int_equal(read_counters(SIETCH_COUNTERS_PROCESS, 12, &out), 0);

	current = &stranger;
	stranger.pid = 1; /* init reads anyone */
	assert_int_equal(read_counters(SIETCH_COUNTERS_PROCESS, 7, &out), 0);
	stranger.pid = 11;

	assert_int_equal(self.object.refs, 1); /* every reference proc_find took was dropped */
	assert_int_equal(other.object.refs, 1);
	assert_int_equal(grandchild.object.refs, 1);
	assert_int_equal(stranger.object.refs, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_adds_to_system_and_current, setup),
		cmocka_unit_test_setup(test_read_scopes, setup),
		cmocka_unit_test_setup(test_interrupt_kinds_by_cpu, setup),
		cmocka_unit_test_setup(test_read_refusals, setup),
		cmocka_unit_test_setup(test_read_vm_scopes, setup),
		cmocka_unit_test_setup(test_read_needs_authority, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
