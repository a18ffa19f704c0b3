/*
 * A bitmap of physical frames (see frame_pool.h).
 */
#include "lib/common/frame_pool.h"

#define WORD_BITS 64
#define FULL_WORD (~0ull)

uint64_t frame_pool_bitmap_words(uint64_t frames)
{
	return frames / WORD_BITS + (frames % WORD_BITS != 0);
}

static bool frame_used(const struct frame_pool *p, uint64_t f)
{
	return p->bits[f / WORD_BITS] >> (f % WORD_BITS) & 1;
}

static void mark(struct frame_pool *p, uint64_t f, bool used)
{
	uint64_t bit = 1ull << (f % WORD_BITS);

	if (used) {
		p->bits[f / WORD_BITS] |= bit;
		p->free--;
	} else {
		p->bits[f / WORD_BITS] &= ~bit;
		p->free++;
		if (f / WORD_BITS < p->hint)
			p->hint = f / WORD_BITS;
	}
}

void frame_pool_init(struct frame_pool *p, uint64_t *bits, uint64_t frames)
{
	uint64_t words = frame_pool_bitmap_words(frames);

	p->bits = bits;
	p->frames = frames;
	p->free = 0;
	p->hint = words;
	/* the bits past the last frame stay set, so they are never found free */
	for (uint64_t i = 0; i < words; i++)
		bits[i] = FULL_WORD;
}

/* Sets frames [first, end) to used or free, a whole word at a time where it
 * can. Only frames whose state changes move the free count. */
static void set_frames(struct frame_pool *p, uint64_t first, uint64_t end, bool used)
{
	uint64_t f = first;

	while (f < end) {
		uint64_t *w = &p->bits[f / WORD_BITS];
		if (f % WORD_BITS == 0 && end - f >= WORD_BITS && *w == (used ? 0 : FULL_WORD)) {
			*w = used ? FULL_WORD : 0;
			p->free = used ? p->free - WORD_BITS : p->free + WORD_BITS;
			if (!used && f / WORD_BITS < p->hint)
				p->hint = f / WORD_BITS;
			f += WORD_BITS;
			continue;
		}
		if (frame_used(p, f) != used)
			mark(p, f, used);
		f++;
	}
}

/* [base, base+len) clipped to the pool and to the top of the address space,
 * in frames: rounded inwards (shrink) or outwards. */
static void frame_span(const struct frame_pool *p, uint64_t base, uint64_t len, bool shrink,
		       uint64_t *first, uint64_t *end)
{
	uint64_t top = len > ~0ull - base ? ~0ull : base + len;

	*first = base / FRAME_SIZE + (shrink && base % FRAME_SIZE != 0);
	*end = top / FRAME_SIZE + (!shrink && top % FRAME_SIZE != 0);
	if (*end > p->frames)
		*end = p->frames;
}

void frame_pool_add_range(struct frame_pool *p, uint64_t base, uint64_t len)
{
	uint64_t first, end;

	frame_span(p, base, len, true, &first, &end);
	if (first == 0)
		first = 1; /* frame 0 is never handed out */
	if (first < end)
		set_frames(p, first, end, false);
}

void frame_pool_reserve_range(struct frame_pool *p, uint64_t base, uint64_t len)
{
	uint64_t first, end;

	if (len == 0)
		return;
	frame_span(p, base, len, false, &first, &end);
	if (first < end)
		set_frames(p, first, end, true);
}

uint64_t frame_pool_alloc(struct frame_pool *p)
{
	uint64_t words = frame_pool_bitmap_words(p->frames);

	for (uint64_t i = p->hint; i < words; i++) {
		if (p->bits[i] == FULL_WORD)
			continue;
		p->hint = i;
		uint64_t f = i * WORD_BITS + (uint64_t)__builtin_ctzll(~p->bits[i]);
		mark(p, f, true);
		return f * FRAME_SIZE;
	}
	p->hint = words;
	return FRAME_NONE;
}

static uint64_t round_up(uint64_t v, uint64_t align)
{
	return (v + align - 1) / align * align;
}

uint64_t frame_pool_alloc_contiguous(struct frame_pool *p, uint64_t count, uint64_t align_frames,
				     uint64_t below)
{
	uint64_t limit = below ? below / FRAME_SIZE : p->frames;
	uint64_t align = align_frames ? align_frames : 1;

	if (limit > p->frames)
		limit = p->frames;
	if (count == 0 || count > limit)
		return FRAME_NONE;
	/* start at the first aligned frame that is not frame 0 */
	for (uint64_t start = align; start <= limit - count;) {
		uint64_t f = start;
		while (f < start + count && !frame_used(p, f))
			f++;
		if (f == start + count) {
			set_frames(p, start, start + count, true);
			return start * FRAME_SIZE;
		}
		if (round_up(f + 1, align) < f + 1)
			break; /* overflow: nothing aligned above */
		start = round_up(f + 1, align);
	}
	return FRAME_NONE;
}

bool frame_pool_free(struct frame_pool *p, uint64_t phys)
{
	uint64_t f = phys / FRAME_SIZE;

	if (phys % FRAME_SIZE != 0 || f == 0 || f >= p->frames || !frame_used(p, f))
		return false;
	mark(p, f, false);
	return true;
}
