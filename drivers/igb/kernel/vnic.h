/*
 * VNICs: the igb's virtual functions handed to processes. /dev/net/vnicN is
 * VF N. Opening it (READ and WRITE) makes the caller the VF's one owner and
 * gives a handle to a grant (OBJECT_VNIC) that cannot be duplicated or sent:
 * a second opener gets EBUSY. With the grant the owner maps the VF's
 * registers (vnic_map), allocates DMA memory (dma_alloc) and binds the VF's
 * MSI-X vectors to notifications (vnic_bind_irq).
 *
 * When the grant goes (close, or the owner's exit) the kernel unbinds the
 * vectors, unmaps the registers, resets the VF (Function Level Reset), scrubs
 * its pool's filters, and only then frees its DMA memory; the VF is free for
 * the next opener. The pool receives and sends only while a grant holds it:
 * the PF turns it on at the owner's RESET handshake and off before the reset.
 *
 * Each grant carries a transmit rate limit (vnic_set_rate), programmed per VF.
 */
#pragma once

#include <stdint.h>
#include "lib/common/syscall.h"

struct igb_pf;
struct object;
struct proc;
struct notify;

/* Adds /dev/net/vnic0 .. vnicN-1 for the PF's VFs. */
void vnic_init(struct igb_pf *pf);

/* The system calls' work (sys_vnic.c decodes); the grant is an OBJECT_VNIC object with a reference held. */
long vnic_map(struct object *grant, struct proc *caller, struct sietch_vnic_info *out);
long vnic_bind_irq(struct object *grant, struct proc *caller, unsigned vector, struct notify *notify,
		   uint64_t bits);
/* VF vf's pool as the device holds it, for anyone; -SIETCH_ENOENT past the PF's VFs. */
long vnic_pool(unsigned vf, struct sietch_vnic_pool *out);
/*
 * The grant's transmit limit: 1 .. 1000 Mb/s (else EINVAL), never above the
 * limit it has (EPERM): a grant starts with igb.rate's and may only tighten
 * it. Programmed at once if the pool is on, else at its RESET handshake.
 */
long vnic_set_rate(struct object *grant, struct proc *caller, uint32_t mbps);
/*
 * Lowers proc's VNIC rate limit (struct proc's vnic_rate_mbps) to mbps
 * (1 .. 1000, else EINVAL): 0, or -SIETCH_EPERM when that would raise it. The grants it opens from then on
 * start with at most that limit, and so do its children's: a parent limits a
 * child before or after spawning it (with KILL on it), and the child cannot
 * lift it. Grants already open keep theirs.
 */
long vnic_rate_limit(struct proc *proc, uint32_t mbps);
