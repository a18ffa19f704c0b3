/*
 * mkstore NAME SIZE: a new storage area /store/NAME of SIZE bytes (64M, 1G,
 * ...), a block range the kernel checks every command against.
 * mkstore -n NAME: a namespace of its own, which only the VF controller
 * serving its owner will see (hardware-enforced).
 */
#include <stdio.h>
#include <string.h>

#include "drivers/nvme/os/io.h"
#include "lib/os/os.h"

int main(int argc, char **argv)
{
	uint64_t size = 0;
	unsigned flags = 0;
	if (argc == 3 && !strcmp(argv[1], "-n")) {
		flags = SIETCH_STORE_CREATE_NAMESPACE;
		argv++;
	} else if (argc != 3 || nvme_parse_size(argv[2], &size)) {
		fprintf(stderr, "usage: mkstore NAME SIZE (SIZE in bytes, or with K, M or G) | mkstore -n NAME\n");
		return 2;
	}
	long err = nvme_store_create(argv[1], size, flags);
	if (err) {
		fprintf(stderr, "mkstore: %s: %s%s\n", argv[1], os_strerror(err),
			err == -SIETCH_EEXIST ? " (the name is taken)" :
			err == -SIETCH_ENOSPC ? " (no room on the device or in the catalogue)" :
			err == -SIETCH_ENOENT ? " (no storage: no NVMe device or no catalogue)" :
			err == -SIETCH_EIO ? " (the catalogue is damaged or the device failed: see the kernel log)" :
			err == -SIETCH_EINVAL ? " (names are 1-47 of a-z 0-9 . _ -)" : "");
		return 1;
	}
	if (flags)
		printf("mkstore: /store/%s: a namespace of its own (hardware-enforced)\n", argv[1]);
	else
		printf("mkstore: /store/%s: %llu bytes\n", argv[1], (unsigned long long)size);
	return 0;
}
