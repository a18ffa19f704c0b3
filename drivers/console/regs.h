/*
 * The console's UART: a National Semiconductor PC16550D (what every PC's COM1
 * is, and what QEMU emulates), at the PC's standard I/O ports. Register
 * offsets and bits from the PC16550D datasheet, "Register Summary" (Table II).
 *
 * The registers are I/O ports, not memory, so there is no layout struct to
 * pin with asserts: each register is an offset from the port base.
 *
 * A leaf header (it includes nothing): the kernel log's early output in
 * kernel/arch/serial.c uses these registers as the driver does.
 */
#pragma once

#define UART_COM1_PORT 0x3f8 /* PC/AT standard base of COM1 */
#define UART_COM1_ISA_IRQ 4  /* PC/AT standard: COM1 raises ISA IRQ 4 */

/* Register offsets from the base port. */
#define UART_DATA 0             /* RBR on read, THR on write */
#define UART_INTERRUPT_ENABLE 1 /* IER */
#define UART_DIVISOR_LOW 0      /* DLL, while LCR.DLAB is set */
#define UART_DIVISOR_HIGH 1     /* DLM, while LCR.DLAB is set */
#define UART_FIFO_CONTROL 2     /* FCR on write */
#define UART_LINE_CONTROL 3     /* LCR */
#define UART_MODEM_CONTROL 4    /* MCR */
#define UART_LINE_STATUS 5      /* LSR */
#define UART_SCRATCH 7          /* SCR: a byte the UART keeps and nothing else uses */

/* IER bit 0: received data available (with the FIFOs on, also the character timeout). */
#define UART_IER_RECEIVED_DATA 0x01

/* FCR: enable the FIFOs (bit 0), clear both (bits 1, 2), interrupt at 14 received bytes (bits 7:6 = 11). */
#define UART_FCR_ENABLE 0x01
#define UART_FCR_CLEAR_RX 0x02
#define UART_FCR_CLEAR_TX 0x04
#define UART_FCR_TRIGGER_14 0xc0

/* LCR: 8 data bits, no parity, 1 stop bit (bits 1:0 = 11, the rest 0); bit 7 selects the divisor latch. */
#define UART_LCR_8N1 0x03
#define UART_LCR_DLAB 0x80

/* MCR: DTR (bit 0), RTS (bit 1), and OUT2 (bit 3), which a PC wires to gate the IRQ line. */
#define UART_MCR_DTR 0x01
#define UART_MCR_RTS 0x02
#define UART_MCR_OUT2 0x08

/* LSR: a received byte waits (bit 0); the transmit holding register is empty (bit 5). */
#define UART_LSR_DATA_READY 0x01
#define UART_LSR_TX_EMPTY 0x20

/* The divisor for 115200 baud: the 1.8432 MHz clock / 16 / 115200 = 1. */
#define UART_DIVISOR_115200 1
