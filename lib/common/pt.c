/*
 * The page-table engine: one walk for every format in lib/common/pt_format.c.
 * Levels count from 1 (the 4 KiB leaves) up to fmt->levels (the root).
 */
#include "lib/common/pt.h"

#include <stddef.h>
#include "lib/common/syscall.h"

/* The tables on va's path: path[l] is the physical address of the level-l
 * table (path[fmt->levels] is the root), 0 where the walk did not reach. */
typedef uint64_t pt_path[PT_MAX_LEVELS + 1];

static uint64_t *table_at(const struct pt_ops *ops, uint64_t phys)
{
	return ops->phys_to_ptr(ops->ctx, phys);
}

static uint64_t *entry_at(const struct pt_ops *ops, uint64_t table, uint64_t va, int level)
{
	return &table_at(ops, table)[pt_index(va, level)];
}

static bool is_present(const struct pt_format *fmt, uint64_t entry)
{
	return (entry & fmt->present) != 0;
}

/* A leaf: any entry at level 1, above it an entry with the large bit where
 * the format allows leaves (x86: PS in a PDE/PDPTE, SDM vol.3 §4.5). */
static bool is_leaf(const struct pt_format *fmt, uint64_t entry, int level)
{
	return level == 1 || ((fmt->leaf_levels >> level & 1) && (entry & fmt->large));
}

static uint64_t leaf_addr_mask(const struct pt_format *fmt, int level)
{
	return fmt->addr_mask & ~(pt_level_size(level) - 1);
}

/* The bits flags gives a leaf at level: on x86 bit 7 is PAT in a PTE and PS
 * above, where PAT moves to bit 12 (§4.5 entry formats, §4.9.2). */
static uint64_t leaf_bits(const struct pt_format *fmt, uint64_t flags, int level)
{
	uint64_t bits = (flags & ~fmt->addr_mask) | fmt->leaf_set;
	if (level > 1)
		bits |= (flags & fmt->pat_large) | fmt->large;
	return bits;
}

/* Whether a leaf with these bits is present and not a misconfiguration
 * (EPT: write without read, SDM vol.3C §29.3.3.1). */
static bool leaf_valid(const struct pt_format *fmt, uint64_t bits)
{
	if (!is_present(fmt, bits))
		return false;
	return !(fmt->write_needs_read && (bits & fmt->write) && !(bits & fmt->read));
}

/* The level whose leaves are page_size bytes in fmt, 0 if none. */
static int map_level(const struct pt_format *fmt, uint64_t page_size)
{
	for (int level = 1; level <= fmt->levels; level++)
		if (pt_level_size(level) == page_size && (level == 1 || (fmt->leaf_levels >> level & 1)))
			return level;
	return 0;
}

bool pt_va_ok(const struct pt_format *fmt, uint64_t va)
{
	unsigned unused = 64 - fmt->va_bits;
	if (fmt->va_sign_extended)
		return (uint64_t)((int64_t)(va << unused) >> unused) == va;
	return va >> fmt->va_bits == 0;
}

/* Finds the present leaf covering va. Returns its level and entry pointer,
 * or 0 if va is unmapped. */
static int find_leaf(const struct pt_format *fmt, const struct pt_ops *ops, uint64_t root, uint64_t va,
		     pt_path path, uint64_t **leaf)
{
	uint64_t table = root;

	if (!pt_va_ok(fmt, va))
		return 0;
	for (int level = fmt->levels; level >= 1; level--) {
		path[level] = table;
		uint64_t *e = entry_at(ops, table, va, level);
		if (!is_present(fmt, *e))
			return 0;
		if (is_leaf(fmt, *e, level)) {
			*leaf = e;
			return level;
		}
		table = *e & fmt->addr_mask;
	}
	return 0; /* not reached: level 1 entries are always leaves */
}

static bool table_empty(const struct pt_ops *ops, uint64_t table)
{
	const uint64_t *t = table_at(ops, table);

	for (int i = 0; i < PT_ENTRIES; i++) {
		if (t[i])
			return false;
	}
	return true;
}

