/* Host tests for kernel/arch/interrupt.c and vector.c: allocation, delivery, masking, replay, freeing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/arch/interrupt.c"
#include "kernel/arch/vector.c"
#include "lib/common/vtd.c"
#include "lib/common/vtd_ir.c"

#include "tests/unit/stubs/kernel_base.h"

#define TEST_GSI 11
#define TEST_APIC 2

/* The I/O APIC as the tests see it: one GSI, its routing and its mask bit. */
static struct {
	bool routed, masked;
	uint8_t vector;
	uint32_t apic_id, flags, mask_writes;
} line;

bool ioapic_serves_gsi(uint32_t gsi) { return gsi == TEST_GSI; }

void ioapic_isa_to_gsi(uint8_t isa_irq, uint32_t *gsi, uint32_t *flags)
{
	*gsi = isa_irq == 9 ? TEST_GSI : isa_irq;
	*flags = INTERRUPT_LEVEL | INTERRUPT_ACTIVE_LOW; /* as a MADT override for the ACPI SCI says */
}

void ioapic_route_gsi(uint32_t gsi, uint8_t vector, uint32_t apic_id, uint32_t flags, bool masked)
{
	assert_int_equal(gsi, TEST_GSI);
	line.routed = true;
	line.vector = vector;
	line.apic_id = apic_id;
	line.flags = flags;
	line.masked = masked;
}

void ioapic_mask_gsi(uint32_t gsi, bool masked)
{
	assert_int_equal(gsi, TEST_GSI);
	line.masked = masked;
	line.mask_writes++;
}

/* Interrupt remapping as the tests see it: the I/O APIC's part and a fake remapping table. */
static bool ioapic_prepared, ioapic_committed;
int ioapic_remap_prepare(const struct interrupt_remapper *r)
{
	(void)r;
	ioapic_prepared = true;
	return 0;
}
void ioapic_remap_commit(void) { ioapic_committed = ioapic_prepared; }

static struct {
	bool used;
	uint8_t vector;
	uint32_t apic_id;
	int32_t sid;
} fake_irte[4];

static int fake_alloc(void)
{
	for (int h = 1; h < 4; h++)
		if (!fake_irte[h].used) {
			fake_irte[h].used = true;
			return h;
		}
	return -SIETCH_ENOSPC;
}
static void fake_free(uint16_t h) { fake_irte[h] = (typeof(fake_irte[0])){ 0 }; }
static void fake_set(uint16_t h, uint8_t vector, uint32_t apic_id, bool level, int32_t sid)
{
	assert_false(level);
	fake_irte[h].vector = vector;
	fake_irte[h].apic_id = apic_id;
	fake_irte[h].sid = sid;
}
static int32_t fake_ioapic_source(uint32_t id) { return (int32_t)id; }
static const struct interrupt_remapper fake_remapper = { fake_alloc, fake_free, fake_set, fake_ioapic_source };
static bool enabled_between;
static void fake_enable(void) { enabled_between = ioapic_prepared && !ioapic_committed; }

/* An IPI arrives at once: the stub runs the dispatch the trap path would. */
static uint32_t ipis;
int lapic_send_ipi(uint32_t apic_id, uint8_t vector)
{
	(void)apic_id;
	ipis++;
	struct trap_frame frame = { .vector = vector };
	vector_dispatch(&frame);
	return 0;
}

static void arrive(uint8_t vector)
{
	struct trap_frame frame = { .vector = vector };
	vector_dispatch(&frame);
}

static int calls;
static void *last_context;
static void count_call(struct interrupt *irq, void *context)
{
	(void)irq;
	calls++;
	last_context = context;
}

static int device_masks, device_unmasks;
static void device_mask(struct interrupt *irq, bool masked)
{
	(void)irq;
	if (masked)
		device_masks++;
	else
		device_unmasks++;
}

static int setup(void **state)
{
	(void)state;
	memset(&line, 0, sizeof(line));
	ipis = 0;
	calls = device_masks = device_unmasks = 0;
	last_context = 0;
	return 0;
}

