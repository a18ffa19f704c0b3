/*
 * The 8254 PIT's channel 2 and port 0x61 (Intel 82C54 datasheet; the PC/AT
 * wiring: port 0x61 bit 0 gates channel 2, bit 5 reads its output). A guest
 * calibrates its clocks against it: mode 0, a count, the gate raised, then
 * polling OUT2 until it goes high. The count runs on the VMM's clock at the
 * PIT's 1.193182 MHz. Channels 0 and 1 are accepted and do nothing.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define PIT_HZ 1193182
#define PIT_PORT_FIRST 0x40
#define PIT_PORT_LAST 0x43
#define PIT_PORT_61 0x61

struct pit {
	uint8_t port61;  /* bits 0 (gate 2) and 1 (speaker) as written */
	uint8_t mode;    /* channel 2's control word */
	uint16_t count;
	bool lsb_next;   /* lo/hi access: the next count byte is the low one */
	bool read_lsb_next;
	uint64_t start_ns; /* when the gate rose with the count loaded */
	bool counting;
};

void pit_init(struct pit *p);
uint8_t pit_read(struct pit *p, uint16_t port, uint64_t now_ns);
void pit_write(struct pit *p, uint16_t port, uint8_t value, uint64_t now_ns);
/* Channel 2's output: in mode 0, high once the count has run out. */
bool pit_out2(const struct pit *p, uint64_t now_ns);
