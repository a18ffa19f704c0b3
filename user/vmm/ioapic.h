/*
 * The guest's I/O APIC (Intel 82093AA datasheet), at 0xfec00000 through
 * MMIO exits: IOREGSEL at offset 0, IOWIN at 0x10; ID, version and 24
 * redirection entries. An input that rises on an unmasked pin is sent to the
 * local APIC named in the entry (physical destination, fixed delivery).
 * Level-triggered remote IRR and logical destinations are not modelled: the
 * guest's only interrupt source (COM1) is an edge-triggered ISA line.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define IOAPIC_PINS 24
#define IOAPIC_MMIO_SIZE 0x1000

struct ioapic {
	uint32_t id;
	uint32_t regsel;
	uint64_t redirection[IOAPIC_PINS];
	uint32_t levels; /* the input lines as last set */
	void (*deliver)(void *ctx, uint32_t apic_id, uint8_t vector);
	void *ctx;
};

void ioapic_init(struct ioapic *io, uint32_t id, void (*deliver)(void *ctx, uint32_t apic_id, uint8_t vector),
		 void *ctx);
uint32_t ioapic_read(struct ioapic *io, uint32_t offset);
void ioapic_write(struct ioapic *io, uint32_t offset, uint32_t value);
/* The device on pin drives its line to level. */
void ioapic_set_irq(struct ioapic *io, unsigned pin, bool level);
