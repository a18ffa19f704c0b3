/*
 * netd: the network server of server mode (lib/os/netd_proto.h). It owns a
 * VNIC and runs lwIP through lib/os/net.h in direct mode, and carries out its
 * clients' net.h calls, received over IPC: the classic microkernel path, kept
 * to compare with direct mode, where the program runs lwIP itself.
 *
 *   netd --client [--addr A/N] [--gw G] [--dev PATH] [--rate MBPS]
 *   netd [--addr A/N] [--gw G] [--dev PATH] [--rate MBPS] -- PROGRAM [ARGS] [-- PROGRAM [ARGS]]...
 *
 * The first form is how a program started with --server spawns its own netd;
 * netd serves that one client and ends with it. The second starts the
 * programs itself, in server mode, and serves them all on one VNIC and one
 * lwIP (their sockets kept apart), until the last has ended.
 *
 * Each client has a thread here, blocked in receive on its endpoint; a lock
 * keeps lwIP to one thread at a time. lwIP runs only when a client calls,
 * which a client in a polling loop does all the time.
 */
#include <stdio.h>
#include <string.h>
#include "lib/os/net.h"
#include "lib/os/netd_proto.h"
#include "lib/os/os.h"

#define CLIENTS_MAX 8
#define PROGRAM_ARGS_MAX 32

struct client {
	int id;
	long endpoint;
	uint8_t *shm;
	long process;       /* launched clients: a handle to wait on */
	volatile int gone;  /* its thread has dropped its sockets and ended */
};

static struct client clients[CLIENTS_MAX];
static int nclients;
static long start_result;

/* One thread in lwIP at a time; the holder is never long (one call). */
static volatile int lwip_lock;

static void lock(void)
{
	while (__atomic_exchange_n(&lwip_lock, 1, __ATOMIC_ACQUIRE))
		os_yield();
}

static void unlock(void)
{
	__atomic_store_n(&lwip_lock, 0, __ATOMIC_RELEASE);
}

/* One client's calls, until it quits or its endpoint closes (it is gone). */
static void serve_client(void *arg)
{
	struct client *c = arg;
	for (int quit = 0; !quit;) {
		struct sietch_msg in, out = { 0 };
		long token = os_receive(c->endpoint, &in);
		if (token < 0)
			break;
		if (in.label == NETD_START) {
			out.label = (uint64_t)start_result;
		} else {
			lock();
			out.label = (uint64_t)netd_serve(c->id, &in, &out, c->shm, &quit);
			unlock();
		}
		os_reply(c->endpoint, (uint64_t)token, &out);
	}
	lock();
	netd_drop_client(c->id);
	unlock();
	c->gone = 1;
}

/* A launched client's end: closing netd's handle closes the endpoint (the client's
 * went with it), which ends serve_client's receive. */
static void wait_client(void *arg)
{
	struct client *c = arg;
	int status;
	os_wait(c->process, &status);
	os_close(c->endpoint);
}

static struct client *add_client(long endpoint, uint8_t *shm, long process)
{
	struct client *c = &clients[nclients];
	*c = (struct client){ .id = nclients, .endpoint = endpoint, .shm = shm, .process = process };
	nclients++;
	return c;
}

/* --- netd --client: the parent is the one client --------------------------------- */

static uint32_t parent_pid(void)
{
	static struct sietch_proc_info procs[128];
	long n = os_proc_list(procs, 128);
	long self = os_self();
	for (long i = 0; i < n && i < 128; i++)
		if (procs[i].pid == (uint32_t)self)
			return procs[i].parent;
	return 0;
}

static int process_alive(uint32_t pid)
{
	static struct sietch_proc_info procs[128];
	long n = os_proc_list(procs, 128);
	for (long i = 0; i < n && i < 128; i++)
		if (procs[i].pid == pid)
			return procs[i].state == 0;
	return n < 0; /* cannot tell: assume so */
}

