/*
 * Writing a Multiboot2 boot information block (Multiboot2 spec 2.0 §3.6)
 * for a guest: the same format lib/common/multiboot2.c reads, built tag by
 * tag into a buffer. A builder that runs out of room remembers it, and
 * boot_info_finish then says 0, so callers check once at the end.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/common/multiboot2.h"

struct boot_info {
	uint8_t *buf; /* 8-aligned */
	size_t room, used;
	bool overflow;
};

void boot_info_init(struct boot_info *b, void *buf, size_t room);
/* A string tag: MB2_TAG_CMDLINE or MB2_TAG_BOOTLOADER_NAME. */
void boot_info_string(struct boot_info *b, uint32_t type, const char *s);
/* Lower and upper memory in KiB (§3.6.6). */
void boot_info_meminfo(struct boot_info *b, uint32_t lower_kib, uint32_t upper_kib);
void boot_info_mmap(struct boot_info *b, const struct mb2_mmap_entry *entries, size_t count);
/* A module at guest-physical [start, end) with its string. */
void boot_info_module(struct boot_info *b, uint32_t start, uint32_t end, const char *name);
/* A copy of the RSDP: tag 15 for a 36-byte ACPI 2.0+ one, else tag 14 (§3.6.15-16). */
void boot_info_rsdp(struct boot_info *b, const void *rsdp, size_t len);
/* Adds the end tag and the header; the block's total size, or 0 if it did not fit. */
size_t boot_info_finish(struct boot_info *b);
