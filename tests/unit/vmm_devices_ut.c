/* Host tests for the VMM's device models (user/vmm): driven the way Sietch's
 * own kernel drives the real devices (kernel/arch, drivers/console). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "user/vmm/cmos.c"
#include "user/vmm/ioapic.c"
#include "user/vmm/lapic.c"
#include "user/vmm/pci_ports.c"
#include "user/vmm/pic.c"
#include "user/vmm/pit.c"
#include "user/vmm/power.c"
#include "user/vmm/uart.c"

struct lines {
	char text[4][64];
	int n;
};

static void line_out(void *ctx, const char *line, size_t len)
{
	struct lines *l = ctx;
	assert_true(l->n < 4 && len < 64);
	memcpy(l->text[l->n], line, len);
	l->text[l->n++][len] = 0;
}

static void test_uart_lines_and_input(void **state)
{
	(void)state;
	struct uart u;
	struct lines out = { 0 };
	uart_init(&u, line_out, &out);
	/* the kernel's serial_init */
	uart_write(&u, UART_INTERRUPT_ENABLE, 0);
	uart_write(&u, UART_LINE_CONTROL, UART_LCR_DLAB);
	uart_write(&u, UART_DIVISOR_LOW, 1);
	uart_write(&u, UART_LINE_CONTROL, UART_LCR_8N1);
	uart_write(&u, UART_FIFO_CONTROL, UART_FCR_ENABLE | UART_FCR_CLEAR_RX);
	uart_write(&u, UART_MODEM_CONTROL, UART_MCR_DTR | UART_MCR_RTS | UART_MCR_OUT2);
	assert_int_equal(u.dll, 1);
	for (const char *s = "sietch: boot ok\r\nhalf"; *s; s++) {
		assert_true(uart_read(&u, UART_LINE_STATUS) & UART_LSR_TX_EMPTY);
		uart_write(&u, UART_DATA, (uint8_t)*s);
	}
	assert_int_equal(out.n, 1);
	assert_string_equal(out.text[0], "sietch: boot ok");
	uart_flush(&u);
	assert_string_equal(out.text[1], "half");
	/* typed input: no interrupt until the guest enables it */
	assert_int_equal(uart_receive(&u, "ls\r", 3), 3);
	assert_false(uart_irq(&u));
	uart_write(&u, UART_INTERRUPT_ENABLE, UART_IER_RECEIVED_DATA);
	assert_true(uart_irq(&u));
	assert_int_equal(uart_read(&u, 2) & 0x0f, 0x04); /* IIR: received data */
	char got[3];
	for (int i = 0; i < 3; i++) {
		assert_true(uart_read(&u, UART_LINE_STATUS) & UART_LSR_DATA_READY);
		got[i] = (char)uart_read(&u, UART_DATA);
	}
	assert_memory_equal(got, "ls\r", 3);
	assert_false(uart_read(&u, UART_LINE_STATUS) & UART_LSR_DATA_READY);
	assert_false(uart_irq(&u));
}

/* The kernel's timer_pit_wait_10ms, against the model's clock. */
static void test_pit_calibration(void **state)
{
	(void)state;
	struct pit p;
	pit_init(&p);
	uint64_t t = 1000000;
	uint8_t port = (uint8_t)(pit_read(&p, 0x61, t) & ~3);
	pit_write(&p, 0x61, port, t);
	pit_write(&p, 0x43, 0xb0, t);
	pit_write(&p, 0x42, (PIT_HZ / 100) & 0xff, t);
	pit_write(&p, 0x42, (PIT_HZ / 100) >> 8, t);
	assert_false(pit_read(&p, 0x61, t + 20000000) & 0x20); /* gate low: no counting */
	pit_write(&p, 0x61, port | 1, t);
	assert_false(pit_read(&p, 0x61, t + 9900000) & 0x20);
	assert_true(pit_read(&p, 0x61, t + 10000100) & 0x20);
	/* and again: the gate dropped and raised restarts the count */
	pit_write(&p, 0x61, port, t + 20000000);
	pit_write(&p, 0x61, port | 1, t + 20000000);
	assert_false(pit_read(&p, 0x61, t + 25000000) & 0x20);
}

