/*
 * The NVMe controller as the kernel keeps it (the control plane of
 * DESIGN.md's storage row): reset and enable, the admin queue, what Identify
 * says about the controller and its namespaces, and I/O queue pairs created
 * on someone's behalf. Data-plane commands never pass through here except
 * the kernel's own queue (the catalogue, kernel-checked storage areas).
 *
 * Every admin command goes through nvme_admin_run, which serialises them
 * (one admin queue, one command at a time: nothing Sietch does needs more)
 * and reports a failure in the log with the command and the status by name.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "drivers/nvme/regs.h"
#include "kernel/arch/spinlock.h"
#include "kernel/pci/pci.h"
#include "kernel/proc/wait.h"
#include "lib/common/nvme_queue.h"

#define NVME_ADMIN_ENTRIES 32  /* a page of SQEs is 64; the admin queue needs few */
#define NVME_MAX_NAMESPACES 16 /* namespaces the kernel keeps details of */
#define NVME_ADMIN_TIMEOUT_US 5000000ull
#define NVME_IO_TIMEOUT_US 10000000ull
/* MSI-X entries of the PF (§7.5.2): the admin completion queue always
 * signals entry 0 (§3.1.10, ACQ); the kernel's I/O completion queue is
 * created on entry 1. */
#define NVME_ADMIN_VECTOR 0
#define NVME_IO_VECTOR 1

struct nvme_irq_wait;

struct nvme_namespace {
	uint32_t nsid;
	bool attached;        /* active on this controller (Identify CNS 02h) */
	uint64_t blocks;      /* NSZE */
	uint32_t block_size;  /* 2^LBADS of the formatted LBA format */
};

/* A sleeping lock: commands take milliseconds under emulation, too long to
 * spin with interrupts off while other threads could run. */
struct nvme_lock {
	struct spinlock guard;
	bool busy;
	struct wait_queue waiters;
};
long nvme_lock_take(struct nvme_lock *lock); /* 0, or -SIETCH_EINTR when killed while waiting */
void nvme_lock_give(struct nvme_lock *lock);

struct nvme_ctrl {
	struct pci_function *fn;
	char where[16];             /* "02:00.0", for messages */
	volatile void *regs;        /* BAR0 */
	uint64_t cap;
	uint32_t dstrd;
	uint64_t ready_timeout_us;  /* CAP.TO */
	/* the admin queue: one page each, commands serialised by admin_lock */
	struct nvme_lock admin_lock;
	struct nvme_queue admin;
	struct nvme_slot admin_slots[NVME_QUEUE_SLOTS(NVME_ADMIN_ENTRIES, NVME_ADMIN_ENTRIES)];
	void *asq_mem, *acq_mem;
	uint64_t asq_bus, acq_bus;
	bool is_vf;                 /* a secondary controller (an SR-IOV VF) */
	void *scratch;              /* one page of DMA memory for admin data (Identify, lists) */
	uint64_t scratch_bus;
	/* what Identify said */
	uint16_t cntlid;
	uint16_t oacs, oncs;
	uint32_t max_transfer;      /* bytes per command from MDTS; 0 = no limit */
	uint32_t io_queues;         /* I/O queue pairs the controller granted (Number of Queues) */
	unsigned namespace_count;
	struct nvme_namespace ns[NVME_MAX_NAMESPACES];
	bool ready;
	/* Where the kernel's waits sleep (irq.h); NULL: they spin. */
	struct nvme_irq_wait *admin_wait, *io_wait;
};

/* The controller the kernel found at boot, or NULL. */
struct nvme_ctrl *nvme_ctrl_main(void);

/* Finds QEMU's NVMe PF (or any function of class 01:08:02), resets and
 * enables it, identifies it and sets up the kernel's own I/O queue. Says in
 * the log what it found or why it gave up; never panics. */
void nvme_init(void);

/* false when the controller no longer answers its registers, so nothing
 * should be waited for on it: a function that is gone reads all ones (which
 * CSTS never holds, §3.1.6: bits 31:6 are reserved), one whose memory decode
 * is off reads zeros on QEMU's q35; CAP always has CAP.CSS and CAP.MQES
 * non-zero (§3.1.1). */
bool nvme_ctrl_answers(const struct nvme_ctrl *c);

/* Reset and enable (NVMe 1.4 §7.6.1, §7.3.2): 0 or a negated SIETCH_E* code. */
int nvme_ctrl_enable(struct nvme_ctrl *c);
/* CC.EN to 0 and CSTS.RDY awaited (§7.3.2): every queue stops; 0 or -SIETCH_ETIMEDOUT. */
int nvme_ctrl_disable(struct nvme_ctrl *c);

/* Runs one admin command to completion. 0 with *dw0 (may be NULL) set;
 * -SIETCH_EIO when it completed with an error (logged with the command's
 * and the status's names unless quiet); -SIETCH_ETIMEDOUT (logged). */
int nvme_admin_run(struct nvme_ctrl *c, const struct nvme_sqe *cmd, uint32_t *dw0, bool quiet);

/* The same for a command with one page of data: out (4096 bytes) receives
 * what the device wrote, or in (4096 bytes) is what it reads; the page it
 * uses is the kernel's own, so cmd's PRPs are replaced. */
int nvme_admin_data(struct nvme_ctrl *c, const struct nvme_sqe *cmd, void *out, const void *in,
		    uint32_t *dw0, bool quiet);

/* Identify (§5.15) into out, 4096 bytes. */
int nvme_identify(struct nvme_ctrl *c, uint8_t cns, uint32_t nsid, uint16_t cntid, void *out);

/* Creates I/O completion queue qid, then submission queue qid on it (§5.3,
 * §5.4), each `entries` long at the given bus addresses (physically
 * contiguous: QEMU sets CAP.CQR); the completion queue interrupts through
 * MSI-X entry `vector`, or never with -1 (polled). */
int nvme_io_pair_create(struct nvme_ctrl *c, uint16_t qid, uint32_t entries, uint64_t sq_bus,
			uint64_t cq_bus, int vector);
/* Deletes submission queue qid, then its completion queue (§5.5, §5.6):
 * the device aborts what is still queued, so afterwards it no longer
 * touches that memory. */
int nvme_io_pair_delete(struct nvme_ctrl *c, uint16_t qid);

/* The namespace record, or NULL. */
const struct nvme_namespace *nvme_namespace_find(const struct nvme_ctrl *c, uint32_t nsid);
