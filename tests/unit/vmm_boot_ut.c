/* Host tests for the VMM's boot generators (user/vmm: acpi_tables, boot_info,
 * guest_elf, guest_boot): what they write is read back with the guest
 * kernel's own parsers (lib/common/acpi.c, multiboot2.c), a round trip. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/common/acpi.c"
#include "lib/common/multiboot2.c"
#include "user/vmm/acpi_tables.c"
#include "user/vmm/boot_info.c"
#include "user/vmm/guest_boot.c"
#include "user/vmm/guest_elf.c"

#define RAM_SIZE (8u << 20)

/* Guest-physical memory as the guest kernel's parsers reach it. */
struct ram {
	uint8_t *bytes;
	uint64_t size;
};

static const void *ram_map(void *ctx, uint64_t phys, size_t len)
{
	struct ram *r = ctx;
	return phys <= r->size && len <= r->size - phys ? r->bytes + phys : NULL;
}

static void test_acpi_round_trip(void **state)
{
	(void)state;
	struct ram r = { calloc(1, 0x10000), 0x10000 };
	struct acpi_tables_config cfg = { 3, 0xfee00000, 0xfec00000, 3, 0x604, 5, 0x32 };
	size_t rsdp_off;
	size_t used = acpi_tables_build(r.bytes + 0x1000, 0x1000, 0x1000, &cfg, &rsdp_off);
	assert_true(used > 0);
	const void *rsdp = r.bytes + 0x1000 + rsdp_off;

	struct acpi_madt_info madt;
	assert_true(acpi_parse_madt(acpi_find_table(rsdp, ram_map, &r, "APIC", 0), &madt));
	assert_int_equal(madt.cpu_count, 3);
	assert_int_equal(madt.apic_id[2], 2);
	assert_int_equal(madt.lapic_phys, 0xfee00000);
	assert_int_equal(madt.ioapic_count, 1);
	assert_int_equal(madt.ioapic[0].phys, 0xfec00000);
	assert_int_equal(madt.ioapic[0].id, 3);
	assert_int_equal(madt.ioapic[0].gsi_base, 0);
	assert_true(madt.flags & ACPI_MADT_PCAT_COMPAT);

	struct acpi_power_info power;
	assert_true(acpi_parse_power(acpi_find_table(rsdp, ram_map, &r, "FACP", 0), ram_map, &r, &power));
	assert_true(power.s5_found);
	assert_int_equal(power.pm1a_cnt, 0x604);
	assert_int_equal(power.pm1b_cnt, 0);
	assert_int_equal(power.slp_typa, 5);
	assert_int_equal(power.century, 0x32);
	assert_non_null(acpi_find_table(rsdp, ram_map, &r, "DSDT", 0));
	assert_null(acpi_find_table(rsdp, ram_map, &r, "MCFG", 0)); /* no PCI Express for the guest */
	free(r.bytes);
}

static void test_acpi_refuses_little_room(void **state)
{
	(void)state;
	uint8_t buf[256];
	struct acpi_tables_config cfg = { 2, 0xfee00000, 0xfec00000, 2, 0x604, 5, 0 };
	size_t off;
	assert_int_equal(acpi_tables_build(buf, sizeof(buf), 0, &cfg, &off), 0);
	cfg.cpus = 0;
	uint8_t big[4096];
	assert_int_equal(acpi_tables_build(big, sizeof(big), 0, &cfg, &off), 0);
}

static void test_boot_info_round_trip(void **state)
{
	(void)state;
	_Alignas(8) uint8_t buf[1024];
	struct boot_info b;
	boot_info_init(&b, buf, sizeof(buf));
	boot_info_string(&b, MB2_TAG_CMDLINE, "init=/bin/usertests");
	struct mb2_mmap_entry map[2] = { { 0, 0x9f000, 1, 0 }, { 0x100000, 0x700000, 1, 0 } };
	boot_info_mmap(&b, map, 2);
	boot_info_module(&b, 0x300000, 0x301234, "initrd.tar");
	boot_info_module(&b, 0x302000, 0x303000, "kernel.elf");
	uint8_t rsdp[36] = "RSD PTR ";
	boot_info_rsdp(&b, rsdp, sizeof(rsdp));
	size_t total = boot_info_finish(&b);
	assert_true(total > 0 && total % 8 == 0);
	assert_int_equal(mb2_total_size(buf), total);
	assert_string_equal(mb2_cmdline(buf), "init=/bin/usertests");
	assert_int_equal(mb2_mmap_count(buf), 2);
	uint64_t base, len;
	uint32_t type, start, end;
	assert_true(mb2_mmap_entry(buf, 1, &base, &len, &type));
	assert_int_equal(base, 0x100000);
	assert_int_equal(len, 0x700000);
	const char *name;
	assert_true(mb2_module(buf, 1, &start, &end, &name));
	assert_int_equal(start, 0x302000);
	assert_int_equal(end, 0x303000);
	assert_string_equal(name, "kernel.elf");
	size_t rlen;
	assert_non_null(mb2_rsdp(buf, &rlen));
	assert_int_equal(rlen, 36);
}

