#include "kernel/arch/ioapic.h"
#include "kernel/arch/cpu.h"
#include "kernel/arch/interrupt.h"
#include "kernel/arch/spinlock.h"
#include "kernel/console.h"
#include "lib/common/acpi.h"
#include "lib/common/mmio.h"
#include "lib/common/syscall.h"
#include "lib/common/vtd_ir.h"

/* 82093AA datasheet §3.1: an index register and a data window; §3.2: registers behind them. */
#define IOREGSEL 0x00
#define IOWIN 0x10
#define IOAPIC_REGISTERS_SIZE 4096 /* one page of address space, though only the two registers above decode */
#define IOAPIC_VERSION 0x01
#define IOAPIC_REDIRECTION(n) (0x10 + 2 * (n))
#define VERSION_MAX_REDIRECTION(v) (((v) >> 16) & 0xff)
/* Redirection entry, §3.2.4 */
#define REDIRECTION_MASKED (1u << 16)
#define REDIRECTION_LEVEL (1u << 15)
#define REDIRECTION_ACTIVE_LOW (1u << 13)
#define REDIRECTION_DEST_SHIFT 24 /* high word: destination APIC ID in bits 56-63 (82093AA datasheet §3.2.4) */
/* MPS INTI flags in a MADT interrupt source override (ACPI 6.4 table 5.50) */
#define MPS_POLARITY_MASK 0x3
#define MPS_POLARITY_LOW 0x3
#define MPS_TRIGGER_MASK 0xc
#define MPS_TRIGGER_LEVEL 0xc

#define PIC1_COMMAND 0x20
#define PIC1_DATA 0x21
#define PIC2_COMMAND 0xa0
#define PIC2_DATA 0xa1

#define IOAPIC_MAX_PINS 256 /* VERSION_MAX_REDIRECTION is 8 bits */

/* What a pin was routed to: with interrupts remapped the redirection entry holds only a handle. */
struct ioapic_pin {
	bool routed;
	uint8_t vector;
	uint32_t apic_id, flags;
	int32_t handle; /* its remapping table entry, -1 before remapping */
};

struct ioapic {
	volatile void *registers;
	uint32_t id, gsi_base, pins;
	int32_t source; /* requester ID its interrupts carry (DMAR scope), -1 unknown */
	struct ioapic_pin pin[IOAPIC_MAX_PINS];
};

static struct ioapic ioapics[ACPI_MAX_IOAPICS];
static uint32_t ioapic_count;
static struct acpi_madt_info madt_copy;
/* IOREGSEL then IOWIN is two accesses: a second CPU in between would redirect the first's. */
static struct spinlock ioapic_lock = SPINLOCK_INIT("ioapic");

static uint32_t ioapic_read(struct ioapic *io, uint32_t reg)
{
	mmio_write32(mmio_at(io->registers, IOREGSEL), reg);
	return mmio_read32(mmio_at(io->registers, IOWIN));
}
static void ioapic_write(struct ioapic *io, uint32_t reg, uint32_t value)
{
	mmio_write32(mmio_at(io->registers, IOREGSEL), reg);
	mmio_write32(mmio_at(io->registers, IOWIN), value);
}

/* Remap the 8259s away from the exception vectors, then mask every line (they stay unused). */
static void pic_disable(void)
{
	outb(PIC1_COMMAND, 0x11); /* ICW1: edge, cascade, ICW4 follows */
	outb(PIC2_COMMAND, 0x11);
	outb(PIC1_DATA, 0x20);    /* ICW2: vector bases */
	outb(PIC2_DATA, 0x28);
	outb(PIC1_DATA, 0x04);    /* ICW3: slave on IRQ2 */
	outb(PIC2_DATA, 0x02);
	outb(PIC1_DATA, 0x01);    /* ICW4: 8086 mode */
	outb(PIC2_DATA, 0x01);
	outb(PIC1_DATA, 0xff);
	outb(PIC2_DATA, 0xff);
}

