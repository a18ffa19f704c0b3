#include "lib/common/store_catalog.h"

#include "lib/common/crc32c.h"
#include "lib/common/string.h"
#include "lib/common/syscall.h"

#define STORE_RIGHTS (SIETCH_RIGHT_READ | SIETCH_RIGHT_WRITE)

uint32_t store_catalog_copy_blocks(uint32_t block_size, uint32_t capacity)
{
	uint64_t bytes = (uint64_t)capacity * sizeof(struct store_entry);
	return (uint32_t)(1 + (bytes + block_size - 1) / block_size);
}

int store_catalog_init(struct store_catalog *cat, const struct blockdev *dev, uint64_t base,
		       uint32_t capacity, struct store_entry *entries, void *io)
{
	if (!blockdev_valid(dev) || !entries || !io || capacity == 0 || capacity > 65536)
		return -SIETCH_EINVAL;
	memset(cat, 0, sizeof(*cat));
	cat->dev = dev;
	cat->base = base;
	cat->capacity = capacity;
	cat->copy_blocks = store_catalog_copy_blocks(dev->block_size, capacity);
	cat->entries = entries;
	cat->io = io;
	if (base + 2ull * cat->copy_blocks > dev->block_count)
		return -SIETCH_EINVAL;
	memset(entries, 0, sizeof(*entries) * capacity);
	return 0;
}

bool store_name_valid(const char *name)
{
	size_t len = strnlen(name, STORE_NAME_MAX + 1);

	if (len == 0 || len > STORE_NAME_MAX || !strcmp(name, ".") || !strcmp(name, ".."))
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-'))
			return false;
	}
	return true;
}

static bool entry_used(const struct store_entry *e)
{
	return e->flags & STORE_ENTRY_USED;
}

/* An entry as it must look on the device: what load accepts and create writes. */
static bool entry_valid(const struct store_entry *e)
{
	if (!entry_used(e)) {
		const uint8_t *bytes = (const uint8_t *)e;
		for (size_t i = 0; i < sizeof(*e); i++)
			if (bytes[i])
				return false;
		return true;
	}
	if (e->name[STORE_NAME_MAX] != '\0' || !store_name_valid(e->name) || e->nsid == 0 ||
	    e->nsid == 0xffffffffu)
		return false;
	if ((e->flags & ~(STORE_ENTRY_USED | STORE_ENTRY_NAMESPACE)) ||
	    (e->owner_rights | e->other_rights) & ~STORE_RIGHTS)
		return false;
	return e->block_count != 0 && e->first_block + e->block_count > e->first_block;
}

static uint32_t header_crc(const struct store_catalog_header *h)
{
	struct store_catalog_header copy = *h;
	copy.crc = 0;
	return crc32c(&copy, sizeof(copy));
}

/* 0 when copy `index` in cat->io is valid; -SIETCH_ENOENT when blank;
 * -SIETCH_EIO when damaged. */
static int copy_check(const struct store_catalog *cat, unsigned index)
{
	uint32_t bs = cat->dev->block_size;
	struct store_catalog_header h;

	memcpy(&h, cat->io, sizeof(h));
	if (h.magic != STORE_CATALOG_MAGIC)
		return -SIETCH_ENOENT;
	if (h.crc != header_crc(&h) || h.version != STORE_CATALOG_VERSION || h.block_size != bs ||
	    h.capacity != cat->capacity || h.generation == 0 || h.generation % 2 != index ||
	    h.entries_crc != crc32c(cat->io + bs, (size_t)(cat->copy_blocks - 1) * bs))
		return -SIETCH_EIO;
	const struct store_entry *e = (const struct store_entry *)(cat->io + bs);
	for (uint32_t i = 0; i < cat->capacity; i++)
		if (!entry_valid(&e[i]))
			return -SIETCH_EIO;
	return 0;
}

static int copy_read(struct store_catalog *cat, unsigned index, uint64_t *generation)
{
	int err = cat->dev->read(cat->dev->ctx, cat->base + (uint64_t)index * cat->copy_blocks,
				 cat->copy_blocks, cat->io);
	if (err)
		return err;
	err = copy_check(cat, index);
	if (err == 0)
		*generation = ((const struct store_catalog_header *)cat->io)->generation;
	return err;
}

