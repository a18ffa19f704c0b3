/*
 * Page tables walked and edited in software, for every radix-512 format the
 * machine reads: the CPU's own 4-level tables (Intel SDM vol.3 §4.5), AMD
 * nested tables, Intel EPT, VT-d second-level tables and shadow tables. What
 * differs between them is data, a struct pt_format (lib/common/pt_format.c);
 * the walk is one engine (NOVA's Pte<Hpt|Ept|Dpt> is the model).
 *
 * The tables are reached through callbacks, so the same code edits the
 * kernel's own tables through the direct map, a guest's tables, or an array
 * of fake frames in a host test.
 *
 * None of these functions flushes a TLB: after pt_unmap, pt_protect or
 * pt_split_large the caller invalidates as the format's user needs (INVLPG,
 * a CR3 reload, INVEPT, an IOTLB invalidation). Errors are the ABI's
 * negative SIETCH_E* codes (lib/common/syscall.h), so a system call can hand
 * them back unchanged.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* x86-64 entry bits: Intel SDM vol.3 §4.5, the formats of PML4Es, PDPTEs,
 * PDEs and PTEs; caching bits §4.9. AMD's nested tables use the same bits
 * (AMD APM vol.2 §15.25.5). */
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

/* EPT entry bits: Intel SDM vol.3C §29.3.2 (§28.2.2 before the 2023
 * editions), tables 29-1 to 29-6 "Format of an EPT ... Entry". There is no
 * present bit: an entry is present when any of bits 2:0 is set. */
#define EPT_READ (1ull << 0)
#define EPT_WRITE (1ull << 1)
#define EPT_EXEC (1ull << 2)
#define EPT_MEMTYPE_MASK (7ull << 3)   /* bits 5:3 of a leaf: the memory type ("EPT and Memory Typing") */
#define EPT_MEMTYPE_UC (0ull << 3)
#define EPT_MEMTYPE_WB (6ull << 3)
#define EPT_IGNORE_PAT (1ull << 6)    /* leaves: ignore the guest's PAT */
#define EPT_LARGE (1ull << 7)         /* a PDPTE/PDE that maps a 1 GiB/2 MiB page */
#define EPT_SHARED (1ull << 52)       /* bits 56:52 are ignored (table 29-6): the frame is owned elsewhere */

/* VT-d second-level entry bits: Intel VT-d spec §9.8, "Second-Level Paging
 * Entries" (tables of SL-PML4E, SL-PDPE, SL-PDE, SL-PTE); an entry is
 * present when R or W is set (§3.7). */
#define VTD_SL_READ (1ull << 0)
#define VTD_SL_WRITE (1ull << 1)
#define VTD_SL_LARGE (1ull << 7)     /* PS in an SL-PDPE/SL-PDE */
#define VTD_SL_SNOOP (1ull << 11)    /* SNP: the access snoops the CPU caches (with ECAP.SC) */
#define VTD_SL_SHARED (1ull << 52)   /* bits 61:52 are ignored: the frame is owned elsewhere */

#define PAGE_SIZE 4096ull
#define LARGE_PAGE_SIZE (2ull << 20)
#define HUGE_PAGE_SIZE (1ull << 30)
#define PT_ENTRIES 512
#define PT_LEVELS 4        /* the CPU's tables: 4 = PML4, 3 = PDPT, 2 = PD, 1 = PT */
#define PT_MAX_LEVELS 5    /* 5-level paging and 5-level EPT/VT-d have one more */
#define PT_USER_SLOTS 256  /* PML4 slots 0..255 map the lower (user) half */

/*
 * Everything the engine needs to know about one family of tables. Flags a
 * caller passes to pt_map and pt_protect are raw entry bits of the format;
 * pt_attr_bits spells portable attributes in them.
 */
struct pt_format {
	const char *name;
	int levels;               /* of the whole tree, root included: 3 to PT_MAX_LEVELS */
	unsigned va_bits;         /* width of an input address */
	bool va_sign_extended;    /* linear addresses: bits 63:va_bits copy bit va_bits-1 */
	unsigned leaf_levels;     /* bit l set: a leaf may sit at level l (bit 1 always) */
	uint64_t addr_mask;       /* the physical-address bits of a table entry or 4 KiB leaf */
	uint64_t present;         /* an entry is present when any of these bits is set */
	uint64_t leaf_set;        /* bits every leaf gets */
	uint64_t table_set;       /* bits every entry that points to a table gets */
	uint64_t table_inherit;   /* bits of a leaf that the tables above it get too */
	uint64_t large;           /* a leaf above level 1 */
	uint64_t pat_small;       /* the PAT bit in a 4 KiB leaf, moved to pat_large above; 0: nothing moves */
	uint64_t pat_large;
	uint64_t perm_mask;       /* the access rights pt_protect replaces */
	uint64_t shared;          /* an ignored bit: the frame belongs to someone else (pt_destroy keeps it) */
	bool write_needs_read;    /* write without read is a misconfiguration */
	/* How the portable attributes are spelled (pt_attr_bits); 0 where the format has none. */
	uint64_t read, write, exec, user;
	uint64_t no_exec;         /* set when execution is NOT allowed */
	uint64_t global, uncached, cached;
};

