#pragma once
#include <stdint.h>

void fault_trigger(const char *kind); /* returns only to report an unknown kind */
void wx_trigger(const char *what);
