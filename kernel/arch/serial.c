/*
 * The kernel log's output: polled writes to COM1, usable from the first line
 * of kernel_main. The console driver (drivers/console/) owns the receive side.
 */
#include "kernel/arch/serial.h"
#include "drivers/console/regs.h"
#include "kernel/arch/cpu.h"

#define COM1 UART_COM1_PORT

void serial_init(void)
{
	outb(COM1 + UART_INTERRUPT_ENABLE, 0);
	outb(COM1 + UART_LINE_CONTROL, UART_LCR_DLAB);
	outb(COM1 + UART_DIVISOR_LOW, UART_DIVISOR_115200);
	outb(COM1 + UART_DIVISOR_HIGH, 0);
	outb(COM1 + UART_LINE_CONTROL, UART_LCR_8N1);
	outb(COM1 + UART_FIFO_CONTROL, UART_FCR_ENABLE | UART_FCR_CLEAR_RX | UART_FCR_CLEAR_TX | UART_FCR_TRIGGER_14);
	outb(COM1 + UART_MODEM_CONTROL, UART_MCR_DTR | UART_MCR_RTS | UART_MCR_OUT2);
}

void serial_putc(char c)
{
	for (int spins = 0; spins < 100000 && !(inb(COM1 + UART_LINE_STATUS) & UART_LSR_TX_EMPTY); spins++)
		cpu_relax();
	outb(COM1 + UART_DATA, (uint8_t)c);
}
