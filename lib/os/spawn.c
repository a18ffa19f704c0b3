/* Starting programs: argv goes to the kernel as one block of NUL-terminated strings. */
#include <stdlib.h>
#include <string.h>
#include "lib/os/os.h"

long os_spawn(const char *path, char *const argv[])
{
	char *const path_only[] = {(char *)path, NULL};
	if (!argv)
		argv = path_only;

	size_t len = 0;
	for (size_t i = 0; argv[i]; i++)
		len += strlen(argv[i]) + 1;
	char *block = malloc(len ? len : 1);
	if (!block)
		return -SIETCH_ENOMEM;
	char *p = block;
	for (size_t i = 0; argv[i]; i++) {
		size_t n = strlen(argv[i]) + 1;
		memcpy(p, argv[i], n);
		p += n;
	}

	long r = os_raw_proc_spawn(path, strlen(path), block, len);
	free(block);
	return r;
}
