/* The I/O APIC (82093AA datasheet) routes legacy device interrupts; the 8259 PICs are silenced. */
#pragma once

#include <stdint.h>

struct acpi_madt_info;
void ioapic_init(const struct acpi_madt_info *madt);
void ioapic_route_irq(uint8_t isa_irq, uint8_t vector, uint32_t apic_id); /* ISA IRQ, through MADT overrides */
/* Lines delivered to from_apic go to to_apic instead (to keep a dedicated CPU free of device interrupts). */
void ioapic_retarget(uint32_t from_apic, uint32_t to_apic);
uint32_t ioapic_lines_to(uint32_t apic_id); /* how many lines name that CPU as their destination */
