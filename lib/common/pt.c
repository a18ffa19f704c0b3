/*
 * x86-64 4-level page tables, Intel SDM vol.3 §4.5.
 */
#include "lib/common/pt.h"

#include <stddef.h>

/* The tables on va's path: path[l] is the physical address of the level-l
 * table (path[4] is the root), 0 where the walk did not reach. */
typedef uint64_t pt_path[PT_LEVELS + 1];

static uint64_t *table_at(const struct pt_ops *ops, uint64_t phys)
{
	return ops->phys_to_ptr(ops->ctx, phys);
}

static uint64_t *entry_at(const struct pt_ops *ops, uint64_t table, uint64_t va, int level)
{
	return &table_at(ops, table)[pt_index(va, level)];
}

static uint64_t level_size(int level)
{
	return 1ull << (12 + 9 * (level - 1));
}

/* A leaf: a PTE, or a PDE/PDPTE with PS (bit 7) set (§4.5, entry formats). */
static bool is_leaf(uint64_t entry, int level)
{
	return level == 1 || (entry & PTE_LARGE);
}

static uint64_t leaf_addr_mask(int level)
{
	return level == 1 ? PTE_ADDR_MASK : level == 2 ? PTE_ADDR_MASK_2M : PTE_ADDR_MASK_1G;
}

/* The flag bits flags gives a leaf at level: bit 7 is PAT in a PTE and PS
 * above, where PAT moves to bit 12 (§4.5 entry formats, §4.9.2). */
static uint64_t leaf_flags(uint64_t flags, int level)
{
	if (level == 1)
		return flags & PTE_FLAGS_MASK;
	return (flags & PTE_FLAGS_MASK) | (flags & PTE_PAT_LARGE) | PTE_LARGE;
}

/* Finds the present leaf covering va. Returns its level (1..3) and entry
 * pointer, or 0 if va is unmapped. */
