#pragma once
#include <stdbool.h>

void serial_init(void);
void serial_putc(char c);
bool serial_getc(char *c); /* false when no byte is waiting */
void serial_enable_receive_interrupt(void); /* IRQ 4 on each received byte */
