/*
 * netdev_open for a build without a VNIC driver: user/user.mk links this
 * archive after every driver's, so a driver's netdev_open wins when there is one.
 */
#include "lib/common/syscall.h"
#include "lib/os/netdev.h"

int netdev_open(const char *path, struct netdev **out)
{
	(void)path;
	(void)out;
	return -SIETCH_ENOENT;
}
