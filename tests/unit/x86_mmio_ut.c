/* Host tests for lib/common/x86_mmio.c: decoded MMIO instructions carried
 * out on a register file, with the partial-register and extension rules. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/common/x86_decode.c"
#include "lib/common/x86_mmio.c"
#include "lib/common/x86_segment.c"
#include "lib/common/x86_walk.c"

#include "tests/unit/stubs/x86_decode_bytes.h"

static void test_register_rules(void **state)
{
	(void)state;
	uint64_t regs[X86_GPR_COUNT];
	for (int i = 0; i < X86_GPR_COUNT; i++)
		regs[i] = 0x1111111111111111ull * (uint64_t)(i + 1);
	struct x86_reg_operand rax = { .reg = X86_RAX }, ah = { .reg = X86_RAX, .high8 = true };
	x86_reg_write(regs, rax, 1, 0xab);
	assert_true(regs[X86_RAX] == 0x11111111111111abull);
	x86_reg_write(regs, ah, 1, 0xcd);
	assert_true(regs[X86_RAX] == 0x111111111111cdabull);
	assert_int_equal(x86_reg_read(regs, ah, 1), 0xcd);
	x86_reg_write(regs, rax, 2, 0x1234);
	assert_true(regs[X86_RAX] == 0x1111111111111234ull);
	x86_reg_write(regs, rax, 4, 0x89abcdef);
	assert_true(regs[X86_RAX] == 0x89abcdefull); /* a 32-bit write clears the top half */
	x86_reg_write(regs, rax, 8, ~0ull);
	assert_true(regs[X86_RAX] == ~0ull);
	assert_int_equal(x86_reg_read(regs, rax, 2), 0xffff);
}

static void test_loads(void **state)
{
	(void)state;
	uint64_t regs[X86_GPR_COUNT] = { 0 };
	struct x86_mmio m;
	regs[X86_RAX] = 0xffffffffffffffffull;

	/* mov eax, [rdi+0xf0]: a 4-byte read, the result zero-extended */
	struct x86_insn i = DECODE(X86_MODE_64, 0x8b, 0x87, 0xf0, 0x00, 0x00, 0x00);
	assert_int_equal(x86_mmio_access(&i, regs, &m), 0);
	assert_false(m.write);
	assert_int_equal(m.size, 4);
	x86_mmio_complete(&i, regs, 0, 0x12345678);
	assert_true(regs[X86_RAX] == 0x12345678);

	/* mov ah, [rcx*4+0x1000] */
	regs[X86_RAX] = 0x1111;
	i = DECODE(X86_MODE_64, 0x8a, 0x24, 0x8d, 0x00, 0x10, 0x00, 0x00);
	assert_int_equal(x86_mmio_access(&i, regs, &m), 0);
	assert_int_equal(m.size, 1);
	x86_mmio_complete(&i, regs, 0, 0xab);
	assert_true(regs[X86_RAX] == 0xab11);

	/* movzx ecx, word [rdi+2]; movsx rdx, byte [rdi]; movsxd rbx, dword [rdi] */
	regs[X86_RCX] = ~0ull;
	i = DECODE(X86_MODE_64, 0x0f, 0xb7, 0x4f, 0x02);
	assert_int_equal(x86_mmio_access(&i, regs, &m), 0);
	assert_int_equal(m.size, 2);
	x86_mmio_complete(&i, regs, 0, 0x8001);
	assert_true(regs[X86_RCX] == 0x8001);
	i = DECODE(X86_MODE_64, 0x48, 0x0f, 0xbe, 0x17);
	assert_int_equal(x86_mmio_access(&i, regs, &m), 0);
	assert_int_equal(m.size, 1);
	x86_mmio_complete(&i, regs, 0, 0x80);
	assert_true(regs[X86_RDX] == 0xffffffffffffff80ull);
	i = DECODE(X86_MODE_64, 0x48, 0x63, 0x1f);
	assert_int_equal(x86_mmio_access(&i, regs, &m), 0);
	assert_int_equal(m.size, 4);
	x86_mmio_complete(&i, regs, 0, 0x7fffffff);
	assert_true(regs[X86_RBX] == 0x7fffffff);
	x86_mmio_complete(&i, regs, 0, 0x80000000);
	assert_true(regs[X86_RBX] == 0xffffffff80000000ull);

	/* lodsw in 32-bit code, DF set: SI steps down by 2 */
	regs[X86_RSI] = 0x1000;
	i = DECODE(X86_MODE_32, 0x66, 0xad);
	assert_int_equal(x86_mmio_access(&i, regs, &m), 0);
	x86_mmio_complete(&i, regs, 1ull << 10, 0xbeef);
	assert_int_equal(regs[X86_RAX] & 0xffff, 0xbeef);
	assert_int_equal(regs[X86_RSI], 0xffe);
}

