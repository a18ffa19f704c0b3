/*
 * The 8259A pair, masked; see pic.h.
 */
#include "user/vmm/pic.h"

#include <string.h>

#define ICW1 0x10        /* a command-port write with bit 4 set starts initialization */
#define ICW1_ICW4 0x01   /* ICW4 follows */
#define ICW1_SINGLE 0x02 /* no ICW3 */

void pic_init(struct pic_pair *p)
{
	memset(p, 0, sizeof(*p));
	p->chip[0].imr = p->chip[1].imr = 0xff;
}

static struct pic_chip *chip_of(struct pic_pair *p, uint16_t port)
{
	return &p->chip[(port & 0xfe) == PIC_SLAVE_PORT];
}

uint8_t pic_read(struct pic_pair *p, uint16_t port)
{
	struct pic_chip *c = chip_of(p, port);
	return (port & 1) ? c->imr : 0; /* IRR/ISR: nothing is ever requested or in service */
}

static void data_write(struct pic_chip *c, uint8_t value)
{
	switch (c->icw_step) {
	case 2:
		c->vector_base = value & 0xf8;
		c->icw_step = c->icw_step_single ? (c->icw4_wanted ? 4 : 0) : 3;
		break;
	case 3:
		c->icw_step = c->icw4_wanted ? 4 : 0;
		break;
	case 4:
		c->icw_step = 0;
		break;
	default:
		c->imr = value; /* OCW1 */
		break;
	}
}

void pic_write(struct pic_pair *p, uint16_t port, uint8_t value)
{
	struct pic_chip *c = chip_of(p, port);
	if (port & 1) {
		data_write(c, value);
	} else if (value & ICW1) {
		c->icw_step = 2;
		c->icw4_wanted = value & ICW1_ICW4;
		c->icw_step_single = value & ICW1_SINGLE;
		c->imr = 0; /* initialization clears the mask (datasheet, "Initialization Command Words") */
	}
	/* OCW2/OCW3 (EOI, read IRR/ISR): nothing to do with no interrupts */
}
