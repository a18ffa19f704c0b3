#pragma once
#include <stdbool.h>

void serial_init(void);
void serial_putc(char c);
bool serial_getc(char *c); /* false when no byte is waiting */
