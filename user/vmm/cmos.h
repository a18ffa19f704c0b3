/*
 * The CMOS RTC (Motorola MC146818A datasheet; the PC/AT's index port 0x70,
 * data port 0x71): the time of day in BCD, 24-hour mode, from the VMM's
 * real-time clock, never mid-update (UIP reads 0). Other CMOS bytes read as
 * written (zero at first).
 */
#pragma once

#include <stdint.h>

#define CMOS_PORT_INDEX 0x70
#define CMOS_PORT_DATA 0x71
#define CMOS_SIZE 128

struct cmos {
	uint8_t index;
	uint8_t ram[CMOS_SIZE];
};

void cmos_init(struct cmos *c);
/* unix_seconds: the real time now, in seconds since 1970 (UTC). */
uint8_t cmos_read(struct cmos *c, uint16_t port, uint64_t unix_seconds);
void cmos_write(struct cmos *c, uint16_t port, uint8_t value);
