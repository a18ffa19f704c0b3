/*
 * A model of one NVMe I/O queue pair and its namespace for host tests: it
 * consumes submission entries up to the tail doorbell, moves data through
 * the PRPs (NVMe 1.4 §4.3; bus addresses are host pointers here, so buffers
 * must be page aligned), and posts completions with the phase tag of its pass
 * (§4.6). Read, Write, Write Zeroes and Flush; a chosen opcode can fail with a
 * chosen status, and commands on one namespace can hang forever.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "drivers/nvme/regs.h"

struct fake_nvme {
	struct nvme_sqe *sq;
	struct nvme_cqe *cq;
	uint16_t sq_entries, cq_entries, qid;
	uint32_t sq_tail_db, cq_head_db;
	uint16_t sq_head, cq_tail, phase;
	uint8_t *media;
	uint32_t nsid, block_size;
	uint64_t blocks;
	uint32_t hang_nsid;       /* 0: none */
	int fail_opcode;          /* -1: none */
	uint16_t fail_status;
	unsigned reads, writes, flushes, max_blocks_seen;
};

static inline void fake_nvme_post(struct fake_nvme *f, uint16_t cid, uint16_t status)
{
	struct nvme_cqe *e = &f->cq[f->cq_tail];
	e->dw0 = 0;
	e->dw1 = 0;
	e->sqhd = f->sq_head;
	e->sqid = f->qid;
	e->cid = cid;
	e->status = (uint16_t)(status | f->phase);
	f->cq_tail = (uint16_t)((f->cq_tail + 1) % f->cq_entries);
	if (f->cq_tail == 0)
		f->phase ^= 1;
}

static inline uint8_t *fake_nvme_ptr(uint64_t addr)
{
	return (uint8_t *)(uintptr_t)addr;
}

/* Copies len bytes between media and the pages the PRPs name, walking a PRP
 * list (and its chain pointers) the way the specification reads it. */
static inline bool fake_nvme_dma(uint64_t prp1, uint64_t prp2, uint8_t *media, size_t len, bool to_media)
{
	size_t first = NVME_PAGE_SIZE - prp1 % NVME_PAGE_SIZE;
	size_t pages = 1 + (len > first ? (len - first + NVME_PAGE_SIZE - 1) / NVME_PAGE_SIZE : 0);
	uint64_t *list = pages > 2 ? (uint64_t *)fake_nvme_ptr(prp2) : NULL;
	uint64_t page = prp1;

	if (prp1 % 4)
		return false;
	for (size_t p = 0; p < pages; p++) {
		if (p == 1 && pages == 2)
			page = prp2;
		else if (p >= 1) {
			if ((uintptr_t)list % NVME_PAGE_SIZE == NVME_PAGE_SIZE - 8 && p < pages - 1)
				list = (uint64_t *)fake_nvme_ptr(*list); /* chain to the next list page */
			page = *list++;
		}
		if (p >= 1 && page % NVME_PAGE_SIZE)
			return false;
		size_t chunk = NVME_PAGE_SIZE - page % NVME_PAGE_SIZE;
		if (chunk > len)
			chunk = len;
		if (to_media)
			memcpy(media, fake_nvme_ptr(page), chunk);
		else
			memcpy(fake_nvme_ptr(page), media, chunk);
		media += chunk;
		len -= chunk;
	}
	return len == 0;
}

static inline uint16_t fake_nvme_execute(struct fake_nvme *f, const struct nvme_sqe *c)
{
	if (c->opc == NVME_NVM_FLUSH) {
		f->flushes++;
		return 0;
	}
	if (c->opc != NVME_NVM_READ && c->opc != NVME_NVM_WRITE && c->opc != NVME_NVM_WRITE_ZEROES)
		return NVME_STATUS_MAKE(NVME_SCT_GENERIC, NVME_SC_INVALID_OPCODE) | NVME_STATUS_DNR;
	if (c->nsid != f->nsid)
		return NVME_STATUS_MAKE(NVME_SCT_GENERIC, NVME_SC_INVALID_NAMESPACE_OR_FORMAT);
	uint64_t slba = (uint64_t)c->cdw11 << 32 | c->cdw10;
	uint32_t n = (c->cdw12 & 0xffff) + 1;
	if (slba >= f->blocks || n > f->blocks - slba)
		return NVME_STATUS_MAKE(NVME_SCT_GENERIC, NVME_SC_LBA_OUT_OF_RANGE) | NVME_STATUS_DNR;
	if (n > f->max_blocks_seen)
		f->max_blocks_seen = n;
	uint8_t *media = f->media + slba * f->block_size;
	size_t len = (size_t)n * f->block_size;
	if (c->opc == NVME_NVM_WRITE_ZEROES) {
		memset(media, 0, len);
		return 0;
	}
	if (c->opc == NVME_NVM_READ)
		f->reads++;
	else
		f->writes++;
	if (!fake_nvme_dma(c->prp1, c->prp2, media, len, c->opc == NVME_NVM_WRITE))
		return NVME_STATUS_MAKE(NVME_SCT_GENERIC, NVME_SC_PRP_OFFSET_INVALID);
	return 0;
}

/* The device's turn: every entry up to the tail doorbell. */
static inline void fake_nvme_run(struct fake_nvme *f)
{
	while (f->sq_head != f->sq_tail_db) {
		struct nvme_sqe c = f->sq[f->sq_head];
		f->sq_head = (uint16_t)((f->sq_head + 1) % f->sq_entries);
		if (f->hang_nsid && c.nsid == f->hang_nsid)
			continue;
		uint16_t status = c.opc == f->fail_opcode ? f->fail_status : fake_nvme_execute(f, &c);
		fake_nvme_post(f, c.cid, status);
	}
}
