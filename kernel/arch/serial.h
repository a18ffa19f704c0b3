/* The kernel log's output on COM1 (registers in drivers/console/regs.h). */
#pragma once

void serial_init(void);
void serial_putc(char c);
