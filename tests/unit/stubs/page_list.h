/*
 * Fake page tables for host unit tests of code above kernel/mm/vm.h: a list
 * of mapped 4 KiB pages, each with its address space, virtual and physical
 * address and flags. The test writes its own vm_map, vm_unmap and
 * vm_translate over it, with the checks its code under test calls for.
 *
 * This header defines functions, not just declares them: each test binary is
 * one translation unit (tests/unit/<name>_ut.c), which includes it once.
 */
#pragma once

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#ifndef PAGE_LIST_MAX /* a test that maps more may set its own bound */
#define PAGE_LIST_MAX 256
#endif

struct addr_space;

static struct fake_pte {
	struct addr_space *space;
	uint64_t va, pa;
	unsigned flags;
} ptes[PAGE_LIST_MAX];
static int pte_count;

static struct fake_pte *find_pte(struct addr_space *space, uint64_t va)
{
	for (int i = 0; i < pte_count; i++)
		if (ptes[i].space == space && ptes[i].va == va)
			return &ptes[i];
	return NULL;
}

static void add_pte(struct addr_space *space, uint64_t va, uint64_t pa, unsigned flags)
{
	assert_true(pte_count < PAGE_LIST_MAX);
	ptes[pte_count++] = (struct fake_pte){ space, va, pa, flags };
}
