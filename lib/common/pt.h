/*
 * x86-64 4-level page tables (Intel SDM vol.3 §4.5, "4-Level Paging"), walked
 * and edited in software. The tables are reached through callbacks, so the
 * same code edits the kernel's own tables through the direct map, a guest's
 * tables, or an array of fake frames in a host test.
 *
 * None of these functions flushes the TLB: after pt_unmap, pt_protect or
 * pt_split_large the caller invalidates (INVLPG or a CR3 reload) as needed.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* Entry bits: Intel SDM vol.3 §4.5, the formats of PML4Es, PDPTEs, PDEs and
 * PTEs; caching bits §4.9. */
#define PTE_PRESENT (1ull << 0)
#define PTE_WRITE (1ull << 1)
#define PTE_USER (1ull << 2)
#define PTE_PWT (1ull << 3)       /* page-level write-through */
#define PTE_PCD (1ull << 4)       /* page-level cache disable */
#define PTE_ACCESSED (1ull << 5)
#define PTE_DIRTY (1ull << 6)     /* leaves only */
#define PTE_LARGE (1ull << 7)     /* PS: this PDE/PDPTE maps a 2 MiB/1 GiB page */
#define PTE_PAT (1ull << 7)       /* in a 4 KiB PTE, bit 7 is the PAT bit instead */
#define PTE_GLOBAL (1ull << 8)    /* leaves only, with CR4.PGE */
#define PTE_SHARED (1ull << 9)    /* ignored by the CPU (tables 4-19, 4-20): the frame is owned elsewhere */
#define PTE_PAT_LARGE (1ull << 12) /* the PAT bit of a 2 MiB/1 GiB leaf */
#define PTE_NX (1ull << 63)       /* execute-disable, with EFER.NXE */

/* Bits 51:12 hold a physical address (MAXPHYADDR is at most 52, §4.1.4). */
#define PTE_ADDR_MASK 0x000ffffffffff000ull
#define PTE_ADDR_MASK_2M 0x000fffffffe00000ull /* bits 51:21 of a 2 MiB leaf */
#define PTE_ADDR_MASK_1G 0x000fffffc0000000ull /* bits 51:30 of a 1 GiB leaf */
#define PTE_FLAGS_MASK (~PTE_ADDR_MASK)
/* The access-rights bits (§4.6): what pt_protect replaces. */
#define PTE_PERM_MASK (PTE_WRITE | PTE_USER | PTE_NX)

#define PAGE_SIZE 4096ull
#define LARGE_PAGE_SIZE (2ull << 20)
#define HUGE_PAGE_SIZE (1ull << 30)
#define PT_ENTRIES 512
#define PT_LEVELS 4        /* 4 = PML4, 3 = PDPT, 2 = PD, 1 = PT */
#define PT_USER_SLOTS 256  /* PML4 slots 0..255 map the lower (user) half */

struct pt_ops {
	void *ctx;
	void *(*phys_to_ptr)(void *ctx, uint64_t phys); /* a table's physical address -> pointer */
	uint64_t (*alloc_table)(void *ctx);             /* a zeroed 4 KiB frame, 0 on failure */
	void (*free_table)(void *ctx, uint64_t phys);
};

struct pt_walk_result {
	uint64_t phys;      /* the physical address va translates to (page base + offset) */
	uint64_t pte;       /* the leaf entry */
	uint64_t page_size; /* 4 KiB, 2 MiB or 1 GiB */
	int level;          /* 1 = 4 KiB PTE, 2 = 2 MiB PDE, 3 = 1 GiB PDPTE */
};

/* Index of va's entry in the table at level (1..4): 9 bits each above the
 * 12-bit page offset (§4.5, linear-address translation). */
static inline unsigned pt_index(uint64_t va, int level)
{
	return (unsigned)(va >> (12 + 9 * (level - 1))) & (PT_ENTRIES - 1);
}

/* Bits 63:48 must copy bit 47 (Intel SDM vol.1 §3.3.7.1, canonical addressing). */
static inline bool pt_is_canonical(uint64_t va)
{
	return (uint64_t)((int64_t)(va << 16) >> 16) == va;
}

/* Maps [va, va+page_size) to pa. page_size is 4 KiB or 2 MiB and va, pa are
 * aligned to it. flags are the leaf's bits: PTE_PRESENT is implied; for a
 * 2 MiB page PTE_LARGE is implied and PTE_PAT_LARGE is the PAT bit, for a
 * 4 KiB page bit 7 is PTE_PAT. Tables on the way get PRESENT|WRITE, plus USER
 * when flags has USER: permissions are enforced at the leaf.
 * Returns 0; -1 if anything already maps part of the range; -2 out of memory
 * (tables allocated on the way are freed again); -3 if page_size is not one
 * of the two, va or pa is misaligned, pa is too wide or va not canonical. */
int pt_map(const struct pt_ops *ops, uint64_t root, uint64_t va, uint64_t pa, uint64_t page_size,
	   uint64_t flags);

/* Removes the page_size leaf at va and stores its frame in *old_pa (if not
 * NULL). Page-table pages left empty are freed, never the root. 0, or -1 if
 * va is not mapped by a leaf of exactly that size. */
int pt_unmap(const struct pt_ops *ops, uint64_t root, uint64_t va, uint64_t page_size,
	     uint64_t *old_pa);

/* Replaces the access rights (PTE_PERM_MASK: WRITE, USER, NX) of the leaf
 * covering va, of any size, with those in flags; address, PS, memory type,
 * GLOBAL, ACCESSED and DIRTY are kept. USER in flags is also set on the
 * tables above the leaf. 0, or -1 if va is not mapped. */
int pt_protect(const struct pt_ops *ops, uint64_t root, uint64_t va, uint64_t flags);

/* Translates va. 0 and *out filled if mapped, -1 otherwise. */
int pt_walk(const struct pt_ops *ops, uint64_t root, uint64_t va, struct pt_walk_result *out);

/* Turns the 2 MiB leaf covering va into a table of 512 4 KiB leaves with the
 * same flags and memory type. 0, -1 if va is not in a 2 MiB leaf, -2 out of
 * memory. */
int pt_split_large(const struct pt_ops *ops, uint64_t root, uint64_t va);

/* Frees every table reachable from PML4 slots 0..255 and clears the slots;
 * free_page (if not NULL) is called with ops->ctx for every 4 KiB frame
 * mapped there (each of the 512 frames of a 2 MiB leaf), except those of
 * leaves marked PTE_SHARED. The root and the upper half are left alone. */
void pt_destroy_user(const struct pt_ops *ops, uint64_t root,
		     void (*free_page)(void *ctx, uint64_t pa));
