/* Physical frames: every 4 KiB page of RAM the firmware calls usable, handed out one (or a run) at a time. */
#pragma once

#include <stdint.h>

#define FRAME_NONE (~0ull)

void frame_init(const void *multiboot_info);
uint64_t frame_alloc(void);                /* zeroed frame, or FRAME_NONE */
uint64_t frame_alloc_contiguous(uint64_t count, uint64_t align_frames, uint64_t below); /* zeroed run */
void frame_free(uint64_t phys);
void frame_free_contiguous(uint64_t phys, uint64_t count);
uint64_t frame_free_count(void);
uint64_t frame_managed_count(void); /* usable frames in the firmware map */
