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

static struct x86_insn decode(enum x86_cpu_mode mode, const uint8_t *bytes, size_t n)
{
	struct x86_insn insn;
	assert_int_equal(x86_decode(bytes, n, mode, &insn), 0);
	return insn;
}

#define DECODE(mode, ...)                                                                  \
	({                                                                                 \
		static const uint8_t b_[] = { __VA_ARGS__ };                               \
		decode(mode, b_, sizeof(b_));                                              \
	})

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_register_rules),
		cmocka_unit_test(test_loads),
		cmocka_unit_test(test_stores),
		cmocka_unit_test(test_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