static void test_msi_delivers_to_its_function(void **state)
{
	(void)state;
	struct interrupt irq;
	int ctx;
	assert_int_equal(interrupt_msi_alloc(&irq, TEST_APIC, count_call, &ctx), 0);
	assert_true(irq.vector >= VECTOR_DYNAMIC_FIRST && irq.vector <= VECTOR_DYNAMIC_LAST);
	struct msi_message m = interrupt_msi_message(&irq);
	assert_int_equal(m.address, 0xfee00000u | (TEST_APIC << 12));
	assert_int_equal(m.data, irq.vector);
	arrive(irq.vector);
	assert_int_equal(calls, 1);
	assert_ptr_equal(last_context, &ctx);
	assert_int_equal(irq.count, 1);
	interrupt_free(&irq);
}

static void test_masked_msi_is_held_and_replayed(void **state)
{
	(void)state;
	struct interrupt irq;
	assert_int_equal(interrupt_msi_alloc(&irq, TEST_APIC, count_call, 0), 0);
	irq.device_mask = device_mask;
	interrupt_mask(&irq);
	assert_int_equal(device_masks, 1);
	arrive(irq.vector);
	arrive(irq.vector);
	assert_int_equal(calls, 0);
	assert_true(irq.pending);
	interrupt_unmask(&irq);
	assert_int_equal(device_unmasks, 1);
	assert_int_equal(ipis, 1); /* two arrivals while masked coalesce into one replay */
	assert_int_equal(calls, 1);
	assert_false(irq.pending);
	interrupt_unmask(&irq);
	assert_int_equal(ipis, 1); /* nothing pending: no replay */
	interrupt_free(&irq);
}

static void test_gsi_starts_masked_and_masks_on_delivery(void **state)
{
	(void)state;
	struct interrupt irq;
	assert_int_equal(interrupt_isa_alloc(&irq, 9, TEST_APIC, count_call, 0), 0);
	assert_true(line.routed && line.masked);
	assert_int_equal(line.vector, irq.vector);
	assert_int_equal(line.apic_id, TEST_APIC);
	assert_int_equal(line.flags, INTERRUPT_LEVEL | INTERRUPT_ACTIVE_LOW);
	irq.flags |= INTERRUPT_MASK_ON_DELIVERY;

	interrupt_unmask(&irq);
	assert_false(line.masked);
	arrive(irq.vector);
	assert_int_equal(calls, 1);
	assert_true(line.masked); /* until the owner has serviced the device */
	arrive(irq.vector);       /* the still-asserted line, raised again after the EOI */
	assert_int_equal(calls, 1);
	interrupt_unmask(&irq);
	assert_int_equal(ipis, 0); /* a level line re-asserts by itself: no replay */
	assert_false(line.masked);
	interrupt_free(&irq);
	assert_true(line.masked);
}

static void test_gsi_without_ioapic_is_rejected(void **state)
{
	(void)state;
	struct interrupt irq;
	uint32_t free_before = vector_free_count();
	assert_int_equal(interrupt_gsi_alloc(&irq, TEST_GSI + 1, 0, TEST_APIC, count_call, 0), -SIETCH_EINVAL);
	assert_int_equal(vector_free_count(), free_before);
}

static void test_freed_vector_reaches_nobody(void **state)
{
	(void)state;
	struct interrupt irq;
	uint32_t free_before = vector_free_count();
	assert_int_equal(interrupt_msi_alloc(&irq, TEST_APIC, count_call, 0), 0);
	assert_int_equal(vector_free_count(), free_before - 1);
	uint8_t vector = irq.vector;
	interrupt_free(&irq);
	assert_int_equal(vector_free_count(), free_before);
	assert_int_equal(irq.kind, INTERRUPT_NONE);
	arrive(vector);
	assert_int_equal(calls, 0);
}

