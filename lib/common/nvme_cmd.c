#include "lib/common/nvme_cmd.h"

#include <stdbool.h>

#include "lib/common/string.h"
#include "lib/common/syscall.h"

static void cmd_start(struct nvme_sqe *c, uint8_t opc, uint32_t nsid)
{
	memset(c, 0, sizeof(*c));
	c->opc = opc;
	c->flags = NVME_SQE_PSDT_PRP;
	c->nsid = nsid;
}

/* Read, Write and Write Zeroes share their first dwords: SLBA in CDW10-11,
 * NLB (0's based, 16 bits) in CDW12. */
static int cmd_block_range(struct nvme_sqe *c, uint8_t opc, uint32_t nsid, uint64_t slba,
			   uint32_t blocks)
{
	if (blocks == 0 || blocks > NVME_RW_MAX_BLOCKS || nsid == 0 || nsid == NVME_NSID_ALL)
		return -SIETCH_EINVAL;
	cmd_start(c, opc, nsid);
	c->cdw10 = (uint32_t)slba;
	c->cdw11 = (uint32_t)(slba >> 32);
	c->cdw12 = NVME_RW_NLB(blocks);
	return 0;
}

int nvme_cmd_read(struct nvme_sqe *c, uint32_t nsid, uint64_t slba, uint32_t blocks)
{
	return cmd_block_range(c, NVME_NVM_READ, nsid, slba, blocks);
}

int nvme_cmd_write(struct nvme_sqe *c, uint32_t nsid, uint64_t slba, uint32_t blocks,
		   uint32_t flags)
{
	if (flags & ~NVME_RW_FUA)
		return -SIETCH_EINVAL;
	int err = cmd_block_range(c, NVME_NVM_WRITE, nsid, slba, blocks);
	if (err == 0)
		c->cdw12 |= flags;
	return err;
}

int nvme_cmd_write_zeroes(struct nvme_sqe *c, uint32_t nsid, uint64_t slba, uint32_t blocks)
{
	/* No data: Write Zeroes carries no PRPs (§6, Write Zeroes command). */
	return cmd_block_range(c, NVME_NVM_WRITE_ZEROES, nsid, slba, blocks);
}

int nvme_cmd_flush(struct nvme_sqe *c, uint32_t nsid)
{
	/* NSID FFFFFFFFh flushes every namespace (§6, Flush command). */
	if (nsid == 0)
		return -SIETCH_EINVAL;
	cmd_start(c, NVME_NVM_FLUSH, nsid);
	return 0;
}

int nvme_cmd_block_range(const struct nvme_sqe *c, uint64_t *slba, uint32_t *blocks)
{
	if (c->opc != NVME_NVM_READ && c->opc != NVME_NVM_WRITE && c->opc != NVME_NVM_WRITE_ZEROES)
		return -SIETCH_EINVAL;
	*slba = (uint64_t)c->cdw11 << 32 | c->cdw10;
	*blocks = (c->cdw12 & 0xffff) + 1;
	return 0;
}

int nvme_cmd_identify(struct nvme_sqe *c, uint8_t cns, uint32_t nsid, uint16_t cntid)
{
	cmd_start(c, NVME_ADMIN_IDENTIFY, nsid);
	c->cdw10 = cns | NVME_IDENTIFY_CNTID(cntid);
	return 0;
}

/* §5.3, §5.4: queue identifiers 1 ... 65535 (0 is the admin queue), sizes
 * 2 ... 65536 entries, 0's based; the queue memory is page aligned when
 * physically contiguous (PC = 1, the only kind Sietch makes). */
static int queue_args_ok(uint16_t qid, uint32_t entries, uint64_t base)
{
	return qid != 0 && entries >= 2 && entries <= 65536 && base != 0 &&
	       base % NVME_PAGE_SIZE == 0;
}

int nvme_cmd_create_io_cq(struct nvme_sqe *c, uint16_t qid, uint32_t entries, uint64_t base,
			  int vector)
{
	if (!queue_args_ok(qid, entries, base) || vector < -1 || vector > 0x7ff)
		return -SIETCH_EINVAL;
	cmd_start(c, NVME_ADMIN_CREATE_IO_CQ, 0);
	c->prp1 = base;
	c->cdw10 = NVME_QUEUE_ID_SIZE(qid, entries);
	c->cdw11 = NVME_CREATE_CQ_PC;
	if (vector >= 0)
		c->cdw11 |= NVME_CREATE_CQ_IEN | NVME_CREATE_CQ_IV(vector);
	return 0;
}

