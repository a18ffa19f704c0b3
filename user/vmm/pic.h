/*
 * The 8259A pair (Intel 8259A datasheet): the guest programs them (ICW1-4)
 * and masks every line, as an OS with I/O APICs does, since the MADT says
 * PCAT_COMPAT. They never raise an interrupt here; the mask reads back.
 */
#pragma once

#include <stdint.h>

#define PIC_MASTER_PORT 0x20
#define PIC_SLAVE_PORT 0xa0

struct pic_chip {
	uint8_t imr;
	uint8_t icw_step; /* 0: operational; 2-4: the next data write is ICW2-4 */
	uint8_t icw4_wanted;
	uint8_t icw_step_single;
	uint8_t vector_base;
};

struct pic_pair {
	struct pic_chip chip[2];
};

void pic_init(struct pic_pair *p);
/* port is one of 0x20, 0x21, 0xa0, 0xa1. */
uint8_t pic_read(struct pic_pair *p, uint16_t port);
void pic_write(struct pic_pair *p, uint16_t port, uint8_t value);
