/* What each kernel error code means, for messages a person reads. */
#include "lib/os/os.h"

static const char *const error_text[] = {
	[0] = "success",
	[SIETCH_EPERM] = "the handle lacks the right (EPERM)",
	[SIETCH_ENOENT] = "no such name (ENOENT)",
	[SIETCH_ESRCH] = "no such process (ESRCH)",
	[SIETCH_EINTR] = "interrupted: the thread is being killed (EINTR)",
	[SIETCH_EIO] = "input/output error (EIO)",
	[SIETCH_E2BIG] = "argument list too long: at most 64 arguments, 2048 bytes (E2BIG)",
	[SIETCH_ENOEXEC] = "not an ELF64 x86-64 executable (ENOEXEC)",
	[SIETCH_EBADF] = "not a handle, or a handle of the wrong type (EBADF)",
	[SIETCH_ECHILD] = "not a process one may wait for (ECHILD)",
	[SIETCH_EAGAIN] = "try again: a limit was reached (EAGAIN)",
	[SIETCH_ENOMEM] = "out of memory or over the process's limit (ENOMEM)",
	[SIETCH_EACCES] = "permission denied (EACCES)",
	[SIETCH_EFAULT] = "bad address (EFAULT)",
	[SIETCH_EBUSY] = "busy (EBUSY)",
	[SIETCH_EEXIST] = "already exists or already mapped (EEXIST)",
	[SIETCH_ENODEV] = "no such device (ENODEV)",
	[SIETCH_ENOTDIR] = "not a directory (ENOTDIR)",
	[SIETCH_EISDIR] = "is a directory (EISDIR)",
	[SIETCH_EINVAL] = "invalid argument (EINVAL)",
	[SIETCH_EMFILE] = "handle table full (EMFILE)",
	[SIETCH_ENOTTY] = "not the console (ENOTTY)",
	[SIETCH_ENOSPC] = "no space left (ENOSPC)",
	[SIETCH_ESPIPE] = "cannot seek on this handle (ESPIPE)",
	[SIETCH_EROFS] = "read-only: the boot image cannot be written (EROFS)",
	[SIETCH_ENOSYS] = "no such system call (ENOSYS)",
	[SIETCH_ENAMETOOLONG] = "name too long (ENAMETOOLONG)",
	[SIETCH_ETIMEDOUT] = "timed out: a device did not answer (ETIMEDOUT)",
};

_Static_assert(SIETCH_SPAWN_ARGS_MAX == 64 && SIETCH_SPAWN_ARGS_BYTES == 2048, "the E2BIG text names these");

const char *os_strerror(long err)
{
	unsigned long code = err < 0 ? -(unsigned long)err : (unsigned long)err;
	if (code < sizeof(error_text) / sizeof(error_text[0]) && error_text[code])
		return error_text[code];
	return "unknown error";
}
