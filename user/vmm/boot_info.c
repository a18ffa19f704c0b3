/*
 * Multiboot2 boot information, written (spec 2.0 §3.6); see boot_info.h.
 */
#include "user/vmm/boot_info.h"

#include <string.h>

static size_t align8(size_t v) { return (v + MB2_TAG_ALIGN - 1) & ~(size_t)(MB2_TAG_ALIGN - 1); }

void boot_info_init(struct boot_info *b, void *buf, size_t room)
{
	b->buf = buf;
	b->room = room;
	b->used = sizeof(struct mb2_info_header);
	b->overflow = room < b->used;
}

/* Room for a tag of size bytes (header included) at the end, zeroed, or NULL. */
static uint8_t *tag_reserve(struct boot_info *b, uint32_t type, size_t size)
{
	if (b->overflow || size > UINT32_MAX || align8(size) > b->room - b->used) {
		b->overflow = true;
		return NULL;
	}
	uint8_t *p = b->buf + b->used;
	memset(p, 0, align8(size));
	struct mb2_tag tag = { type, (uint32_t)size };
	memcpy(p, &tag, sizeof(tag));
	b->used += align8(size);
	return p;
}

void boot_info_string(struct boot_info *b, uint32_t type, const char *s)
{
	size_t len = strlen(s) + 1;
	uint8_t *p = tag_reserve(b, type, sizeof(struct mb2_tag_string) + len);
	if (p)
		memcpy(p + sizeof(struct mb2_tag_string), s, len);
}

void boot_info_meminfo(struct boot_info *b, uint32_t lower_kib, uint32_t upper_kib)
{
	uint8_t *p = tag_reserve(b, MB2_TAG_BASIC_MEMINFO, sizeof(struct mb2_tag) + 8);
	if (!p)
		return;
	memcpy(p + 8, &lower_kib, 4);
	memcpy(p + 12, &upper_kib, 4);
}

void boot_info_mmap(struct boot_info *b, const struct mb2_mmap_entry *entries, size_t count)
{
	size_t size = sizeof(struct mb2_tag_mmap) + count * sizeof(*entries);
	uint8_t *p = tag_reserve(b, MB2_TAG_MMAP, size);
	if (!p)
		return;
	struct mb2_tag_mmap head = { MB2_TAG_MMAP, (uint32_t)size, sizeof(*entries), 0 };
	memcpy(p, &head, sizeof(head));
	memcpy(p + sizeof(head), entries, count * sizeof(*entries));
}

void boot_info_module(struct boot_info *b, uint32_t start, uint32_t end, const char *name)
{
	size_t len = strlen(name) + 1;
	uint8_t *p = tag_reserve(b, MB2_TAG_MODULE, sizeof(struct mb2_tag_module) + len);
	if (!p)
		return;
	memcpy(p + offsetof(struct mb2_tag_module, mod_start), &start, 4);
	memcpy(p + offsetof(struct mb2_tag_module, mod_end), &end, 4);
	memcpy(p + sizeof(struct mb2_tag_module), name, len);
}

void boot_info_rsdp(struct boot_info *b, const void *rsdp, size_t len)
{
	/* ACPI 6.4 §5.2.5.3: 36 bytes from revision 2, 20 before */
	uint32_t type = len >= 36 ? MB2_TAG_ACPI_NEW : MB2_TAG_ACPI_OLD;
	uint8_t *p = tag_reserve(b, type, sizeof(struct mb2_tag_rsdp) + len);
	if (p)
		memcpy(p + sizeof(struct mb2_tag_rsdp), rsdp, len);
}

size_t boot_info_finish(struct boot_info *b)
{
	tag_reserve(b, MB2_TAG_END, sizeof(struct mb2_tag));
	if (b->overflow || b->used > UINT32_MAX)
		return 0;
	struct mb2_info_header head = { (uint32_t)b->used, 0 };
	memcpy(b->buf, &head, sizeof(head));
	return b->used;
}
