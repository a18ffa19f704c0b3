/*
 * The storage-area catalogue: the kernel's persistent record of which named
 * area (/store/NAME) is which namespace or block range, who owns it and what
 * others may do with it. It lives in blocks the kernel reserves for it on the
 * device and survives reboots; this file is the pure format (the kernel
 * supplies the block device, host tests supply memory).
 *
 * Layout, from the first reserved block on:
 *   copy 0: one header block (struct store_catalog_header), then the entry
 *           blocks: capacity × struct store_entry, zero-padded to a block;
 *   copy 1: the same, right after copy 0.
 *
 * Crash safety: every change writes the whole catalogue with the next
 * generation number into the copy that generation selects (generation % 2),
 * with one write and one flush; the other copy still holds the previous
 * generation. The header holds a CRC-32C of the entry blocks and of itself,
 * so a torn write (any subset of its blocks reaching the device) makes that
 * copy invalid, and loading picks the valid copy with the higher generation:
 * the state before or after the change, never a mix.
 *
 * Corruption: a copy that fails its checks is reported in damaged_copies,
 * never repaired silently. With one valid copy the catalogue works, and the
 * next change rewrites the damaged slot (it is the older one by
 * construction). With none valid, or a device never formatted, loading fails
 * and every change is refused until the operator formats it explicitly.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/common/blockdev.h"

#define STORE_CATALOG_MAGIC 0x5453484354454953ull /* "SIETCHST" in little-endian byte order */
#define STORE_CATALOG_VERSION 1
#define STORE_NAME_MAX 47 /* bytes of a name, without its NUL */

struct store_catalog_header {
	uint64_t magic;
	uint32_t version;
	uint32_t block_size;   /* of the device it was written on */
	uint64_t generation;   /* 1 after format; + 1 on every change */
	uint32_t capacity;     /* entries */
	uint32_t entries_crc;  /* CRC-32C of the entry blocks, padding included */
	uint32_t reserved;
	uint32_t crc;          /* CRC-32C of this header with crc = 0 */
};
_Static_assert(sizeof(struct store_catalog_header) == 40, "catalogue header");

/* What an entry describes (flags). */
#define STORE_ENTRY_USED (1u << 0)
#define STORE_ENTRY_NAMESPACE (1u << 1) /* the whole namespace: hardware-enforced mode */

struct store_entry {
	char name[STORE_NAME_MAX + 1]; /* NUL-terminated, NUL-padded: [a-z0-9._-] */
	uint32_t nsid;
	uint32_t flags;
	uint64_t first_block;          /* in the namespace's blocks */
	uint64_t block_count;
	uint32_t owner;                /* the principal that made it */
	uint32_t owner_rights;         /* SIETCH_RIGHT_READ | SIETCH_RIGHT_WRITE at most */
	uint32_t other_rights;         /* what an opener may ask for */
	uint32_t reserved0;
	uint64_t created;              /* generation of the change that made it */
	uint8_t reserved[32];
};
_Static_assert(sizeof(struct store_entry) == 128, "catalogue entry");

struct store_catalog {
	const struct blockdev *dev;
	uint64_t base;                 /* first reserved block */
	uint32_t capacity;
	uint32_t copy_blocks;          /* header + entry blocks */
	struct store_entry *entries;   /* capacity entries, the caller's */
	uint8_t *io;                   /* copy_blocks blocks, the caller's */
	uint64_t generation;
	bool loaded;                   /* false: changes are refused */
	unsigned damaged_copies;       /* bit i: copy i failed its checks at load */
};

/* Blocks one copy takes, and the whole reserved region (both copies). */
uint32_t store_catalog_copy_blocks(uint32_t block_size, uint32_t capacity);

/* Ties the catalogue to its blocks and memory: entries holds capacity
 * entries, io copy_blocks blocks. Reads nothing. */
int store_catalog_init(struct store_catalog *cat, const struct blockdev *dev, uint64_t base,
		       uint32_t capacity, struct store_entry *entries, void *io);

/* Reads both copies. 0: loaded (damaged_copies may still name one bad copy,
 * to report); -SIETCH_ENOENT: never formatted (both copies blank);
 * -SIETCH_EIO: no valid copy (damaged_copies says which were damaged rather
 * than blank), or the device failed. */
int store_catalog_load(struct store_catalog *cat);

/* Writes an empty catalogue, discarding whatever was there: only on the
 * operator's explicit request. */
int store_catalog_format(struct store_catalog *cat);

/*
 * Adds an area and makes the change durable. -SIETCH_EINVAL for a bad name,
 * an empty or overflowing range, or rights outside read/write;
 * -SIETCH_EEXIST for a name in use; -SIETCH_EBUSY when the range overlaps
 * another area of the namespace (a whole-namespace area overlaps
 * everything on it); -SIETCH_ENOSPC when the catalogue is full; -SIETCH_EIO
 * when it is not loaded or the device fails (then nothing changed).
 */
int store_catalog_create(struct store_catalog *cat, const struct store_entry *area);

/* Removes an area by name and makes that durable; -SIETCH_ENOENT if none. */
int store_catalog_remove(struct store_catalog *cat, const char *name);

/* Changes an area's rights (SIETCH_RIGHT_READ | SIETCH_RIGHT_WRITE at most)
 * and makes that durable; -SIETCH_ENOENT if none, -SIETCH_EINVAL for other
 * rights, -SIETCH_EIO as store_catalog_create (then nothing changed). */
int store_catalog_set_rights(struct store_catalog *cat, const char *name, uint32_t owner_rights,
			     uint32_t other_rights);

/* The area with this name, or NULL. */
const struct store_entry *store_catalog_lookup(const struct store_catalog *cat,
					       const char *name);

/* First fit: the lowest block >= first of a free run of count blocks in
 * [first, first + span) of namespace nsid, in *found. -SIETCH_ENOSPC if none. */
int store_catalog_find_free(const struct store_catalog *cat, uint32_t nsid, uint64_t first,
			    uint64_t span, uint64_t count, uint64_t *found);

/* A name is 1 ... STORE_NAME_MAX characters of [a-z0-9._-], not "." or "..". */
bool store_name_valid(const char *name);
