/*
 * Files for newlib: a file descriptor is the kernel handle itself, so there is
 * no table here; the kernel keeps the offset. The name tree has no create,
 * truncate or remove: those fail as on a read-only file system.
 */
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>
#include "lib/libc/glue.h"
#include "lib/os/os.h"

_Static_assert(SEEK_SET == SIETCH_SEEK_SET && SEEK_CUR == SIETCH_SEEK_CUR &&
		       SEEK_END == SIETCH_SEEK_END,
	       "whence passes through");

/* newlib's read and write return int here: a longer transfer is a short one. */
int read(int fd, void *buf, size_t len)
{
	if (len > INT_MAX)
		len = INT_MAX;
	return (int)glue_result(os_read(fd, buf, len));
}

int write(int fd, const void *buf, size_t len)
{
	if (len > INT_MAX)
		len = INT_MAX;
	return (int)glue_result(os_write(fd, buf, len));
}

int close(int fd)
{
	return (int)glue_result(os_close(fd));
}

off_t lseek(int fd, off_t offset, int whence)
{
	return glue_result(os_seek(fd, offset, whence));
}

static unsigned rights_of(int flags)
{
	switch (flags & O_ACCMODE) {
	case O_RDONLY:
		return SIETCH_RIGHT_READ;
	case O_WRONLY:
		return SIETCH_RIGHT_WRITE;
	case O_RDWR:
		return SIETCH_RIGHT_READ | SIETCH_RIGHT_WRITE;
	default:
		return 0;
	}
}

/* What open's flags ask beyond opening, on a handle just opened. */
static int open_flags_apply(long h, int flags)
{
	if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))
		return EEXIST;
	if ((flags & O_TRUNC) && (flags & O_ACCMODE) != O_RDONLY) {
		struct sietch_stat st;
		long r = os_stat(h, &st);
		if (r < 0)
			return (int)-r;
		if (st.size != 0)
			return EROFS; /* nothing can shorten a file */
	}
	if ((flags & O_APPEND) && os_seek(h, 0, SIETCH_SEEK_END) < 0)
		return ESPIPE;
	return 0;
}

int open(const char *path, int flags, ...)
{
	unsigned rights = rights_of(flags);
	if (!rights)
		return glue_fail(EINVAL);
	long h = os_open(path, rights);
	if (h == -SIETCH_ENOENT && (flags & O_CREAT))
		return glue_fail(EROFS);
	if (h == -SIETCH_EPERM)
		return glue_fail(EACCES); /* as POSIX open reports a right it may not have */
	if (h < 0)
		return (int)glue_result(h);
	int error = open_flags_apply(h, flags);
	if (error) {
		os_close(h);
		return glue_fail(error);
	}
	return (int)h;
}

static mode_t mode_of(const struct sietch_stat *st)
{
	mode_t perm = 0;
	if (st->rights & SIETCH_RIGHT_READ)
		perm |= st->type == SIETCH_TYPE_DIR ? 0555 : 0444;
	if (st->rights & SIETCH_RIGHT_WRITE)
		perm |= 0222;
	if (st->rights & SIETCH_RIGHT_EXEC)
		perm |= 0111;
	switch (st->type) {
	case SIETCH_TYPE_FILE:
	case SIETCH_TYPE_MEMORY:
		return S_IFREG | perm;
	case SIETCH_TYPE_DIR:
		return S_IFDIR | perm;
	case SIETCH_TYPE_CONSOLE:
		return S_IFCHR | perm; /* so isatty() holds and stdout is line-buffered */
	default:
		return perm; /* processes, endpoints, notifications: no file type */
	}
}

int fstat(int fd, struct stat *out)
{
	struct sietch_stat st;
	long r = os_stat(fd, &st);
	if (r < 0)
		return (int)glue_result(r);
	*out = (struct stat){
		.st_mode = mode_of(&st),
		.st_nlink = 1,
		.st_size = (off_t)st.size,
		.st_blksize = (blksize_t)OS_PAGE_SIZE,
		.st_blocks = (blkcnt_t)((st.size + 511) / 512),
	};
	return 0;
}

int stat(const char *restrict path, struct stat *restrict out)
{
	long h = os_open(path, SIETCH_RIGHT_READ);
	if (h == -SIETCH_EPERM)
		h = os_open(path, 0); /* stat needs no right but the name */
	if (h < 0)
		return (int)glue_result(h);
	int r = fstat((int)h, out);
	os_close(h);
	return r;
}

int isatty(int fd)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return 0;
	if (!S_ISCHR(st.st_mode)) {
		errno = ENOTTY;
		return 0;
	}
	return 1;
}

/* Descriptor flags have no meaning without exec; the status flags are the rights. */
int fcntl(int fd, int cmd, ...)
{
	struct sietch_stat st;
	long r = os_stat(fd, &st);
	if (r < 0)
		return (int)glue_result(r);
	switch (cmd) {
	case F_GETFD:
	case F_SETFD:
	case F_SETFL:
		return 0;
	case F_GETFL:
		if ((st.rights & SIETCH_RIGHT_READ) && (st.rights & SIETCH_RIGHT_WRITE))
			return O_RDWR;
		return st.rights & SIETCH_RIGHT_WRITE ? O_WRONLY : O_RDONLY;
	default:
		return glue_fail(EINVAL);
	}
}

int mkdir(const char *path, mode_t mode)
{
	(void)path, (void)mode;
	return glue_fail(ENOSYS);
}

int link(const char *old_path, const char *new_path)
{
	(void)old_path, (void)new_path;
	return glue_fail(ENOSYS);
}

int unlink(const char *path)
{
	(void)path;
	return glue_fail(ENOSYS);
}
