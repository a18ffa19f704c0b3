/* lsstore: the storage areas in the catalogue, with where they lie and who holds them. */
#include <stdio.h>

#include "drivers/nvme/os/io.h"
#include "lib/os/os.h"

int main(void)
{
	struct sietch_store_info info[16];
	size_t first = 0;
	long n;
	printf("%-20s %-8s %4s %12s %12s %6s %s\n", "NAME", "MODE", "NS", "FIRST", "BLOCKS", "BSIZE", "OWNER");
	while ((n = os_store_list(first, info, 16)) > 0) {
		for (long i = 0; i < n; i++) {
			const struct sietch_store_info *s = &info[i];
			printf("%-20s %-8s %4u %12llu %12llu %6u %u\n", s->name,
			       s->mode == SIETCH_STORE_HARDWARE ? "hardware" : "checked", s->nsid,
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
