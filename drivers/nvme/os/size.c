/* Sizes as people type them: 4096, 64K, 64M, 1G (powers of 1024). */
#include "drivers/nvme/os/io.h"

#include <errno.h>
#include <stdlib.h>

long nvme_parse_size(const char *text, uint64_t *out)
{
	char *end;
	if (*text < '0' || *text > '9')
		return -SIETCH_EINVAL; /* strtoull would take a sign or spaces */
	errno = 0;
	unsigned long long n = strtoull(text, &end, 10);
	if (errno)
		return -SIETCH_EINVAL;
	unsigned shift = 0;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	default: break;
	}
	if (end == text || *end || n == 0 || n > (~0ull >> shift))
		return -SIETCH_EINVAL;
	*out = (uint64_t)n << shift;
	return 0;
}
