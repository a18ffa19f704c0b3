/*
 * The channel between netd and one client (lib/os/netd_proto.h): an endpoint
 * and a shared buffer. The side that spawns the other makes both and sends
 * them as handles; the spawned side finds them among its handles.
 */
#include "lib/os/netd_proto.h"
#include "lib/os/os.h"

#define HANDLES_SCANNED 64
#define FIND_TRIES 5000 /* 1 ms apart: 5 s */

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

/* The first handle of this type among those the other side sent, waiting for it to arrive. */
static long first_handle_of_type(uint32_t type)
{
	for (int tries = 0; tries < FIND_TRIES; tries++) {
		for (long h = SIETCH_HANDLE_STDERR + 1; h < HANDLES_SCANNED; h++) {
			struct sietch_stat st;
			if (os_stat(h, &st) == 0 && st.type == type)
				return h;
		}
		os_sleep_ns(1000000);
	}
	return -SIETCH_ENOENT;
}

long netd_channel_receive(long *endpoint, uint8_t **shm)
{
	long ep = first_handle_of_type(SIETCH_TYPE_ENDPOINT), mem = first_handle_of_type(SIETCH_TYPE_MEMORY);
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
