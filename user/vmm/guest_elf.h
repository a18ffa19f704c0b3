/*
 * Loading a Multiboot2 kernel into guest memory, as GRUB's multiboot2
 * loader does: find the Multiboot2 header (spec 2.0 §3.1: 8-aligned, in the
 * first 32 KiB, magic and checksum), then copy each ELF64 PT_LOAD segment to
 * its physical address (p_paddr) and zero its bss; the entry is e_entry
 * translated from the segment's virtual to its physical address. Only the
 * header form Sietch's kernel uses is accepted: i386 architecture and no
 * address tag (ELF loading). Freestanding and host-tested.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define MB2_HEADER_MAGIC 0xe85250d6u   /* spec §3.1.1 */
#define MB2_HEADER_SEARCH 32768        /* spec §3.1: within the first 32 KiB */
#define MB2_HEADER_TAG_ADDRESS 2       /* spec §3.1.5: a.out kludge, not supported */

#define GUEST_ELF_OK 0
#define GUEST_ELF_NO_HEADER (-1)   /* no valid Multiboot2 header */
#define GUEST_ELF_NOT_ELF (-2)     /* not an ELF64 x86-64 executable */
#define GUEST_ELF_SEGMENT (-3)     /* a segment lies outside the image or guest memory */
#define GUEST_ELF_ENTRY (-4)       /* the entry is in no segment, or not below 4 GiB */
#define GUEST_ELF_UNSUPPORTED (-5) /* an address tag, or another architecture */

/* Offset of the Multiboot2 header in image, or GUEST_ELF_NO_HEADER / _UNSUPPORTED. */
long guest_elf_mb2_header(const void *image, size_t size);

/* Loads image into ram (guest-physical 0 .. ram_size). GUEST_ELF_OK with the
 * physical entry point and the end of the highest segment, or an error. */
int guest_elf_load(const void *image, size_t size, uint8_t *ram, uint64_t ram_size, uint32_t *entry,
		   uint64_t *end);

const char *guest_elf_strerror(int err);
