/*
 * The two ways a guest ends itself: the ACPI PM1a control register (ACPI 6.4
 * §4.8.3.2.1: SLP_TYP for S5 with SLP_EN is soft-off), at the port the FADT
 * names, and QEMU's isa-debug-exit device at port 0xf4, which Sietch's
 * kernel writes its exit code to. Either ends the VM; the code becomes the
 * VMM's exit status in tools/run's terms: 0 pass (and a clean power-off),
 * 1 failure, 2 a kernel exception; other codes pass through.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define DEBUG_EXIT_PORT 0xf4

struct power {
	uint16_t pm1a_cnt_port;
	uint8_t s5_slp_typ;
	uint16_t pm1a_cnt;
	bool off;
	int status; /* valid once off */
};

void power_init(struct power *p, uint16_t pm1a_cnt_port, uint8_t s5_slp_typ);
/* Whether port belongs to this device (PM1a control, 2 bytes, or the debug-exit port). */
bool power_claims(const struct power *p, uint16_t port);
uint32_t power_read(struct power *p, uint16_t port);
void power_write(struct power *p, uint16_t port, unsigned size, uint32_t value);
