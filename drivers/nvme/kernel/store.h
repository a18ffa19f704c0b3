/*
 * Storage areas: the named block ranges (/store/NAME) the kernel hands out,
 * and the catalogue on the device that keeps them across reboots.
 *
 * Kernel-checked mode (the one implemented): an area is a block range of
 * the namespace the catalogue lives on. Its owner holds no queue of its own;
 * it hands batches of commands to store_submit, which checks each against
 * the area (lib/common/nvme_check.c), copies its PRP list, and runs the batch
 * on the kernel's queue (kqueue.h).
 *
 * The namespace's first STORE_RESERVED_BYTES hold the catalogue's two copies
 * (lib/common/store_catalog.h); areas are allocated after them.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "drivers/nvme/kernel/ctl.h"
#include "drivers/nvme/kernel/kqueue.h"
#include "lib/common/nvme_check.h"
#include "lib/common/store_catalog.h"

#define STORE_RESERVED_BYTES (1u << 20)
#define STORE_CATALOG_CAPACITY 64
#define STORE_DIR "store"

struct store {
	struct nvme_ctrl *ctrl;
	struct kqueue kq;
	const struct nvme_namespace *ns;  /* the catalogue's namespace, where areas live */
	uint64_t reserved_blocks;
	struct nvme_lock lock;             /* the catalogue and the table of open areas */
	struct store_catalog catalog;
	struct store_entry entries[STORE_CATALOG_CAPACITY];
	struct nvme_blockdev dev;
	void *catalog_io;
	bool usable;                       /* the catalogue loaded: changes allowed */
	uint32_t open_pid[STORE_CATALOG_CAPACITY]; /* by entry index: the owner, 0 for none */
};

/* The store over controller c, from nvme_init: the kernel's queue, the
 * catalogue (a blank device is formatted, a damaged one reported and left
 * alone), /store/NAME for each area. */
void store_init(struct nvme_ctrl *c);

/* The store, or NULL when there is no controller or it failed. */
struct store *store_main(void);

/* The area's checked-mode description from its catalogue entry. */
void store_area_of(const struct store *s, const struct store_entry *e, struct nvme_area *area);

/* Before power-off: ends every open hardware-enforced grant, flushing its
 * namespace through the kernel's own queue on the VF (store_session.c);
 * each area is reported by name, flushed or not and why. */
void store_grants_poweroff(void);

/* What lsstore and store_open report about entry index; s->lock held. */
void store_info_of(const struct store *s, unsigned index, struct sietch_store_info *out);
