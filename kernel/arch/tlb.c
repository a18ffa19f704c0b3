#include "kernel/arch/tlb.h"
#include "kernel/arch/cpu.h"
#include "kernel/arch/lapic.h"
#include "kernel/arch/percpu.h"
#include "kernel/arch/trap.h"

static volatile uint64_t shootdown_root;
static volatile uint32_t shootdown_acks;
static volatile uint32_t shootdown_busy;

static void ipi_tlb(struct trap_frame *frame)
{
	(void)frame;
	uint64_t root = shootdown_root;
	if (read_cr3() == root)
		write_cr3(root); /* drops every non-global entry (SDM vol.3 §4.10.4.1) */
	__atomic_add_fetch(&shootdown_acks, 1, __ATOMIC_ACQ_REL);
}

void tlb_init(void) { trap_set_handler(VECTOR_IPI_TLB, ipi_tlb); }

void tlb_shootdown(uint64_t root, uint64_t cpu_mask)
{
	uint32_t self = this_cpu()->id, online = cpus_online;
	cpu_mask &= ~(1ull << self);
	if (online < 64)
		cpu_mask &= (1ull << online) - 1;
	if (!cpu_mask)
		return;
	/* Not a spinlock: it must not disable interrupts, or two CPUs shooting at once would wait on each other. */
	while (__atomic_exchange_n(&shootdown_busy, 1, __ATOMIC_ACQUIRE))
		cpu_relax();
	shootdown_root = root;
	shootdown_acks = 0;
	uint32_t sent = 0;
	for (uint32_t id = 0; id < online; id++)
		if (cpu_mask & (1ull << id)) {
			lapic_send_ipi(cpus[id].apic_id, VECTOR_IPI_TLB);
			sent++;
		}
	while (__atomic_load_n(&shootdown_acks, __ATOMIC_ACQUIRE) < sent)
		cpu_relax();
	__atomic_store_n(&shootdown_busy, 0, __ATOMIC_RELEASE);
}
