/* Host tests for lib/common/elf.c: minimal executables put together here,
 * then broken one field at a time. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/common/elf.c"

#define PT_GNU_STACK 0x6474e551u /* a non-PT_LOAD header to skip */
#define IMAGE_SIZE 0x300

struct image {
	struct elf64_ehdr eh;
	struct elf64_phdr ph[3];
	uint8_t rest[IMAGE_SIZE - 64 - 3 * 56];
};
_Static_assert(sizeof(struct image) == IMAGE_SIZE, "test image layout");

/* text RX at 0x400000 (the whole file), a GNU_STACK note, data RW at
 * 0x600000 with 0x10 bytes from the file and the rest zero. */
static void make_image(struct image *im)
{
	memset(im, 0, sizeof(*im));
	memcpy(im->eh.e_ident, "\x7f" "ELF", 4);
	im->eh.e_ident[ELF_EI_CLASS] = ELF_CLASS64;
	im->eh.e_ident[ELF_EI_DATA] = ELF_DATA2LSB;
	im->eh.e_ident[ELF_EI_VERSION] = ELF_EV_CURRENT;
	im->eh.e_type = ELF_ET_EXEC;
	im->eh.e_machine = ELF_EM_X86_64;
	im->eh.e_version = ELF_EV_CURRENT;
	im->eh.e_entry = 0x400100;
	im->eh.e_phoff = 64;
	im->eh.e_ehsize = 64;
	im->eh.e_phentsize = 56;
	im->eh.e_phnum = 3;
	im->ph[0] = (struct elf64_phdr){ ELF_PT_LOAD, ELF_PF_R | ELF_PF_X, 0, 0x400000, 0x400000,
					 0x200, 0x200, 0x1000 };
	im->ph[1] = (struct elf64_phdr){ PT_GNU_STACK, ELF_PF_R | ELF_PF_W, 0, 0, 0, 0, 0, 16 };
	im->ph[2] = (struct elf64_phdr){ ELF_PT_LOAD, ELF_PF_R | ELF_PF_W, 0x200, 0x600200, 0x600200,
					 0x10, 0x1000, 0x1000 };
}

/* elf_check on an exact-size heap copy, so overreads trip the sanitizer. */
static int check(const struct image *im, size_t size, struct elf_info *info)
{
	void *copy = malloc(size ? size : 1);
	memcpy(copy, im, size < sizeof(*im) ? size : sizeof(*im));
	int r = elf_check(copy, size, info);
	free(copy);
	return r;
}

static void test_valid(void **state)
{
	(void)state;
	struct image im;
	struct elf_info info;
	struct elf_segment seg;
	make_image(&im);

	assert_int_equal(check(&im, sizeof(im), &info), ELF_OK);
	assert_int_equal(info.entry, 0x400100);
	assert_int_equal(info.phnum, 3);
	assert_int_equal(info.segments, 2);
	assert_int_equal(elf_check(&im, sizeof(im), NULL), ELF_OK);

	assert_true(elf_segment(&im, sizeof(im), 0, &seg));
	assert_int_equal(seg.vaddr, 0x400000);
	assert_int_equal(seg.filesz, 0x200);
	assert_int_equal(seg.memsz, 0x200);
	assert_int_equal(seg.offset, 0);
	assert_int_equal(seg.flags, ELF_PF_R | ELF_PF_X);
	assert_true(elf_segment(&im, sizeof(im), 1, &seg)); /* GNU_STACK skipped */
	assert_int_equal(seg.vaddr, 0x600200);
	assert_int_equal(seg.filesz, 0x10);
	assert_int_equal(seg.memsz, 0x1000);
	assert_int_equal(seg.offset, 0x200);
	assert_int_equal(seg.flags, ELF_PF_R | ELF_PF_W);
	assert_false(elf_segment(&im, sizeof(im), 2, &seg));
	assert_false(elf_segment(&im, sizeof(im), (size_t)-1, &seg));
}

