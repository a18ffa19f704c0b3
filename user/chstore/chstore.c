/*
 * chstore ro|rw NAME: what every opener of /store/NAME may do from now on,
 * read only or read and write; recorded in the catalogue, so it lasts
 * across reboots. Refused while someone holds the area, and ro for a
 * hardware-enforced area (its VF cannot refuse writes).
 */
#include <stdio.h>
#include <string.h>

#include "drivers/nvme/os/io.h"
#include "lib/os/os.h"

int main(int argc, char **argv)
{
	unsigned rights = SIETCH_RIGHT_READ;
	if (argc != 3 || (strcmp(argv[1], "ro") && strcmp(argv[1], "rw"))) {
		fprintf(stderr, "usage: chstore ro|rw NAME\n");
		return 2;
	}
	if (!strcmp(argv[1], "rw"))
		rights |= SIETCH_RIGHT_WRITE;
	long err = nvme_store_set_rights(argv[2], rights);
	if (err) {
		fprintf(stderr, "chstore: %s: %s%s\n", argv[2], os_strerror(err),
			err == -SIETCH_EBUSY  ? " (the area is open: rights change only between owners)" :
			err == -SIETCH_ENOENT ? " (no such area, or no storage)" :
			err == -SIETCH_EIO    ? " (the catalogue is damaged or the device failed: see the kernel log)" :
			err == -SIETCH_EINVAL ? " (a bad name, or ro on a hardware-enforced area: its VF cannot refuse "
						"writes)" :
						"");
		return 1;
	}
	printf("chstore: /store/%s: %s\n", argv[2], rights & SIETCH_RIGHT_WRITE ? "read-write" : "read-only");
	return 0;
}