int nvme_cmd_create_io_sq(struct nvme_sqe *c, uint16_t qid, uint32_t entries, uint64_t base,
			  uint16_t cqid)
{
	if (!queue_args_ok(qid, entries, base) || cqid == 0)
		return -SIETCH_EINVAL;
	cmd_start(c, NVME_ADMIN_CREATE_IO_SQ, 0);
	c->prp1 = base;
	c->cdw10 = NVME_QUEUE_ID_SIZE(qid, entries);
	c->cdw11 = NVME_CREATE_SQ_PC | NVME_CREATE_SQ_CQID(cqid);
	return 0;
}

static int cmd_delete_queue(struct nvme_sqe *c, uint8_t opc, uint16_t qid)
{
	if (qid == 0)
		return -SIETCH_EINVAL;
	cmd_start(c, opc, 0);
	c->cdw10 = qid;
	return 0;
}

int nvme_cmd_delete_io_cq(struct nvme_sqe *c, uint16_t qid)
{
	return cmd_delete_queue(c, NVME_ADMIN_DELETE_IO_CQ, qid);
}

int nvme_cmd_delete_io_sq(struct nvme_sqe *c, uint16_t qid)
{
	return cmd_delete_queue(c, NVME_ADMIN_DELETE_IO_SQ, qid);
}

int nvme_cmd_set_num_queues(struct nvme_sqe *c, uint32_t sq, uint32_t cq)
{
	/* §5.21.1.7: 65535 queues at most; FFFFh (0's based 65536) is invalid. */
	if (sq == 0 || cq == 0 || sq > 65535 || cq > 65535)
		return -SIETCH_EINVAL;
	cmd_start(c, NVME_ADMIN_SET_FEATURES, 0);
	c->cdw10 = NVME_FEAT_NUMBER_OF_QUEUES;
	c->cdw11 = NVME_NUM_QUEUES(sq, cq);
	return 0;
}

int nvme_cmd_virt_mgmt(struct nvme_sqe *c, uint8_t act, uint8_t rt, uint16_t cntlid,
		       uint16_t count)
{
	bool assigns = act == NVME_VM_ACT_PRIMARY_FLEXIBLE || act == NVME_VM_ACT_SECONDARY_ASSIGN;

	if (act != NVME_VM_ACT_PRIMARY_FLEXIBLE && act != NVME_VM_ACT_SECONDARY_OFFLINE &&
	    act != NVME_VM_ACT_SECONDARY_ASSIGN && act != NVME_VM_ACT_SECONDARY_ONLINE)
		return -SIETCH_EINVAL;
	if (assigns && rt != NVME_VM_RT_VQ && rt != NVME_VM_RT_VI)
		return -SIETCH_EINVAL;
	cmd_start(c, NVME_ADMIN_VIRTUALIZATION_MANAGEMENT, 0);
	c->cdw10 = NVME_VM_CDW10(act, assigns ? rt : 0, cntlid);
	c->cdw11 = assigns ? count : 0;
	return 0;
}

int nvme_cmd_ns_attachment(struct nvme_sqe *c, uint32_t nsid, uint8_t sel)
{
	if (nsid == 0 || nsid == NVME_NSID_ALL || (sel != NVME_NS_ATTACH && sel != NVME_NS_DETACH))
		return -SIETCH_EINVAL;
	cmd_start(c, NVME_ADMIN_NS_ATTACHMENT, nsid);
	c->cdw10 = sel;
	return 0;
}

int nvme_controller_list_set(struct nvme_controller_list *list, const uint16_t *ids,
			     size_t count)
{
	if (count > NVME_CONTROLLER_LIST_MAX)
		return -SIETCH_EINVAL;
	/* The identifiers are listed in increasing order, each once. */
	for (size_t i = 1; i < count; i++)
		if (ids[i] <= ids[i - 1])
			return -SIETCH_EINVAL;
	memset(list, 0, sizeof(*list));
	list->count = (uint16_t)count;
	for (size_t i = 0; i < count; i++)
		list->id[i] = ids[i];
	return 0;
}

