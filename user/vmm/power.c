/*
 * Guest power-off; see power.h.
 */
#include "user/vmm/power.h"

#include <string.h>

#define PM1_SLP_TYP_SHIFT 10 /* ACPI 6.4 §4.8.3.2.1 */
#define PM1_SLP_TYP_MASK 7u
#define PM1_SLP_EN (1u << 13)
/* kernel/console.h: the codes Sietch writes to the debug-exit port */
#define GUEST_EXIT_PASS 0x10
#define GUEST_EXIT_FAIL 0x11
#define GUEST_EXIT_EXCEPTION 0x12

void power_init(struct power *p, uint16_t pm1a_cnt_port, uint8_t s5_slp_typ)
{
	memset(p, 0, sizeof(*p));
	p->pm1a_cnt_port = pm1a_cnt_port;
	p->s5_slp_typ = s5_slp_typ;
}

bool power_claims(const struct power *p, uint16_t port)
{
	return port == DEBUG_EXIT_PORT || port == p->pm1a_cnt_port || port == p->pm1a_cnt_port + 1;
}

uint32_t power_read(struct power *p, uint16_t port)
{
	if (port == p->pm1a_cnt_port)
		return p->pm1a_cnt & ~PM1_SLP_EN; /* SLP_EN is write-only and reads 0 */
	return 0;
}

static int exit_status(uint8_t code)
{
	switch (code) {
	case GUEST_EXIT_PASS: return 0;
	case GUEST_EXIT_FAIL: return 1;
	case GUEST_EXIT_EXCEPTION: return 2;
	default: return code;
	}
}

void power_write(struct power *p, uint16_t port, unsigned size, uint32_t value)
{
	if (port == DEBUG_EXIT_PORT) {
		p->off = true;
		p->status = exit_status((uint8_t)value);
		return;
	}
	if (port != p->pm1a_cnt_port || size < 2)
		return; /* a byte write to the high half alone: SLP_EN not set with a type, ignore */
	p->pm1a_cnt = (uint16_t)value;
	if ((value & PM1_SLP_EN) && ((value >> PM1_SLP_TYP_SHIFT) & PM1_SLP_TYP_MASK) == p->s5_slp_typ) {
		p->off = true;
		p->status = 0;
	}
}
