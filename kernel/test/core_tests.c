/* Self-tests of what a dedicated CPU relies on (kernel/proc/nohz.h). */
#include "kernel/arch/ioapic.h"
#include "kernel/arch/percpu.h"
#include "kernel/arch/trap.h"
#include "kernel/mm/vm.h"
#include "kernel/proc/nohz.h"
#include "kernel/test/ktest.h"

#define COM1_ISA_IRQ 4 /* the PC/AT wiring of the first serial port */

KTEST(irq_steered_off_dedicated_cpu)
{
	if (cpus_online < 2)
		return 0;
	uint32_t one = cpus[1].apic_id, before = ioapic_lines_to(one);
	ioapic_route_irq(COM1_ISA_IRQ, VECTOR_SERIAL, one);
	uint32_t routed = ioapic_lines_to(one);
	nohz_cpu_dedicated(1);
	uint32_t left = ioapic_lines_to(one);
	ioapic_route_irq(COM1_ISA_IRQ, VECTOR_SERIAL, cpus[0].apic_id); /* where the console put it */
	KTEST_EXPECT(routed == before + 1, "routing COM1 to cpu 1 made %u lines go there, not %u", routed, before + 1);
	KTEST_EXPECT(left == 0, "%u lines still go to cpu 1 once it is dedicated", left);
	return 0;
}

KTEST(addr_space_tracks_cpus)
{
	struct addr_space as;
	KTEST_EXPECT(vm_space_create(&as) == 0, "cannot create an address space");
	uint64_t here = 1ull << this_cpu()->id;
	vm_space_activate(&as);
	uint64_t loaded = as.cpus;
	vm_space_activate(&kernel_space);
	uint64_t left = as.cpus;
	vm_space_destroy(&as);
	KTEST_EXPECT(loaded == here, "loaded here, the set is 0x%lx, not 0x%lx", loaded, here);
	KTEST_EXPECT(left == 0, "after leaving, the set is 0x%lx", left);
	return 0;
}
