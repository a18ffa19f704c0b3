/*
 * Short names for the x86 page-table entry bits (lib/common/pt.h), so that a
 * test writes the guest tables it builds the way the manuals draw them:
 * P | W | U | A. Include it after the code under test, whose own names
 * (a W or a D among them) the one-letter macros would otherwise rewrite.
 */
#pragma once

#include "lib/common/pt.h"

#define P PTE_PRESENT
#define W PTE_WRITE
#define U PTE_USER
#define PS PTE_LARGE
#define A PTE_ACCESSED
#define D PTE_DIRTY
#define NX PTE_NX
