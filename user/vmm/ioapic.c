/*
 * The guest's I/O APIC; see ioapic.h. Registers from the 82093AA datasheet
 * §3.1 (IOREGSEL, IOWIN) and §3.2 (ID, version, redirection table).
 */
#include "user/vmm/ioapic.h"

#include <string.h>

#define IOREGSEL 0x00
#define IOWIN 0x10
#define IOAPIC_REG_ID 0x00
#define IOAPIC_REG_VERSION 0x01
#define IOAPIC_REG_ARBITRATION 0x02
#define IOAPIC_REG_REDIRECTION 0x10
#define IOAPIC_VERSION_VALUE (0x11u | (IOAPIC_PINS - 1) << 16) /* §3.2.2: version 0x11, max redirection entry */
#define ENTRY_MASKED (1ull << 16)
#define ENTRY_WRITABLE 0xff0000000001afffull /* §3.2.4: delivery status (12) and remote IRR (14) are read-only */

void ioapic_init(struct ioapic *io, uint32_t id, void (*deliver)(void *ctx, uint32_t apic_id, uint8_t vector),
		 void *ctx)
{
	memset(io, 0, sizeof(*io));
	io->id = id;
	io->deliver = deliver;
	io->ctx = ctx;
	for (int i = 0; i < IOAPIC_PINS; i++)
		io->redirection[i] = ENTRY_MASKED;
}

static void fire(struct ioapic *io, unsigned pin)
{
	uint64_t e = io->redirection[pin];
	if (!(e & ENTRY_MASKED))
		io->deliver(io->ctx, (uint32_t)(e >> 56), (uint8_t)e);
}

static uint32_t register_read(struct ioapic *io, uint32_t reg)
{
	if (reg >= IOAPIC_REG_REDIRECTION && reg < IOAPIC_REG_REDIRECTION + 2 * IOAPIC_PINS) {
		uint64_t e = io->redirection[(reg - IOAPIC_REG_REDIRECTION) / 2];
		return (reg & 1) ? (uint32_t)(e >> 32) : (uint32_t)e;
	}
	switch (reg) {
	case IOAPIC_REG_ID: return io->id << 24;
	case IOAPIC_REG_VERSION: return IOAPIC_VERSION_VALUE;
	case IOAPIC_REG_ARBITRATION: return io->id << 24;
	default: return 0;
	}
}

static void register_write(struct ioapic *io, uint32_t reg, uint32_t value)
{
	if (reg == IOAPIC_REG_ID) {
		io->id = (value >> 24) & 0xf;
		return;
	}
	if (reg < IOAPIC_REG_REDIRECTION || reg >= IOAPIC_REG_REDIRECTION + 2 * IOAPIC_PINS)
		return;
	unsigned pin = (reg - IOAPIC_REG_REDIRECTION) / 2;
	uint64_t e = io->redirection[pin];
	bool was_masked = e & ENTRY_MASKED;
	if (reg & 1)
		e = (e & 0xffffffffull) | (uint64_t)value << 32;
	else
		e = (e & ~0xffffffffull) | value;
	io->redirection[pin] = (io->redirection[pin] & ~ENTRY_WRITABLE) | (e & ENTRY_WRITABLE);
	/* a line already high when its pin is unmasked is delivered, or it would be lost */
	if (was_masked && !(io->redirection[pin] & ENTRY_MASKED) && (io->levels & (1u << pin)))
		fire(io, pin);
}

uint32_t ioapic_read(struct ioapic *io, uint32_t offset)
{
	if (offset == IOREGSEL)
		return io->regsel;
	if (offset == IOWIN)
		return register_read(io, io->regsel);
	return 0;
}

void ioapic_write(struct ioapic *io, uint32_t offset, uint32_t value)
{
	if (offset == IOREGSEL)
		io->regsel = value & 0xff;
	else if (offset == IOWIN)
		register_write(io, io->regsel, value);
}

void ioapic_set_irq(struct ioapic *io, unsigned pin, bool level)
{
	if (pin >= IOAPIC_PINS)
		return;
	bool was = io->levels & (1u << pin);
	if (level)
		io->levels |= 1u << pin;
	else
		io->levels &= ~(1u << pin);
	if (level && !was)
		fire(io, pin);
}
