/* rmstore NAME: removes the storage area /store/NAME (refused while it is open). */
#include <stdio.h>
#include <string.h>

#include "drivers/nvme/os/io.h"
#include "lib/os/os.h"

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: rmstore NAME\n");
		return 2;
	}
	const char *name = strncmp(argv[1], "/store/", 7) == 0 ? argv[1] + 7 : argv[1];
	long err = nvme_store_remove(name);
	if (err) {
		fprintf(stderr, "rmstore: %s: %s%s\n", name, os_strerror(err),
			err == -SIETCH_EBUSY ? " (a process has it open)" : "");
		return 1;
	}
	printf("rmstore: /store/%s removed\n", name);
	return 0;
}
