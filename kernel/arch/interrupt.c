/* Interrupt objects (kernel/arch/interrupt.h): a vector, where it is delivered, and its mask. */
#include "kernel/arch/interrupt.h"
#include "kernel/arch/interrupt_internal.h"
#include "kernel/arch/ioapic.h"
#include "kernel/arch/lapic.h"
#include "kernel/arch/vector.h"
#include "lib/common/string.h"
#include "lib/common/syscall.h"
#include "lib/common/vtd_ir.h"

/* MSI address, SDM vol.3 §11.11.1: 0xFEE in bits 31:20, destination APIC id in 19:12,
 * RH = 0 and DM = 0 (physical destination mode, exactly the one CPU named). */
#define MSI_ADDRESS_BASE 0xfee00000u
#define MSI_ADDRESS_DEST_SHIFT 12
/* MSI data, §11.11.2: vector in 7:0; delivery mode 10:8 = 000 (fixed); trigger mode 15 = 0 (edge). */
#define MSI_DATA_VECTOR_MASK 0xffu

static int interrupt_setup(struct interrupt *irq, enum interrupt_kind kind, uint32_t apic_id, interrupt_fn fn,
			   void *context)
{
	int vector = vector_alloc();
	if (vector < 0)
		return vector;
	memset(irq, 0, sizeof(*irq));
	irq->kind = kind;
	irq->vector = (uint8_t)vector;
	irq->apic_id = apic_id;
	irq->fn = fn;
	irq->context = context;
	return 0;
}

/* Set once, before any MSI is remapped; read without a lock after. */
static const struct interrupt_remapper *remapper;

bool interrupt_remapping(void) { return remapper != 0; }

int interrupt_msi_alloc(struct interrupt *irq, uint32_t apic_id, interrupt_fn fn, void *context)
{
	int err = interrupt_setup(irq, INTERRUPT_MSI, apic_id, fn, context);
	if (err)
		return err;
	if (remapper) {
		int handle = remapper->alloc();
		if (handle < 0) {
			vector_free(irq->vector);
			return handle;
		}
		irq->remapped = true;
		irq->handle = (uint16_t)handle;
	}
	vector_bind(irq->vector, irq);
	return 0;
}

void interrupt_msi_set_requester(struct interrupt *irq, uint16_t requester_id)
{
	irq->requester = requester_id;
	irq->requester_known = true;
}

int interrupt_remap_install(const struct interrupt_remapper *r, void (*enable)(void))
{
	int err = ioapic_remap_prepare(r);
	if (err)
		return err;
	enable();
	ioapic_remap_commit();
	remapper = r;
	return 0;
}

int interrupt_gsi_alloc(struct interrupt *irq, uint32_t gsi, uint32_t flags, uint32_t apic_id, interrupt_fn fn,
			void *context)
{
	if (!ioapic_serves_gsi(gsi))
		return -SIETCH_EINVAL;
	int err = interrupt_setup(irq, INTERRUPT_IOAPIC, apic_id, fn, context);
	if (err)
		return err;
	irq->gsi = gsi;
	irq->flags = flags;
	irq->masked = true;
	vector_bind(irq->vector, irq);
	ioapic_route_gsi(gsi, irq->vector, apic_id, flags, true);
	return 0;
}

int interrupt_isa_alloc(struct interrupt *irq, uint8_t isa_irq, uint32_t apic_id, interrupt_fn fn, void *context)
{
	uint32_t gsi, flags;
	ioapic_isa_to_gsi(isa_irq, &gsi, &flags);
	return interrupt_gsi_alloc(irq, gsi, flags, apic_id, fn, context);
}

struct msi_message interrupt_msi_message(const struct interrupt *irq)
{
	if (irq->remapped) {
		/* The entry is written before the device can use the message that names it. */
		remapper->set(irq->handle, irq->vector, irq->apic_id, false,
			      irq->requester_known ? irq->requester : -1);
		return (struct msi_message){ vtd_msi_remap_address(irq->handle), vtd_msi_remap_data() };
	}
	return (struct msi_message){
		.address = MSI_ADDRESS_BASE | ((uint64_t)(irq->apic_id & 0xff) << MSI_ADDRESS_DEST_SHIFT),
		.data = irq->vector & MSI_DATA_VECTOR_MASK,
	};
}

static void interrupt_set_mask_locked(struct interrupt *irq, bool masked)
{
	irq->masked = masked;
	if (irq->kind == INTERRUPT_IOAPIC)
		ioapic_mask_gsi(irq->gsi, masked);
	else if (irq->device_mask)
		irq->device_mask(irq, masked);
}

void interrupt_set_handler(struct interrupt *irq, interrupt_fn fn, void *context)
{
	vector_lock(irq->vector);
	irq->fn = fn;
	irq->context = context;
	vector_unlock(irq->vector);
}

void interrupt_deliver(struct interrupt *irq)
{
	if (irq->masked) {
		irq->pending = true;
		return;
	}
	if (!irq->fn)
		return;
	if (irq->flags & INTERRUPT_MASK_ON_DELIVERY)
		interrupt_set_mask_locked(irq, true);
	irq->count++;
	irq->fn(irq, irq->context);
}

void interrupt_mask(struct interrupt *irq)
{
	vector_lock(irq->vector);
	interrupt_set_mask_locked(irq, true);
	vector_unlock(irq->vector);
}

void interrupt_unmask(struct interrupt *irq)
{
	vector_lock(irq->vector);
	/* A level-triggered line that is still asserted interrupts again by itself once unmasked. */
	bool replay = irq->pending && !(irq->flags & INTERRUPT_LEVEL);
	irq->pending = false;
	interrupt_set_mask_locked(irq, false);
	vector_unlock(irq->vector);
	if (replay)
		(void)interrupt_raise(irq); /* a failure is reported by lapic_send_ipi; nothing better to do here */
}

void interrupt_free(struct interrupt *irq)
{
	interrupt_mask(irq);
	if (irq->remapped)
		remapper->free(irq->handle); /* before the vector is reused: the device could still name the entry */
	irq->remapped = false;
	vector_free(irq->vector); /* unbinds under the vector's lock: no delivery is left running */
	irq->kind = INTERRUPT_NONE;
}

int interrupt_raise(struct interrupt *irq) { return lapic_send_ipi(irq->apic_id, irq->vector); }
