/* For tests that include lib/common/x86_decode.c: DECODE(mode, bytes...)
 * decodes a byte list that must be one whole instruction and yields it. */
#pragma once

static struct x86_insn decode_ok(enum x86_cpu_mode mode, const uint8_t *bytes, size_t n)
{
	struct x86_insn insn;
	assert_int_equal(x86_decode(bytes, n, mode, &insn), 0);
	assert_int_equal(insn.len, n);
	return insn;
}

#define DECODE(mode, ...)                                                                  \
	({                                                                                 \
		static const uint8_t b_[] = { __VA_ARGS__ };                               \
		decode_ok(mode, b_, sizeof(b_));                                           \
	})
