/* Shared by the functions newlib's libc.a leaves to the OS (lib/libc/newlib_*.c). */
#pragma once

#include <errno.h>
#include "lib/common/syscall.h"

/* The kernel's error codes are newlib's errno values, so a result passes
 * through unchanged; this is where that is checked. */
_Static_assert(SIETCH_EPERM == EPERM && SIETCH_ENOENT == ENOENT && SIETCH_ESRCH == ESRCH &&
		       SIETCH_EINTR == EINTR && SIETCH_EIO == EIO && SIETCH_E2BIG == E2BIG &&
		       SIETCH_ENOEXEC == ENOEXEC && SIETCH_EBADF == EBADF &&
		       SIETCH_ECHILD == ECHILD && SIETCH_EAGAIN == EAGAIN &&
		       SIETCH_ENOMEM == ENOMEM && SIETCH_EFAULT == EFAULT &&
		       SIETCH_EBUSY == EBUSY && SIETCH_EEXIST == EEXIST &&
		       SIETCH_ENOTDIR == ENOTDIR && SIETCH_EISDIR == EISDIR &&
		       SIETCH_EINVAL == EINVAL && SIETCH_EMFILE == EMFILE &&
		       SIETCH_ENOSPC == ENOSPC && SIETCH_ESPIPE == ESPIPE &&
		       SIETCH_ENAMETOOLONG == ENAMETOOLONG && SIETCH_ENOSYS == ENOSYS && SIETCH_ETIMEDOUT == ETIMEDOUT &&
		       SIETCH_EACCES == EACCES && SIETCH_ENOTTY == ENOTTY && SIETCH_EROFS == EROFS,
	       "SIETCH_E* must equal newlib's errno values");

/* A kernel result as POSIX returns it: errors set errno and become -1. */
static inline long glue_result(long r)
{
	if (r < 0) {
		errno = (int)-r;
		return -1;
	}
	return r;
}

static inline int glue_fail(int error)
{
	errno = error;
	return -1;
}