static int serve_parent(const struct net_options *options)
{
	long ep;
	uint8_t *shm;
	long r = netd_channel_receive(&ep, &shm);
	if (r == -SIETCH_ENOENT) {
		fprintf(stderr, "netd: no endpoint and shared memory arrived from the client\n");
		return 1;
	}
	if (r < 0) {
		fprintf(stderr, "netd: cannot map the shared memory: %s\n", os_strerror(r));
		return 1;
	}
	start_result = net_start(options);
	struct client *c = add_client(ep, shm, -1);
	if (start_result < 0) { /* tell the client why, then go */
		struct sietch_msg in, out = { .label = (uint64_t)start_result };
		long token = os_receive(ep, &in);
		if (token >= 0)
			os_reply(ep, (uint64_t)token, &out);
		return 1;
	}
	if (os_thread_create(serve_client, c, 0) < 0)
		return 1;
	/* A client that was killed sends no NETD_QUIT: look five times a second. */
	uint32_t parent = parent_pid();
	while (!c->gone && (parent == 0 || process_alive(parent)))
		os_sleep_ns(200000000);
	return 0;
}

/* --- netd -- PROGRAM ...: netd starts its clients ---------------------------------- */

static long launch(char **argv, int argc)
{
	if (nclients == CLIENTS_MAX || argc + 2 > PROGRAM_ARGS_MAX)
		return -SIETCH_E2BIG;
	char path[80];
	snprintf(path, sizeof(path), argv[0][0] == '/' ? "%s" : "/bin/%s", argv[0]);
	char *args[PROGRAM_ARGS_MAX];
	int n = 0;
	args[n++] = argv[0];
	args[n++] = NETD_ATTACHED_FLAG;
	for (int i = 1; i < argc; i++)
		args[n++] = argv[i];
	args[n] = NULL;
	long ep;
	uint8_t *shm;
	long process = netd_channel_spawn(path, args, SIETCH_RIGHT_CALL, &ep, &shm);
	if (process < 0)
		return process;
	struct client *c = add_client(ep, shm, process);
	if (os_thread_create(serve_client, c, 0) < 0 || os_thread_create(wait_client, c, 0) < 0)
		return -SIETCH_ENOMEM;
	return 0;
}

/* argv: the programs, separated by "--". */
static int serve_launched(const struct net_options *options, int argc, char **argv)
{
	start_result = net_start(options);
	if (start_result < 0 || net_wait_ready(30ull * TIME_NS_PER_SECOND) < 0) {
		fprintf(stderr, "netd: no network: %s\n",
			start_result < 0 ? os_strerror(start_result) : "DHCP did not answer");
		return 1;
	}
	struct net_info info;
	net_info(&info);
	char a[16];
	printf("netd: %s on %s\n", net_format_address(info.address, a), info.device);
	fflush(stdout);
	for (int i = 0; i < argc;) {
		int end = i;
		while (end < argc && strcmp(argv[end], "--") != 0)
			end++;
		if (end > i) {
			long r = launch(argv + i, end - i);
			if (r < 0)
				fprintf(stderr, "netd: cannot start %s: %s\n", argv[i], os_strerror(r));
		}
		i = end + 1;
	}
	for (int i = 0; i < nclients; i++)
		while (!clients[i].gone)
			os_sleep_ns(100000000);
	return 0;
}

int main(int argc, char **argv)
{
	/* netd's own options come before the first "--"; the programs' after it. */
	int programs = 1;
	while (programs < argc && strcmp(argv[programs], "--") != 0)
		programs++;
	char **program_argv = argv + programs + 1;
	int program_argc = programs < argc ? argc - programs - 1 : 0;
	argc = programs;
	struct net_options options;
	if (net_parse_options(&argc, argv, &options) < 0 || options.server || (argc == 1) == (program_argc == 0)) {
		fprintf(stderr, "usage: netd --client [--addr A/N] [--gw G] [--dev PATH] [--rate MBPS]\n"
				"       netd [--addr A/N] [--gw G] [--dev PATH] [--rate MBPS] -- PROGRAM [ARGS] [-- PROGRAM "
				"[ARGS]]...\n");
		return 2;
	}
	if (program_argc > 0)
		return serve_launched(&options, program_argc, program_argv);
	if (argc == 2 && !strcmp(argv[1], "--client"))
		return serve_parent(&options);
	fprintf(stderr, "netd: expected --client, or -- PROGRAM\n");
	return 2;
}
