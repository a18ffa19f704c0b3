#include "kernel/arch/spinlock.h"
#include "kernel/arch/cpu.h"
#include "kernel/arch/percpu.h"
#include "kernel/console.h"

void irq_save_push(void)
{
	int enabled = (read_rflags() & RFLAGS_IF) != 0;
	interrupts_disable();
	struct cpu *cpu = this_cpu();
	if (cpu->irq_depth++ == 0)
		cpu->irq_were_enabled = enabled;
}

void irq_restore_pop(void)
{
	struct cpu *cpu = this_cpu();
	if (read_rflags() & RFLAGS_IF)
		panic("irq_restore_pop with interrupts enabled");
	if (cpu->irq_depth <= 0)
		panic("irq_restore_pop without push");
	if (--cpu->irq_depth == 0 && cpu->irq_were_enabled)
		interrupts_enable();
}

bool spin_held(const struct spinlock *lock) { return lock->locked && lock->holder_cpu == (int)this_cpu()->id; }

void spin_lock(struct spinlock *lock)
{
	irq_save_push();
	if (spin_held(lock))
		panic("spinlock %s: taken twice on cpu %u", lock->name, this_cpu()->id);
	while (__atomic_exchange_n(&lock->locked, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&lock->locked, __ATOMIC_RELAXED))
			cpu_relax();
	lock->holder_cpu = (int)this_cpu()->id;
}

void spin_unlock(struct spinlock *lock)
{
	if (!spin_held(lock))
		panic("spinlock %s: released by a CPU that does not hold it", lock->name);
	lock->holder_cpu = -1;
	__atomic_store_n(&lock->locked, 0, __ATOMIC_RELEASE);
	irq_restore_pop();
}
