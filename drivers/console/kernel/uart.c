/* The receive side of COM1; kernel/arch/serial.c programmed the line and sends the log. */
#include "drivers/console/kernel/uart.h"
#include "drivers/console/regs.h"
#include "kernel/arch/cpu.h"

bool uart_getc(char *c)
{
	if (!(inb(UART_COM1_PORT + UART_LINE_STATUS) & UART_LSR_DATA_READY))
		return false;
	*c = (char)inb(UART_COM1_PORT + UART_DATA);
	return true;
}

/* PC16550D IER bit 0: with the FIFOs on it also enables the character
 * timeout, so a lone keystroke below the trigger level still interrupts. */
void uart_enable_receive_interrupt(void)
{
	outb(UART_COM1_PORT + UART_INTERRUPT_ENABLE, UART_IER_RECEIVED_DATA);
}
