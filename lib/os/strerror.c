/* Names of the kernel's error codes, for messages. */
#include "lib/os/os.h"

static const char *const error_names[] = {
	[0] = "OK",
	[SIETCH_EPERM] = "EPERM",
	[SIETCH_ENOENT] = "ENOENT",
	[SIETCH_ESRCH] = "ESRCH",
	[SIETCH_EINTR] = "EINTR",
	[SIETCH_EIO] = "EIO",
	[SIETCH_E2BIG] = "E2BIG",
	[SIETCH_ENOEXEC] = "ENOEXEC",
	[SIETCH_EBADF] = "EBADF",
	[SIETCH_ECHILD] = "ECHILD",
	[SIETCH_EAGAIN] = "EAGAIN",
	[SIETCH_ENOMEM] = "ENOMEM",
	[SIETCH_EFAULT] = "EFAULT",
	[SIETCH_EBUSY] = "EBUSY",
	[SIETCH_EEXIST] = "EEXIST",
	[SIETCH_ENOTDIR] = "ENOTDIR",
	[SIETCH_EISDIR] = "EISDIR",
	[SIETCH_EINVAL] = "EINVAL",
	[SIETCH_EMFILE] = "EMFILE",
	[SIETCH_ENOSPC] = "ENOSPC",
	[SIETCH_ESPIPE] = "ESPIPE",
	[SIETCH_ENOSYS] = "ENOSYS",
	[SIETCH_ENAMETOOLONG] = "ENAMETOOLONG",
};

const char *os_strerror(long err)
{
	unsigned long code = err < 0 ? -(unsigned long)err : (unsigned long)err;
	if (code < sizeof(error_names) / sizeof(error_names[0]) && error_names[code])
		return error_names[code];
	return "unknown error";
}