static void test_stores(void **state)
{
	(void)state;
	uint64_t regs[X86_GPR_COUNT] = { 0 };
	struct x86_mmio m;
	regs[X86_R8] = 0xaaaaaaaa55555555ull;
	regs[X86_RAX] = 0x1234;

	/* mov [rsp+8], r8d */
	struct x86_insn i = DECODE(X86_MODE_64, 0x44, 0x89, 0x44, 0x24, 0x08);
	assert_int_equal(x86_mmio_access(&i, regs, &m), 0);
	assert_true(m.write);
	assert_int_equal(m.size, 4);
	assert_int_equal(m.value, 0x55555555);

	/* mov [rdi], ah */
	i = DECODE(X86_MODE_64, 0x88, 0x27);
	assert_int_equal(x86_mmio_access(&i, regs, &m), 0);
	assert_int_equal(m.size, 1);
	assert_int_equal(m.value, 0x12);

	/* mov word [rdi], 0x8234; mov qword [rax+8], -1 */
	i = DECODE(X86_MODE_64, 0x66, 0xc7, 0x07, 0x34, 0x82);
	assert_int_equal(x86_mmio_access(&i, regs, &m), 0);
	assert_int_equal(m.size, 2);
	assert_int_equal(m.value, 0x8234);
	i = DECODE(X86_MODE_64, 0x48, 0xc7, 0x40, 0x08, 0xff, 0xff, 0xff, 0xff);
	assert_int_equal(x86_mmio_access(&i, regs, &m), 0);
	assert_int_equal(m.size, 8);
	assert_true(m.value == ~0ull);

	/* stosd, DF clear: EDI steps up by 4, 32-bit address size zero-extends */
	regs[X86_RDI] = 0xdeadbeef00001000ull;
	i = DECODE(X86_MODE_64, 0x67, 0xab);
	assert_int_equal(x86_mmio_access(&i, regs, &m), 0);
	assert_true(m.write);
	assert_int_equal(m.value, 0x1234);
	x86_mmio_complete(&i, regs, 0, 0);
	assert_true(regs[X86_RDI] == 0x1004);
	/* A store leaves the registers alone. */
	i = DECODE(X86_MODE_64, 0x89, 0x07);
	uint64_t before = regs[X86_RAX];
	x86_mmio_complete(&i, regs, 0, 0x99);
	assert_true(regs[X86_RAX] == before);
}

static void test_refused(void **state)
{
	(void)state;
	uint64_t regs[X86_GPR_COUNT] = { 0 };
	struct x86_mmio m;
	struct x86_insn i = DECODE(X86_MODE_64, 0xf3, 0x48, 0xab); /* rep stosq */
	assert_int_equal(x86_mmio_access(&i, regs, &m), -1);
	i = DECODE(X86_MODE_64, 0x81, 0x0f, 0x00, 0x01, 0x00, 0x00); /* or dword [rdi], 0x100 */
	assert_int_equal(x86_mmio_access(&i, regs, &m), -1);
	i = DECODE(X86_MODE_64, 0x89, 0xc8); /* mov eax, ecx: no memory */
	assert_int_equal(x86_mmio_access(&i, regs, &m), -1);
	i = DECODE(X86_MODE_64, 0x0f, 0xa2); /* cpuid */
	assert_int_equal(x86_mmio_access(&i, regs, &m), -1);
}

/*
 * The whole path of an MMIO exit, as the VMM takes it: the guest's CS:RIP
 * through segmentation, the guest's page tables walked through the nested
 * map, the instruction fetched and decoded, and the access carried out.
 * Host memory is 1 MiB; guest-physical page g (g < 64) is host page 0x80 + g;
 * the nested table is at host 0x1000..0x4fff.
 */
#define HOST_SIZE 0x100000ull
static uint8_t *host;

static int host_read(void *ctx, uint64_t a, void *buf, size_t len)
{
	(void)ctx;
	if (a >= HOST_SIZE || len > HOST_SIZE - a)
		return -1;
	memcpy(buf, host + a, len);
	return 0;
}

static int host_write(void *ctx, uint64_t a, const void *buf, size_t len)
{
	(void)ctx;
	if (a >= HOST_SIZE || len > HOST_SIZE - a)
		return -1;
	memcpy(host + a, buf, len);
	return 0;
}

static void host_put64(uint64_t a, uint64_t v)
{
	memcpy(host + a, &v, 8);
}

static uint64_t gpa_to_host(uint64_t gpa)
{
	return 0x80000 + gpa;
}

