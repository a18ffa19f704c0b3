/* IPC endpoints (kernel/ctl/endpoint.c): what the rest of the kernel needs of them. */
#pragma once

#include <stdint.h>

/* Calls the process had received and not answered fail with -SIETCH_EIO. */
void endpoint_process_exited(uint32_t pid);
/* Once at boot, before the first spawn: every process teardown calls the above (a proc exit hook). */
void endpoint_init(void);
