/*
 * ELF64 executables, System V gABI and AMD64 psABI.
 */
#include "lib/common/elf.h"

#include "lib/common/string.h"

/* The parts of the ELF header that do not involve program headers. */
static int check_ident(const struct elf64_ehdr *eh)
{
	if (memcmp(eh->e_ident, "\x7f" "ELF", 4) != 0)
		return ELF_ERR_MAGIC;
	if (eh->e_ident[ELF_EI_CLASS] != ELF_CLASS64)
		return ELF_ERR_CLASS;
	if (eh->e_ident[ELF_EI_DATA] != ELF_DATA2LSB)
		return ELF_ERR_DATA;
	if (eh->e_ident[ELF_EI_VERSION] != ELF_EV_CURRENT || eh->e_version != ELF_EV_CURRENT)
		return ELF_ERR_VERSION;
	if (eh->e_type != ELF_ET_EXEC)
		return ELF_ERR_TYPE;
	if (eh->e_machine != ELF_EM_X86_64)
		return ELF_ERR_MACHINE;
	return ELF_OK;
}

/* The header, copied out (the image need not be aligned), and checked up to
 * the bounds of the program header table. */
static int read_header(const void *image, size_t size, struct elf64_ehdr *eh)
{
	if (!image || size < sizeof(*eh))
		return ELF_ERR_TOO_SMALL;
	memcpy(eh, image, sizeof(*eh));
	int err = check_ident(eh);
	if (err)
		return err;
	if (eh->e_phentsize != sizeof(struct elf64_phdr) || eh->e_phnum == 0 ||
	    eh->e_phnum > ELF_MAX_PHDRS)
		return ELF_ERR_PHDRS;
	uint64_t table = (uint64_t)eh->e_phnum * sizeof(struct elf64_phdr); /* at most 64*56 */
	if (eh->e_phoff > size || table > size - eh->e_phoff)
		return ELF_ERR_PHDRS;
	return ELF_OK;
}

static void read_phdr(const void *image, const struct elf64_ehdr *eh, size_t i, struct elf64_phdr *ph)
{
	memcpy(ph, (const char *)image + eh->e_phoff + i * sizeof(*ph), sizeof(*ph));
}

static bool segment_ok(const struct elf64_phdr *ph, size_t size)
{
	if (ph->p_filesz > ph->p_memsz)
		return false;
	if (ph->p_offset > size || ph->p_filesz > size - ph->p_offset)
		return false;
	/* both tests, so vaddr + memsz can neither wrap nor leave the lower half */
	return ph->p_vaddr < ELF_USER_TOP && ph->p_memsz <= ELF_USER_TOP - ph->p_vaddr;
}

static void to_segment(const struct elf64_phdr *ph, struct elf_segment *out)
{
	out->vaddr = ph->p_vaddr;
	out->memsz = ph->p_memsz;
	out->filesz = ph->p_filesz;
	out->offset = ph->p_offset;
	out->flags = ph->p_flags & (ELF_PF_R | ELF_PF_W | ELF_PF_X);
}

int elf_check(const void *image, size_t size, struct elf_info *out)
{
	struct elf64_ehdr eh;
	struct elf64_phdr ph;
	size_t loads = 0;
	bool entry_ok = false;

	int err = read_header(image, size, &eh);
	if (err)
		return err;
	for (size_t i = 0; i < eh.e_phnum; i++) {
		read_phdr(image, &eh, i, &ph);
		if (ph.p_type != ELF_PT_LOAD)
			continue;
		if (!segment_ok(&ph, size))
			return ELF_ERR_SEGMENT;
		loads++;
		if ((ph.p_flags & ELF_PF_X) && eh.e_entry >= ph.p_vaddr &&
		    eh.e_entry - ph.p_vaddr < ph.p_memsz)
			entry_ok = true;
	}
	if (eh.e_entry == 0 || !entry_ok)
		return ELF_ERR_ENTRY;
	if (out) {
		out->entry = eh.e_entry;
		out->phoff = eh.e_phoff;
		out->phnum = eh.e_phnum;
		out->segments = loads;
	}
	return ELF_OK;
}

bool elf_segment(const void *image, size_t size, size_t i, struct elf_segment *out)
{
	struct elf64_ehdr eh;
	struct elf64_phdr ph;

	if (read_header(image, size, &eh) != ELF_OK)
		return false;
	for (size_t n = 0; n < eh.e_phnum; n++) {
		read_phdr(image, &eh, n, &ph);
		if (ph.p_type != ELF_PT_LOAD || i-- > 0)
			continue;
		if (!segment_ok(&ph, size))
			return false;
		to_segment(&ph, out);
		return true;
	}
	return false;
}

/* The pages [*first, *end) of page_size bytes segment covers. */
static void segment_pages(const struct elf_segment *seg, uint64_t page_size, uint64_t *first, uint64_t *end)
{
	*first = seg->vaddr & ~(page_size - 1);
	*end = (seg->vaddr + seg->memsz + page_size - 1) & ~(page_size - 1);
}

bool elf_segments_overlap(const void *image, size_t size, uint64_t page_size)
{
	struct elf_segment a, b;
	uint64_t a_first, a_end, b_first, b_end;

	for (size_t i = 0; elf_segment(image, size, i, &a); i++) {
		segment_pages(&a, page_size, &a_first, &a_end);
		for (size_t j = 0; j < i && elf_segment(image, size, j, &b); j++) {
			segment_pages(&b, page_size, &b_first, &b_end);
			if (a_first < b_end && b_first < a_end)
				return true;
		}
	}
	return false;
}

const char *elf_strerror(int err)
{
	switch (err) {
	case ELF_OK: return "ok";
	case ELF_ERR_TOO_SMALL: return "too small for an ELF header";
	case ELF_ERR_MAGIC: return "not an ELF file";
	case ELF_ERR_CLASS: return "not ELFCLASS64";
	case ELF_ERR_DATA: return "not little-endian";
	case ELF_ERR_VERSION: return "unknown ELF version";
	case ELF_ERR_TYPE: return "not an executable (ET_EXEC)";
	case ELF_ERR_MACHINE: return "not x86-64";
	case ELF_ERR_PHDRS: return "bad program header table";
	case ELF_ERR_SEGMENT: return "bad loadable segment";
	case ELF_ERR_ENTRY: return "entry point outside executable code";
	default: return "unknown error";
	}
}
