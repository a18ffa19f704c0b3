#pragma once
#include <stdbool.h>
#include <stdint.h>

void serial_init(void);
/* Waits at most 10 ms for room; a byte that finds none is dropped and counted. */
void serial_putc(char c);
uint64_t serial_dropped(void); /* bytes serial_putc dropped: no UART, or one that never drained */
bool serial_getc(char *c); /* false when no byte is waiting */
void serial_enable_receive_interrupt(void); /* IRQ 4 on each received byte */
