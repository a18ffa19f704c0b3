/*
 * Crossing counters. Every kernel entry adds one to the system's set and to
 * the set of the process it came from (if any: an interrupt can arrive while
 * a CPU idles). The adds are relaxed atomics: counters are statistics, read
 * field by field, and need no order among themselves.
 */
#include "kernel/ctl/counters.h"
#include "kernel/iommu/iommu.h"
#include <stddef.h>
#include "kernel/arch/hooks.h"
#include "kernel/arch/percpu.h"
#include "kernel/arch/trap.h"
#include "kernel/ctl/authority.h"
#include "kernel/object/object.h"
#include "kernel/ctl/syscall.h"
#include "kernel/mm/frame.h"
#include "kernel/mm/uaccess.h"
#include "kernel/proc/hooks.h"
#include "kernel/proc/proc.h"

_Static_assert(sizeof(struct sietch_counters) % sizeof(uint64_t) == 0, "counters are read word by word");

struct sietch_counters system_counters;
/* Interrupts by the CPU that took them: a CPU given to one thread must show none. */
static struct sietch_counters cpu_counters[MAX_CPUS];

static void counter_add(struct sietch_counters *set, size_t offset)
{
	__atomic_add_fetch((uint64_t *)((char *)set + offset), 1, __ATOMIC_RELAXED);
}

/* One more of the counter at `offset`, system-wide and for the current process. */
static void counters_bump(size_t offset)
{
	counter_add(&system_counters, offset);
	struct proc *proc = proc_current();
	if (proc)
		counter_add(&proc->counters, offset);
}

void counters_syscall(uint64_t number)
{
	counters_bump(offsetof(struct sietch_counters, syscalls));
	if (number < SIETCH_COUNTED_SYSCALLS)
		counters_bump(offsetof(struct sietch_counters, syscall) + number * sizeof(uint64_t));
}

/* Which kind of interrupt a vector is: fixed vectors for the tick and IPIs, the rest come from devices. */
static size_t interrupt_kind(uint64_t vector)
{
	if (vector == VECTOR_TIMER)
		return offsetof(struct sietch_counters, ticks);
	if (vector >= VECTOR_IPI_FIRST && vector < VECTOR_SPURIOUS)
		return offsetof(struct sietch_counters, ipis);
	return offsetof(struct sietch_counters, device_interrupts);
}

void counters_interrupt(uint64_t vector, uint32_t cpu)
{
	counters_bump(offsetof(struct sietch_counters, interrupts));
	if (cpu < MAX_CPUS)
		counter_add(&cpu_counters[cpu], offsetof(struct sietch_counters, interrupts));
	if (vector == VECTOR_SPURIOUS)
		return; /* not a request from anyone (SDM vol.3 §11.9): counted in the total only */
	counters_bump(interrupt_kind(vector));
	if (cpu < MAX_CPUS)
		counter_add(&cpu_counters[cpu], interrupt_kind(vector));
}

void counters_exception(uint64_t vector)
{
	counters_bump(offsetof(struct sietch_counters, exceptions));
	if (vector == VECTOR_PAGE_FAULT)
		counters_bump(offsetof(struct sietch_counters, page_faults));
}

static void counters_trap(uint64_t vector)
{
	if (vector < VECTOR_IRQ_BASE)
		counters_exception(vector);
	else
		counters_interrupt(vector, this_cpu()->id);
}

void counters_context_switch(void) { counters_bump(offsetof(struct sietch_counters, context_switches)); }

void counters_init(void)
{
	arch_hooks.trap_entered = counters_trap;
	proc_hooks.context_switched = counters_context_switch;
}

/* A copy taken while other CPUs keep adding: each word is whole, the set as a whole is not a snapshot. */
static void counters_copy(struct sietch_counters *dst, const struct sietch_counters *src)
{
	const uint64_t *from = (const uint64_t *)src;
	uint64_t *to = (uint64_t *)dst;
	for (size_t i = 0; i < sizeof(*src) / sizeof(uint64_t); i++)
		to[i] = __atomic_load_n(&from[i], __ATOMIC_RELAXED);
}

/* The VM and vCPU scopes: id is a handle of that type, READ needed; the object fills its part. */
static long counters_of_handle(uint32_t type, uint64_t handle, uint64_t user_out)
{
	struct object *object;
	long err = handle_get_typed(proc_handles(), (long)handle, type, SIETCH_RIGHT_READ, &object);
	if (err)
		return err;
	struct sietch_counters out = { 0 };
	err = object->ops->counters ? object->ops->counters(object, &out) : -SIETCH_EBADF;
	object_unref(object);
	if (err)
		return err;
	return copy_to_user(user_out, &out, sizeof(out));
}

/*
 * counters_read(scope, id, out): SELF and SYSTEM take id 0, PROCESS takes a
 * pid: the caller's own, or one proc_open would let it open (-SIETCH_EPERM
 * otherwise, as there); CPU takes a CPU index. Another process's counters
 * tell what it is doing.
 */
long sys_counters_read(const struct syscall_args *args)
{
	uint64_t scope = args->arg[0], id = args->arg[1], user_out = args->arg[2];
	if (scope == SIETCH_COUNTERS_VM || scope == SIETCH_COUNTERS_VCPU)
		return counters_of_handle(scope == SIETCH_COUNTERS_VM ? OBJECT_VM : OBJECT_VCPU, id, user_out);
	if (scope != SIETCH_COUNTERS_SELF && scope != SIETCH_COUNTERS_PROCESS && scope != SIETCH_COUNTERS_SYSTEM &&
	    scope != SIETCH_COUNTERS_CPU)
		return -SIETCH_EINVAL;
	if (scope != SIETCH_COUNTERS_PROCESS && scope != SIETCH_COUNTERS_CPU && id != 0)
		return -SIETCH_EINVAL;
	if (scope == SIETCH_COUNTERS_CPU && id >= cpus_online)
		return -SIETCH_EINVAL;
	if (!user_range_ok(user_out, sizeof(struct sietch_counters)))
		return -SIETCH_EFAULT;
	struct proc *proc = NULL;
	if (scope == SIETCH_COUNTERS_PROCESS && (id > UINT32_MAX || !(proc = proc_find((uint32_t)id))))
		return -SIETCH_ESRCH;
	if (proc && proc != proc_current() && !authority_over_process(proc_current(), proc)) {
		object_unref(&proc->object);
		return -SIETCH_EPERM;
	}

	struct sietch_counters out;
	if (scope == SIETCH_COUNTERS_SYSTEM) {
		counters_copy(&out, &system_counters);
		out.free_frames = frame_free_count();
		out.total_frames = frame_managed_count();
		out.cpus = cpus_online;
		out.dma_faults = iommu_fault_count();
	} else if (scope == SIETCH_COUNTERS_CPU) {
		counters_copy(&out, &cpu_counters[id]);
	} else if (proc) {
		counters_copy(&out, &proc->counters);
		object_unref(&proc->object);
	} else {
		counters_copy(&out, &proc_current()->counters);
	}
	return copy_to_user(user_out, &out, sizeof(out));
}
