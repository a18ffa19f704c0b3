/*
 * kvstore --persist /store/NAME on Sietch: the write-ahead log on a storage area,
 * with Redis's `appendfsync always` promise (transport_persist.c). The transport
 * calls persist_commit once a round, before it sends any of the round's replies
 * (group commit), and persist_step after, for the background rewrite.
 */
#pragma once

#include <stdint.h>

#include "kv.h"

/* Opens the area, replays its log into server and logs what follows: 0, or 1 after
 * saying why on stderr. rewrite_min: no rewrite while the log is shorter (bytes). */
int persist_open(struct kv_server *server, const char *path, uint64_t rewrite_min);
/* Every record of the round on the device (one write, one Flush); exits when that
 * fails, since nothing of the round may then be acknowledged. */
void persist_commit(void);
/* A bounded piece of the log rewrite, when one is due or running. */
void persist_step(void);