static void test_header_rejections(void **state)
{
	(void)state;
	struct image im;

	make_image(&im);
	assert_int_equal(check(&im, 63, NULL), ELF_ERR_TOO_SMALL);
	assert_int_equal(check(&im, 0, NULL), ELF_ERR_TOO_SMALL);
	assert_int_equal(elf_check(NULL, 0, NULL), ELF_ERR_TOO_SMALL);

#define REJECT(field_change, err)                                               \
	do {                                                                    \
		make_image(&im);                                                \
		field_change;                                                   \
		assert_int_equal(check(&im, sizeof(im), NULL), err);            \
		struct elf_segment s;                                           \
		assert_false(elf_segment(&im, sizeof(im), 0, &s));              \
	} while (0)

	REJECT(im.eh.e_ident[0] = 0x7e, ELF_ERR_MAGIC);
	REJECT(im.eh.e_ident[3] = 'f', ELF_ERR_MAGIC);
	REJECT(im.eh.e_ident[ELF_EI_CLASS] = 1, ELF_ERR_CLASS);
	REJECT(im.eh.e_ident[ELF_EI_DATA] = 2, ELF_ERR_DATA);
	REJECT(im.eh.e_ident[ELF_EI_VERSION] = 0, ELF_ERR_VERSION);
	REJECT(im.eh.e_version = 2, ELF_ERR_VERSION);
	REJECT(im.eh.e_type = 3 /* ET_DYN */, ELF_ERR_TYPE);
	REJECT(im.eh.e_type = 1 /* ET_REL */, ELF_ERR_TYPE);
	REJECT(im.eh.e_machine = 3 /* EM_386 */, ELF_ERR_MACHINE);
	REJECT(im.eh.e_phentsize = 32, ELF_ERR_PHDRS);
	REJECT(im.eh.e_phnum = 0, ELF_ERR_PHDRS);
	REJECT(im.eh.e_phnum = ELF_PN_XNUM, ELF_ERR_PHDRS);
	REJECT(im.eh.e_phnum = ELF_MAX_PHDRS + 1, ELF_ERR_PHDRS);
	REJECT(im.eh.e_phoff = IMAGE_SIZE, ELF_ERR_PHDRS);
	REJECT(im.eh.e_phoff = IMAGE_SIZE - 3 * 56 + 1, ELF_ERR_PHDRS);
	REJECT(im.eh.e_phoff = ~0ull - 8, ELF_ERR_PHDRS);
	REJECT(im.eh.e_phnum = 13 /* 64 + 13 * 56 > 0x300 */, ELF_ERR_PHDRS);
#undef REJECT
}

static void test_entry_rejections(void **state)
{
	(void)state;
	struct image im;

	make_image(&im);
	im.eh.e_entry = 0;
	assert_int_equal(check(&im, sizeof(im), NULL), ELF_ERR_ENTRY);
	im.eh.e_entry = 0x600200; /* in the data segment */
	assert_int_equal(check(&im, sizeof(im), NULL), ELF_ERR_ENTRY);
	im.eh.e_entry = 0x400200; /* one past the text */
	assert_int_equal(check(&im, sizeof(im), NULL), ELF_ERR_ENTRY);
	im.eh.e_entry = 0x4001ff;
	assert_int_equal(check(&im, sizeof(im), NULL), ELF_OK);
	im.eh.e_entry = 0xffffffff80000000ull;
	assert_int_equal(check(&im, sizeof(im), NULL), ELF_ERR_ENTRY);

	/* only PT_LOAD segments count */
	make_image(&im);
	im.ph[1].p_flags |= ELF_PF_X;
	im.ph[1].p_vaddr = 0x800000;
	im.ph[1].p_memsz = 0x1000;
	im.eh.e_entry = 0x800000;
	assert_int_equal(check(&im, sizeof(im), NULL), ELF_ERR_ENTRY);
}

