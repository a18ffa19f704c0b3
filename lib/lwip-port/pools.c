/*
 * How much of lwIP's fixed pools is free, read off their free lists (lwIP keeps
 * no counts with LWIP_STATS off). A program at rest, with no connection open and
 * no IP fragment waiting, should have every receive buffer and TCP segment back:
 * what a test checks after a flood of bad frames.
 */
#include "lib/lwip-port/port.h"
#include "lwip/memp.h"
#include "lwip/priv/memp_priv.h"

static uint16_t free_count(memp_t pool)
{
	uint16_t n = 0;
	for (struct memp *m = *memp_pools[pool]->tab; m; m = m->next)
		n++;
	return n;
}

void lwip_port_pools(struct lwip_port_pools *out)
{
	out->pbufs_free = free_count(MEMP_PBUF_POOL);
	out->pbufs_total = memp_pools[MEMP_PBUF_POOL]->num;
	out->tcp_segs_free = free_count(MEMP_TCP_SEG);
	out->tcp_segs_total = memp_pools[MEMP_TCP_SEG]->num;
	out->tcp_pcbs_free = free_count(MEMP_TCP_PCB);
	out->tcp_pcbs_total = memp_pools[MEMP_TCP_PCB]->num;
}