static void test_boot_info_overflow(void **state)
{
	(void)state;
	_Alignas(8) uint8_t buf[64];
	struct boot_info b;
	boot_info_init(&b, buf, sizeof(buf));
	boot_info_string(&b, MB2_TAG_CMDLINE, "a command line longer than the sixty-four bytes this block has");
	assert_int_equal(boot_info_finish(&b), 0);
}

/* A minimal Multiboot2 ELF kernel: header at 0x100 in a text segment loaded
 * at physical 0x200000 but linked at virtual 0x10200000, plus a bss segment. */
struct fake_kernel {
	uint8_t bytes[0x2000];
};

static void fake_kernel_make(struct fake_kernel *k, uint32_t arch)
{
	memset(k, 0, sizeof(*k));
	struct elf64_ehdr *e = (void *)k->bytes;
	memcpy(e->e_ident, "\x7f" "ELF", 4);
	e->e_ident[ELF_EI_CLASS] = ELF_CLASS64;
	e->e_ident[ELF_EI_DATA] = ELF_DATA2LSB;
	e->e_ident[ELF_EI_VERSION] = ELF_EV_CURRENT;
	e->e_type = ELF_ET_EXEC;
	e->e_machine = ELF_EM_X86_64;
	e->e_version = ELF_EV_CURRENT;
	e->e_entry = 0x10200010;
	e->e_phoff = sizeof(*e);
	e->e_phentsize = sizeof(struct elf64_phdr);
	e->e_phnum = 2;
	struct elf64_phdr *ph = (void *)(k->bytes + sizeof(*e));
	ph[0] = (struct elf64_phdr){ ELF_PT_LOAD, ELF_PF_R | ELF_PF_X, 0x1000, 0x10200000, 0x200000, 0x800, 0x800, 0x1000 };
	ph[1] = (struct elf64_phdr){ ELF_PT_LOAD, ELF_PF_R | ELF_PF_W, 0x1800, 0x10201000, 0x201000, 0x10, 0x3000, 0x1000 };
	uint32_t header[6] = { MB2_HEADER_MAGIC, arch, 24, 0, 0, 8 }; /* then the end tag */
	header[3] = -(MB2_HEADER_MAGIC + arch + 24);
	memcpy(k->bytes + 0x100, header, sizeof(header));
	memset(k->bytes + 0x1000, 0x90, 0x800);
	memset(k->bytes + 0x1800, 0xab, 0x10);
}

static void test_elf_load(void **state)
{
	(void)state;
	struct fake_kernel k;
	fake_kernel_make(&k, 0);
	uint8_t *ram = malloc(RAM_SIZE);
	memset(ram, 0xcc, RAM_SIZE);
	uint32_t entry;
	uint64_t end;
	assert_int_equal(guest_elf_mb2_header(k.bytes, sizeof(k.bytes)), 0x100);
	assert_int_equal(guest_elf_load(k.bytes, sizeof(k.bytes), ram, RAM_SIZE, &entry, &end), GUEST_ELF_OK);
	assert_int_equal(entry, 0x200010);
	assert_int_equal(end, 0x204000);
	assert_int_equal(ram[0x2007ff], 0x90);
	assert_int_equal(ram[0x20100f], 0xab);
	assert_int_equal(ram[0x201010], 0); /* bss zeroed */
	assert_int_equal(ram[0x203fff], 0);
	assert_int_equal(ram[0x204000], 0xcc);
	/* a guest too small for the bss */
	assert_int_equal(guest_elf_load(k.bytes, sizeof(k.bytes), ram, 0x203000, &entry, &end), GUEST_ELF_SEGMENT);
	free(ram);
}

static void test_elf_refusals(void **state)
{
	(void)state;
	struct fake_kernel k;
	uint8_t ram[16];
	uint32_t entry;
	uint64_t end;
	fake_kernel_make(&k, 4); /* MIPS: not ours */
	assert_int_equal(guest_elf_load(k.bytes, sizeof(k.bytes), ram, 0, &entry, &end), GUEST_ELF_UNSUPPORTED);
	fake_kernel_make(&k, 0);
	k.bytes[0x10c] ^= 1; /* checksum broken */
	assert_int_equal(guest_elf_load(k.bytes, sizeof(k.bytes), ram, 0, &entry, &end), GUEST_ELF_NO_HEADER);
	fake_kernel_make(&k, 0);
	k.bytes[0] = 0;
	assert_int_equal(guest_elf_load(k.bytes, sizeof(k.bytes), ram, 0, &entry, &end), GUEST_ELF_NOT_ELF);
	fake_kernel_make(&k, 0);
	((struct elf64_ehdr *)k.bytes)->e_entry = 0x5000;
	uint8_t *big = malloc(RAM_SIZE);
	assert_int_equal(guest_elf_load(k.bytes, sizeof(k.bytes), big, RAM_SIZE, &entry, &end), GUEST_ELF_ENTRY);
	fake_kernel_make(&k, 0);
	((struct elf64_phdr *)(k.bytes + 64))[1].p_filesz = 0x4000; /* past the file */
	assert_int_equal(guest_elf_load(k.bytes, sizeof(k.bytes), big, RAM_SIZE, &entry, &end), GUEST_ELF_SEGMENT);
	assert_string_equal(guest_elf_strerror(GUEST_ELF_SEGMENT), "a segment lies outside the file or the guest's memory");
	free(big);
}

