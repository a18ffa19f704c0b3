/* Until the network stack (lib/os/net.h) is merged, kvstore serves only --stdio. */
#include <stdio.h>

#include "user/kvstore/kv_transport.h"

int kv_transport_serve(struct kv_server *server, const char *mode, uint16_t port)
{
	(void)server;
	fprintf(stderr, "kvstore: --mode %s on port %u: no network stack in this build; try --stdio\n", mode,
		port);
	return 1;
}
