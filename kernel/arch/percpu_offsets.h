/* Offsets into struct cpu that assembly uses; kernel/arch/syscall.c asserts them. */
#pragma once

#define CPU_SYSCALL_USER_RSP 8
#define CPU_SYSCALL_KERNEL_RSP 16
