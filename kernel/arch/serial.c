/*
 * The kernel log's output: polled writes to COM1, usable from the first line
 * of kernel_main. The console driver (drivers/console/) owns the receive side.
 *
 * Many servers have no COM1 (the BMC's serial-over-LAN may be COM2, or there
 * is none): nothing answers at its ports, reads return 0xff (ISA/LPC master
 * abort), and the scratch register does not keep what is written to it. The
 * kernel then boots all the same and writes the log to port 0xe9 instead,
 * where QEMU's -debugcon and Bochs's port-E9 hack listen (and where nothing
 * listens on a PC, so the bytes are lost harmlessly).
 */
#include "kernel/arch/serial.h"
#include "drivers/console/regs.h"
#include "kernel/arch/cpu.h"
#include "lib/common/mmio.h"
#include <stdbool.h>

#define COM1 UART_COM1_PORT
/*
 * The transmitter empties its 16-byte FIFO in 16 x 87 us at 115200 baud; ten
 * milliseconds without room means no UART is listening (or it is stuck).
 */
#define TX_TIMEOUT_US 10000

#define SCRATCH_PROBE 0x5a /* any value but 0xff, what a port nobody answers reads */

static bool uart_present;

/* Once a wait has timed out, later bytes are dropped at once instead of each waiting again, until it drains. */
static bool tx_stuck;
static volatile uint64_t tx_dropped;

/* PC16550D: the scratch register keeps a byte; and LSR is never all ones on a real UART (bit 7 is 0 with the FIFO clear). */
static bool uart_answers(void)
{
	outb(COM1 + UART_SCRATCH, SCRATCH_PROBE);
	return inb(COM1 + UART_SCRATCH) == SCRATCH_PROBE && inb(COM1 + UART_LINE_STATUS) != 0xff;
}

void serial_init(void)
{
	uart_present = uart_answers();
	if (!uart_present)
		return;
	outb(COM1 + UART_INTERRUPT_ENABLE, 0);
	outb(COM1 + UART_LINE_CONTROL, UART_LCR_DLAB);
	outb(COM1 + UART_DIVISOR_LOW, UART_DIVISOR_115200);
	outb(COM1 + UART_DIVISOR_HIGH, 0);
	outb(COM1 + UART_LINE_CONTROL, UART_LCR_8N1);
	outb(COM1 + UART_FIFO_CONTROL, UART_FCR_ENABLE | UART_FCR_CLEAR_RX | UART_FCR_CLEAR_TX | UART_FCR_TRIGGER_14);
	outb(COM1 + UART_MODEM_CONTROL, UART_MCR_DTR | UART_MCR_RTS | UART_MCR_OUT2);
}

static int tx_ready(void *arg)
{
	(void)arg;
	return (inb(COM1 + UART_LINE_STATUS) & UART_LSR_TX_EMPTY) != 0;
}

bool serial_present(void) { return uart_present; }

void serial_putc(char c)
{
	if (!uart_present) {
		outb(SERIAL_DEBUG_PORT, (uint8_t)c);
		return;
	}
	int err = tx_stuck ? (tx_ready(0) ? 0 : -1) : mmio_poll(tx_ready, 0, TX_TIMEOUT_US);
	tx_stuck = err != 0;
	if (err) {
		tx_dropped++; /* the log itself is what failed: count, do not report through it */
		return;
	}
	outb(COM1 + UART_DATA, (uint8_t)c);
}

uint64_t serial_dropped(void) { return tx_dropped; }
