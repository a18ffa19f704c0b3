/*
 * The channel between netd and one client (lib/os/netd_proto.h): an endpoint
 * and a shared buffer. The side that spawns the other makes both and sends
 * them as handles; the spawned side finds them among its handles.
 */
#include "lib/os/netd_proto.h"
#include "lib/os/os.h"

#define FIND_TIMEOUT_MS 5000

long netd_channel_spawn(const char *path, char *const argv[], unsigned endpoint_rights, long *endpoint, uint8_t **shm)
{
	long ep = os_endpoint_create();
	long mem = ep < 0 ? ep : os_memory_create(NETD_SHM_SIZE);
	long at = mem < 0 ? mem : os_memory_map(mem, NULL, SIETCH_PROT_READ | SIETCH_PROT_WRITE);
	if (at < 0)
		return at;
	long process = os_spawn(path, argv);
	if (process < 0)
		return process;
	long r = os_handle_send(process, ep, endpoint_rights);
	if (r >= 0)
		r = os_handle_send(process, mem, SIETCH_RIGHT_READ | SIETCH_RIGHT_WRITE);
	os_close(mem); /* the mapping keeps it */
	if (r < 0) {
		os_kill(process, 1);
		return r;
	}
	*endpoint = ep;
	*shm = (uint8_t *)at;
	return process;
}

long netd_channel_receive(long *endpoint, uint8_t **shm)
{
	long ep = os_handle_find(SIETCH_TYPE_ENDPOINT, FIND_TIMEOUT_MS);
	long mem = os_handle_find(SIETCH_TYPE_MEMORY, FIND_TIMEOUT_MS);
	if (ep < 0 || mem < 0)
		return -SIETCH_ENOENT;
	long at = os_memory_map(mem, NULL, SIETCH_PROT_READ | SIETCH_PROT_WRITE);
	if (at < 0)
		return at;
	os_close(mem); /* the mapping keeps it */
	*endpoint = ep;
	*shm = (uint8_t *)at;
	return 0;
}
