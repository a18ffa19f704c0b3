/* The kernel log's output on COM1 (registers in drivers/console/regs.h). */
#pragma once
#include <stdint.h>

void serial_init(void);
/* Waits at most 10 ms for room; a byte that finds none is dropped and counted. */
void serial_putc(char c);
uint64_t serial_dropped(void); /* bytes serial_putc dropped: no UART, or one that never drained */
