/* The out-of-line system call, for callers that choose the number at run time. */
#include "lib/libc/syscall_raw.h"

long sietch_syscall(long number, long a0, long a1, long a2, long a3, long a4, long a5)
{
	return sietch_syscall6(number, a0, a1, a2, a3, a4, a5);
}
