/* Host tests for lib/common/frame_pool.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/common/frame_pool.c"

#define MIB (1ull << 20)

struct fixture {
	struct frame_pool pool;
	uint64_t *bits;
};

/* A pool of `frames` frames with its bitmap on the heap (exact size, so an
 * out-of-range word access trips the sanitizer). */
static struct fixture *make_pool(uint64_t frames)
{
	struct fixture *f = calloc(1, sizeof(*f));
	f->bits = malloc(frame_pool_bitmap_words(frames) * sizeof(uint64_t));
	frame_pool_init(&f->pool, f->bits, frames);
	return f;
}

static void destroy_pool(struct fixture *f)
{
	free(f->bits);
	free(f);
}

static int teardown(void **state)
{
	destroy_pool(*state);
	return 0;
}

/* Counts free frames by looking at every bit. */
static uint64_t count_free(const struct frame_pool *p)
{
	uint64_t n = 0;
	for (uint64_t i = 0; i < p->frames; i++)
		n += !frame_used(p, i);
	return n;
}

static void test_bitmap_words(void **state)
{
	(void)state;
	assert_int_equal(frame_pool_bitmap_words(0), 0);
	assert_int_equal(frame_pool_bitmap_words(1), 1);
	assert_int_equal(frame_pool_bitmap_words(64), 1);
	assert_int_equal(frame_pool_bitmap_words(65), 2);
	assert_int_equal(frame_pool_bitmap_words(32768), 512);
}

static void test_starts_reserved(void **state)
{
	struct fixture *f = make_pool(100);
	*state = f;
	assert_int_equal(f->pool.free, 0);
	assert_int_equal(frame_pool_alloc(&f->pool), FRAME_NONE);
	assert_int_equal(frame_pool_alloc_contiguous(&f->pool, 1, 1, 0), FRAME_NONE);
}

static void test_alloc_until_empty(void **state)
{
	uint64_t frames = 200; /* not a multiple of 64 */
	struct fixture *f = make_pool(frames);
	*state = f;
	frame_pool_add_range(&f->pool, 0, frames * FRAME_SIZE);
	assert_int_equal(f->pool.free, frames - 1); /* frame 0 stays reserved */
	assert_int_equal(count_free(&f->pool), frames - 1);

	bool seen[200] = { false };
	for (uint64_t i = 0; i < frames - 1; i++) {
		uint64_t pa = frame_pool_alloc(&f->pool);
		assert_int_not_equal(pa, FRAME_NONE);
		assert_int_not_equal(pa, 0);
		assert_int_equal(pa % FRAME_SIZE, 0);
		assert_true(pa / FRAME_SIZE < frames);
		assert_false(seen[pa / FRAME_SIZE]);
		seen[pa / FRAME_SIZE] = true;
	}
	assert_int_equal(f->pool.free, 0);
	assert_int_equal(frame_pool_alloc(&f->pool), FRAME_NONE);

	/* free one in the middle: it is the next one handed out */
	assert_true(frame_pool_free(&f->pool, 77 * FRAME_SIZE));
	assert_int_equal(f->pool.free, 1);
	assert_int_equal(frame_pool_alloc(&f->pool), 77 * FRAME_SIZE);
	assert_int_equal(frame_pool_alloc(&f->pool), FRAME_NONE);

	for (uint64_t i = 1; i < frames; i++)
		assert_true(frame_pool_free(&f->pool, i * FRAME_SIZE));
	assert_int_equal(f->pool.free, frames - 1);
	assert_int_equal(count_free(&f->pool), frames - 1);
}

static void test_free_errors(void **state)
{
	struct fixture *f = make_pool(128);
	*state = f;
	frame_pool_add_range(&f->pool, 0, 128 * FRAME_SIZE);
	uint64_t pa = frame_pool_alloc(&f->pool);
	uint64_t before = f->pool.free;

	assert_true(frame_pool_free(&f->pool, pa));
	assert_false(frame_pool_free(&f->pool, pa)); /* double free */
	assert_false(frame_pool_free(&f->pool, 0));  /* frame 0 */
	assert_false(frame_pool_free(&f->pool, pa + 8)); /* not aligned */
	assert_false(frame_pool_free(&f->pool, 128 * FRAME_SIZE)); /* past the end */
	assert_false(frame_pool_free(&f->pool, FRAME_NONE));
	assert_int_equal(f->pool.free, before + 1);
}

