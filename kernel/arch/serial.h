/* The kernel log's output on COM1 (registers in drivers/console/regs.h). */
#pragma once
#include <stdint.h>

#include <stdbool.h>

/* Where the log goes without a UART: QEMU's -debugcon and Bochs's port-E9 hack listen there. */
#define SERIAL_DEBUG_PORT 0xe9

/* Programs COM1 if a UART answers there; else the log goes to SERIAL_DEBUG_PORT (serial.c). */
void serial_init(void);
/* Whether COM1 has a UART (so the console can read from it). */
bool serial_present(void);
/* Waits at most 10 ms for room; a byte that finds none is dropped and counted. */
void serial_putc(char c);
uint64_t serial_dropped(void); /* bytes serial_putc dropped: no UART, or one that never drained */
