/*
 * mkstore [-r|--read-only] NAME SIZE: a new storage area /store/NAME of SIZE
 * bytes (64M, 1G, ...), a block range the kernel checks every command
 * against; with -r no one may open it for writing (chstore changes that).
 * mkstore -n NAME: a namespace of its own, which only the VF controller
 * serving its owner will see (hardware-enforced; never read-only).
 */
#include <stdio.h>
#include <string.h>

#include "drivers/nvme/os/io.h"
#include "lib/os/os.h"

static const char *explain(long err, unsigned flags)
{
	if (err == -SIETCH_EEXIST)
		return " (the name is taken)";
	if (err == -SIETCH_ENOSPC)
		return " (no room on the device or in the catalogue)";
	if (err == -SIETCH_ENOENT)
		return " (no storage: no NVMe device or no catalogue)";
	if (err == -SIETCH_EIO)
		return " (the catalogue is damaged or the device failed: see the kernel log)";
	if (err == -SIETCH_EINVAL && (flags & SIETCH_STORE_CREATE_READ_ONLY) && (flags & SIETCH_STORE_CREATE_NAMESPACE))
		return " (a hardware-enforced area cannot be read-only: its VF would carry the owner's writes)";
	if (err == -SIETCH_EINVAL)
		return " (names are 1-47 of a-z 0-9 . _ -)";
	return "";
}

int main(int argc, char **argv)
{
	uint64_t size = 0;
	unsigned flags = 0;
	int arg = 1;
	for (; arg < argc && argv[arg][0] == '-'; arg++) {
		if (!strcmp(argv[arg], "-r") || !strcmp(argv[arg], "--read-only"))
			flags |= SIETCH_STORE_CREATE_READ_ONLY;
		else if (!strcmp(argv[arg], "-n"))
			flags |= SIETCH_STORE_CREATE_NAMESPACE;
		else
			break;
	}
	bool whole = flags & SIETCH_STORE_CREATE_NAMESPACE;
	if (argc - arg != (whole ? 1 : 2) || (!whole && nvme_parse_size(argv[arg + 1], &size))) {
		fprintf(stderr, "usage: mkstore [-r|--read-only] NAME SIZE (SIZE in bytes, or with K, M or G) | "
				"mkstore -n NAME\n");
		return 2;
	}
	const char *name = argv[arg];
	long err = nvme_store_create(name, size, flags);
	if (err) {
		fprintf(stderr, "mkstore: %s: %s%s\n", name, os_strerror(err), explain(err, flags));
		return 1;
	}
	if (whole)
		printf("mkstore: /store/%s: a namespace of its own (hardware-enforced)\n", name);
	else
		printf("mkstore: /store/%s: %llu bytes%s\n", name, (unsigned long long)size,
		       flags & SIETCH_STORE_CREATE_READ_ONLY ? ", read-only" : "");
	return 0;
}
