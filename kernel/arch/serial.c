/* COM1, the kernel's log and the console (16550 UART, PC97 standard ports). */
#include "kernel/arch/serial.h"
#include "kernel/arch/cpu.h"
#include "lib/common/mmio.h"

#define COM1 0x3f8
#define UART_DATA 0
#define UART_INTERRUPT_ENABLE 1
#define UART_DIVISOR_LOW 0  /* with DLAB set */
#define UART_DIVISOR_HIGH 1
#define UART_FIFO_CONTROL 2
#define UART_LINE_CONTROL 3
#define UART_MODEM_CONTROL 4
#define UART_LINE_STATUS 5
#define IER_RECEIVED_DATA 0x01
#define LSR_DATA_READY 0x01
#define LSR_TX_EMPTY 0x20
#define LCR_8N1 0x03
#define LCR_DLAB 0x80
/*
 * The transmitter empties its 16-byte FIFO in 16 x 87 us at 115200 baud; ten
 * milliseconds without room means no UART is listening (or it is stuck).
 */
#define TX_TIMEOUT_US 10000

/* Once a wait has timed out, later bytes are dropped at once instead of each waiting again, until it drains. */
static bool tx_stuck;
static volatile uint64_t tx_dropped;

void serial_init(void)
{
	outb(COM1 + UART_INTERRUPT_ENABLE, 0);
	outb(COM1 + UART_LINE_CONTROL, LCR_DLAB);
	outb(COM1 + UART_DIVISOR_LOW, 1); /* 115200 / 1 baud */
	outb(COM1 + UART_DIVISOR_HIGH, 0);
	outb(COM1 + UART_LINE_CONTROL, LCR_8N1);
	outb(COM1 + UART_FIFO_CONTROL, 0xc7); /* enable and clear FIFOs, 14-byte trigger */
	outb(COM1 + UART_MODEM_CONTROL, 0x0b); /* DTR, RTS, OUT2 (OUT2 gates the IRQ line) */
}

static int tx_ready(void *arg)
{
	(void)arg;
	return (inb(COM1 + UART_LINE_STATUS) & LSR_TX_EMPTY) != 0;
}

void serial_putc(char c)
{
	int err = tx_stuck ? (tx_ready(0) ? 0 : -1) : mmio_poll(tx_ready, 0, TX_TIMEOUT_US);
	tx_stuck = err != 0;
	if (err) {
		tx_dropped++; /* the log itself is what failed: count, do not report through it */
		return;
	}
	outb(COM1 + UART_DATA, (uint8_t)c);
}

uint64_t serial_dropped(void) { return tx_dropped; }

bool serial_getc(char *c)
{
	if (!(inb(COM1 + UART_LINE_STATUS) & LSR_DATA_READY))
		return false;
	*c = (char)inb(COM1 + UART_DATA);
	return true;
}

/* IER bit 0, "received data available": with the FIFOs on it also enables the
 * character timeout, so a lone keystroke below the trigger level still interrupts. */
void serial_enable_receive_interrupt(void) { outb(COM1 + UART_INTERRUPT_ENABLE, IER_RECEIVED_DATA); }