/* --- PRPs ----------------------------------------------------------------- */

#define PRP_ENTRIES_PER_PAGE (NVME_PAGE_SIZE / sizeof(uint64_t))

/* The pages of a buffer: a table, or consecutive pages from base. */
struct prp_pages {
	const uint64_t *table;
	uint64_t base;
	size_t count;
};

static uint64_t prp_page(const struct prp_pages *p, size_t i)
{
	return p->table ? p->table[i] : p->base + i * NVME_PAGE_SIZE;
}

/* A list entry at this bus address is the last one of its memory page. */
static bool prp_last_in_page(uint64_t entry_bus)
{
	return entry_bus % NVME_PAGE_SIZE == NVME_PAGE_SIZE - sizeof(uint64_t);
}

size_t nvme_prp_list_entries(uint32_t offset, uint32_t length, uint64_t list_bus)
{
	size_t pages = ((size_t)offset + length + NVME_PAGE_SIZE - 1) / NVME_PAGE_SIZE;
	size_t used = 0;

	if (pages <= 2)
		return 0;
	for (size_t p = 1; p < pages; p++) {
		if (prp_last_in_page(list_bus + used * 8) && p < pages - 1)
			used++; /* a chain pointer to the next list page */
		used++;
	}
	return used;
}

/* §4.3: entries 1 ... pages-1 go to the list, the last entry of each list
 * page pointing on to the next page when more entries follow. */
static int prp_fill_list(const struct prp_pages *src, size_t pages,
			 const struct nvme_prp_list *list)
{
	size_t used = 0;

	if (!list || !list->entries || list->bus % sizeof(uint64_t))
		return -SIETCH_EINVAL;
	if (nvme_prp_list_entries(0, (uint32_t)(pages * NVME_PAGE_SIZE), list->bus) > list->capacity)
		return -SIETCH_ENOSPC;
	for (size_t p = 1; p < pages; p++) {
		if (prp_last_in_page(list->bus + used * 8) && p < pages - 1) {
			list->entries[used] = list->bus + (used + 1) * 8;
			used++;
		}
		list->entries[used++] = prp_page(src, p);
	}
	return 0;
}

static int prp_build(struct nvme_sqe *c, const struct prp_pages *src, uint32_t offset,
		     uint32_t length, const struct nvme_prp_list *list)
{
	c->prp1 = 0;
	c->prp2 = 0;
	if (offset >= NVME_PAGE_SIZE || offset % 4)
		return -SIETCH_EINVAL;
	if (length == 0)
		return 0;

	size_t pages = ((size_t)offset + length + NVME_PAGE_SIZE - 1) / NVME_PAGE_SIZE;
	if (pages > src->count)
		return -SIETCH_ENOSPC;
	for (size_t p = 0; p < pages; p++)
		if (prp_page(src, p) % NVME_PAGE_SIZE || prp_page(src, p) == 0)
			return -SIETCH_EINVAL;

	if (pages > 2) {
		int err = prp_fill_list(src, pages, list);
		if (err)
			return err;
		c->prp2 = list->bus;
	} else if (pages == 2) {
		c->prp2 = prp_page(src, 1);
	}
	c->prp1 = prp_page(src, 0) + offset;
	return 0;
}

int nvme_prp_build(struct nvme_sqe *c, const uint64_t *pages, size_t page_count, uint32_t offset,
		   uint32_t length, const struct nvme_prp_list *list)
{
	/* Without a table there are no pages: only a transfer of 0 bytes fits. */
	struct prp_pages src = { .table = pages, .count = pages ? page_count : 0 };
	return prp_build(c, &src, offset, length, list);
}

int nvme_prp_build_contiguous(struct nvme_sqe *c, uint64_t bus, uint32_t length,
			      const struct nvme_prp_list *list)
{
	struct prp_pages src = {
		.base = bus - bus % NVME_PAGE_SIZE,
		.count = (size_t)-1,
	};
	return prp_build(c, &src, (uint32_t)(bus % NVME_PAGE_SIZE), length, list);
}
