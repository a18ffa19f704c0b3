/*
 * The kernel's virtual memory layout: x86-64's two canonical halves, the
 * direct map, and the image at -2 GiB that -mcmodel=kernel requires. boot/entry.S
 * builds it, kernel/mm manages it. Included by assembly too, so constants only.
 *
 *   0x0000000000400000 .. USER_TOP           user space (lower canonical half)
 *   DIRECT_MAP_BASE ..                        all physical memory, phys p at DIRECT_MAP_BASE + p
 *   KERNEL_VMA + KERNEL_LOAD_PHYS ..          the kernel image (-2 GiB, -mcmodel=kernel)
 */
#pragma once

#include "lib/common/user_layout.h" /* USER_BASE, USER_TOP */

#define KERNEL_VMA 0xffffffff80000000
#define KERNEL_LOAD_PHYS 0x200000
#define DIRECT_MAP_BASE 0xffff800000000000
#define KERNEL_STACK_SIZE 16384
