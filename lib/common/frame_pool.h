/*
 * The core of the physical frame allocator: one bit per 4 KiB frame of
 * [0, frames * 4096), 1 = in use. The caller supplies the bitmap storage and
 * the locking. Frame 0 is never handed out, so a physical address of 0 can
 * mean "none" everywhere.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define FRAME_SIZE 4096ull
#define FRAME_NONE (~0ull)

struct frame_pool {
	uint64_t *bits;  /* frame_pool_bitmap_words(frames) words */
	uint64_t frames; /* frames covered */
	uint64_t free;   /* frames free now */
	uint64_t hint;   /* every word below this one is full */
};

/* Words of bitmap storage needed for frames frames. */
uint64_t frame_pool_bitmap_words(uint64_t frames);

/* Everything starts in use; add_range then frees what the memory map says
 * is usable. */
void frame_pool_init(struct frame_pool *p, uint64_t *bits, uint64_t frames);

/* Frees the whole frames inside [base, base+len), except frame 0; the part
 * beyond the pool is ignored. */
void frame_pool_add_range(struct frame_pool *p, uint64_t base, uint64_t len);

/* Marks in use every frame that [base, base+len) touches. */
void frame_pool_reserve_range(struct frame_pool *p, uint64_t base, uint64_t len);

/* The physical address of a free frame, now in use, or FRAME_NONE. The
 * contents are not cleared. */
uint64_t frame_pool_alloc(struct frame_pool *p);

/* count contiguous frames, the first at a multiple of align_frames frames
 * (0 or 1: no constraint), all of them below the physical address `below`
 * (0: no limit). Returns the first frame's address or FRAME_NONE. */
uint64_t frame_pool_alloc_contiguous(struct frame_pool *p, uint64_t count, uint64_t align_frames,
				     uint64_t below);

/* Returns the frame at phys to the pool. False, changing nothing, if phys is
 * not frame-aligned, is outside the pool, is frame 0 or is already free. */
bool frame_pool_free(struct frame_pool *p, uint64_t phys);