extern const struct pt_format pt_format_x86_64; /* the CPU's tables: kernel, processes, shadow tables */
extern const struct pt_format pt_format_npt;    /* AMD nested page tables */
extern const struct pt_format pt_format_ept;    /* Intel EPT, 4 levels */
extern const struct pt_format pt_format_vtd3;   /* VT-d second level, 39-bit address width */
extern const struct pt_format pt_format_vtd4;   /* VT-d second level, 48-bit address width */

/* The VT-d format for an adjusted guest address width (§3.7: 39 bits walk 3
 * levels, 48 bits 4); NULL for a width this engine does not walk. */
const struct pt_format *pt_format_vtd(unsigned address_width);

/* Portable attributes, spelled per format by pt_attr_bits. */
#define PT_ATTR_READ (1u << 0)
#define PT_ATTR_WRITE (1u << 1)
#define PT_ATTR_EXEC (1u << 2)
#define PT_ATTR_USER (1u << 3)
#define PT_ATTR_GLOBAL (1u << 4)   /* survives an address-space switch */
#define PT_ATTR_UNCACHED (1u << 5) /* MMIO: strong uncacheable */
#define PT_ATTR_SHARED (1u << 6)   /* the frame is owned elsewhere */

/* The leaf bits that give attrs in fmt (what the format lacks is dropped). */
uint64_t pt_attr_bits(const struct pt_format *fmt, unsigned attrs);
/* The access rights (PT_ATTR_READ/WRITE/EXEC/USER) an entry of fmt grants. */
unsigned pt_entry_attrs(const struct pt_format *fmt, uint64_t entry);

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

/* Index of va's entry in the table at level (1..5): 9 bits each above the
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

/* Whether fmt's tables can translate va at all. */
bool pt_va_ok(const struct pt_format *fmt, uint64_t va);

/* The bytes a leaf at level maps: 4 KiB at 1, 2 MiB at 2, 1 GiB at 3. */
static inline uint64_t pt_level_size(int level)
{
	return 1ull << (12 + 9 * (level - 1));
}

/* Maps [va, va+page_size) to pa. page_size is one fmt allows a leaf of
 * (4 KiB, and 2 MiB or 1 GiB where leaf_levels says) and va, pa are aligned
 * to it. flags are the leaf's bits: leaf_set is implied, and so is the large
 * bit above 4 KiB; on x86 a large leaf's PAT bit is PTE_PAT_LARGE. Tables on
 * the way get table_set plus the flags' table_inherit bits (x86: USER):
 * permissions are enforced at the leaf.
 * Returns 0; -SIETCH_EEXIST if anything already maps part of the range;
 * -SIETCH_ENOMEM out of memory (tables allocated on the way are freed
 * again); -SIETCH_EINVAL if page_size is not one fmt has, va or pa is
 * misaligned, pa is too wide, va outside fmt's input range, or flags do not
 * make a valid present leaf (EPT: no R/W/X, or W without R). */
int pt_map(const struct pt_format *fmt, const struct pt_ops *ops, uint64_t root, uint64_t va,
	   uint64_t pa, uint64_t page_size, uint64_t flags);

/* Removes the page_size leaf at va and stores its frame in *old_pa (if not
 * NULL). Page-table pages left empty are freed, never the root. 0, or
 * -SIETCH_ENOENT if va is not mapped by a leaf of exactly that size. */
int pt_unmap(const struct pt_format *fmt, const struct pt_ops *ops, uint64_t root, uint64_t va,
	     uint64_t page_size, uint64_t *old_pa);

/* Replaces the access rights (fmt->perm_mask) of the leaf covering va, of
 * any size, with those in flags; address, size, memory type and the other
 * bits are kept. The table_inherit bits of flags are also set on the tables
 * above the leaf. 0; -SIETCH_ENOENT if va is not mapped; -SIETCH_EINVAL if
 * the rights would not make a valid present leaf. */
int pt_protect(const struct pt_format *fmt, const struct pt_ops *ops, uint64_t root, uint64_t va,
	       uint64_t flags);

/* Translates va. 0 and *out filled if mapped, -SIETCH_ENOENT otherwise. */
int pt_walk(const struct pt_format *fmt, const struct pt_ops *ops, uint64_t root, uint64_t va,
	    struct pt_walk_result *out);

/* Turns the 2 MiB leaf covering va into a table of 512 4 KiB leaves with the
 * same flags and memory type. 0, -SIETCH_ENOENT if va is not in a 2 MiB
 * leaf, -SIETCH_ENOMEM out of memory. */
int pt_split_large(const struct pt_format *fmt, const struct pt_ops *ops, uint64_t root, uint64_t va);

/* Frees every table reachable from root slots 0..root_slots-1 and clears
 * the slots; free_page (if not NULL) is called with ops->ctx for every
 * 4 KiB frame mapped there (each of the 512 frames of a 2 MiB leaf), except
 * those of leaves marked fmt->shared. The root and its other slots are left
 * alone: a process passes PT_USER_SLOTS to keep the kernel half, a guest or
 * device space PT_ENTRIES. */
void pt_destroy(const struct pt_format *fmt, const struct pt_ops *ops, uint64_t root,
		unsigned root_slots, void (*free_page)(void *ctx, uint64_t pa));
