/*
 * Names for NVMe completion status codes (NVMe 1.4 §4.6.1), for messages
 * such as "identify: Invalid Field in Command (sct 0 sc 02h)". Shared by the
 * kernel's admin queue and libos's I/O queues.
 */
#pragma once

#include <stdint.h>

/* The status code type's name: "Generic Command Status", ... */
const char *nvme_sct_name(unsigned sct);

/* The name of (sct, sc), or NULL for a code this table does not know (the
 * caller then prints the numbers alone). */
const char *nvme_sc_name(unsigned sct, unsigned sc);

/* The name of a CQE status field (phase bit ignored); never NULL. */
const char *nvme_status_name(uint16_t status);
