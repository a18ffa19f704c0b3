/*
 * What the SVM back end prepares before VMRUN, as pure functions over memory
 * it owns: the I/O and MSR permission maps (AMD APM vol.2 §15.10.1, §15.11)
 * and the guest-state consistency checks VMRUN makes (§15.5.1,
 * "Canonicalization and Consistency Checks"), so that a VMM's bad register
 * values are refused with a reason instead of ending in VMEXIT_INVALID.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "kernel/vmm/svm.h"

/* Intercept (or not) reads and writes of msr in an SVM_MSRPM_SIZE map.
 * 0; -1 for an MSR outside the map's three ranges, which is always
 * intercepted (§15.11). */
int svm_msrpm_set(uint8_t *msrpm, uint32_t msr, bool intercept_read, bool intercept_write);

/* Whether an access to msr exits. */
bool svm_msrpm_intercepts(const uint8_t *msrpm, uint32_t msr, bool write);

/* Intercept (or not) the size ports from port on, in an SVM_IOPM_SIZE map;
 * the map has one bit per port and the bits past port 0xffff catch
 * multi-byte accesses at the top (§15.10.1). */
void svm_iopm_set(uint8_t *iopm, uint16_t port, unsigned size, bool intercept);

/* Whether a size-byte access at port exits: any of its ports' bits (§15.10.1). */
bool svm_iopm_intercepts(const uint8_t *iopm, uint16_t port, unsigned size);

/* What this processor allows (from CPUID): physical-address width, the CR4
 * and EFER bits that exist, and long mode. */
struct svm_limits {
	unsigned maxphyaddr;
	uint64_t cr4_allowed;
	uint64_t efer_allowed;
	bool long_mode;
};

/* NULL if VMRUN would accept v's guest state and controls, else the check
 * that fails, as a short phrase for a report. */
const char *svm_vmcb_check(const struct vmcb *v, const struct svm_limits *lim);
