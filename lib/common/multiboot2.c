/*
 * Multiboot2 boot information, Multiboot2 spec 2.0 §3.6.
 */
#include "lib/common/multiboot2.h"

#include "lib/common/string.h"

/* The RSDP is 20 bytes in ACPI 1.0 and 36 from 2.0 (ACPI 6.4 §5.2.5.3). */
#define RSDP_V1_LEN 20
#define RSDP_V2_LEN 36

uint32_t mb2_total_size(const void *info)
{
	return info ? ((const struct mb2_info_header *)info)->total_size : 0;
}

static uint64_t align_up(uint64_t v)
{
	return (v + MB2_TAG_ALIGN - 1) & ~(uint64_t)(MB2_TAG_ALIGN - 1);
}

/* The tag at byte offset off, if it lies wholly inside the block. */
static const struct mb2_tag *tag_at(const void *info, uint32_t total, uint64_t off)
{
	if (off + sizeof(struct mb2_tag) > total)
		return NULL;
	const struct mb2_tag *tag = (const void *)((const char *)info + off);
	if (tag->size < sizeof(struct mb2_tag) || off + tag->size > total ||
	    tag->type == MB2_TAG_END)
		return NULL;
	return tag;
}

const struct mb2_tag *mb2_find(const void *info, uint32_t type, const struct mb2_tag *after)
{
	uint32_t total = mb2_total_size(info);
	uint64_t off = sizeof(struct mb2_info_header);

	if (after) {
		/* after came from mb2_find, so it is a valid tag inside info */
		if ((const char *)after < (const char *)info + off ||
		    after->size < sizeof(struct mb2_tag))
			return NULL;
		off = (uint64_t)((const char *)after - (const char *)info) + align_up(after->size);
	}
	for (const struct mb2_tag *tag; (tag = tag_at(info, total, off)); off += align_up(tag->size)) {
		if (tag->type == type)
			return tag;
	}
	return NULL;
}

/* The string at the end of a tag, or "" if no NUL ends it inside the tag. */
static const char *tag_string(const struct mb2_tag *tag, size_t header)
{
	if (tag->size <= header)
		return "";
	const char *s = (const char *)tag + header;
	size_t room = tag->size - header;
	return strnlen(s, room) < room ? s : "";
}

const char *mb2_cmdline(const void *info)
{
	const struct mb2_tag *tag = mb2_find(info, MB2_TAG_CMDLINE, NULL);

	return tag ? tag_string(tag, sizeof(struct mb2_tag_string)) : "";
}

static const struct mb2_tag_mmap *mmap_tag(const void *info, size_t *count)
{
	const struct mb2_tag *tag = mb2_find(info, MB2_TAG_MMAP, NULL);
	*count = 0;
	if (!tag || tag->size < sizeof(struct mb2_tag_mmap))
		return NULL;
	const struct mb2_tag_mmap *mm = (const void *)tag;
	if (mm->entry_size < sizeof(struct mb2_mmap_entry))
		return NULL;
	*count = (tag->size - sizeof(*mm)) / mm->entry_size;
	return mm;
}

size_t mb2_mmap_count(const void *info)
{
	size_t count;

	mmap_tag(info, &count);
	return count;
}

bool mb2_mmap_entry(const void *info, size_t i, uint64_t *base, uint64_t *len, uint32_t *type)
{
	size_t count;
	const struct mb2_tag_mmap *mm = mmap_tag(info, &count);
	struct mb2_mmap_entry e;

	if (i >= count)
		return false;
	/* entry_size need only be a multiple of 8 (§3.6.8): copy, don't cast */
	memcpy(&e, (const char *)(mm + 1) + i * mm->entry_size, sizeof(e));
	*base = e.base_addr;
	*len = e.length;
	*type = e.type;
	return true;
}

const void *mb2_rsdp(const void *info, size_t *len)
{
	const struct mb2_tag *tag = mb2_find(info, MB2_TAG_ACPI_NEW, NULL);
	size_t need = RSDP_V2_LEN;

	if (!tag || tag->size < sizeof(struct mb2_tag_rsdp) + need) {
		tag = mb2_find(info, MB2_TAG_ACPI_OLD, NULL);
		need = RSDP_V1_LEN;
	}
	if (!tag || tag->size < sizeof(struct mb2_tag_rsdp) + need)
		return NULL;
	*len = tag->size - sizeof(struct mb2_tag_rsdp);
	return ((const struct mb2_tag_rsdp *)tag)->rsdp;
}

/* The i-th well-formed module tag; a tag too short to be one is skipped. */
static const struct mb2_tag_module *module_tag(const void *info, size_t i)
{
	for (const struct mb2_tag *tag = mb2_find(info, MB2_TAG_MODULE, NULL); tag;
	     tag = mb2_find(info, MB2_TAG_MODULE, tag)) {
		if (tag->size >= sizeof(struct mb2_tag_module) && i-- == 0)
			return (const void *)tag;
	}
	return NULL;
}

bool mb2_module(const void *info, size_t i, uint32_t *start, uint32_t *end, const char **string)
{
	const struct mb2_tag_module *mod = module_tag(info, i);

	if (!mod)
		return false;
	*start = mod->mod_start;
	*end = mod->mod_end;
	*string = tag_string((const struct mb2_tag *)mod, sizeof(*mod));
	return true;
}