static int find_leaf(const struct pt_ops *ops, uint64_t root, uint64_t va, pt_path path,
		     uint64_t **leaf)
{
	uint64_t table = root;

	if (!pt_is_canonical(va))
		return 0;
	for (int level = PT_LEVELS; level >= 1; level--) {
		path[level] = table;
		uint64_t *e = entry_at(ops, table, va, level);
		if (!(*e & PTE_PRESENT))
			return 0;
		if (level < PT_LEVELS && is_leaf(*e, level)) {
			*leaf = e;
			return level;
		}
		table = *e & PTE_ADDR_MASK;
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
static void prune(const struct pt_ops *ops, const pt_path path, uint64_t va, int from)
{
	for (int level = from; level < PT_LEVELS; level++) {
		if (!path[level])
			continue; /* the walk stopped above this level */
		if (!table_empty(ops, path[level]))
			return;
		*entry_at(ops, path[level + 1], va, level + 1) = 0;
		ops->free_table(ops->ctx, path[level]);
	}
}

/* Walks from the root to the table at `target` level, creating missing
 * tables. Returns 0, -1 if a leaf is in the way, -2 out of memory. */
static int descend(const struct pt_ops *ops, uint64_t root, uint64_t va, int target,
		   uint64_t user, pt_path path)
{
	uint64_t table = root;

	for (int level = PT_LEVELS; level > target; level--) {
		path[level] = table;
		uint64_t *e = entry_at(ops, table, va, level);
		if (!(*e & PTE_PRESENT)) {
			uint64_t fresh = ops->alloc_table(ops->ctx);
			if (!fresh)
				return -2;
			*e = fresh | PTE_PRESENT | PTE_WRITE | user;
		} else if (is_leaf(*e, level)) {
			return -1;
		}
		*e |= user;
		table = *e & PTE_ADDR_MASK;
	}
	path[target] = table;
	return 0;
}

int pt_map(const struct pt_ops *ops, uint64_t root, uint64_t va, uint64_t pa, uint64_t page_size,
	   uint64_t flags)
{
	int level = page_size == PAGE_SIZE ? 1 : page_size == LARGE_PAGE_SIZE ? 2 : 0;

	if (!level || (va | pa) & (page_size - 1) || pa & ~PTE_ADDR_MASK || !pt_is_canonical(va))
		return -3;

	pt_path path = { 0 };
	int err = descend(ops, root, va, level, flags & PTE_USER, path);
	if (err == -2)
		prune(ops, path, va, 1); /* free the tables this call created */
	if (err)
		return err;
	uint64_t *e = entry_at(ops, path[level], va, level);
	if (*e & PTE_PRESENT)
		return -1; /* a leaf, or for 2 MiB a table of 4 KiB leaves */
	*e = pa | leaf_flags(flags, level) | PTE_PRESENT;
	return 0;
}

int pt_unmap(const struct pt_ops *ops, uint64_t root, uint64_t va, uint64_t page_size,
	     uint64_t *old_pa)
{
	pt_path path = { 0 };
	uint64_t *leaf;
	int level = find_leaf(ops, root, va, path, &leaf);

	if (!level || level_size(level) != page_size || va & (page_size - 1))
		return -1;
	if (old_pa)
		*old_pa = *leaf & leaf_addr_mask(level);
	*leaf = 0;
	prune(ops, path, va, level);
	return 0;
}

int pt_protect(const struct pt_ops *ops, uint64_t root, uint64_t va, uint64_t flags)
{
	pt_path path = { 0 };
	uint64_t *leaf;
	int level = find_leaf(ops, root, va, path, &leaf);

	if (!level)
		return -1;
	*leaf = (*leaf & ~PTE_PERM_MASK) | (flags & PTE_PERM_MASK);
	for (int l = PT_LEVELS; l > level; l--)
		*entry_at(ops, path[l], va, l) |= flags & PTE_USER;
	return 0;
}

int pt_walk(const struct pt_ops *ops, uint64_t root, uint64_t va, struct pt_walk_result *out)
{
	pt_path path = { 0 };
	uint64_t *leaf;
	int level = find_leaf(ops, root, va, path, &leaf);

	if (!level)
		return -1;
	out->level = level;
	out->pte = *leaf;
	out->page_size = level_size(level);
	out->phys = (*leaf & leaf_addr_mask(level)) + (va & (out->page_size - 1));
	return 0;
}

int pt_split_large(const struct pt_ops *ops, uint64_t root, uint64_t va)
{
	pt_path path = { 0 };
	uint64_t *leaf;

	if (find_leaf(ops, root, va, path, &leaf) != 2)
		return -1;
	uint64_t table = ops->alloc_table(ops->ctx);
	if (!table)
		return -2;

	/* Same flags minus PS; the PAT bit moves from bit 12 to bit 7
	 * (§4.5 entry formats, §4.9.2). */
	uint64_t base = *leaf & PTE_ADDR_MASK_2M;
	uint64_t flags = *leaf & PTE_FLAGS_MASK & ~PTE_LARGE;
	if (*leaf & PTE_PAT_LARGE)
		flags |= PTE_PAT;
	uint64_t *t = table_at(ops, table);
	for (unsigned i = 0; i < PT_ENTRIES; i++)
		t[i] = (base + i * PAGE_SIZE) | flags;
	*leaf = table | PTE_PRESENT | PTE_WRITE | (flags & PTE_USER);
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

/* Frees the level-`level` table at phys and everything below it. */
static void destroy_table(const struct pt_ops *ops, uint64_t phys, int level,
			  void (*free_page)(void *ctx, uint64_t pa))
{
	uint64_t *t = table_at(ops, phys);

	for (int i = 0; i < PT_ENTRIES; i++) {
		uint64_t e = t[i];
		if (!(e & PTE_PRESENT))
			continue;
		if (!is_leaf(e, level))
			destroy_table(ops, e & PTE_ADDR_MASK, level - 1, free_page);
		else if (!(e & PTE_SHARED)) /* a memory object's frame: the object frees it */
			free_frames(ops, e & leaf_addr_mask(level), level_size(level), free_page);
	}
	ops->free_table(ops->ctx, phys);
}

void pt_destroy_user(const struct pt_ops *ops, uint64_t root,
		     void (*free_page)(void *ctx, uint64_t pa))
{
	uint64_t *pml4 = table_at(ops, root);

	for (int i = 0; i < PT_USER_SLOTS; i++) {
		if (pml4[i] & PTE_PRESENT)
			destroy_table(ops, pml4[i] & PTE_ADDR_MASK, PT_LEVELS - 1, free_page);
		pml4[i] = 0;
	}
}