void ioapic_init(const struct acpi_madt_info *madt, void *(*map_mmio)(uint64_t phys, size_t len))
{
	pic_disable();
	madt_copy = *madt;
	for (uint32_t i = 0; i < madt->ioapic_count && i < ACPI_MAX_IOAPICS; i++) {
		struct ioapic *io = &ioapics[ioapic_count++];
		io->registers = map_mmio(madt->ioapic[i].phys, IOAPIC_REGISTERS_SIZE);
		io->id = madt->ioapic[i].id;
		io->gsi_base = madt->ioapic[i].gsi_base;
		io->pins = VERSION_MAX_REDIRECTION(ioapic_read(io, IOAPIC_VERSION)) + 1;
		for (uint32_t pin = 0; pin < io->pins; pin++) {
			ioapic_write(io, IOAPIC_REDIRECTION(pin), REDIRECTION_MASKED);
			io->pin[pin].handle = -1;
		}
	}
}

static struct ioapic *ioapic_for_gsi(uint32_t gsi)
{
	for (uint32_t i = 0; i < ioapic_count; i++)
		if (gsi >= ioapics[i].gsi_base && gsi < ioapics[i].gsi_base + ioapics[i].pins)
			return &ioapics[i];
	return 0;
}

bool ioapic_serves_gsi(uint32_t gsi) { return ioapic_for_gsi(gsi) != 0; }

void ioapic_isa_to_gsi(uint8_t isa_irq, uint32_t *gsi, uint32_t *flags)
{
	*gsi = isa_irq;
	*flags = 0; /* ISA default: edge, active high */
	for (uint32_t i = 0; i < madt_copy.override_count; i++) {
		if (madt_copy.override[i].irq != isa_irq)
			continue;
		*gsi = madt_copy.override[i].gsi;
		if ((madt_copy.override[i].flags & MPS_POLARITY_MASK) == MPS_POLARITY_LOW)
			*flags |= INTERRUPT_ACTIVE_LOW;
		if ((madt_copy.override[i].flags & MPS_TRIGGER_MASK) == MPS_TRIGGER_LEVEL)
			*flags |= INTERRUPT_LEVEL;
	}
}

/* Set when every line moved to remappable format (interrupt_remap_install). */
static const struct interrupt_remapper *remapper;

/* The redirection entry of a pin as recorded, compatibility or remappable format; under ioapic_lock. */
static void ioapic_write_pin(struct ioapic *io, uint32_t pin, bool masked)
{
	const struct ioapic_pin *p = &io->pin[pin];
	uint64_t entry;
	if (remapper) {
		entry = vtd_ioapic_rte_remap((uint16_t)p->handle, p->vector, p->flags & INTERRUPT_LEVEL,
					     p->flags & INTERRUPT_ACTIVE_LOW, masked);
	} else {
		entry = (uint64_t)p->apic_id << (32 + REDIRECTION_DEST_SHIFT) | p->vector;
		entry |= p->flags & INTERRUPT_ACTIVE_LOW ? REDIRECTION_ACTIVE_LOW : 0;
		entry |= p->flags & INTERRUPT_LEVEL ? REDIRECTION_LEVEL : 0;
		entry |= masked ? REDIRECTION_MASKED : 0;
	}
	/* 82093AA §3.2.4: the high word first, so the entry is whole when the low word unmasks it. */
	ioapic_write(io, IOAPIC_REDIRECTION(pin) + 1, (uint32_t)(entry >> 32));
	ioapic_write(io, IOAPIC_REDIRECTION(pin), (uint32_t)entry);
}

/* Points pin's remapping entry at its vector and CPU; only the I/O APIC may use it. */
static void ioapic_remap_pin(const struct interrupt_remapper *r, struct ioapic *io, uint32_t pin)
{
	const struct ioapic_pin *p = &io->pin[pin];
	r->set((uint16_t)p->handle, p->vector, p->apic_id, p->flags & INTERRUPT_LEVEL, io->source);
}

void ioapic_route_gsi(uint32_t gsi, uint8_t vector, uint32_t apic_id, uint32_t flags, bool masked)
{
	struct ioapic *io = ioapic_for_gsi(gsi);
	if (!io)
		panic("ioapic: no I/O APIC serves GSI %u", gsi);
	uint32_t pin = gsi - io->gsi_base;
	spin_lock(&ioapic_lock);
	struct ioapic_pin *p = &io->pin[pin];
	p->routed = true;
	p->vector = vector;
	p->apic_id = apic_id;
	p->flags = flags;
	if (remapper && p->handle < 0)
		p->handle = remapper->alloc();
	if (remapper && p->handle < 0)
		panic("ioapic: no interrupt remapping entry left for GSI %u", gsi); /* more handles than vectors */
	if (remapper)
		ioapic_remap_pin(remapper, io, pin);
	ioapic_write_pin(io, pin, masked);
	spin_unlock(&ioapic_lock);
}