static void test_segment_rejections(void **state)
{
	(void)state;
	struct image im;
	struct elf_segment seg;

#define BAD_SEGMENT(change)                                                     \
	do {                                                                    \
		make_image(&im);                                                \
		change;                                                         \
		assert_int_equal(check(&im, sizeof(im), NULL), ELF_ERR_SEGMENT); \
		assert_false(elf_segment(&im, sizeof(im), 1, &seg));            \
		assert_true(elf_segment(&im, sizeof(im), 0, &seg));             \
	} while (0)

	BAD_SEGMENT(im.ph[2].p_filesz = 0x1001);                 /* filesz > memsz */
	BAD_SEGMENT(im.ph[2].p_offset = IMAGE_SIZE - 0xf);       /* file bytes past the end */
	BAD_SEGMENT(im.ph[2].p_offset = IMAGE_SIZE + 1);
	BAD_SEGMENT(im.ph[2].p_offset = ~0ull - 4);              /* offset + filesz wraps */
	BAD_SEGMENT(im.ph[2].p_vaddr = 0xffffffff80000000ull);   /* the kernel half */
	BAD_SEGMENT(im.ph[2].p_vaddr = ELF_USER_TOP);            /* non-canonical */
	BAD_SEGMENT(im.ph[2].p_vaddr = ELF_USER_TOP - 0x800);    /* ends past the user half */
	BAD_SEGMENT(im.ph[2].p_memsz = ~0ull - 0x1000);          /* vaddr + memsz wraps */
#undef BAD_SEGMENT

	/* ending exactly at the top of the user half is fine */
	make_image(&im);
	im.ph[2].p_vaddr = ELF_USER_TOP - 0x1000;
	assert_int_equal(check(&im, sizeof(im), NULL), ELF_OK);
	/* so is a segment with no file bytes (bss only) at offset == size */
	im.ph[2].p_offset = IMAGE_SIZE;
	im.ph[2].p_filesz = 0;
	assert_int_equal(check(&im, sizeof(im), NULL), ELF_OK);
	assert_true(elf_segment(&im, sizeof(im), 1, &seg));
	assert_int_equal(seg.filesz, 0);
}

static void test_unaligned_image(void **state)
{
	(void)state;
	struct image im;
	struct elf_segment seg;
	make_image(&im);

	/* program headers at an odd offset, the image at an odd address */
	uint8_t *buf = malloc(sizeof(im) + 1);
	im.eh.e_phoff = 65;
	memcpy(buf + 1, &im.eh, 64);
	memcpy(buf + 1 + 65, im.ph, sizeof(im.ph));
	assert_int_equal(elf_check(buf + 1, sizeof(im), NULL), ELF_OK);
	assert_true(elf_segment(buf + 1, sizeof(im), 1, &seg));
	assert_int_equal(seg.vaddr, 0x600200);
	free(buf);
}

/* Segments may not share a page, however little of it each uses. */
static void test_segments_overlap(void **state)
{
	(void)state;
	struct image im;

	make_image(&im);
	assert_false(elf_segments_overlap(&im, sizeof(im), 0x1000));
	assert_false(elf_segments_overlap(&im, sizeof(im), 0x200000));
	assert_true(elf_segments_overlap(&im, sizeof(im), 0x400000)); /* one 4 MiB page holds both */
	im.ph[2].p_vaddr = 0x400fff; /* the last byte of the text's page */
	assert_true(elf_segments_overlap(&im, sizeof(im), 0x1000));
	im.ph[2].p_vaddr = 0x401000; /* the next page */
	assert_false(elf_segments_overlap(&im, sizeof(im), 0x1000));
	im.ph[2].p_vaddr = 0x3ff000; /* data's 0x1000 bytes end where the text's page begins */
	assert_false(elf_segments_overlap(&im, sizeof(im), 0x1000));
	im.ph[2].p_vaddr = 0x3ff001;
	assert_true(elf_segments_overlap(&im, sizeof(im), 0x1000));
}

static void test_strerror(void **state)
{
	(void)state;
	for (int e = ELF_ERR_ENTRY; e <= ELF_OK; e++)
		assert_string_not_equal(elf_strerror(e), "unknown error");
	assert_string_equal(elf_strerror(-100), "unknown error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_header_rejections),
		cmocka_unit_test(test_entry_rejections),
		cmocka_unit_test(test_segment_rejections),
		cmocka_unit_test(test_unaligned_image),
		cmocka_unit_test(test_segments_overlap),
		cmocka_unit_test(test_strerror),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