static void test_add_and_reserve_ranges(void **state)
{
	struct fixture *f = make_pool(32 * MIB / FRAME_SIZE);
	*state = f;

	/* a BIOS-style map: low memory, then 1 MiB up, with ragged edges */
	frame_pool_add_range(&f->pool, 0, 0x9fc00);          /* frames 1..158 (159 is partial) */
	frame_pool_add_range(&f->pool, 0x100800, 0x1000000); /* from frame 257 */
	assert_true(frame_used(&f->pool, 0));
	assert_true(frame_used(&f->pool, 0x9f));
	assert_false(frame_used(&f->pool, 0x9e));
	assert_true(frame_used(&f->pool, 0x100));
	assert_false(frame_used(&f->pool, 0x101));
	uint64_t end = (0x100800 + 0x1000000) / FRAME_SIZE; /* rounded down */
	assert_false(frame_used(&f->pool, end - 1));
	assert_true(frame_used(&f->pool, end));
	uint64_t expect = 158 + (end - 0x101);
	assert_int_equal(f->pool.free, expect);

	/* reserving the kernel image: every frame it touches */
	frame_pool_reserve_range(&f->pool, 0x200010, 0x2000);
	assert_true(frame_used(&f->pool, 0x200));
	assert_true(frame_used(&f->pool, 0x201));
	assert_true(frame_used(&f->pool, 0x202));
	assert_false(frame_used(&f->pool, 0x203));
	assert_int_equal(f->pool.free, expect - 3);

	/* reserving an overlapping range counts only what changes */
	frame_pool_reserve_range(&f->pool, 0x201000, 0x4000);
	assert_int_equal(f->pool.free, expect - 5);
	frame_pool_reserve_range(&f->pool, 0x200000, 0); /* empty */
	assert_int_equal(f->pool.free, expect - 5);

	/* adding a range twice does not count twice */
	frame_pool_add_range(&f->pool, 0x300000, 0x100000);
	assert_int_equal(f->pool.free, expect - 5);

	/* ranges past the pool, or wrapping, are clipped */
	frame_pool_add_range(&f->pool, 0xfffffffffffff000ull, 0x10000);
	frame_pool_reserve_range(&f->pool, 0x1ffe000, ~0ull);
	assert_true(frame_used(&f->pool, 0x1ffe));
	assert_true(frame_used(&f->pool, 0x1fff));
	frame_pool_add_range(&f->pool, 0, ~0ull);
	assert_int_equal(f->pool.free, f->pool.frames - 1);
	assert_int_equal(count_free(&f->pool), f->pool.free);

	/* the whole-word paths agree with a bit count */
	frame_pool_reserve_range(&f->pool, 0x123000, 0x456789);
	assert_int_equal(count_free(&f->pool), f->pool.free);
	frame_pool_add_range(&f->pool, 0x100000, 0x800000);
	assert_int_equal(count_free(&f->pool), f->pool.free);
}

static void test_frame_zero_never(void **state)
{
	struct fixture *f = make_pool(64);
	*state = f;

	frame_pool_add_range(&f->pool, 0, FRAME_SIZE); /* just frame 0 */
	assert_int_equal(f->pool.free, 0);
	assert_int_equal(frame_pool_alloc(&f->pool), FRAME_NONE);
	frame_pool_add_range(&f->pool, 0, 2 * FRAME_SIZE);
	assert_int_equal(frame_pool_alloc(&f->pool), FRAME_SIZE);
	assert_int_equal(frame_pool_alloc(&f->pool), FRAME_NONE);

	frame_pool_add_range(&f->pool, 0, 64 * FRAME_SIZE);
	assert_int_equal(frame_pool_alloc_contiguous(&f->pool, 4, 0, 0), FRAME_SIZE);
	assert_int_equal(frame_pool_alloc_contiguous(&f->pool, 1, 1, 0), 5 * FRAME_SIZE);
}

