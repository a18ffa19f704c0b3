/*
 * A fixture for host tests of lib/common/pt.c over the fake physical memory
 * of fake_memory.h: a root table, the engine's struct pt_ops, and a count of
 * the leaf pages handed back. It defines functions: include it once, in the
 * one translation unit of a test, after lib/common/pt.c.
 */
#pragma once

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/stubs/fake_memory.h"

static void count_page(void *ctx, uint64_t pa)
{
	struct fake_mem *m = ctx;
	m->pages_freed++;
	m->last_page_freed = pa;
}

struct fixture {
	struct fake_mem mem;
	struct pt_ops ops;
	uint64_t root;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	f->mem.frames = aligned_alloc(PAGE_SIZE, FAKE_FRAMES * PAGE_SIZE);
	f->mem.fail_after = -1;
	f->ops = (struct pt_ops){ &f->mem, fake_phys_to_ptr, fake_alloc, fake_free };
	f->root = fake_alloc(&f->mem);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	free(f->mem.frames);
	free(f);
	return 0;
}

/* Tables in use besides the root. */
static int live_tables(const struct fixture *f)
{
	return f->mem.allocs - f->mem.frees - 1;
}

