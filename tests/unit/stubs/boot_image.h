/*
 * Building boot images (ustar archives) and freeing the name tree built from
 * them, for the tests of kernel/ctl/namespace.c and what sits on it.
 * Defines functions: include it once, after lib/common/tar.c and
 * kernel/ctl/namespace.c, in the one translation unit of a test binary.
 */
#pragma once

#include <stdlib.h>
#include <string.h>

static void ustar_octal(char *field, size_t width, uint64_t v)
{
	field[width - 1] = '\0';
	for (size_t i = width - 1; i-- > 0; v >>= 3)
		field[i] = (char)('0' + (v & 7));
}

/* Fills a zeroed header block as tar(1) writes one; a name over 100 bytes is split into prefix and name at a slash. */
static void ustar_header(struct tar_header *h, const char *name, char type, size_t size)
{
	size_t len = strlen(name);
	if (len > 100) {
		const char *slash = name + len - 101;
		while (*slash != '/')
			slash++;
		memcpy(h->prefix, name, (size_t)(slash - name));
		name = slash + 1;
		len = strlen(name);
	}
	memcpy(h->name, name, len);
	ustar_octal(h->mode, sizeof(h->mode), 0755);
	ustar_octal(h->uid, sizeof(h->uid), 0);
	ustar_octal(h->gid, sizeof(h->gid), 0);
	ustar_octal(h->size, sizeof(h->size), size);
	ustar_octal(h->mtime, sizeof(h->mtime), 0);
	h->typeflag = type;
	memcpy(h->magic, "ustar", 6);
	memcpy(h->version, "00", 2);
	memset(h->chksum, ' ', sizeof(h->chksum));
	unsigned sum = 0;
	for (size_t i = 0; i < TAR_BLOCK; i++)
		sum += ((unsigned char *)h)[i];
	ustar_octal(h->chksum, 7, sum);
}

/* What the kernel never does (the tree lives for ever): free a tree's nodes and drop its devices. */
static void name_tree_free(struct name_node *node)
{
	while (node->children) {
		struct name_node *child = node->children;
		node->children = child->next;
		name_tree_free(child);
		if (child->device)
			object_unref(child->device);
		free(child);
	}
}