int store_catalog_load(struct store_catalog *cat)
{
	uint64_t gen[2] = { 0, 0 };
	int status[2];

	cat->loaded = false;
	cat->damaged_copies = 0;
	for (unsigned i = 0; i < 2; i++) {
		status[i] = copy_read(cat, i, &gen[i]);
		if (status[i] == -SIETCH_EIO)
			cat->damaged_copies |= 1u << i;
		else if (status[i] != 0 && status[i] != -SIETCH_ENOENT)
			return status[i];
	}
	if (status[0] != 0 && status[1] != 0)
		return status[0] == -SIETCH_ENOENT && status[1] == -SIETCH_ENOENT ? -SIETCH_ENOENT
										      : -SIETCH_EIO;

	unsigned best = status[0] != 0 ? 1 : status[1] != 0 ? 0 : gen[1] > gen[0];
	/* cat->io holds copy 1, read last: copy 0 is read again if it wins. */
	if (best == 0) {
		int err = copy_read(cat, 0, &gen[0]);
		if (err)
			return err == -SIETCH_ENOENT ? -SIETCH_EIO : err;
	}
	memcpy(cat->entries, cat->io + cat->dev->block_size,
	       sizeof(struct store_entry) * cat->capacity);
	cat->generation = gen[best];
	cat->loaded = true;
	return 0;
}

/* Writes the entries as generation cat->generation + 1 into its copy. */
static int catalog_write(struct store_catalog *cat)
{
	uint32_t bs = cat->dev->block_size;
	uint64_t generation = cat->generation + 1;
	struct store_catalog_header h = {
		.magic = STORE_CATALOG_MAGIC,
		.version = STORE_CATALOG_VERSION,
		.block_size = bs,
		.generation = generation,
		.capacity = cat->capacity,
	};

	memset(cat->io, 0, (size_t)cat->copy_blocks * bs);
	memcpy(cat->io + bs, cat->entries, sizeof(struct store_entry) * cat->capacity);
	h.entries_crc = crc32c(cat->io + bs, (size_t)(cat->copy_blocks - 1) * bs);
	h.crc = header_crc(&h);
	memcpy(cat->io, &h, sizeof(h));

	int err = cat->dev->write(cat->dev->ctx, cat->base + (generation % 2) * cat->copy_blocks,
				  cat->copy_blocks, cat->io);
	if (err == 0)
		err = cat->dev->flush(cat->dev->ctx);
	if (err == 0)
		cat->generation = generation;
	return err;
}

int store_catalog_format(struct store_catalog *cat)
{
	/* Generation 1 goes to copy 1; copy 0 is blanked so that nothing of
	 * an old catalogue can win over the new one. */
	memset(cat->io, 0, cat->dev->block_size);
	int err = cat->dev->write(cat->dev->ctx, cat->base, 1, cat->io);
	if (err)
		return err;
	memset(cat->entries, 0, sizeof(struct store_entry) * cat->capacity);
	cat->generation = 0;
	cat->damaged_copies = 0;
	err = catalog_write(cat);
	cat->loaded = err == 0;
	return err;
}

static struct store_entry *entry_find(const struct store_catalog *cat, const char *name)
{
	for (uint32_t i = 0; i < cat->capacity; i++) {
		struct store_entry *e = &cat->entries[i];
		if (entry_used(e) && strncmp(e->name, name, sizeof(e->name)) == 0)
			return e;
	}
	return NULL;
}

const struct store_entry *store_catalog_lookup(const struct store_catalog *cat,
					       const char *name)
{
	return cat->loaded ? entry_find(cat, name) : NULL;
}

static bool ranges_overlap(const struct store_entry *a, const struct store_entry *b)
{
	if (a->nsid != b->nsid)
		return false;
	if ((a->flags | b->flags) & STORE_ENTRY_NAMESPACE)
		return true;
	return a->first_block < b->first_block + b->block_count &&
	       b->first_block < a->first_block + a->block_count;
}

