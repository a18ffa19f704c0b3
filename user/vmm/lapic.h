/*
 * A guest vCPU's local APIC (Intel SDM vol.3 ch.11, "Advanced Programmable
 * Interrupt Controller"), reached through MMIO exits at 0xfee00000: ID,
 * TPR, EOI, the spurious-vector register, the interrupt request and
 * in-service bits, the interrupt command register (fixed IPIs, INIT,
 * STARTUP) and the timer (one-shot and periodic, on the VMM's clock at
 * LAPIC_BUS_HZ). Not modelled: logical destinations, LINT0/1, the error,
 * thermal and performance LVTs beyond reading back, x2APIC.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define LAPIC_BUS_HZ 100000000ull /* the timer's input clock before the divider */
#define LAPIC_MMIO_SIZE 0x1000

/* ICR delivery modes and shorthands (SDM vol.3 §11.6.1). */
#define LAPIC_MODE_FIXED 0
#define LAPIC_MODE_NMI 4
#define LAPIC_MODE_INIT 5
#define LAPIC_MODE_STARTUP 6
#define LAPIC_DEST_NONE 0
#define LAPIC_DEST_SELF 1
#define LAPIC_DEST_ALL 2
#define LAPIC_DEST_OTHERS 3

struct lapic_ipi {
	uint8_t mode;      /* LAPIC_MODE_* */
	uint8_t vector;    /* for STARTUP: the page number of the start address */
	uint8_t shorthand; /* LAPIC_DEST_* */
	bool level_assert; /* INIT: assert (1) or the level-deassert that follows it (0) */
	uint32_t dest;     /* APIC ID, with no shorthand */
};

struct lapic {
	uint32_t id;
	uint32_t tpr, svr, ldr, dfr, esr;
	uint32_t icr_low, icr_high;
	uint32_t lvt[7]; /* 0x320 timer, 0x330 thermal, 0x340 perf, 0x350 LINT0, 0x360 LINT1, 0x370 error, 0x2f0 CMCI */
	uint32_t irr[8], isr[8];
	uint32_t timer_initial, timer_divide;
	uint64_t timer_start_ns, timer_deadline_ns; /* deadline: UINT64_MAX when not armed */
};

void lapic_init(struct lapic *l, uint32_t id);
uint32_t lapic_read(struct lapic *l, uint32_t offset, uint64_t now_ns);
/* True when the write sends an IPI, described in *ipi, for the caller to deliver. */
bool lapic_write(struct lapic *l, uint32_t offset, uint32_t value, uint64_t now_ns, struct lapic_ipi *ipi);
/* An interrupt arrives (from the I/O APIC, an IPI or the timer). */
void lapic_set_irr(struct lapic *l, uint8_t vector);
/* The vector to deliver next (priority above the TPR and above what is in
 * service, SDM vol.3 §11.8.3), or -1. */
int lapic_pending(const struct lapic *l);
/* The guest took vector: it moves from requested to in service. */
void lapic_accept(struct lapic *l, uint8_t vector);
/* Fires the timer if its deadline has passed (re-arming a periodic one). */
void lapic_timer_poll(struct lapic *l, uint64_t now_ns);