static void test_cmos_time(void **state)
{
	(void)state;
	struct cmos c;
	cmos_init(&c);
	uint64_t when = 1796119805; /* 2026-12-01 10:10:05 UTC */
	uint8_t expect[][2] = { { 0x00, 0x05 }, { 0x02, 0x10 }, { 0x04, 0x10 }, { 0x07, 0x01 },
				{ 0x08, 0x12 }, { 0x09, 0x26 }, { 0x32, 0x20 }, { 0x0a, 0x26 }, { 0x0b, 0x02 } };
	for (size_t i = 0; i < sizeof(expect) / sizeof(expect[0]); i++) {
		cmos_write(&c, CMOS_PORT_INDEX, expect[i][0] | 0x80); /* NMI-off bit as PCs set it */
		assert_int_equal(cmos_read(&c, CMOS_PORT_DATA, when), expect[i][1]);
	}
	cmos_write(&c, CMOS_PORT_INDEX, 0x40);
	cmos_write(&c, CMOS_PORT_DATA, 0x5a);
	assert_int_equal(cmos_read(&c, CMOS_PORT_DATA, when), 0x5a);
}

static void test_pci_pic_power(void **state)
{
	(void)state;
	struct pci_ports pci = { 0 };
	pci_ports_write(&pci, PCI_PORT_ADDRESS, 4, 0x80000000);
	assert_int_equal(pci_ports_read(&pci, PCI_PORT_ADDRESS, 4), 0x80000000);
	assert_int_equal(pci_ports_read(&pci, PCI_PORT_DATA, 4), 0xffffffff);
	assert_int_equal(pci_ports_read(&pci, PCI_PORT_DATA + 2, 2), 0xffff);

	struct pic_pair pic;
	pic_init(&pic);
	const uint8_t seq[][2] = { { 0x20, 0x11 }, { 0xa0, 0x11 }, { 0x21, 0x20 }, { 0xa1, 0x28 }, { 0x21, 4 },
				   { 0xa1, 2 }, { 0x21, 1 }, { 0xa1, 1 }, { 0x21, 0xff }, { 0xa1, 0xfb } };
	for (size_t i = 0; i < sizeof(seq) / sizeof(seq[0]); i++)
		pic_write(&pic, seq[i][0], seq[i][1]);
	assert_int_equal(pic_read(&pic, 0x21), 0xff);
	assert_int_equal(pic_read(&pic, 0xa1), 0xfb);
	assert_int_equal(pic.chip[1].vector_base, 0x28);

	struct power pw;
	power_init(&pw, 0x604, 5);
	assert_true(power_claims(&pw, 0x604) && power_claims(&pw, 0xf4) && !power_claims(&pw, 0x600));
	power_write(&pw, 0x604, 2, 1); /* SCI_EN only */
	assert_false(pw.off);
	power_write(&pw, 0x604, 2, (5 << 10) | (1 << 13));
	assert_true(pw.off);
	assert_int_equal(pw.status, 0);
	power_init(&pw, 0x604, 5);
	power_write(&pw, 0xf4, 1, 0x11); /* the kernel's EXIT_FAIL */
	assert_true(pw.off);
	assert_int_equal(pw.status, 1);
}

static void test_lapic_timer_and_eoi(void **state)
{
	(void)state;
	struct lapic l;
	struct lapic_ipi ipi;
	lapic_init(&l, 1);
	assert_int_equal(lapic_read(&l, 0x20, 0) >> 24, 1);
	lapic_write(&l, 0xf0, 0x1ff, 0, &ipi); /* enable, spurious 0xff */
	/* calibration: masked one-shot from 0xffffffff, read after 10 ms */
	lapic_write(&l, 0x3e0, 3, 0, &ipi);
	lapic_write(&l, 0x320, 1u << 16, 0, &ipi);
	lapic_write(&l, 0x380, 0xffffffff, 0, &ipi);
	uint32_t ticks = 0xffffffff - lapic_read(&l, 0x390, 10000000);
	assert_int_equal(ticks, LAPIC_BUS_HZ / 16 / 100);
	lapic_timer_poll(&l, 20000000);
	assert_int_equal(lapic_pending(&l), -1); /* masked */
	/* periodic at 100 Hz, vector 0x20 */
	lapic_write(&l, 0x320, (1u << 17) | 0x20, 0, &ipi);
	lapic_write(&l, 0x380, ticks, 0, &ipi);
	lapic_timer_poll(&l, 9999999);
	assert_int_equal(lapic_pending(&l), -1);
	lapic_timer_poll(&l, 10000000);
	assert_int_equal(lapic_pending(&l), 0x20);
	lapic_accept(&l, 0x20);
	assert_int_equal(lapic_pending(&l), -1);
	lapic_set_irr(&l, 0x30); /* higher class: nests */
	assert_int_equal(lapic_pending(&l), 0x30);
	lapic_accept(&l, 0x30);
	lapic_timer_poll(&l, 20000000);
	assert_int_equal(lapic_pending(&l), -1); /* 0x20 again, but 0x30 and 0x20 are in service */
	lapic_write(&l, 0xb0, 0, 0, &ipi);
	assert_int_equal(lapic_pending(&l), -1); /* 0x20 still in service */
	lapic_write(&l, 0xb0, 0, 0, &ipi);
	assert_int_equal(lapic_pending(&l), 0x20);
}

