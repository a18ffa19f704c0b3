/* The network side of kvstore on Sietch: accept connections on port and move
 * bytes between them and the engine until the process ends. mode is "direct" (a
 * VF and lwIP in this process, polling) or "server" (through netd); argv[1..argc)
 * are the network options (--addr A/N, --gw G, --dev PATH). persist, when not
 * NULL, is a storage area (/store/NAME) for the write-ahead log: replayed at
 * start, and every write durable on it before its reply is sent. Returns the
 * exit status. */
#pragma once

#include <stdint.h>

#include "user/kvstore/kv.h"

int kv_transport_serve(struct kv_server *server, const char *mode, uint16_t port, const char *persist, int argc,
		       char **argv);
