/*
 * Where user space lies in every process's address space: part of the ABI,
 * so the kernel (kernel/arch/layout.h), libc and the tests share this one
 * definition. Constants only: assembly includes it too.
 */
#pragma once

#define USER_BASE 0x400000           /* program images start here; below stays unmapped */
#define USER_TOP 0x00007ffffffff000  /* first address past user space: one guard page below the canonical hole */
