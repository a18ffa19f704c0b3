/* The receive side of the console's 16550 UART (drivers/console/regs.h). */
#pragma once
#include <stdbool.h>

bool uart_getc(char *c);                  /* false when no byte is waiting */
void uart_enable_receive_interrupt(void); /* ISA IRQ 4 on received bytes */
