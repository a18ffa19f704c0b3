/*
 * Checking an ELF64 executable before loading it, and listing its loadable
 * segments (System V gABI, "ELF Header" and "Program Header"; AMD64 psABI
 * §4). Only what a static x86-64 executable needs: ET_EXEC, PT_LOAD.
 * Nothing here trusts the image: every offset and size is checked against
 * the image size and for overflow.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* gABI "ELF Header" */
#define ELF_EI_NIDENT 16
#define ELF_EI_CLASS 4
#define ELF_EI_DATA 5
#define ELF_EI_VERSION 6
#define ELF_CLASS64 2
#define ELF_DATA2LSB 1
#define ELF_EV_CURRENT 1
#define ELF_ET_EXEC 2
#define ELF_EM_X86_64 62 /* AMD64 psABI §4.1.1 */

/* gABI "Program Header" */
#define ELF_PT_LOAD 1
#define ELF_PF_X 1
#define ELF_PF_W 2
#define ELF_PF_R 4
#define ELF_PN_XNUM 0xffff /* phnum is elsewhere: not supported */

/* More program headers than any static executable has; Linux also limits
 * the table, to one page (fs/binfmt_elf.c). Keeps iteration cheap. */
#define ELF_MAX_PHDRS 64

/* Where user space ends: the top of the lower canonical half (Intel SDM
 * vol.1 §3.3.7.1). */
#define ELF_USER_TOP 0x0000800000000000ull

struct elf64_ehdr {
	uint8_t e_ident[ELF_EI_NIDENT];
	uint16_t e_type;
	uint16_t e_machine;
	uint32_t e_version;
	uint64_t e_entry;
	uint64_t e_phoff;
	uint64_t e_shoff;
	uint32_t e_flags;
	uint16_t e_ehsize;
	uint16_t e_phentsize;
	uint16_t e_phnum;
	uint16_t e_shentsize;
	uint16_t e_shnum;
	uint16_t e_shstrndx;
};
_Static_assert(sizeof(struct elf64_ehdr) == 64, "gABI ELF header");
_Static_assert(offsetof(struct elf64_ehdr, e_entry) == 24, "gABI ELF header");
_Static_assert(offsetof(struct elf64_ehdr, e_phoff) == 32, "gABI ELF header");
_Static_assert(offsetof(struct elf64_ehdr, e_phentsize) == 54, "gABI ELF header");
_Static_assert(offsetof(struct elf64_ehdr, e_phnum) == 56, "gABI ELF header");

struct elf64_phdr {
	uint32_t p_type;
	uint32_t p_flags;
	uint64_t p_offset;
	uint64_t p_vaddr;
	uint64_t p_paddr;
	uint64_t p_filesz;
	uint64_t p_memsz;
	uint64_t p_align;
};
_Static_assert(sizeof(struct elf64_phdr) == 56, "gABI program header");
_Static_assert(offsetof(struct elf64_phdr, p_filesz) == 32, "gABI program header");

/* elf_check results */
#define ELF_OK 0
#define ELF_ERR_TOO_SMALL (-1) /* shorter than the ELF header */
#define ELF_ERR_MAGIC (-2)     /* not \x7fELF */
#define ELF_ERR_CLASS (-3)     /* not ELFCLASS64 */
#define ELF_ERR_DATA (-4)      /* not little-endian */
#define ELF_ERR_VERSION (-5)   /* EI_VERSION or e_version not EV_CURRENT */
#define ELF_ERR_TYPE (-6)      /* not ET_EXEC */
#define ELF_ERR_MACHINE (-7)   /* not EM_X86_64 */
#define ELF_ERR_PHDRS (-8)     /* program headers missing, too many, wrong size, out of bounds */
#define ELF_ERR_SEGMENT (-9)   /* a PT_LOAD segment fails elf_segment's checks */
#define ELF_ERR_ENTRY (-10)    /* entry 0, or not inside an executable PT_LOAD segment */

struct elf_info {
	uint64_t entry;
	uint64_t phoff;
	uint16_t phnum;
	size_t segments; /* PT_LOAD segments: elf_segment's i runs below this */
};

struct elf_segment {
	uint64_t vaddr;
	uint64_t memsz;  /* bytes in memory; those past filesz are zero */
	uint64_t filesz; /* bytes taken from the image */
	uint64_t offset; /* of those bytes in the image */
	uint32_t flags;  /* ELF_PF_R | ELF_PF_W | ELF_PF_X */
};

/* ELF_OK and *out filled (if out is not NULL), or an ELF_ERR_* code. */
int elf_check(const void *image, size_t size, struct elf_info *out);

/* The i-th PT_LOAD segment (other program headers are skipped). False if
 * there is no such segment or it is invalid: filesz > memsz, the file bytes
 * outside the image, or [vaddr, vaddr+memsz) not inside [0, ELF_USER_TOP). */
bool elf_segment(const void *image, size_t size, size_t i, struct elf_segment *out);

/* Whether two PT_LOAD segments touch the same page of page_size bytes (a
 * power of two): a loader that gives each page one segment's rights cannot
 * load such an image. */
bool elf_segments_overlap(const void *image, size_t size, uint64_t page_size);

/* Human-readable name of an elf_check result. */
const char *elf_strerror(int err);
