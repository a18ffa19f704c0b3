/*
 * Building NVMe commands: each helper fills a zeroed submission entry for one
 * command (the queue sets the command identifier), and nvme_prp_build()
 * describes the data buffer with PRP entries (NVMe 1.4 §4.3). Freestanding:
 * the kernel builds admin commands with it, libos I/O commands, host tests
 * both.
 *
 * Every helper checks its arguments against the field it fills and returns
 * -SIETCH_EINVAL instead of truncating a value into a neighbouring field.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "drivers/nvme/regs.h"

/* --- NVM command set (§6) ------------------------------------------------ */

/* blocks: 1 ... NVME_RW_MAX_BLOCKS; a write's flags: NVME_RW_FUA or 0. */
int nvme_cmd_read(struct nvme_sqe *c, uint32_t nsid, uint64_t slba, uint32_t blocks);
int nvme_cmd_write(struct nvme_sqe *c, uint32_t nsid, uint64_t slba, uint32_t blocks,
		   uint32_t flags);
int nvme_cmd_write_zeroes(struct nvme_sqe *c, uint32_t nsid, uint64_t slba, uint32_t blocks);
int nvme_cmd_flush(struct nvme_sqe *c, uint32_t nsid);

/* The block range a Read, Write or Write Zeroes touches, for checking a
 * command someone else built (kernel-checked mode) against an area:
 * 0 with *slba and *blocks, or -SIETCH_EINVAL for any other opcode. */
int nvme_cmd_block_range(const struct nvme_sqe *c, uint64_t *slba, uint32_t *blocks);

/* --- Admin command set (§5) ------------------------------------------------ */

/* cns: NVME_IDENTIFY_CNS_*; the 4096-byte answer goes to the PRPs. */
int nvme_cmd_identify(struct nvme_sqe *c, uint8_t cns, uint32_t nsid, uint16_t cntid);

/* entries: 2 ... 65536. vector: the MSI-X entry, or -1 for a polled queue. */
int nvme_cmd_create_io_cq(struct nvme_sqe *c, uint16_t qid, uint32_t entries, uint64_t base,
			  int vector);
int nvme_cmd_create_io_sq(struct nvme_sqe *c, uint16_t qid, uint32_t entries, uint64_t base,
			  uint16_t cqid);
int nvme_cmd_delete_io_cq(struct nvme_sqe *c, uint16_t qid);
int nvme_cmd_delete_io_sq(struct nvme_sqe *c, uint16_t qid);

/* Set Features, Number of Queues: asks for sq and cq I/O queues (1 ... 65535). */
int nvme_cmd_set_num_queues(struct nvme_sqe *c, uint32_t sq, uint32_t cq);

/* act: NVME_VM_ACT_*; rt: NVME_VM_RT_* (ignored by online/offline);
 * count: resources to assign (NR). */
int nvme_cmd_virt_mgmt(struct nvme_sqe *c, uint8_t act, uint8_t rt, uint16_t cntlid,
		       uint16_t count);

/* sel: NVME_NS_ATTACH or NVME_NS_DETACH; the PRPs point at a controller
 * list filled by nvme_controller_list_set. */
int nvme_cmd_ns_attachment(struct nvme_sqe *c, uint32_t nsid, uint8_t sel);
int nvme_controller_list_set(struct nvme_controller_list *list, const uint16_t *ids,
			     size_t count);

/* --- PRPs (§4.3) ------------------------------------------------------------ */

/* Memory for PRP lists: capacity 8-byte entries at `entries`, whose bus
 * address is `bus` onward (contiguous). A list that crosses a page boundary
 * is chained: the last entry of each page points to the next page (§4.3). */
struct nvme_prp_list {
	uint64_t *entries;
	uint64_t bus;
	size_t capacity;
};

/*
 * Fills c->prp1 and c->prp2 for `length` bytes starting `offset` bytes into
 * the first of `page_count` pages whose bus addresses are pages[] (each
 * NVME_PAGE_SIZE-aligned). offset must be a multiple of 4 (§4.3: PRP1's
 * offset bits 1:0 are 0). A transfer over one page needs no list, over two
 * uses PRP2 directly, over more writes a PRP list into list (which may be
 * NULL otherwise). Returns 0, -SIETCH_EINVAL, or -SIETCH_ENOSPC when the
 * buffer has too few pages or the list too few entries.
 */
int nvme_prp_build(struct nvme_sqe *c, const uint64_t *pages, size_t page_count, uint32_t offset,
		   uint32_t length, const struct nvme_prp_list *list);

/* The same for a buffer contiguous in bus addresses from `bus` on. */
int nvme_prp_build_contiguous(struct nvme_sqe *c, uint64_t bus, uint32_t length,
			      const struct nvme_prp_list *list);

/* PRP list entries needed for such a transfer, chain entries included. */
size_t nvme_prp_list_entries(uint32_t offset, uint32_t length, uint64_t list_bus);
