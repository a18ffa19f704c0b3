/*
 * A Multiboot2 ELF kernel into guest memory; see guest_elf.h.
 */
#include "user/vmm/guest_elf.h"

#include <stdbool.h>
#include <string.h>

#include "lib/common/elf.h"

#define MB2_HEADER_ALIGN 8
#define MB2_ARCH_I386 0 /* spec §3.1.1: 32-bit protected mode */

struct mb2_header {
	uint32_t magic, architecture, header_length, checksum;
};

struct mb2_header_tag {
	uint16_t type, flags;
	uint32_t size;
};

/* Whether the tags after the header include an address tag (§3.1.5), which
 * asks for a.out-style loading: only ELF loading is done here. */
static bool has_address_tag(const uint8_t *p, uint32_t length)
{
	for (uint32_t off = sizeof(struct mb2_header); off + sizeof(struct mb2_header_tag) <= length;) {
		struct mb2_header_tag tag;
		memcpy(&tag, p + off, sizeof(tag));
		if (tag.type == 0 || tag.size < sizeof(tag))
			return false; /* the end tag (§3.1.3), or a malformed one: stop */
		if (tag.type == MB2_HEADER_TAG_ADDRESS)
			return true;
		off += (tag.size + 7) & ~7u;
	}
	return false;
}

long guest_elf_mb2_header(const void *image, size_t size)
{
	const uint8_t *p = image;
	size_t limit = size < MB2_HEADER_SEARCH ? size : MB2_HEADER_SEARCH;
	for (size_t off = 0; off + sizeof(struct mb2_header) <= limit; off += MB2_HEADER_ALIGN) {
		struct mb2_header h;
		memcpy(&h, p + off, sizeof(h));
		if (h.magic != MB2_HEADER_MAGIC || h.magic + h.architecture + h.header_length + h.checksum != 0)
			continue;
		if (h.header_length < sizeof(h) || h.header_length > size - off)
			continue;
		if (h.architecture != MB2_ARCH_I386 || has_address_tag(p + off, h.header_length))
			return GUEST_ELF_UNSUPPORTED;
		return (long)off;
	}
	return GUEST_ELF_NO_HEADER;
}

static bool ehdr_ok(const struct elf64_ehdr *e, size_t size)
{
	return memcmp(e->e_ident, "\x7f" "ELF", 4) == 0 && e->e_ident[ELF_EI_CLASS] == ELF_CLASS64 &&
	       e->e_ident[ELF_EI_DATA] == ELF_DATA2LSB && e->e_type == ELF_ET_EXEC &&
	       e->e_machine == ELF_EM_X86_64 && e->e_phentsize == sizeof(struct elf64_phdr) &&
	       e->e_phnum > 0 && e->e_phnum <= ELF_MAX_PHDRS && e->e_phoff <= size &&
	       (size - e->e_phoff) / sizeof(struct elf64_phdr) >= e->e_phnum;
}

/* Checks one PT_LOAD segment against the image and guest memory. */
static bool segment_ok(const struct elf64_phdr *ph, size_t size, uint64_t ram_size)
{
	return ph->p_filesz <= ph->p_memsz && ph->p_offset <= size && ph->p_filesz <= size - ph->p_offset &&
	       ph->p_paddr <= ram_size && ph->p_memsz <= ram_size - ph->p_paddr;
}

int guest_elf_load(const void *image, size_t size, uint8_t *ram, uint64_t ram_size, uint32_t *entry,
		   uint64_t *end)
{
	long header = guest_elf_mb2_header(image, size);
	if (header < 0)
		return (int)header;
	struct elf64_ehdr e;
	if (size < sizeof(e))
		return GUEST_ELF_NOT_ELF;
	memcpy(&e, image, sizeof(e));
	if (!ehdr_ok(&e, size))
		return GUEST_ELF_NOT_ELF;
	uint64_t entry_phys = UINT64_MAX, top = 0;
	for (uint16_t i = 0; i < e.e_phnum; i++) {
		struct elf64_phdr ph;
		memcpy(&ph, (const uint8_t *)image + e.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != ELF_PT_LOAD)
			continue;
		if (!segment_ok(&ph, size, ram_size))
			return GUEST_ELF_SEGMENT;
		memcpy(ram + ph.p_paddr, (const uint8_t *)image + ph.p_offset, ph.p_filesz);
		memset(ram + ph.p_paddr + ph.p_filesz, 0, ph.p_memsz - ph.p_filesz);
		/* GRUB translates an entry inside a segment from its virtual to its physical address */
		if (e.e_entry >= ph.p_vaddr && e.e_entry - ph.p_vaddr < ph.p_memsz)
			entry_phys = ph.p_paddr + (e.e_entry - ph.p_vaddr);
		if (ph.p_paddr + ph.p_memsz > top)
			top = ph.p_paddr + ph.p_memsz;
	}
	if (entry_phys > UINT32_MAX)
		return GUEST_ELF_ENTRY;
	*entry = (uint32_t)entry_phys;
	*end = top;
	return GUEST_ELF_OK;
}

const char *guest_elf_strerror(int err)
{
	switch (err) {
	case GUEST_ELF_OK: return "ok";
	case GUEST_ELF_NO_HEADER: return "no Multiboot2 header in the first 32 KiB";
	case GUEST_ELF_NOT_ELF: return "not an ELF64 x86-64 executable";
	case GUEST_ELF_SEGMENT: return "a segment lies outside the file or the guest's memory";
	case GUEST_ELF_ENTRY: return "the entry point is in no segment below 4 GiB";
	case GUEST_ELF_UNSUPPORTED: return "a Multiboot2 header this loader does not handle";
	default: return "unknown error";
	}
}
