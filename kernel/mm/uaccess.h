/*
 * Reading and writing the calling process's memory. Every pointer a process
 * hands the kernel goes through these: the range is checked against the user
 * half and against the process's own page tables (present, user, and
 * writable for copy_to_user) page by page, and the copy goes through the
 * direct map, so a bad pointer is an error code, never a kernel fault.
 */
#pragma once

#include <stddef.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

long copy_from_user(void *dst, uint64_t user_src, size_t len);     /* 0 or -SIETCH_EFAULT */
long copy_to_user(uint64_t user_dst, const void *src, size_t len); /* 0 or -SIETCH_EFAULT */
/* A counted string (path, name): len bytes, no NUL needed; -SIETCH_ENAMETOOLONG if len >= size. */
long copy_string_from_user(char *dst, size_t size, uint64_t user_src, size_t len);
bool user_range_ok(uint64_t start, size_t len); /* inside the user half, no overflow */
