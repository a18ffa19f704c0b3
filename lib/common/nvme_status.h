/*
 * Names for NVMe completion status codes (NVMe 1.4 §4.6.1) and opcodes, for
 * messages such as "Identify: Invalid Field in Command (sct 0 sc 02h)" or
 * "Read timed out". Shared by the kernel's admin queue and libos's I/O
 * queues.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* The status code type's name: "Generic Command Status", ... */
const char *nvme_sct_name(unsigned sct);

/* The name of (sct, sc), or NULL for a code this table does not know (the
 * caller then prints the numbers alone). */
const char *nvme_sc_name(unsigned sct, unsigned sc);

/* The name of a CQE status field (phase bit ignored); never NULL. */
const char *nvme_status_name(uint16_t status);

/* "Identify", "Read", ...: admin opcodes when admin (queue 0), else the NVM
 * command set's; "Unknown Command" otherwise. */
const char *nvme_opcode_name(bool admin, uint8_t opc);
