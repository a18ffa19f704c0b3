/*
 * A fake physical memory for host tests of page-table code: an array of
 * 4 KiB-aligned frames, frame i at physical address FAKE_BASE + i*4096
 * (0x1000 by default, so that physical 0 stays invalid, as on the real
 * machine), for a struct pt_ops. It checks that no table is reached after
 * being freed and none is freed twice. Like fake_tables.h, it defines
 * functions: include it once, in the one translation unit of a test.
 */
#pragma once

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define FAKE_FRAMES 64
#ifndef FAKE_BASE /* a test may place the frames elsewhere */
#define FAKE_BASE 0x1000ull
#endif

struct fake_mem {
	uint8_t *frames;
	bool used[FAKE_FRAMES];
	int allocs, frees;
	int fail_after; /* alloc_table fails once this many succeeded; -1 never */
	int pages_freed;
	uint64_t last_page_freed;
};

static void *fake_phys_to_ptr(void *ctx, uint64_t phys)
{
	struct fake_mem *m = ctx;
	assert_true(phys >= FAKE_BASE && phys < FAKE_BASE + FAKE_FRAMES * PAGE_SIZE);
	assert_int_equal(phys & (PAGE_SIZE - 1), 0);
	uint64_t i = (phys - FAKE_BASE) / PAGE_SIZE;
	assert_true(m->used[i]); /* a table must never be reached after being freed */
	return m->frames + i * PAGE_SIZE;
}

static uint64_t fake_alloc(void *ctx)
{
	struct fake_mem *m = ctx;
	if (m->fail_after >= 0 && m->allocs >= m->fail_after)
		return 0;
	for (int i = 0; i < FAKE_FRAMES; i++) {
		if (!m->used[i]) {
			m->used[i] = true;
			m->allocs++;
			memset(m->frames + i * PAGE_SIZE, 0, PAGE_SIZE);
			return FAKE_BASE + (uint64_t)i * PAGE_SIZE;
		}
	}
	return 0;
}

static void fake_free(void *ctx, uint64_t phys)
{
	struct fake_mem *m = ctx;
	uint64_t i = (phys - FAKE_BASE) / PAGE_SIZE;
	assert_true(i < FAKE_FRAMES && m->used[i]);	    /* no double free */
	memset(m->frames + i * PAGE_SIZE, 0xa5, PAGE_SIZE); /* poison */
	m->used[i] = false;
	m->frees++;
}
