/*
 * The guest's COM1: a PC16550D UART at ports 0x3f8-0x3ff (registers and bits
 * in drivers/console/regs.h, from the datasheet's Table II). What the guest
 * transmits is gathered into lines and handed to a callback (the VMM prints
 * them on Sietch's console with a `[vmN] ` prefix); what the user types is
 * queued in the receive FIFO and raises the interrupt line the guest enabled.
 * Baud rate, parity and modem lines are kept but mean nothing here.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UART_PORTS 8
#define UART_RX_QUEUE 256 /* more than the chip's 16: typed lines arrive whole */
#define UART_LINE_MAX 512

struct uart {
	uint8_t ier, lcr, mcr, scr, dll, dlm;
	bool fifo_on;
	uint8_t rx[UART_RX_QUEUE];
	unsigned rx_head, rx_count;
	char line[UART_LINE_MAX];
	size_t line_len;
	void (*line_out)(void *ctx, const char *line, size_t len); /* a whole line, without its newline */
	void *ctx;
};

void uart_init(struct uart *u, void (*line_out)(void *ctx, const char *line, size_t len), void *ctx);
/* A guest IN from base + offset (offset below UART_PORTS). */
uint8_t uart_read(struct uart *u, unsigned offset);
void uart_write(struct uart *u, unsigned offset, uint8_t value);
/* Queues typed bytes for the guest; how many fit. */
size_t uart_receive(struct uart *u, const char *bytes, size_t len);
/* Whether the interrupt output is asserted (and OUT2 lets it reach the IRQ line, as a PC wires it). */
bool uart_irq(const struct uart *u);
/* Hands out a partial line (at the end, so nothing the guest wrote is lost). */
void uart_flush(struct uart *u);
