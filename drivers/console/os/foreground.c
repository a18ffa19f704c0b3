/* Job control on the console (drivers/console/os/console.h). */
#include "drivers/console/os/console.h"
#include "lib/os/os.h"

long console_foreground(long console, long process, unsigned flags)
{
	return os_raw_console_foreground(console, process, flags);
}