static void test_contiguous(void **state)
{
	uint64_t frames = 16 * MIB / FRAME_SIZE;
	struct fixture *f = make_pool(frames);
	*state = f;
	frame_pool_add_range(&f->pool, 0, 16 * MIB);
	uint64_t two_mib = 512;

	/* a 2 MiB page: 512 frames on a 512-frame boundary, never frame 0 */
	uint64_t pa = frame_pool_alloc_contiguous(&f->pool, two_mib, two_mib, 0);
	assert_int_equal(pa, 2 * MIB);
	for (uint64_t i = 0; i < two_mib; i++)
		assert_true(frame_used(&f->pool, pa / FRAME_SIZE + i));
	assert_int_equal(f->pool.free, frames - 1 - two_mib);

	/* a hole in the next 2 MiB pushes the next one further */
	frame_pool_reserve_range(&f->pool, 5 * MIB, FRAME_SIZE);
	assert_int_equal(frame_pool_alloc_contiguous(&f->pool, two_mib, two_mib, 0), 6 * MIB);

	/* below a limit: an AP trampoline under 1 MiB */
	frame_pool_reserve_range(&f->pool, 0, 0x8000);
	pa = frame_pool_alloc_contiguous(&f->pool, 2, 8, MIB);
	assert_int_equal(pa, 0x8000);
	assert_int_equal(frame_pool_alloc_contiguous(&f->pool, 256, 1, MIB), FRAME_NONE);
	assert_int_not_equal(frame_pool_alloc_contiguous(&f->pool, 200, 1, MIB), FRAME_NONE);

	/* exactly fitting under the limit */
	struct fixture *g = make_pool(64);
	frame_pool_add_range(&g->pool, 0, 64 * FRAME_SIZE);
	assert_int_equal(frame_pool_alloc_contiguous(&g->pool, 63, 1, 64 * FRAME_SIZE), FRAME_SIZE);
	assert_int_equal(g->pool.free, 0);
	assert_true(frame_pool_free(&g->pool, 63 * FRAME_SIZE));
	assert_int_equal(frame_pool_alloc_contiguous(&g->pool, 1, 1, 63 * FRAME_SIZE), FRAME_NONE);
	assert_int_equal(frame_pool_alloc_contiguous(&g->pool, 2, 1, 0), FRAME_NONE);
	assert_int_equal(frame_pool_alloc_contiguous(&g->pool, 0, 1, 0), FRAME_NONE);
	assert_int_equal(frame_pool_alloc_contiguous(&g->pool, 1, 1, 0), 63 * FRAME_SIZE);
	destroy_pool(g);

	/* non-power-of-two alignment and huge alignment */
	g = make_pool(100);
	frame_pool_add_range(&g->pool, 0, 100 * FRAME_SIZE);
	assert_int_equal(frame_pool_alloc_contiguous(&g->pool, 2, 3, 0), 3 * FRAME_SIZE);
	assert_int_equal(frame_pool_alloc_contiguous(&g->pool, 2, 3, 0), 6 * FRAME_SIZE);
	assert_int_equal(frame_pool_alloc_contiguous(&g->pool, 1, 1ull << 62, 0), FRAME_NONE);
	assert_int_equal(frame_pool_alloc_contiguous(&g->pool, 1, ~0ull, 0), FRAME_NONE);
	destroy_pool(g);
}

static void test_alloc_after_late_add(void **state)
{
	struct fixture *f = make_pool(256);
	*state = f;

	frame_pool_add_range(&f->pool, 128 * FRAME_SIZE, 128 * FRAME_SIZE);
	assert_int_equal(frame_pool_alloc(&f->pool), 128 * FRAME_SIZE);
	/* memory added below the hint later must still be found */
	frame_pool_add_range(&f->pool, 0, 2 * FRAME_SIZE);
	assert_int_equal(frame_pool_alloc(&f->pool), FRAME_SIZE);
	assert_int_equal(frame_pool_alloc(&f->pool), 129 * FRAME_SIZE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bitmap_words),
		cmocka_unit_test_teardown(test_starts_reserved, teardown),
		cmocka_unit_test_teardown(test_alloc_until_empty, teardown),
		cmocka_unit_test_teardown(test_free_errors, teardown),
		cmocka_unit_test_teardown(test_add_and_reserve_ranges, teardown),
		cmocka_unit_test_teardown(test_frame_zero_never, teardown),
		cmocka_unit_test_teardown(test_contiguous, teardown),
		cmocka_unit_test_teardown(test_alloc_after_late_add, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
