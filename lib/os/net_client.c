/*
 * The server mode of lib/os/net.h: every call is an IPC call to netd, which
 * owns the VNIC and runs lwIP. (Not written yet: starting in this mode fails.)
 */
#include "lib/common/syscall.h"
#include "lib/os/net.h"

static long client_start(const struct net_options *options)
{
	(void)options;
	return -SIETCH_ENOSYS;
}

const struct net_backend net_client = {
	.start = client_start,
};
