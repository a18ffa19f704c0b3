/*
 * pid 1: starts the shell on the console and starts it again if it ends, so
 * a person at the console always has a prompt. `poweroff` ends the system.
 */
#include <stdio.h>
#include "lib/os/os.h"

int main(void)
{
	char *const argv[] = { "sh", 0 };
	for (;;) {
		long shell = os_spawn("/bin/sh", argv);
		if (shell < 0) {
			printf("init: cannot start /bin/sh: %s\n", os_strerror(shell));
			return 1;
		}
		int status = 0;
		os_wait(shell, &status);
		os_close(shell);
		printf("init: the shell exited with status %d; starting another\n", status);
	}
}