int ioapic_remap_prepare(const struct interrupt_remapper *r)
{
	spin_lock(&ioapic_lock);
	int err = 0;
	for (uint32_t i = 0; i < ioapic_count; i++) {
		struct ioapic *io = &ioapics[i];
		io->source = r->ioapic_source(io->id);
		for (uint32_t pin = 0; pin < io->pins && !err; pin++) {
			if (!io->pin[pin].routed)
				continue;
			io->pin[pin].handle = r->alloc();
			if (io->pin[pin].handle < 0)
				err = io->pin[pin].handle;
			else
				ioapic_remap_pin(r, io, pin);
		}
	}
	if (!err)
		remapper = r;
	spin_unlock(&ioapic_lock);
	return err;
}

void ioapic_remap_commit(void)
{
	spin_lock(&ioapic_lock);
	for (uint32_t i = 0; i < ioapic_count; i++)
		for (uint32_t pin = 0; pin < ioapics[i].pins; pin++)
			if (ioapics[i].pin[pin].routed) {
				uint32_t low = ioapic_read(&ioapics[i], IOAPIC_REDIRECTION(pin));
				ioapic_write_pin(&ioapics[i], pin, low & REDIRECTION_MASKED);
			}
	spin_unlock(&ioapic_lock);
}

void ioapic_mask_gsi(uint32_t gsi, bool masked)
{
	struct ioapic *io = ioapic_for_gsi(gsi);
	if (!io)
		panic("ioapic: no I/O APIC serves GSI %u", gsi);
	uint32_t reg = IOAPIC_REDIRECTION(gsi - io->gsi_base);
	spin_lock(&ioapic_lock);
	uint32_t low = ioapic_read(io, reg);
	ioapic_write(io, reg, masked ? low | REDIRECTION_MASKED : low & ~REDIRECTION_MASKED);
	spin_unlock(&ioapic_lock);
}

bool ioapic_gsi_masked(uint32_t gsi)
{
	struct ioapic *io = ioapic_for_gsi(gsi);
	if (!io)
		return true;
	spin_lock(&ioapic_lock);
	uint32_t low = ioapic_read(io, IOAPIC_REDIRECTION(gsi - io->gsi_base));
	spin_unlock(&ioapic_lock);
	return (low & REDIRECTION_MASKED) != 0;
}

void ioapic_route_irq(uint8_t isa_irq, uint8_t vector, uint32_t apic_id)
{
	uint32_t gsi, flags;
	ioapic_isa_to_gsi(isa_irq, &gsi, &flags);
	ioapic_route_gsi(gsi, vector, apic_id, flags, false);
}

/* The lines (masked or not) delivered to apic_id; when move_to is given, they go there instead. */
static uint32_t lines_to(uint32_t apic_id, const uint32_t *move_to)
{
	/* ioapic_lock: IOREGSEL then IOWIN is two steps */
	uint32_t found = 0;
	spin_lock(&ioapic_lock);
	for (uint32_t i = 0; i < ioapic_count; i++) {
		struct ioapic *io = &ioapics[i];
		for (uint32_t pin = 0; pin < io->pins; pin++) {
			struct ioapic_pin *p = &io->pin[pin];
			if (!p->routed || p->apic_id != apic_id)
				continue;
			found++;
			if (!move_to)
				continue;
			p->apic_id = *move_to;
			if (remapper)
				ioapic_remap_pin(remapper, io, pin); /* the destination lives in the remapping entry */
			else
				ioapic_write(io, IOAPIC_REDIRECTION(pin) + 1, *move_to << REDIRECTION_DEST_SHIFT);
		}
	}
	spin_unlock(&ioapic_lock);
	return found;
}

void ioapic_retarget(uint32_t from_apic, uint32_t to_apic) { lines_to(from_apic, &to_apic); }
uint32_t ioapic_lines_to(uint32_t apic_id) { return lines_to(apic_id, 0); }