/* Frees the tables on va's path from level `from` upwards while they are
 * empty, clearing the entry that pointed to each. Never frees the root. */
static void prune(const struct pt_format *fmt, const struct pt_ops *ops, const pt_path path, uint64_t va,
		  int from)
{
	for (int level = from; level < fmt->levels; level++) {
		if (!path[level])
			continue; /* the walk stopped above this level */
		if (!table_empty(ops, path[level]))
			return;
		*entry_at(ops, path[level + 1], va, level + 1) = 0;
		ops->free_table(ops->ctx, path[level]);
	}
}

/* Walks from the root to the table at `target` level, creating missing
 * tables, and gives each entry on the way the bits in inherit. Returns 0,
 * -SIETCH_EEXIST if a leaf is in the way, -SIETCH_ENOMEM out of memory. */
static int descend(const struct pt_format *fmt, const struct pt_ops *ops, uint64_t root, uint64_t va,
		   int target, uint64_t inherit, pt_path path)
{
	uint64_t table = root;

	for (int level = fmt->levels; level > target; level--) {
		path[level] = table;
		uint64_t *e = entry_at(ops, table, va, level);
		if (!is_present(fmt, *e)) {
			uint64_t fresh = ops->alloc_table(ops->ctx);
			if (!fresh)
				return -SIETCH_ENOMEM;
			*e = fresh | fmt->table_set;
		} else if (is_leaf(fmt, *e, level)) {
			return -SIETCH_EEXIST;
		}
		*e |= inherit;
		table = *e & fmt->addr_mask;
	}
	path[target] = table;
	return 0;
}

int pt_map(const struct pt_format *fmt, const struct pt_ops *ops, uint64_t root, uint64_t va,
	   uint64_t pa, uint64_t page_size, uint64_t flags)
{
	int level = map_level(fmt, page_size);

	if (!level || (va | pa) & (page_size - 1) || pa & ~fmt->addr_mask || !pt_va_ok(fmt, va) ||
	    !leaf_valid(fmt, leaf_bits(fmt, flags, level)))
		return -SIETCH_EINVAL;

	pt_path path = { 0 };
	int err = descend(fmt, ops, root, va, level, flags & fmt->table_inherit, path);
	if (err == -SIETCH_ENOMEM)
		prune(fmt, ops, path, va, 1); /* free the tables this call created */
	if (err)
		return err;
	uint64_t *e = entry_at(ops, path[level], va, level);
	if (is_present(fmt, *e))
		return -SIETCH_EEXIST; /* a leaf, or for a large page a table of smaller ones */
	*e = pa | leaf_bits(fmt, flags, level);
	return 0;
}

int pt_unmap(const struct pt_format *fmt, const struct pt_ops *ops, uint64_t root, uint64_t va,
	     uint64_t page_size, uint64_t *old_pa)
{
	pt_path path = { 0 };
	uint64_t *leaf;
	int level = find_leaf(fmt, ops, root, va, path, &leaf);

	if (!level || pt_level_size(level) != page_size || va & (page_size - 1))
		return -SIETCH_ENOENT;
	if (old_pa)
		*old_pa = *leaf & leaf_addr_mask(fmt, level);
	*leaf = 0;
	prune(fmt, ops, path, va, level);
	return 0;
}

int pt_protect(const struct pt_format *fmt, const struct pt_ops *ops, uint64_t root, uint64_t va,
	       uint64_t flags)
{
	pt_path path = { 0 };
	uint64_t *leaf;
	int level = find_leaf(fmt, ops, root, va, path, &leaf);

	if (!level)
		return -SIETCH_ENOENT;
	uint64_t bits = (*leaf & ~fmt->perm_mask) | (flags & fmt->perm_mask);
	if (!leaf_valid(fmt, bits))
		return -SIETCH_EINVAL;
	*leaf = bits;
	for (int l = fmt->levels; l > level; l--)
		*entry_at(ops, path[l], va, l) |= flags & fmt->table_inherit;
	return 0;
}

