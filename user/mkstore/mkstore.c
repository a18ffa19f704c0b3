/* mkstore NAME SIZE: a new storage area /store/NAME of SIZE bytes (64M, 1G, ...). */
#include <stdio.h>

#include "drivers/nvme/os/io.h"
#include "lib/os/os.h"

int main(int argc, char **argv)
{
	uint64_t size;
	if (argc != 3 || nvme_parse_size(argv[2], &size)) {
		fprintf(stderr, "usage: mkstore NAME SIZE (SIZE in bytes, or with K, M or G)\n");
		return 2;
	}
	long err = nvme_store_create(argv[1], size);
	if (err) {
		fprintf(stderr, "mkstore: %s: %s%s\n", argv[1], os_strerror(err),
			err == -SIETCH_EEXIST ? " (the name is taken)" :
			err == -SIETCH_ENOSPC ? " (no room on the device or in the catalogue)" :
			err == -SIETCH_ENOENT ? " (no storage: no NVMe device or no catalogue)" :
			err == -SIETCH_EIO ? " (the catalogue is damaged or the device failed: see the kernel log)" :
			err == -SIETCH_EINVAL ? " (names are 1-47 of a-z 0-9 . _ -)" : "");
		return 1;
	}
	printf("mkstore: /store/%s: %llu bytes\n", argv[1], (unsigned long long)size);
	return 0;
}
