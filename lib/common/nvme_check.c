#include "lib/common/nvme_check.h"

#include "lib/common/string.h"
#include "lib/common/syscall.h"

/* Command Dword 12 bits a process may set: NLB 15:00 and FUA 30 (§6, Read
 * and Write); Write Zeroes also DEAC 25. Not LR 31, PRINFO 29:26 or DTYPE
 * 23:20. Command Dword 13 07:00 is the dataset management hint. */
#define CHECK_CDW12_RW (0xffffu | NVME_RW_FUA)
#define CHECK_CDW12_WZ (CHECK_CDW12_RW | NVME_WZ_DEAC)
#define CHECK_CDW13_RW 0xffu

/* Walks the process's PRP list (§4.3), one entry at a time, following the
 * pointer in the last entry of each list page while entries remain. */
struct user_prp_list {
	uint64_t entry_bus;
	size_t remaining;
	nvme_dma_lookup_fn lookup;
	void *ctx;
};

static int user_entry(struct user_prp_list *u, uint64_t *value)
{
	const uint64_t *p;

	if (u->entry_bus % NVME_PAGE_SIZE == NVME_PAGE_SIZE - 8 && u->remaining > 1) {
		if (!(p = u->lookup(u->ctx, u->entry_bus, 8)))
			return -SIETCH_EFAULT;
		u->entry_bus = *p;
		if (u->entry_bus % 8)
			return -SIETCH_EFAULT;
	}
	if (!(p = u->lookup(u->ctx, u->entry_bus, 8)))
		return -SIETCH_EFAULT;
	*value = *p; /* read once: the check and the copy use this value */
	u->entry_bus += 8;
	u->remaining--;
	return 0;
}

/* A data page after the first: page aligned and the process's, for chunk bytes. */
static int data_page_ok(uint64_t page, size_t chunk, nvme_dma_lookup_fn lookup, void *ctx)
{
	if (page % NVME_PAGE_SIZE || !lookup(ctx, page, chunk))
		return -SIETCH_EFAULT;
	return 0;
}

/* Copies pages 1 ... pages-1 from the process's list into the kernel's,
 * chaining the kernel's list where it crosses a page, as nvme_prp_build. */
static int copy_prp_list(uint64_t user_list, size_t pages, size_t length_left,
			 nvme_dma_lookup_fn lookup, void *ctx, const struct nvme_prp_list *list)
{
	struct user_prp_list u = { user_list, pages - 1, lookup, ctx };
	size_t used = 0;

	if (user_list % 8)
		return -SIETCH_EFAULT;
	for (size_t p = 1; p < pages; p++) {
		uint64_t page;
		int err = user_entry(&u, &page);
		size_t chunk = length_left < NVME_PAGE_SIZE ? length_left : NVME_PAGE_SIZE;
		if (err || (err = data_page_ok(page, chunk, lookup, ctx)))
			return err;
		if ((list->bus + used * 8) % NVME_PAGE_SIZE == NVME_PAGE_SIZE - 8 && p < pages - 1) {
			list->entries[used] = list->bus + (used + 1) * 8;
			used++;
		}
		list->entries[used++] = page;
		length_left -= chunk;
	}
	return 0;
}

static int check_data(struct nvme_sqe *out, const struct nvme_sqe *in, size_t length,
		      nvme_dma_lookup_fn lookup, void *ctx, const struct nvme_prp_list *list)
{
	uint64_t offset = in->prp1 % NVME_PAGE_SIZE;
	size_t first = NVME_PAGE_SIZE - offset < length ? NVME_PAGE_SIZE - offset : length;
	size_t pages = (size_t)((offset + length + NVME_PAGE_SIZE - 1) / NVME_PAGE_SIZE);

	if (offset % 4)
		return -SIETCH_EINVAL; /* §4.3: PRP1's offset is dword aligned */
	if (!lookup(ctx, in->prp1, first))
		return -SIETCH_EFAULT;
	out->prp1 = in->prp1;
	if (pages == 2) {
		int err = data_page_ok(in->prp2, length - first, lookup, ctx);
		if (err)
			return err;
		out->prp2 = in->prp2;
	} else if (pages > 2) {
		if (!list || nvme_prp_list_entries((uint32_t)offset, (uint32_t)length, list->bus) >
				     list->capacity)
			return -SIETCH_ENOSPC;
		int err = copy_prp_list(in->prp2, pages, length - first, lookup, ctx, list);
		if (err)
			return err;
		out->prp2 = list->bus;
	}
	return 0;
}

/* Everything but the opcode, the identifier and the fields each command
 * uses must be zero: no fusing, no SGLs, no metadata. */
static bool reserved_clear(const struct nvme_sqe *in)
{
	return in->flags == 0 && in->cdw2 == 0 && in->cdw3 == 0 && in->mptr == 0 &&
	       in->cdw14 == 0 && in->cdw15 == 0;
}

static int check_range(struct nvme_sqe *out, const struct nvme_sqe *in,
		       const struct nvme_area *area, uint32_t cdw12_allowed)
{
	uint64_t slba;
	uint32_t blocks;

	if ((in->cdw12 & ~cdw12_allowed) || (in->cdw13 & ~CHECK_CDW13_RW))
		return -SIETCH_EINVAL;
	nvme_cmd_block_range(in, &slba, &blocks);
	if (slba >= area->blocks || blocks > area->blocks - slba)
		return -SIETCH_EACCES;
	slba += area->first_lba;
	out->cdw10 = (uint32_t)slba;
	out->cdw11 = (uint32_t)(slba >> 32);
	out->cdw12 = in->cdw12;
	out->cdw13 = in->cdw13;
	return 0;
}

int nvme_check_io(struct nvme_sqe *out, const struct nvme_sqe *in, const struct nvme_area *area,
		  nvme_dma_lookup_fn lookup, void *ctx, const struct nvme_prp_list *list)
{
	struct nvme_sqe c = *in; /* one read of the process's command */
	int err;

	memset(out, 0, sizeof(*out));
	out->opc = c.opc;
	out->nsid = area->nsid;
	if (!reserved_clear(&c))
		return -SIETCH_EINVAL;
	if (area->read_only && (c.opc == NVME_NVM_WRITE || c.opc == NVME_NVM_WRITE_ZEROES))
		return -SIETCH_EPERM; /* Flush changes no block: a reader may ask for it */
	switch (c.opc) {
	case NVME_NVM_FLUSH:
		return c.cdw10 | c.cdw11 | c.cdw12 | c.cdw13 | c.prp1 | c.prp2 ? -SIETCH_EINVAL : 0;
	case NVME_NVM_WRITE_ZEROES:
		if (!area->write_zeroes || c.prp1 || c.prp2 || c.cdw13)
			return -SIETCH_EINVAL;
		return check_range(out, &c, area, CHECK_CDW12_WZ);
	case NVME_NVM_READ:
	case NVME_NVM_WRITE:
		if ((err = check_range(out, &c, area, CHECK_CDW12_RW)))
			return err;
		size_t length = (size_t)((c.cdw12 & 0xffff) + 1) * area->block_size;
		if (area->max_transfer && length > area->max_transfer)
			return -SIETCH_EINVAL;
		return check_data(out, &c, length, lookup, ctx, list);
	default:
		return -SIETCH_EINVAL;
	}
}
