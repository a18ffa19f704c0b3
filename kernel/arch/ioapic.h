/* The I/O APIC (82093AA datasheet) routes legacy device interrupts; the 8259 PICs are silenced. */
#pragma once

#include <stdint.h>

struct acpi_madt_info;
void ioapic_init(const struct acpi_madt_info *madt);
void ioapic_route_irq(uint8_t isa_irq, uint8_t vector, uint32_t apic_id); /* ISA IRQ, through MADT overrides */