static int create_check(const struct store_catalog *cat, const struct store_entry *e,
			struct store_entry **slot)
{
	*slot = NULL;
	for (uint32_t i = 0; i < cat->capacity; i++) {
		struct store_entry *other = &cat->entries[i];
		if (!entry_used(other)) {
			if (!*slot)
				*slot = other;
			continue;
		}
		if (strncmp(other->name, e->name, sizeof(e->name)) == 0)
			return -SIETCH_EEXIST;
		if (ranges_overlap(other, e))
			return -SIETCH_EBUSY;
	}
	return *slot ? 0 : -SIETCH_ENOSPC;
}

int store_catalog_create(struct store_catalog *cat, const struct store_entry *area)
{
	struct store_entry e = *area, *slot;

	if (!cat->loaded)
		return -SIETCH_EIO;
	e.flags |= STORE_ENTRY_USED;
	e.reserved0 = 0;
	memset(e.reserved, 0, sizeof(e.reserved));
	if (strnlen(area->name, sizeof(area->name)) == sizeof(area->name))
		return -SIETCH_EINVAL;
	memset(e.name + strlen(e.name), 0, sizeof(e.name) - strlen(e.name));
	if (!entry_valid(&e))
		return -SIETCH_EINVAL;
	int err = create_check(cat, &e, &slot);
	if (err)
		return err;

	e.created = cat->generation + 1;
	*slot = e;
	err = catalog_write(cat);
	if (err)
		memset(slot, 0, sizeof(*slot));
	return err;
}

/* The entry named name, in a catalogue that was read, for a change. */
static int entry_to_change(struct store_catalog *cat, const char *name, struct store_entry **out)
{
	if (!cat->loaded)
		return -SIETCH_EIO;
	*out = entry_find(cat, name);
	return *out ? 0 : -SIETCH_ENOENT;
}

/* Writes the catalogue with *e changed; when the write fails, *e is put back as
 * it was (saved), so that memory still says what the disk holds. */
static int catalog_write_or_undo(struct store_catalog *cat, struct store_entry *e, const struct store_entry *saved)
{
	int err = catalog_write(cat);
	if (err)
		*e = *saved;
	return err;
}

int store_catalog_remove(struct store_catalog *cat, const char *name)
{
	struct store_entry *e;
	int err = entry_to_change(cat, name, &e);
	if (err)
		return err;

	struct store_entry saved = *e;
	memset(e, 0, sizeof(*e));
	return catalog_write_or_undo(cat, e, &saved);
}

int store_catalog_set_rights(struct store_catalog *cat, const char *name, uint32_t owner_rights,
			     uint32_t other_rights)
{
	if ((owner_rights | other_rights) & ~STORE_RIGHTS)
		return -SIETCH_EINVAL;
	struct store_entry *e;
	int err = entry_to_change(cat, name, &e);
	if (err)
		return err;

	struct store_entry saved = *e;
	e->owner_rights = owner_rights;
	e->other_rights = other_rights;
	return catalog_write_or_undo(cat, e, &saved);
}

int store_catalog_find_free(const struct store_catalog *cat, uint32_t nsid, uint64_t first,
			    uint64_t span, uint64_t count, uint64_t *found)
{
	uint64_t candidate = first;
	bool moved = true;

	if (count == 0 || first + span < first)
		return -SIETCH_EINVAL;
	/* Each pass moves the candidate past one area it overlaps; with no
	 * move in a whole pass it is free. */
	while (moved) {
		moved = false;
		if (candidate + count < candidate || candidate + count > first + span)
			return -SIETCH_ENOSPC;
		struct store_entry want = { .nsid = nsid, .first_block = candidate, .block_count = count };
		for (uint32_t i = 0; i < cat->capacity; i++) {
			const struct store_entry *e = &cat->entries[i];
			if (!entry_used(e) || !ranges_overlap(e, &want))
				continue;
			if (e->flags & STORE_ENTRY_NAMESPACE)
				return -SIETCH_ENOSPC;
			candidate = e->first_block + e->block_count;
			moved = true;
			break;
		}
	}
	*found = candidate;
	return 0;
}