int pt_walk(const struct pt_format *fmt, const struct pt_ops *ops, uint64_t root, uint64_t va,
	    struct pt_walk_result *out)
{
	pt_path path = { 0 };
	uint64_t *leaf;
	int level = find_leaf(fmt, ops, root, va, path, &leaf);

	if (!level)
		return -SIETCH_ENOENT;
	out->level = level;
	out->pte = *leaf;
	out->page_size = pt_level_size(level);
	out->phys = (*leaf & leaf_addr_mask(fmt, level)) + (va & (out->page_size - 1));
	return 0;
}

int pt_split_large(const struct pt_format *fmt, const struct pt_ops *ops, uint64_t root, uint64_t va)
{
	pt_path path = { 0 };
	uint64_t *leaf;

	if (find_leaf(fmt, ops, root, va, path, &leaf) != 2)
		return -SIETCH_ENOENT;
	uint64_t table = ops->alloc_table(ops->ctx);
	if (!table)
		return -SIETCH_ENOMEM;

	/* Same bits minus the large bit; on x86 the PAT bit moves from bit 12
	 * to bit 7 (§4.5 entry formats, §4.9.2). */
	uint64_t base = *leaf & leaf_addr_mask(fmt, 2);
	uint64_t flags = *leaf & ~fmt->addr_mask & ~fmt->large;
	if (*leaf & fmt->pat_large)
		flags |= fmt->pat_small;
	uint64_t *t = table_at(ops, table);
	for (unsigned i = 0; i < PT_ENTRIES; i++)
		t[i] = (base + i * PAGE_SIZE) | flags;
	*leaf = table | fmt->table_set | (flags & fmt->table_inherit);
	return 0;
}

static void free_frames(const struct pt_ops *ops, uint64_t pa, uint64_t size,
			void (*free_page)(void *ctx, uint64_t pa))
{
	if (!free_page)
		return;
	for (uint64_t off = 0; off < size; off += PAGE_SIZE)
		free_page(ops->ctx, pa + off);
}

static void destroy_table(const struct pt_format *fmt, const struct pt_ops *ops, uint64_t phys, int level,
			  void (*free_page)(void *ctx, uint64_t pa));

/* Frees what the level-`level` entry e maps: the table below it and
 * everything under that, or a leaf's frames. */
static void destroy_entry(const struct pt_format *fmt, const struct pt_ops *ops, uint64_t e, int level,
			  void (*free_page)(void *ctx, uint64_t pa))
{
	if (!is_present(fmt, e))
		return;
	if (!is_leaf(fmt, e, level))
		destroy_table(fmt, ops, e & fmt->addr_mask, level - 1, free_page);
	else if (!(e & fmt->shared)) /* a memory object's frame: the object frees it */
		free_frames(ops, e & leaf_addr_mask(fmt, level), pt_level_size(level), free_page);
}

/* Frees the level-`level` table at phys and everything below it. */
static void destroy_table(const struct pt_format *fmt, const struct pt_ops *ops, uint64_t phys, int level,
			  void (*free_page)(void *ctx, uint64_t pa))
{
	const uint64_t *t = table_at(ops, phys);

	for (int i = 0; i < PT_ENTRIES; i++)
		destroy_entry(fmt, ops, t[i], level, free_page);
	ops->free_table(ops->ctx, phys);
}

void pt_destroy(const struct pt_format *fmt, const struct pt_ops *ops, uint64_t root,
		unsigned root_slots, void (*free_page)(void *ctx, uint64_t pa))
{
	uint64_t *top = table_at(ops, root);

	for (unsigned i = 0; i < root_slots && i < PT_ENTRIES; i++) {
		destroy_entry(fmt, ops, top[i], fmt->levels, free_page);
		top[i] = 0;
	}
}
