/*
 * POSIX ustar reader (POSIX.1-2017, pax, "ustar Interchange Format").
 */
#include "lib/common/tar.h"

#include "lib/common/string.h"

/* Parses an octal field: optional leading spaces, digits, then a space,
 * NUL or the end of the field. False on anything else (GNU's base-256
 * form included: no file here is 8 GiB). */
static bool parse_octal(const char *field, size_t len, uint64_t *out)
{
	size_t i = 0;
	uint64_t v = 0;

	while (i < len && field[i] == ' ')
		i++;
	size_t digits = i;
	for (; i < len && field[i] >= '0' && field[i] <= '7'; i++) {
		if (v >> 61)
			return false; /* would overflow */
		v = v << 3 | (uint64_t)(field[i] - '0');
	}
	if (i == digits || (i < len && field[i] != ' ' && field[i] != '\0'))
		return false;
	*out = v;
	return true;
}

/* The header checksum: the sum of all 512 bytes with chksum read as spaces.
 * Historic tars summed signed chars, so either sum is accepted. */
static bool checksum_ok(const struct tar_header *h)
{
	const unsigned char *b = (const unsigned char *)h;
	uint64_t want, sum = 0;
	int64_t ssum = 0;

	if (!parse_octal(h->chksum, sizeof(h->chksum), &want))
		return false;
	for (size_t i = 0; i < TAR_BLOCK; i++) {
		bool in_chksum = i >= offsetof(struct tar_header, chksum) &&
				 i < offsetof(struct tar_header, chksum) + sizeof(h->chksum);
		unsigned char c = in_chksum ? ' ' : b[i];
		sum += c;
		ssum += (signed char)c;
	}
	return want == sum || (int64_t)want == ssum;
}

static bool is_zero_block(const void *block)
{
	const unsigned char *b = block;

	for (size_t i = 0; i < TAR_BLOCK; i++) {
		if (b[i])
			return false;
	}
	return true;
}

/* name, or prefix "/" name when prefix is set; neither need end in NUL. */
static void join_name(const struct tar_header *h, char *out)
{
	size_t plen = strnlen(h->prefix, sizeof(h->prefix));
	size_t nlen = strnlen(h->name, sizeof(h->name));
	size_t n = 0;

	if (plen) {
		memcpy(out, h->prefix, plen);
		out[plen] = '/';
		n = plen + 1;
	}
	memcpy(out + n, h->name, nlen);
	out[n + nlen] = '\0';
}

/* Types 1-6 store no data blocks, whatever their size field says. */
static bool has_data(char type)
{
	return type < TAR_TYPE_HARDLINK || type > TAR_TYPE_FIFO;
}

bool tar_next(const void *archive, size_t size, size_t *offset, struct tar_entry *out)
{
	size_t off = *offset;
	uint64_t fsize, mode;

	if (off > size || size - off < TAR_BLOCK)
		return false;
	const struct tar_header *h = (const void *)((const char *)archive + off);
	if (is_zero_block(h) || memcmp(h->magic, "ustar", 5) != 0 || !checksum_ok(h) ||
	    !parse_octal(h->size, sizeof(h->size), &fsize) ||
	    !parse_octal(h->mode, sizeof(h->mode), &mode))
		return false;

	out->type = h->typeflag == '\0' ? TAR_TYPE_FILE : h->typeflag;
	if (!has_data(out->type))
		fsize = 0;
	size_t room = size - off - TAR_BLOCK;
	if (fsize > room)
		return false; /* truncated */
	size_t padded = ((size_t)fsize + TAR_BLOCK - 1) / TAR_BLOCK * TAR_BLOCK; /* fsize <= room: no overflow */

	join_name(h, out->name);
	out->mode = (uint32_t)(mode & 07777);
	out->data = (const char *)h + TAR_BLOCK;
	out->size = (size_t)fsize;
	/* the last block's padding may be missing from a cut archive */
	*offset = off + TAR_BLOCK + (padded > room ? room : padded);
	return true;
}

/* path without leading "./" and "/" and without trailing "/": start, length */
static const char *trim_path(const char *path, size_t *len)
{
	for (;;) {
		if (path[0] == '.' && path[1] == '/')
			path += 2;
		else if (path[0] == '/')
			path++;
		else
			break;
	}
	*len = strlen(path);
	while (*len > 0 && path[*len - 1] == '/')
		(*len)--;
	return path;
}

bool tar_find(const void *archive, size_t size, const char *path, struct tar_entry *out)
{
	size_t want_len, off = 0;
	const char *want = trim_path(path, &want_len);

	while (tar_next(archive, size, &off, out)) {
		size_t len;
		const char *name = trim_path(out->name, &len);
		if (len == want_len && memcmp(name, want, len) == 0)
			return true;
	}
	return false;
}
