/* Whole lines from the console (drivers/console/os/console.h). */
#include "drivers/console/os/console.h"
#include <stdbool.h>
#include "lib/os/os.h"

/* Reads and drops the rest of a line that did not fit; 0, or a read's error. */
static long drop_rest_of_line(long handle)
{
	char scrap[128];
	for (;;) {
		long n = os_read(handle, scrap, sizeof(scrap));
		if (n <= 0)
			return n;
		if (scrap[n - 1] == '\n')
			return 0;
	}
}

long console_read_line(long handle, char *buf, size_t size)
{
	size_t len = 0;
	bool ended = false;
	if (size < 2)
		return -SIETCH_EINVAL;
	/* The console hands out at most one line per read, but perhaps in pieces. */
	while (len < size - 1) {
		long n = os_read(handle, buf + len, size - 1 - len);
		if (n < 0)
			return n;
		if (n == 0) {
			ended = true; /* end of file: what came before it is the last line */
			break;
		}
		len += (size_t)n;
		if ((ended = buf[len - 1] == '\n'))
			break;
	}
	buf[len] = 0;
	if (!ended) {
		long err = drop_rest_of_line(handle);
		return err < 0 ? err : -SIETCH_E2BIG;
	}
	return (long)len;
}