static void test_handler_replaced_or_removed(void **state)
{
	(void)state;
	struct interrupt irq;
	assert_int_equal(interrupt_msi_alloc(&irq, TEST_APIC, 0, 0), 0);
	arrive(irq.vector);
	assert_int_equal(irq.count, 0); /* no function: dropped, not counted */
	int ctx;
	interrupt_set_handler(&irq, count_call, &ctx);
	arrive(irq.vector);
	assert_int_equal(calls, 1);
	assert_ptr_equal(last_context, &ctx);
	interrupt_set_handler(&irq, 0, 0);
	arrive(irq.vector);
	assert_int_equal(calls, 1);
	interrupt_free(&irq);
}

static void test_allocator_exhausts(void **state)
{
	(void)state;
	static uint8_t taken[256];
	uint32_t n = 0;
	int v;
	while ((v = vector_alloc()) >= 0)
		taken[n++] = (uint8_t)v;
	assert_int_equal(v, -SIETCH_ENOSPC);
	assert_int_equal(n, VECTOR_DYNAMIC_LAST - VECTOR_DYNAMIC_FIRST + 1);
	struct interrupt irq;
	assert_int_equal(interrupt_msi_alloc(&irq, TEST_APIC, count_call, 0), -SIETCH_ENOSPC);
	for (uint32_t i = 0; i < n; i++)
		vector_free(taken[i]);
	assert_int_equal(vector_free_count(), n);
}

static int fixed_calls;
static void fixed_handler(struct trap_frame *frame)
{
	(void)frame;
	fixed_calls++;
}

static void test_fixed_vector_handler(void **state)
{
	(void)state;
	fixed_calls = 0;
	trap_set_handler(VECTOR_IPI_WAKE, fixed_handler);
	arrive(VECTOR_IPI_WAKE);
	assert_int_equal(fixed_calls, 1);
	trap_set_handler(VECTOR_IPI_WAKE, 0);
	arrive(VECTOR_IPI_WAKE);
	assert_int_equal(fixed_calls, 1);
}

/* Runs last: once remapping is installed, every MSI names its entry (VT-d §5.1.5.2). */
static void test_remapped_msi_names_its_entry(void **state)
{
	(void)state;
	assert_int_equal(interrupt_remap_install(&fake_remapper, fake_enable), 0);
	assert_true(enabled_between && ioapic_committed && interrupt_remapping());
	struct interrupt irq;
	assert_int_equal(interrupt_msi_alloc(&irq, TEST_APIC, count_call, 0), 0);
	assert_true(irq.remapped);
	interrupt_msi_set_requester(&irq, 0x0110);
	struct msi_message m = interrupt_msi_message(&irq);
	assert_int_equal(m.address, vtd_msi_remap_address(irq.handle));
	assert_int_equal(m.data, 0);
	assert_int_equal(fake_irte[irq.handle].vector, irq.vector);
	assert_int_equal(fake_irte[irq.handle].apic_id, TEST_APIC);
	assert_int_equal(fake_irte[irq.handle].sid, 0x0110);
	uint16_t handle = irq.handle;
	interrupt_free(&irq);
	assert_false(fake_irte[handle].used); /* the entry goes with the vector */
	/* without a requester the entry verifies nobody: sid -1 */
	assert_int_equal(interrupt_msi_alloc(&irq, TEST_APIC, count_call, 0), 0);
	(void)interrupt_msi_message(&irq);
	assert_int_equal(fake_irte[irq.handle].sid, -1);
	interrupt_free(&irq);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_msi_delivers_to_its_function, setup),
		cmocka_unit_test_setup(test_masked_msi_is_held_and_replayed, setup),
		cmocka_unit_test_setup(test_gsi_starts_masked_and_masks_on_delivery, setup),
		cmocka_unit_test_setup(test_gsi_without_ioapic_is_rejected, setup),
		cmocka_unit_test_setup(test_freed_vector_reaches_nobody, setup),
		cmocka_unit_test_setup(test_handler_replaced_or_removed, setup),
		cmocka_unit_test_setup(test_allocator_exhausts, setup),
		cmocka_unit_test_setup(test_fixed_vector_handler, setup),
		cmocka_unit_test_setup(test_remapped_msi_names_its_entry, setup),
	};
	return cmocka_run_group_tests_name("interrupt", tests, NULL, NULL);
}