static void test_mmio_exit_end_to_end(void **state)
{
	(void)state;
	host = calloc(1, HOST_SIZE);
	assert_non_null(host);
	const uint64_t rwu = PTE_PRESENT | PTE_WRITE | PTE_USER;
	/* Nested table: guest-physical [0, 256 KiB) only. */
	host_put64(0x1000, 0x2000 | rwu);
	host_put64(0x2000, 0x3000 | rwu);
	host_put64(0x3000, 0x4000 | rwu);
	for (uint64_t g = 0; g < 64; g++)
		host_put64(0x4000 + g * 8, gpa_to_host(g * PAGE_SIZE) | rwu);
	/* The guest's tables at guest-physical 0x10000..: kernel text at
	 * 0xffffffff80001000 -> 0x5000, read-only and executable. */
	uint64_t va = 0xffffffff80001000ull;
	host_put64(gpa_to_host(0x10000) + pt_index(va, 4) * 8, 0x11000 | PTE_PRESENT | PTE_WRITE);
	host_put64(gpa_to_host(0x11000) + pt_index(va, 3) * 8, 0x12000 | PTE_PRESENT | PTE_WRITE);
	host_put64(gpa_to_host(0x12000) + pt_index(va, 2) * 8, 0x13000 | PTE_PRESENT | PTE_WRITE);
	host_put64(gpa_to_host(0x13000) + pt_index(va, 1) * 8, 0x5000 | PTE_PRESENT);
	/* mov dword [rdi+0xb0], 0 (a LAPIC EOI); mov eax, [rdi+0x20] */
	static const uint8_t code[] = { 0xc7, 0x87, 0xb0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
					0x8b, 0x47, 0x20 };
	memcpy(host + gpa_to_host(0x5000) + 0x40, code, sizeof(code));

	struct x86_paging pg = {
		.cr0 = X86_CR0_PE | X86_CR0_PG | X86_CR0_WP, .cr3 = 0x10000, .cr4 = X86_CR4_PAE,
		.efer = X86_EFER_LME | X86_EFER_LMA | X86_EFER_NXE | X86_EFER_SVME, .maxphyaddr = 40,
	};
	struct x86_seg_cpu cpu = { .cpl = 0, .long_mode = true, .code64 = true };
	struct x86_segment cs = { .selector = 0x08, .attr = X86_SEG_L | X86_SEG_P | X86_SEG_S | 0xb };
	uint64_t regs[X86_GPR_COUNT] = { 0 };
	regs[X86_RDI] = 0xffff8000fee00000ull;
	regs[X86_RAX] = 0xdeadbeefdeadbeefull;
	uint64_t rip = 0xffffffff80001040ull;

	const struct x86_mem hostmem = { NULL, host_read, host_write };
	struct x86_paged_mem nm;
	struct x86_mem gpa_mem;
	x86_nested_mem_init(&nm, &gpa_mem, &hostmem, 0x1000, 40);
	struct x86_paged_mem lm;
	struct x86_mem lin_mem;
	x86_linear_mem_init(&lm, &lin_mem, &gpa_mem, &pg, X86_ACCESS_FETCH);

	uint64_t lin;
	struct x86_fault f;
	struct x86_insn insn;
	struct x86_mmio m;
	assert_int_equal(x86_segment_linear(&cpu, X86_SEG_CS, &cs, rip, 15, X86_SEG_ACCESS_FETCH,
					    &lin, &f), 0);
	assert_int_equal(x86_fetch_decode(&lin_mem, lin, X86_MODE_64, &insn), 0);
	assert_int_equal(insn.kind, X86_INSN_MOV_STORE_IMM);
	assert_int_equal(insn.len, 10);
	assert_true(x86_insn_mem_offset(&insn, regs, rip + insn.len) == 0xffff8000fee000b0ull);
	assert_int_equal(x86_mmio_access(&insn, regs, &m), 0);
	assert_true(m.write);
	assert_int_equal(m.size, 4);
	assert_int_equal(m.value, 0);
	rip += insn.len;

	/* The next one reads the LAPIC version register: 0x50014 comes back. */
	assert_int_equal(x86_segment_linear(&cpu, X86_SEG_CS, &cs, rip, 15, X86_SEG_ACCESS_FETCH,
					    &lin, &f), 0);
	assert_int_equal(x86_fetch_decode(&lin_mem, lin, X86_MODE_64, &insn), 0);
	assert_int_equal(x86_mmio_access(&insn, regs, &m), 0);
	assert_false(m.write);
	x86_mmio_complete(&insn, regs, 0, 0x50014);
	assert_true(regs[X86_RAX] == 0x50014);

	/* A RIP on a page the guest does not map: the #PF the guest takes. */
	assert_int_equal(x86_fetch_decode(&lin_mem, 0xffffffff80002000ull, X86_MODE_64, &insn),
			 X86_DECODE_FETCH);
	assert_int_equal(lm.status, X86_FAULT);
	assert_int_equal(lm.fault.vector, X86_EXC_PF);
	assert_int_equal(lm.fault.error_code, X86_PF_I);
	assert_true(lm.fault.address == 0xffffffff80002000ull);
	free(host);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_register_rules),
		cmocka_unit_test(test_loads),
		cmocka_unit_test(test_stores),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_mmio_exit_end_to_end),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
