/*
 * What the software x86 translation (x86_segment, x86_walk) and the
 * instruction decoder share: a memory reached through callbacks, and the
 * exception a guest access raises.
 *
 * The memory is whatever the caller says it is: a guest's physical memory
 * through the VMM's map (so a guest walk composed with the host's map is the
 * two-step translation nested paging does in hardware), a guest's linear
 * memory through x86_walk_linear_mem, or a byte array in a host test.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct x86_mem {
	void *ctx;
	/* Copy len bytes at address addr; 0, or -1 if any of them is not memory
	 * (no RAM there, or a translation failed: see the adapter's record). */
	int (*read)(void *ctx, uint64_t addr, void *buf, size_t len);
	int (*write)(void *ctx, uint64_t addr, const void *buf, size_t len);
};

/* Exception vectors (Intel SDM vol.3A §6.3.1, Table 6-1). */
#define X86_EXC_UD 6
#define X86_EXC_TS 10
#define X86_EXC_NP 11
#define X86_EXC_SS 12
#define X86_EXC_GP 13
#define X86_EXC_PF 14

/* The fault an access raises: vector, error code and, for #PF, the linear
 * address that goes to CR2. */
struct x86_fault {
	uint8_t vector;
	uint32_t error_code;
	uint64_t address;
};

/* Return values of the translation functions: 0 is success. */
#define X86_FAULT 1    /* the guest takes *fault */
#define X86_NOMEM (-1) /* a table or descriptor is not in memory; fault->address is where */
#define X86_NESTED 2   /* a two-step walk failed in the nested table (x86_walk_2d) */
