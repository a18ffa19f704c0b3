/* The local APIC (SDM vol.3 chapter 11), in xAPIC mode through its MMIO page. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

void lapic_init(volatile void *registers); /* its page, mapped uncached; once, on the bootstrap CPU */
void lapic_enable(void);             /* every CPU */
uint32_t lapic_id(void);
void lapic_eoi(void);
/* Each returns 0, or -SIETCH_ETIMEDOUT (already reported on the console) if the ICR stayed busy. */
int lapic_send_ipi(uint32_t apic_id, uint8_t vector); /* fixed delivery to one CPU (the caller's own too) */
int lapic_send_ipi_others(uint8_t vector);
int lapic_send_init(uint32_t apic_id);
int lapic_send_startup(uint32_t apic_id, uint8_t page);
uint32_t lapic_timer_calibrate(void); /* against the PIT, on the bootstrap CPU; 0 if the PIT failed */
void lapic_timer_start(uint32_t hz);  /* periodic, on VECTOR_TIMER; needs the calibration */
void lapic_timer_stop(void);         /* until the next lapic_timer_start */
bool lapic_ready(void);
bool lapic_x2apic(void); /* the local APICs run in x2APIC mode (MSR interface) */
