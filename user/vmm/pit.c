/*
 * The PIT's channel 2 and port 0x61; see pit.h.
 */
#include "user/vmm/pit.h"

#include <string.h>

#define PIT_CHANNEL2 0x42
#define PIT_COMMAND 0x43
#define CMD_CHANNEL(v) ((v) >> 6)          /* 82C54 control word bits 7:6 */
#define CMD_ACCESS(v) (((v) >> 4) & 3)     /* bits 5:4: 0 latch, 1 LSB, 2 MSB, 3 LSB then MSB */
#define ACCESS_LATCH 0
#define ACCESS_LSB 1
#define ACCESS_MSB 2
#define PORT61_GATE2 0x01
#define PORT61_WRITABLE 0x0f  /* bits 3:0 are written; the rest are status */
#define PORT61_REFRESH 0x10   /* toggles every 15 us on a PC; some code waits on it */
#define PORT61_OUT2 0x20
#define NS_PER_S 1000000000ull

void pit_init(struct pit *p)
{
	memset(p, 0, sizeof(*p));
	p->lsb_next = p->read_lsb_next = true;
}

/* PIT ticks since counting started. */
static uint64_t elapsed_ticks(const struct pit *p, uint64_t now_ns)
{
	uint64_t ns = now_ns > p->start_ns ? now_ns - p->start_ns : 0;
	return ns / 1000 * PIT_HZ / 1000000 + (ns % 1000) * PIT_HZ / NS_PER_S;
}

bool pit_out2(const struct pit *p, uint64_t now_ns)
{
	/* mode 0 (82C54 "Mode 0: interrupt on terminal count"): OUT goes high when the count reaches 0 */
	return p->counting && elapsed_ticks(p, now_ns) >= (p->count ? p->count : 0x10000);
}

static uint16_t current_count(const struct pit *p, uint64_t now_ns)
{
	uint64_t count = p->count ? p->count : 0x10000, t = p->counting ? elapsed_ticks(p, now_ns) : 0;
	return t >= count ? 0 : (uint16_t)(count - t);
}

static void count_write(struct pit *p, uint8_t value, uint64_t now_ns)
{
	unsigned access = CMD_ACCESS(p->mode);
	if (access == ACCESS_LSB || (access != ACCESS_MSB && p->lsb_next)) {
		p->count = (uint16_t)((p->count & 0xff00) | value);
	} else {
		p->count = (uint16_t)((p->count & 0x00ff) | value << 8);
	}
	if (access != ACCESS_LSB && access != ACCESS_MSB)
		p->lsb_next = !p->lsb_next;
	/* a new count restarts the countdown when the gate is already up */
	p->counting = p->port61 & PORT61_GATE2;
	p->start_ns = now_ns;
}

void pit_write(struct pit *p, uint16_t port, uint8_t value, uint64_t now_ns)
{
	if (port == PIT_PORT_61) {
		bool rising = (value & PORT61_GATE2) && !(p->port61 & PORT61_GATE2);
		p->port61 = value & PORT61_WRITABLE;
		if (rising) { /* mode 0 counts from the gate's rising edge */
			p->counting = true;
			p->start_ns = now_ns;
		} else if (!(value & PORT61_GATE2)) {
			p->counting = false;
		}
	} else if (port == PIT_COMMAND && CMD_CHANNEL(value) == 2 && CMD_ACCESS(value) != ACCESS_LATCH) {
		p->mode = value;
		p->lsb_next = p->read_lsb_next = true;
		p->counting = false;
	} else if (port == PIT_CHANNEL2) {
		count_write(p, value, now_ns);
	}
}

uint8_t pit_read(struct pit *p, uint16_t port, uint64_t now_ns)
{
	if (port == PIT_PORT_61) {
		uint8_t refresh = (now_ns / 15000) & 1 ? PORT61_REFRESH : 0;
		return (uint8_t)(p->port61 | refresh | (pit_out2(p, now_ns) ? PORT61_OUT2 : 0));
	}
	if (port != PIT_CHANNEL2)
		return 0;
	uint16_t c = current_count(p, now_ns);
	bool low = p->read_lsb_next;
	p->read_lsb_next = !p->read_lsb_next;
	return low ? (uint8_t)c : (uint8_t)(c >> 8);
}