/* The whole boot: what the guest kernel's boot code reads back. */
static void test_guest_boot(void **state)
{
	(void)state;
	struct fake_kernel k;
	fake_kernel_make(&k, 0);
	struct ram r = { calloc(1, RAM_SIZE), RAM_SIZE };
	static const char initrd[5000] = "ustar";
	struct guest_image kernel = { k.bytes, sizeof(k.bytes), "kernel.elf" };
	struct guest_image modules[2] = { { initrd, sizeof(initrd), "initrd.tar" }, { k.bytes, sizeof(k.bytes), "kernel.elf" } };
	struct guest_boot boot;
	const char *why = NULL;
	assert_int_equal(guest_boot_prepare(r.bytes, RAM_SIZE, 2, &kernel, modules, 2, "init=/bin/usertests", &boot, &why), 0);
	assert_int_equal(boot.entry, 0x200010);
	const void *info = r.bytes + boot.info_phys;
	assert_string_equal(mb2_cmdline(info), "init=/bin/usertests");
	assert_int_equal(mb2_mmap_count(info), 3);
	uint32_t start, end;
	const char *name;
	assert_true(mb2_module(info, 0, &start, &end, &name));
	assert_int_equal(start, 0x204000);
	assert_int_equal(end - start, sizeof(initrd));
	assert_memory_equal(r.bytes + start, "ustar", 5);
	assert_string_equal(name, "initrd.tar");
	assert_true(mb2_module(info, 1, &start, &end, &name));
	assert_int_equal(start, 0x206000); /* page-aligned after the first */
	assert_int_equal(start + sizeof(k.bytes), boot.modules_end);
	size_t len;
	const void *rsdp = mb2_rsdp(info, &len);
	assert_non_null(rsdp);
	struct acpi_madt_info madt;
	assert_true(acpi_parse_madt(acpi_find_table(rsdp, ram_map, &r, "APIC", 0), &madt));
	assert_int_equal(madt.cpu_count, 2);
	/* usable memory never covers what the loader put below 1 MiB */
	uint64_t base, length;
	uint32_t type;
	assert_true(mb2_mmap_entry(info, 0, &base, &length, &type));
	assert_true(base + length <= GUEST_ACPI_BASE && type == MB2_MEMORY_AVAILABLE);
	assert_int_equal(guest_boot_prepare(r.bytes, RAM_SIZE, 0, &kernel, modules, 2, "", &boot, &why), -1);
	struct guest_image huge = { r.bytes, 3u << 20, "huge" }; /* past the end of a 4 MiB guest */
	assert_int_equal(guest_boot_prepare(r.bytes, 4u << 20, 1, &kernel, &huge, 1, "", &boot, &why), -1);
	assert_string_equal(why, "the modules do not fit in the guest's memory");
	free(r.bytes);
}

/* The real kernel, when the build has made it: its Multiboot2 header and
 * segments load, and its entry is the 32-bit boot code below 4 GiB. */
static void test_real_kernel(void **state)
{
	(void)state;
	FILE *f = fopen("build/kernel.elf", "rb");
	if (!f) {
		skip();
		return;
	}
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *image = malloc((size_t)size);
	assert_int_equal(fread(image, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	struct ram r = { calloc(1, 16u << 20), 16u << 20 };
	struct guest_image kernel = { image, (size_t)size, "kernel.elf" };
	struct guest_boot boot;
	const char *why = "";
	assert_int_equal(guest_boot_prepare(r.bytes, r.size, 2, &kernel, &kernel, 1, "test=boot", &boot, &why), 0);
	assert_true(boot.entry >= GUEST_HIGH_RAM_START && boot.entry < boot.kernel_end);
	assert_true(guest_elf_mb2_header(image, (size_t)size) >= 0);
	uint32_t start, end;
	const char *name;
	assert_true(mb2_module(r.bytes + boot.info_phys, 0, &start, &end, &name));
	assert_memory_equal(r.bytes + start, image, (size_t)size);
	free(image);
	free(r.bytes);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_acpi_round_trip),
		cmocka_unit_test(test_acpi_refuses_little_room),
		cmocka_unit_test(test_boot_info_round_trip),
		cmocka_unit_test(test_boot_info_overflow),
		cmocka_unit_test(test_elf_load),
		cmocka_unit_test(test_elf_refusals),
		cmocka_unit_test(test_guest_boot),
		cmocka_unit_test(test_real_kernel),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
