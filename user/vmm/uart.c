/*
 * The guest's COM1, a PC16550D; see uart.h. Register numbers and bits are
 * the console driver's (drivers/console/regs.h); the few it does not name
 * are defined here with the datasheet's table they come from.
 */
#include "user/vmm/uart.h"

#include <string.h>

#include "drivers/console/regs.h"

#define UART_IIR 2              /* interrupt identification, on read (Table II) */
#define UART_MSR 6              /* modem status */
#define UART_SCR 7              /* scratch */
#define IIR_NONE 0x01           /* Table IV: no interrupt pending */
#define IIR_RX_DATA 0x04        /* Table IV: received data available */
#define IIR_FIFOS_ON 0xc0       /* bits 7:6 set while the FIFOs are enabled */
#define LSR_THR_EMPTY 0x20
#define LSR_TX_IDLE 0x40        /* transmitter empty: nothing in the shift register either */
#define MSR_CTS_DSR_DCD 0xb0    /* a cable with a terminal at the other end */

void uart_init(struct uart *u, void (*line_out)(void *ctx, const char *line, size_t len), void *ctx)
{
	memset(u, 0, sizeof(*u));
	u->line_out = line_out;
	u->ctx = ctx;
}

static bool rx_ready(const struct uart *u) { return u->rx_count > 0; }

bool uart_irq(const struct uart *u)
{
	return (u->mcr & UART_MCR_OUT2) && (u->ier & UART_IER_RECEIVED_DATA) && rx_ready(u);
}

static uint8_t rx_pop(struct uart *u)
{
	if (!rx_ready(u))
		return 0;
	uint8_t c = u->rx[u->rx_head];
	u->rx_head = (u->rx_head + 1) % UART_RX_QUEUE;
	u->rx_count--;
	return c;
}

uint8_t uart_read(struct uart *u, unsigned offset)
{
	bool dlab = u->lcr & UART_LCR_DLAB;
	switch (offset) {
	case UART_DATA: return dlab ? u->dll : rx_pop(u);
	case UART_INTERRUPT_ENABLE: return dlab ? u->dlm : u->ier;
	case UART_IIR: return (uint8_t)((u->fifo_on ? IIR_FIFOS_ON : 0) | (uart_irq(u) ? IIR_RX_DATA : IIR_NONE));
	case UART_LINE_CONTROL: return u->lcr;
	case UART_MODEM_CONTROL: return u->mcr;
	case UART_LINE_STATUS: /* the transmitter is always done: output takes no time here */
		return (uint8_t)(LSR_THR_EMPTY | LSR_TX_IDLE | (rx_ready(u) ? UART_LSR_DATA_READY : 0));
	case UART_MSR: return MSR_CTS_DSR_DCD;
	case UART_SCR: return u->scr;
	default: return 0xff;
	}
}

void uart_flush(struct uart *u)
{
	if (u->line_len)
		u->line_out(u->ctx, u->line, u->line_len);
	u->line_len = 0;
}

/* One transmitted byte: lines end at '\n'; the '\r' before it is the guest's
 * serial convention and is dropped. A line longer than the buffer is split. */
static void transmit(struct uart *u, char c)
{
	if (c == '\r')
		return;
	if (c == '\n') {
		u->line_out(u->ctx, u->line, u->line_len);
		u->line_len = 0;
		return;
	}
	if (u->line_len == UART_LINE_MAX)
		uart_flush(u);
	u->line[u->line_len++] = c;
}

void uart_write(struct uart *u, unsigned offset, uint8_t value)
{
	bool dlab = u->lcr & UART_LCR_DLAB;
	switch (offset) {
	case UART_DATA:
		if (dlab)
			u->dll = value;
		else
			transmit(u, (char)value);
		break;
	case UART_INTERRUPT_ENABLE:
		if (dlab)
			u->dlm = value;
		else
			u->ier = value & 0x0f; /* bits 7:4 are always 0 (Table II) */
		break;
	case UART_FIFO_CONTROL:
		u->fifo_on = value & UART_FCR_ENABLE;
		if (value & UART_FCR_CLEAR_RX)
			u->rx_count = 0;
		break;
	case UART_LINE_CONTROL: u->lcr = value; break;
	case UART_MODEM_CONTROL: u->mcr = value & 0x1f; break;
	case UART_SCR: u->scr = value; break;
	default: break; /* LSR and MSR are read-only */
	}
}

size_t uart_receive(struct uart *u, const char *bytes, size_t len)
{
	size_t n = 0;
	for (; n < len && u->rx_count < UART_RX_QUEUE; n++) {
		u->rx[(u->rx_head + u->rx_count) % UART_RX_QUEUE] = (uint8_t)bytes[n];
		u->rx_count++;
	}
	return n;
}
