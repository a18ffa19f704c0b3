/* lsstore: the storage areas in the catalogue, with where they lie, what an
 * opener may do (ro: read only, rw: read and write) and who holds them. */
#include <stdio.h>

#include "drivers/nvme/os/io.h"
#include "lib/os/os.h"

int main(void)
{
	struct sietch_store_info info[16];
	size_t first = 0;
	long n;
	printf("%-20s %-8s %-6s %4s %12s %12s %6s %s\n", "NAME", "MODE", "RIGHTS", "NS", "FIRST", "BLOCKS", "BSIZE",
	       "OWNER");
	while ((n = os_store_list(first, info, 16)) > 0) {
		for (long i = 0; i < n; i++) {
			const struct sietch_store_info *s = &info[i];
			printf("%-20s %-8s %-6s %4u %12llu %12llu %6u %u\n", s->name,
			       s->mode == SIETCH_STORE_HARDWARE ? "hardware" : "checked",
			       s->flags & SIETCH_STORE_READ_ONLY ? "ro" : "rw", s->nsid,
			       (unsigned long long)s->first_block, (unsigned long long)s->blocks, s->block_size,
			       s->owner);
		}
		first += (size_t)n;
	}
	if (n < 0) {
		fprintf(stderr, "lsstore: %s\n", os_strerror(n));
		return 1;
	}
	printf("lsstore: %zu areas\n", first);
	return 0;
}
