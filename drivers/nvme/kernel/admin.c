/*
 * The admin queue (NVMe 1.4 §7.2 "Command Submission and Completion
 * Mechanism"): one command at a time, waited for (on the PF asleep until its
 * interrupt, irq.h; on a VF polled), each failure reported with the
 * command's name and the status code type and code by name (§4.6.1).
 */
#include <stddef.h>

#include "drivers/nvme/kernel/ctl.h"
#include "kernel/console.h"
#include "lib/common/nvme_cmd.h"
#include "lib/common/nvme_status.h"
#include "lib/common/string.h"
#include "lib/common/syscall.h"

long nvme_lock_take(struct nvme_lock *lock)
{
	spin_lock(&lock->guard);
	while (lock->busy) {
		long err = wait_sleep(&lock->waiters, &lock->guard);
		if (err) {
			spin_unlock(&lock->guard);
			return err;
		}
	}
	lock->busy = true;
	spin_unlock(&lock->guard);
	return 0;
}

void nvme_lock_give(struct nvme_lock *lock)
{
	spin_lock(&lock->guard);
	lock->busy = false;
	wait_wake_one(&lock->waiters);
	spin_unlock(&lock->guard);
}

static void admin_report(const struct nvme_ctrl *c, const struct nvme_sqe *cmd, int err, uint16_t status)
{
	const char *what = nvme_opcode_name(true, cmd->opc);
	if (err == -SIETCH_ETIMEDOUT) {
		kprintf("nvme: %s: %s (opcode %02xh) timed out after %llu ms\n", c->where, what, cmd->opc,
			NVME_ADMIN_TIMEOUT_US / 1000);
		return;
	}
	kprintf("nvme: %s: %s (opcode %02xh, cdw10 %08x) failed: %s (sct %u sc %02xh)\n", c->where, what,
		cmd->opc, cmd->cdw10, nvme_status_name(status), NVME_STATUS_SCT(status), NVME_STATUS_SC(status));
}

/* admin_lock held. */
static int admin_run_locked(struct nvme_ctrl *c, const struct nvme_sqe *cmd, uint32_t *dw0, bool quiet)
{
	struct nvme_cqe done;
	int err = nvme_queue_run(&c->admin, cmd, NVME_ADMIN_TIMEOUT_US, &done, NULL, NULL);
	uint16_t status = (uint16_t)(done.status & ~NVME_CQE_PHASE);

	if (err == 0 && !NVME_STATUS_OK(status))
		err = -SIETCH_EIO;
	if (err && (!quiet || err == -SIETCH_ETIMEDOUT))
		admin_report(c, cmd, err, status);
	if (err == 0 && dw0)
		*dw0 = done.dw0;
	return err;
}

int nvme_admin_run(struct nvme_ctrl *c, const struct nvme_sqe *cmd, uint32_t *dw0, bool quiet)
{
	long err = nvme_lock_take(&c->admin_lock);
	if (err)
		return (int)err;
	int result = admin_run_locked(c, cmd, dw0, quiet);
	nvme_lock_give(&c->admin_lock);
	return result;
}

int nvme_admin_data(struct nvme_ctrl *c, const struct nvme_sqe *cmd, void *out, const void *in,
		    uint32_t *dw0, bool quiet)
{
	struct nvme_sqe with_data = *cmd;
	long err = nvme_lock_take(&c->admin_lock);
	if (err)
		return (int)err;
	if (in)
		memcpy(c->scratch, in, NVME_PAGE_SIZE);
	else
		memset(c->scratch, 0, NVME_PAGE_SIZE);
	with_data.prp1 = c->scratch_bus; /* one page-aligned page: no PRP2 (§4.3) */
	with_data.prp2 = 0;
	int result = admin_run_locked(c, &with_data, dw0, quiet);
	if (result == 0 && out)
		memcpy(out, c->scratch, NVME_PAGE_SIZE);
	nvme_lock_give(&c->admin_lock);
	return result;
}

int nvme_identify(struct nvme_ctrl *c, uint8_t cns, uint32_t nsid, uint16_t cntid, void *out)
{
	struct nvme_sqe cmd;
	int err = nvme_cmd_identify(&cmd, cns, nsid, cntid);
	return err ? err : nvme_admin_data(c, &cmd, out, NULL, NULL, false);
}

int nvme_io_pair_create(struct nvme_ctrl *c, uint16_t qid, uint32_t entries, uint64_t sq_bus,
			uint64_t cq_bus, int vector)
{
	struct nvme_sqe cmd;
	int err = nvme_cmd_create_io_cq(&cmd, qid, entries, cq_bus, vector);
	if (!err)
		err = nvme_admin_run(c, &cmd, NULL, false);
	if (err)
		return err;
	err = nvme_cmd_create_io_sq(&cmd, qid, entries, sq_bus, qid);
	if (!err)
		err = nvme_admin_run(c, &cmd, NULL, false);
	if (err) {
		struct nvme_sqe undo;
		if (nvme_cmd_delete_io_cq(&undo, qid) == 0)
			nvme_admin_run(c, &undo, NULL, false);
	}
	return err;
}

int nvme_io_pair_delete(struct nvme_ctrl *c, uint16_t qid)
{
	struct nvme_sqe cmd;
	int err = nvme_cmd_delete_io_sq(&cmd, qid);
	if (!err)
		err = nvme_admin_run(c, &cmd, NULL, false);
	int err_cq = nvme_cmd_delete_io_cq(&cmd, qid);
	if (!err_cq)
		err_cq = nvme_admin_run(c, &cmd, NULL, false);
	return err ? err : err_cq;
}

const struct nvme_namespace *nvme_namespace_find(const struct nvme_ctrl *c, uint32_t nsid)
{
	for (unsigned i = 0; i < c->namespace_count; i++) {
		if (c->ns[i].nsid == nsid)
			return &c->ns[i];
	}
	return NULL;
}
