/*
 * Reading the Multiboot2 boot information (Multiboot2 spec 2.0 §3.6,
 * "Boot information format"): an 8-byte header then 8-byte-aligned tags,
 * closed by an end tag. Every reader here stays inside total_size, and a tag
 * whose size is below 8 or runs past the end stops the walk, so a corrupt
 * block yields "not found" rather than a wild read.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* EAX on entry from a Multiboot2 loader (§3.3, "Machine state"). */
#define MB2_BOOTLOADER_MAGIC 0x36d76289u

/* Tag types (§3.6.2 onwards). */
#define MB2_TAG_END 0
#define MB2_TAG_CMDLINE 1          /* §3.6.3 */
#define MB2_TAG_BOOTLOADER_NAME 2  /* §3.6.4 */
#define MB2_TAG_MODULE 3           /* §3.6.5 */
#define MB2_TAG_BASIC_MEMINFO 4    /* §3.6.6 */
#define MB2_TAG_MMAP 6             /* §3.6.8 */
#define MB2_TAG_FRAMEBUFFER 8      /* §3.6.11 */
#define MB2_TAG_ACPI_OLD 14        /* §3.6.15: a copy of an ACPI 1.0 RSDP */
#define MB2_TAG_ACPI_NEW 15        /* §3.6.16: a copy of an ACPI 2.0+ RSDP */

#define MB2_TAG_ALIGN 8

/* Memory map entry types (§3.6.8). */
#define MB2_MEMORY_AVAILABLE 1
#define MB2_MEMORY_RESERVED 2
#define MB2_MEMORY_ACPI_RECLAIMABLE 3
#define MB2_MEMORY_NVS 4
#define MB2_MEMORY_BADRAM 5

struct mb2_info_header {
	uint32_t total_size; /* including this header and the end tag */
	uint32_t reserved;
};

struct mb2_tag {
	uint32_t type;
	uint32_t size; /* including this header, excluding padding to 8 */
};

struct mb2_tag_string { /* cmdline (1) and boot loader name (2) */
	uint32_t type;
	uint32_t size;
	char string[]; /* NUL-terminated UTF-8 */
};

struct mb2_tag_module {
	uint32_t type;
	uint32_t size;
	uint32_t mod_start; /* physical, first byte */
	uint32_t mod_end;   /* physical, one past the last byte */
	char string[];
};

struct mb2_tag_mmap {
	uint32_t type;
	uint32_t size;
	uint32_t entry_size; /* a multiple of 8, at least 24 */
	uint32_t entry_version;
	/* entries follow */
};

struct mb2_mmap_entry {
	uint64_t base_addr;
	uint64_t length;
	uint32_t type;
	uint32_t reserved;
};

struct mb2_tag_rsdp { /* ACPI old (14) and new (15) */
	uint32_t type;
	uint32_t size;
	uint8_t rsdp[]; /* the RSDP as found in memory */
};

_Static_assert(sizeof(struct mb2_info_header) == 8, "§3.6.1");
_Static_assert(sizeof(struct mb2_tag) == 8, "§3.6.1");
_Static_assert(sizeof(struct mb2_tag_string) == 8, "§3.6.3");
_Static_assert(sizeof(struct mb2_tag_module) == 16, "§3.6.5");
_Static_assert(offsetof(struct mb2_tag_module, mod_end) == 12, "§3.6.5");
_Static_assert(sizeof(struct mb2_tag_mmap) == 16, "§3.6.8");
_Static_assert(sizeof(struct mb2_mmap_entry) == 24, "§3.6.8");
_Static_assert(offsetof(struct mb2_mmap_entry, type) == 16, "§3.6.8");
_Static_assert(sizeof(struct mb2_tag_rsdp) == 8, "§3.6.15");

/* total_size, or 0 if info is NULL. */
uint32_t mb2_total_size(const void *info);

/* The first tag of type after `after` (NULL: from the start), or NULL. */
const struct mb2_tag *mb2_find(const void *info, uint32_t type, const struct mb2_tag *after);

/* The kernel command line, "" when absent or not NUL-terminated in its tag. */
const char *mb2_cmdline(const void *info);

/* Memory map entries (all of them, every type). */
size_t mb2_mmap_count(const void *info);
bool mb2_mmap_entry(const void *info, size_t i, uint64_t *base, uint64_t *len, uint32_t *type);

/* The RSDP copied by the loader, preferring the ACPI 2.0+ one; *len is its
 * length in the tag. NULL if neither tag is there (or too short). */
const void *mb2_rsdp(const void *info, size_t *len);

/* The i-th module: its physical [start, end) and its string ("" if none). */
bool mb2_module(const void *info, size_t i, uint32_t *start, uint32_t *end, const char **string);
