/*
 * The I/O APIC (82093AA datasheet) routes legacy and PCI INTx interrupts; the
 * 8259 PICs are silenced. Device drivers use kernel/arch/interrupt.h instead.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct acpi_madt_info;
/* Every I/O APIC in the MADT, registers mapped through map_mmio (uncached); all lines masked. */
void ioapic_init(const struct acpi_madt_info *madt, void *(*map_mmio)(uint64_t phys, size_t len));
/* A fixed vector for an ISA IRQ, through the MADT's overrides; unmasked. */
void ioapic_route_irq(uint8_t isa_irq, uint8_t vector, uint32_t apic_id);

bool ioapic_serves_gsi(uint32_t gsi);
/* The GSI an ISA IRQ arrives on, and its INTERRUPT_LEVEL / INTERRUPT_ACTIVE_LOW flags (MADT overrides). */
void ioapic_isa_to_gsi(uint8_t isa_irq, uint32_t *gsi, uint32_t *flags);
/* Program gsi's redirection entry; flags as in kernel/arch/interrupt.h. Panics if no I/O APIC serves gsi. */
void ioapic_route_gsi(uint32_t gsi, uint8_t vector, uint32_t apic_id, uint32_t flags, bool masked);
void ioapic_mask_gsi(uint32_t gsi, bool masked);
bool ioapic_gsi_masked(uint32_t gsi); /* as the redirection entry says now; true for a GSI no I/O APIC serves */
/* Lines delivered to from_apic go to to_apic instead (to keep a dedicated CPU free of device interrupts). */
void ioapic_retarget(uint32_t from_apic, uint32_t to_apic);
uint32_t ioapic_lines_to(uint32_t apic_id); /* how many lines name that CPU as their destination */

struct interrupt_remapper;
/* For interrupt_remap_install: a remapping entry for every routed line (0, or -SIETCH_ENOSPC), then
 * once remapping is on, every redirection entry rewritten in remappable format (VT-d §5.1.5.1). */
int ioapic_remap_prepare(const struct interrupt_remapper *r);
void ioapic_remap_commit(void);