static void test_lapic_ipis(void **state)
{
	(void)state;
	struct lapic l;
	struct lapic_ipi ipi;
	lapic_init(&l, 0);
	/* the kernel's lapic_send_init and lapic_send_startup to APIC 1 */
	assert_false(lapic_write(&l, 0x310, 1u << 24, 0, &ipi));
	assert_true(lapic_write(&l, 0x300, (5u << 8) | (1u << 14), 0, &ipi));
	assert_int_equal(ipi.mode, LAPIC_MODE_INIT);
	assert_int_equal(ipi.dest, 1);
	assert_true(ipi.level_assert);
	assert_true(lapic_write(&l, 0x300, (6u << 8) | 0x08, 0, &ipi));
	assert_int_equal(ipi.mode, LAPIC_MODE_STARTUP);
	assert_int_equal(ipi.vector, 0x08);
	assert_int_equal(lapic_read(&l, 0x300, 0) & (1u << 12), 0); /* never busy */
	assert_true(lapic_write(&l, 0x300, (3u << 18) | 0xf0, 0, &ipi));
	assert_int_equal(ipi.shorthand, LAPIC_DEST_OTHERS);
	assert_int_equal(ipi.mode, LAPIC_MODE_FIXED);
	assert_int_equal(ipi.vector, 0xf0);
}

struct delivered {
	uint32_t apic;
	int vector;
	int count;
};

static void deliver(void *ctx, uint32_t apic, uint8_t vector)
{
	struct delivered *d = ctx;
	d->apic = apic;
	d->vector = vector;
	d->count++;
}

static void test_ioapic_routing(void **state)
{
	(void)state;
	struct ioapic io;
	struct delivered d = { 0, -1, 0 };
	ioapic_init(&io, 2, deliver, &d);
	ioapic_write(&io, 0, 1);
	assert_int_equal((ioapic_read(&io, 0x10) >> 16) & 0xff, 23);
	ioapic_set_irq(&io, 4, true); /* masked: nothing */
	ioapic_set_irq(&io, 4, false);
	assert_int_equal(d.count, 0);
	ioapic_write(&io, 0, 0x10 + 2 * 4 + 1);
	ioapic_write(&io, 0x10, 1u << 24);
	ioapic_write(&io, 0, 0x10 + 2 * 4);
	ioapic_write(&io, 0x10, 0x24);
	assert_int_equal(ioapic_read(&io, 0x10), 0x24);
	ioapic_set_irq(&io, 4, true);
	ioapic_set_irq(&io, 4, true); /* still high: no second edge */
	assert_int_equal(d.count, 1);
	assert_int_equal(d.apic, 1);
	assert_int_equal(d.vector, 0x24);
	/* masked while high, then unmasked: delivered */
	ioapic_write(&io, 0x10, 0x24 | (1u << 16));
	ioapic_write(&io, 0x10, 0x24);
	assert_int_equal(d.count, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uart_lines_and_input), cmocka_unit_test(test_pit_calibration),
		cmocka_unit_test(test_cmos_time),            cmocka_unit_test(test_pci_pic_power),
		cmocka_unit_test(test_lapic_timer_and_eoi), cmocka_unit_test(test_lapic_ipis),
		cmocka_unit_test(test_ioapic_routing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
