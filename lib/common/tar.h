/*
 * Reading a POSIX ustar archive in memory (POSIX.1-2017, pax, "ustar
 * Interchange Format"): 512-byte header blocks, each followed by the file's
 * data padded to 512 bytes, ended by zero blocks. Used for the initrd.
 * Every header's checksum is verified and every size is checked against the
 * archive, so a truncated or corrupt archive just ends early.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TAR_BLOCK 512

/* typeflag values (pax, ustar Header Block) */
#define TAR_TYPE_FILE '0' /* an old-style '\0' is reported as '0' */
#define TAR_TYPE_HARDLINK '1'
#define TAR_TYPE_SYMLINK '2'
#define TAR_TYPE_CHAR '3'
#define TAR_TYPE_BLOCK '4'
#define TAR_TYPE_DIR '5'
#define TAR_TYPE_FIFO '6'

/* The header block, field by field (pax, ustar Header Block). */
struct tar_header {
	char name[100];
	char mode[8];
	char uid[8];
	char gid[8];
	char size[12];
	char mtime[12];
	char chksum[8];
	char typeflag;
	char linkname[100];
	char magic[6]; /* "ustar\0"; GNU tar writes "ustar " */
	char version[2];
	char uname[32];
	char gname[32];
	char devmajor[8];
	char devminor[8];
	char prefix[155];
	char pad[12];
};
_Static_assert(sizeof(struct tar_header) == TAR_BLOCK, "ustar header block");
_Static_assert(offsetof(struct tar_header, size) == 124, "ustar header block");
_Static_assert(offsetof(struct tar_header, chksum) == 148, "ustar header block");
_Static_assert(offsetof(struct tar_header, typeflag) == 156, "ustar header block");
_Static_assert(offsetof(struct tar_header, magic) == 257, "ustar header block");
_Static_assert(offsetof(struct tar_header, prefix) == 345, "ustar header block");

/* prefix "/" name and a NUL */
#define TAR_NAME_MAX (155 + 1 + 100 + 1)

struct tar_entry {
	char name[TAR_NAME_MAX]; /* prefix and name joined, as stored */
	char type;               /* TAR_TYPE_* */
	uint32_t mode;           /* permission bits */
	const void *data;        /* size bytes inside the archive */
	size_t size;             /* 0 for links, devices, FIFOs and directories */
};

/* Reads the entry at *offset (start with 0) and advances *offset past its
 * data. False at the end of the archive (a zero block or too little left)
 * or at a header that fails its checks. */
bool tar_next(const void *archive, size_t size, size_t *offset, struct tar_entry *out);

/* Finds path. Leading "./" and "/" are ignored on both sides, and so is a
 * trailing "/" (directories are stored as "dir/"). */
bool tar_find(const void *archive, size_t size, const char *path, struct tar_entry *out);
