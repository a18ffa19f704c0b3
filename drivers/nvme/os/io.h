/*
 * The NVMe I/O library in libos: a process's storage area (/store/NAME),
 * its DMA buffer, and batches of Read, Write, Flush and Write Zeroes.
 *
 * Commands are queued with nvme_io_read() and friends (built with
 * lib/common/nvme_cmd.c, data in the area's DMA buffer) and handed over
 * together by nvme_io_submit(), which returns when every command of the
 * batch has completed or timed out. How depends on the area's mode:
 *   kernel-checked: one store_submit system call per batch (blocks counted
 *   from the area's 0; the kernel moves them into the area);
 *   hardware-enforced: the process's own queue pair on its VF controller
 *   (lib/common/nvme_queue.c: phase tags, one doorbell write per batch,
 *   polled completions, per-command deadlines), no system call at all; the
 *   area is the whole namespace, so blocks are the namespace's.
 * A failed command is reported with its name and the NVMe status by name.
 *
 * nvme_io_blockdev() puts lib/common/blockdev.h over the area, so the
 * formats (lib/os/blocklog) run on it: synchronous, through the start of the
 * DMA buffer.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/nvme/regs.h"
#include "lib/common/blockdev.h"
#include "lib/common/nvme_queue.h"
#include "lib/common/syscall.h"

#define NVME_IO_BATCH SIETCH_STORE_BATCH_MAX
#define NVME_IO_PRP_BYTES 512 /* per command: 64 entries, enough for the largest transfer */
#define NVME_IO_TIMEOUT_DEFAULT_US 10000000ull

struct nvme_io {
	long store;                       /* the STORE handle */
	struct sietch_store_info info;
	uint8_t *buf;                     /* DMA memory: data */
	uint64_t buf_bus;
	size_t buf_size;
	uint8_t *prp;                     /* DMA memory: one PRP list per batch slot */
	uint64_t prp_bus;
	struct nvme_sqe batch[NVME_IO_BATCH];
	struct sietch_store_result result[NVME_IO_BATCH];
	unsigned count;                   /* commands queued */
	uint64_t submits, commands;       /* batches handed over, commands in them */
	uint64_t syscalls;                /* system calls those took */
	/* hardware-enforced mode: the queue pair on the VF */
	struct nvme_queue queue;
	struct nvme_slot slots[NVME_QUEUE_SLOTS(64, 64)];
	uint64_t timeout_us;              /* per command (default NVME_IO_TIMEOUT_DEFAULT_US) */
	long notify;                      /* > 0: wait for the interrupt instead of spinning */
	uint64_t waits;                   /* times nvme_io_submit slept on it */
	char error[96];                   /* the last failure, in words */
};

/* Opens path (/store/NAME) for read and write and allocates buf_size bytes
 * of DMA buffer (rounded up to pages). 0 or a negated SIETCH_E* code
 * (EBUSY: someone else holds the area). */
long nvme_io_open(struct nvme_io *io, const char *path, size_t buf_size);
/* The same with rights SIETCH_RIGHT_READ, or READ | WRITE: EPERM when the
 * area's rights lack one asked for (lsstore shows them); a grant without
 * WRITE has its writes refused (the command's error is EPERM); EINVAL for
 * a hardware-enforced area without WRITE (its VF cannot refuse writes). */
long nvme_io_open_rights(struct nvme_io *io, const char *path, size_t buf_size, unsigned rights);
/* Why an open with rights failed with err, in words for a person ("" when
 * the code says it all). */
const char *nvme_io_open_hint(long err, unsigned rights);
/* Closes the area: its DMA memory goes back with the grant. */
void nvme_io_close(struct nvme_io *io);

/* Queue one command; data at buf_offset bytes into the DMA buffer. 0, or
 * -SIETCH_EAGAIN when the batch is full (submit first), -SIETCH_EINVAL for a
 * range outside the buffer or the area, or too long for one command. */
long nvme_io_read(struct nvme_io *io, uint64_t block, uint32_t blocks, size_t buf_offset);
long nvme_io_write(struct nvme_io *io, uint64_t block, uint32_t blocks, size_t buf_offset);
long nvme_io_write_zeroes(struct nvme_io *io, uint64_t block, uint32_t blocks);
long nvme_io_flush(struct nvme_io *io);

/* Hands the queued batch over and waits for it: 0 when every command
 * succeeded; otherwise the first failure's code (-SIETCH_EIO for an NVMe
 * error status, -SIETCH_EACCES and others for a command the kernel refused,
 * -SIETCH_ETIMEDOUT), described in io->error. Results per command stay in
 * io->result[0 .. n). */
long nvme_io_submit(struct nvme_io *io);

/* Hardware-enforced mode: from now on nvme_io_submit sleeps on the queue's
 * interrupt (MSI-X through a notification) while nothing has completed,
 * instead of polling. Costs a system call and an interrupt per wait; the
 * command deadlines are then checked at each wake-up only. 0 or a negated
 * SIETCH_E* code (EINVAL in kernel-checked mode, which already sleeps in
 * store_submit). */
long nvme_io_use_interrupts(struct nvme_io *io);

/* A block device over the whole area (dev->ctx is io). */
void nvme_io_blockdev(struct nvme_io *io, struct blockdev *dev);

/* The system calls, typed for a C string. */
/* flags: SIETCH_STORE_CREATE_NAMESPACE for a hardware-enforced area (a namespace of its own),
 * SIETCH_STORE_CREATE_READ_ONLY for a kernel-checked area no one may write. */
long nvme_store_create(const char *name, uint64_t bytes, unsigned flags);
long nvme_store_remove(const char *name);
/* What every opener of the area may ask for: SIETCH_RIGHT_READ, or READ | WRITE; EBUSY while open. */
long nvme_store_set_rights(const char *name, unsigned rights);

/* "4096", "64K", "64M", "1G" (powers of 1024) into *out: 0 or -SIETCH_EINVAL. */
long nvme_parse_size(const char *text, uint64_t *out);
