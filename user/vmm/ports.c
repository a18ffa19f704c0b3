/*
 * Which device a guest's port or MMIO access reaches: the PC's fixed ports
 * (COM1, the PICs, PIT, port 0x61, CMOS, PCI configuration, power) and the
 * two APIC pages. Anything else reads as all-ones and ignores writes, as an
 * empty ISA bus does.
 */
#include "user/vmm/vmm.h"

#include "lib/os/os.h"
#include "user/vmm/guest_boot.h"

#define COM1_BASE 0x3f8
#define PORT_DELAY 0x80 /* POST-code port, written for short delays */

static uint32_t ones(unsigned size) { return size >= 4 ? 0xffffffffu : (1u << (size * 8)) - 1; }

void vm_uart_irq_update(struct vm *vm) { ioapic_set_irq(&vm->ioapic, VMM_COM1_PIN, uart_irq(&vm->uart)); }

uint32_t vm_port_in(struct vm *vm, struct vcpu *v, uint16_t port, unsigned size)
{
	(void)v;
	uint64_t now = vmm_now_ns();
	if (port >= COM1_BASE && port < COM1_BASE + UART_PORTS) {
		uint8_t value = uart_read(&vm->uart, port - COM1_BASE);
		vm_uart_irq_update(vm);
		return value;
	}
	if ((port & ~1u) == PIC_MASTER_PORT || (port & ~1u) == PIC_SLAVE_PORT)
		return pic_read(&vm->pic, port);
	if ((port >= PIT_PORT_FIRST && port <= PIT_PORT_LAST) || port == PIT_PORT_61)
		return pit_read(&vm->pit, port, now);
	if (port == CMOS_PORT_INDEX || port == CMOS_PORT_DATA)
		return cmos_read(&vm->cmos, port, (uint64_t)os_clock_ns(SIETCH_CLOCK_REALTIME) / 1000000000ull);
	if (port >= PCI_PORT_ADDRESS && port < PCI_PORT_DATA + 4)
		return pci_ports_read(&vm->pci, port, size);
	if (power_claims(&vm->power, port))
		return power_read(&vm->power, port);
	return ones(size);
}

void vm_port_out(struct vm *vm, struct vcpu *v, uint16_t port, unsigned size, uint32_t value)
{
	(void)v;
	uint64_t now = vmm_now_ns();
	if (port >= COM1_BASE && port < COM1_BASE + UART_PORTS) {
		uart_write(&vm->uart, port - COM1_BASE, (uint8_t)value);
		vm_uart_irq_update(vm);
	} else if ((port & ~1u) == PIC_MASTER_PORT || (port & ~1u) == PIC_SLAVE_PORT) {
		pic_write(&vm->pic, port, (uint8_t)value);
	} else if ((port >= PIT_PORT_FIRST && port <= PIT_PORT_LAST) || port == PIT_PORT_61) {
		pit_write(&vm->pit, port, (uint8_t)value, now);
	} else if (port == CMOS_PORT_INDEX || port == CMOS_PORT_DATA) {
		cmos_write(&vm->cmos, port, (uint8_t)value);
	} else if (port >= PCI_PORT_ADDRESS && port < PCI_PORT_DATA + 4) {
		pci_ports_write(&vm->pci, port, size, value);
	} else if (power_claims(&vm->power, port)) {
		power_write(&vm->power, port, size, value);
	}
	/* PORT_DELAY and the rest: nothing listens */
}

/* Delivers an IPI the local APIC of v sent (SDM vol.3 §11.6). */
static void ipi_send(struct vm *vm, struct vcpu *from, const struct lapic_ipi *ipi)
{
	for (unsigned i = 0; i < vm->cpus; i++) {
		struct vcpu *to = &vm->vcpu[i];
		bool hit = ipi->shorthand == LAPIC_DEST_ALL || (ipi->shorthand == LAPIC_DEST_SELF && to == from) ||
			   (ipi->shorthand == LAPIC_DEST_OTHERS && to != from) ||
			   (ipi->shorthand == LAPIC_DEST_NONE && to->lapic.id == ipi->dest);
		if (!hit)
			continue;
		if (ipi->mode == LAPIC_MODE_FIXED) {
			lapic_set_irr(&to->lapic, ipi->vector);
			vcpu_kick(to);
		} else if (ipi->mode == LAPIC_MODE_INIT && ipi->level_assert && to != from) {
			to->state = VCPU_WAIT_SIPI;
			to->sipi_vector = -1;
		} else if (ipi->mode == LAPIC_MODE_STARTUP && to->state == VCPU_WAIT_SIPI && to->sipi_vector < 0) {
			to->sipi_vector = ipi->vector;
			os_notify_signal(to->wake, 1);
		}
	}
}

bool vm_mmio(struct vm *vm, struct vcpu *v, uint64_t gpa, bool write, unsigned size, uint64_t *value)
{
	uint64_t now = vmm_now_ns();
	if (gpa >= GUEST_LAPIC_BASE && gpa < GUEST_LAPIC_BASE + LAPIC_MMIO_SIZE) {
		uint32_t offset = (uint32_t)(gpa - GUEST_LAPIC_BASE) & ~0xfu; /* 32-bit registers on 16-byte lines */
		if (!write) {
			*value = lapic_read(&v->lapic, offset, now) & ones(size);
			return true;
		}
		struct lapic_ipi ipi;
		if (lapic_write(&v->lapic, offset, (uint32_t)*value, now, &ipi))
			ipi_send(vm, v, &ipi);
		vcpu_kick(v); /* an EOI or a TPR change may let the next interrupt in */
		return true;
	}
	if (gpa >= GUEST_IOAPIC_BASE && gpa < GUEST_IOAPIC_BASE + IOAPIC_MMIO_SIZE) {
		uint32_t offset = (uint32_t)(gpa - GUEST_IOAPIC_BASE);
		if (write)
			ioapic_write(&vm->ioapic, offset, (uint32_t)*value);
		else
			*value = ioapic_read(&vm->ioapic, offset) & ones(size);
		return true;
	}
	return false;
}
