/*
 * An open storage area: the grant its one owner holds (a handle of type
 * SIETCH_TYPE_STORE), the DMA memory allocated under it (dma_alloc), and
 * store_submit, kernel-checked mode's one system call per batch.
 *
 * The trust model: the process never touches the device. Each command it
 * hands in is rebuilt by nvme_check_io — opcode, namespace and every field
 * checked, the block range moved into the area and bounded by it, data
 * pointers accepted only inside this grant's DMA regions, and the PRP list
 * copied into the kernel's memory entry by checked entry — so what the
 * device reads was written by the kernel after the check. The batch runs to
 * its end before the call returns, so the DMA memory is idle whenever the
 * grant can go away.
 */
#include "drivers/nvme/kernel/store.h"

#include "drivers/nvme/kernel/sriov.h"
#include "kernel/arch/interrupt.h"
#include "kernel/arch/lapic.h"
#include "kernel/console.h"
#include "kernel/iommu/iommu.h"
#include "kernel/ctl/notify.h"

#include "kernel/object/handle.h"
#include "kernel/ctl/syscall.h"
#include "kernel/mm/dma.h"
#include "kernel/mm/heap.h"
#include "kernel/mm/uaccess.h"
#include "kernel/mm/vm.h"
#include "kernel/proc/proc.h"
#include "lib/common/nvme_status.h"
#include "lib/common/string.h"

struct store_session {
	struct object object; /* SIETCH_TYPE_STORE */
	struct store *store;
	unsigned index;       /* catalogue entry */
	uint32_t pid;
	struct nvme_area area;
	struct dma_owner dma;
	uint64_t batches, commands;
	/* hardware-enforced mode */
	struct nvme_vf *vf;           /* the VF serving the owner, NULL in kernel-checked mode */
	bool queues_created;
	bool vf_ended;                /* vf_end ran (under vf->lock) */
	char name[STORE_NAME_MAX + 1];
	struct addr_space *db_space;  /* where the doorbell page is mapped */
	uint64_t db_va, db_phys;
	/* the completion queue's interrupt: the VF's MSI-X entry 0, masked until bound */
	struct interrupt irq;
	bool irq_allocated;
	struct object *notify;        /* what each delivery posts to (store_bind_interrupt) */
	uint64_t notify_bits;
	struct iommu_fault_hook on_fault; /* the VF's DMA was blocked: stop its controller */
	bool stopped;                     /* so stopped: the owner's calls fail with EIO */
};

#define VF_QUEUE_ENTRIES 64 /* one page each: 64 × 64-byte SQEs, 64 × 16-byte CQEs */

static void session_release(struct object *object);
static long vf_setup(struct store_session *sess, struct proc *self, struct sietch_store_info *info);
static long session_dma_owner(struct object *object, struct proc *caller, struct dma_owner **out);

static const struct object_ops session_ops = {
	.release = session_release,
	.dma_owner = session_dma_owner,
	.seek_error = SIETCH_ESPIPE,
};

static long session_dma_owner(struct object *object, struct proc *caller, struct dma_owner **out)
{
	struct store_session *sess = container_of(object, struct store_session, object);
	if (caller->pid != sess->pid)
		return -SIETCH_EACCES; /* a handle sent to another process is no grant */
	if (__atomic_load_n(&sess->stopped, __ATOMIC_ACQUIRE))
		return -SIETCH_EIO;
	*out = &sess->dma;
	return 0;
}

/* The open grant on each VF (by nvme_vf_at index), under that VF's lock:
 * power-off finds them here. */
static struct store_session *vf_grant[NVME_VF_MAX];

static unsigned vf_index(const struct nvme_vf *vf)
{
	unsigned i = 0;
	while (i < nvme_vf_count() && nvme_vf_at(i) != vf)
		i++;
	return i;
}

/* Hardware mode's end, once, vf->lock held (the owner left, or power-off):
 * the doorbell page leaves the process, the VF controller is reset so it no
 * longer touches the grant's memory, its DMA goes back to the kernel's
 * domain, the kernel flushes the namespace through a queue of its own, and
 * the namespace leaves the VF. The data stays, on non-volatile media.
 * Returns the flush's result (nvme_vf_flush), *status its status. */
static int vf_end(struct store_session *sess, uint16_t *status)
{
	struct nvme_vf *vf = sess->vf;
	int err = 0;
	uint64_t pa, pte;
	*status = 0;
	sess->vf_ended = true;
	/* First, so nothing the owner still rings reaches the kernel's flush queue. */
	if (sess->db_space && vm_translate(sess->db_space, sess->db_va, &pa, &pte) && pa == sess->db_phys)
		vm_unmap(sess->db_space, sess->db_va, PAGE_SIZE, false);
	/* A controller reset (CC.EN to 0 and back, §7.3.2) rather than Delete I/O SQ/CQ: it ends
	 * every queue however the owner left them, and its admin queue too, which the owner may
	 * have rung with garbage (the doorbell page is shared). Writes the controller completed
	 * stay in its write cache; the Flush below is what makes them durable. */
	if (sess->queues_created && (err = nvme_ctrl_enable(&vf->ctrl)))
		kprintf("nvme: %s: the VF controller did not come back after its owner left\n", vf->ctrl.where);
	iommu_owner_detach(&sess->dma, vf->ctrl.fn); /* reset: back to the kernel's domain */
	/* no queue, no write: nothing of the owner's to flush */
	if (!err && sess->queues_created)
		err = nvme_vf_flush(vf, status);
	if (nvme_vf_detach(sess->store->ctrl, vf))
		kprintf("nvme: %s: namespace %u stays attached\n", vf->ctrl.where, vf->attached_nsid);
	return err;
}

/* What became of a hardware-enforced area's flush, by the area's name. */
static void flush_report(const struct store_session *sess, int err, uint16_t status, const char *when)
{
	const char *where = sess->vf->ctrl.where;
	if (!err) {
		kprintf("store: %s (hardware-enforced, namespace %u on %s) flushed %s\n", sess->name, sess->area.nsid,
			where, when);
	} else if (err == -SIETCH_EIO && status) {
		kprintf("store: %s (hardware-enforced, namespace %u on %s) NOT flushed %s: %s (sct %u sc %02xh)\n",
			sess->name, sess->area.nsid, where, when, nvme_status_name(status), NVME_STATUS_SCT(status),
			NVME_STATUS_SC(status));
	} else if (err == -SIETCH_ETIMEDOUT) {
		kprintf("store: %s (hardware-enforced, namespace %u on %s) NOT flushed %s: no completion within %llu ms\n",
			sess->name, sess->area.nsid, where, when, NVME_IO_TIMEOUT_US / 1000);
	} else {
		kprintf("store: %s (hardware-enforced, namespace %u on %s) NOT flushed %s: the VF controller failed (error %d)\n",
			sess->name, sess->area.nsid, where, when, -err);
	}
}

void store_grants_poweroff(void)
{
	for (unsigned i = 0; i < nvme_vf_count(); i++) {
		struct nvme_vf *vf = nvme_vf_at(i);
		if (nvme_lock_take(&vf->lock))
			return; /* the caller was killed: the machine is not powered off by it either */
		struct store_session *sess = vf_grant[i];
		if (sess && !sess->vf_ended) {
			uint16_t status;
			int err = vf_end(sess, &status);
			flush_report(sess, err, status, "before power-off");
		}
		nvme_lock_give(&vf->lock);
	}
}

/* After the VF is reset: nothing raises the vector any more. */
static void irq_release(struct store_session *sess)
{
	if (sess->irq_allocated) {
		pci_msix_mask(sess->vf->ctrl.fn, 0, true);
		interrupt_free(&sess->irq); /* waits out a delivery in progress */
	}
	if (sess->notify)
		object_unref(sess->notify);
}

/*
 * The IOMMU blocked a DMA of the VF (its owner pointed a command outside its own memory):
 * the VF controller is disabled, which ends every queue, and the grant only waits to be
 * closed; release enables it again for the next owner. The doorbell page stays mapped: a
 * disabled controller ignores it.
 */
static void session_stop(struct iommu_fault_hook *hook)
{
	struct store_session *sess = container_of(hook, struct store_session, on_fault);
	/* Said before the owner can see EIO, so the log tells why before the owner does. */
	kprintf("nvme: %s of pid %u stopped: the IOMMU blocked its DMA; controller disabled, its calls now fail (EIO)\n",
		sess->vf->ctrl.where, sess->pid);
	__atomic_store_n(&sess->stopped, true, __ATOMIC_RELEASE);
	if (nvme_ctrl_disable(&sess->vf->ctrl))
		kprintf("nvme: %s: the controller did not stop; its owner's memory is all it can reach\n",
			sess->vf->ctrl.where);
}

static void session_release(struct object *object)
{
	struct store_session *sess = container_of(object, struct store_session, object);
	struct store *s = sess->store;
	struct nvme_vf *vf = sess->vf;
	if (vf) {
		iommu_owner_fault_hook_clear(&sess->dma); /* no session_stop runs from here on */
		/* A killed thread cannot sleep, yet releasing its grant must still end it: it waits
		 * out the holder (power-off, whose waits are bounded) by spinning. */
		while (nvme_lock_take(&vf->lock))
			__asm__ volatile("pause");
		if (!sess->vf_ended) {
			uint16_t status;
			int err = vf_end(sess, &status);
			if (err)
				flush_report(sess, err, status, "when its owner left");
		}
		unsigned i = vf_index(vf);
		if (i < NVME_VF_MAX && vf_grant[i] == sess)
			vf_grant[i] = NULL;
		nvme_lock_give(&vf->lock);
		irq_release(sess);
		__atomic_store_n(&vf->owner, 0, __ATOMIC_RELEASE);
	}
	dma_owner_release(&sess->dma);
	spin_lock(&s->lock.guard); /* open_pid is read under the sleeping lock; a word store is enough here */
	__atomic_store_n(&s->open_pid[sess->index], 0, __ATOMIC_RELEASE);
	spin_unlock(&s->lock.guard);
	kfree(sess);
}

static long path_name(char *name, uint64_t user, size_t len)
{
	char path[8 + STORE_NAME_MAX + 1];
	if (len == 0 || len >= sizeof(path))
		return -SIETCH_EINVAL;
	long err = copy_string_from_user(path, sizeof(path), user, len);
	if (err)
		return err;
	const char *n = strncmp(path, "/store/", 7) == 0 ? path + 7 : path;
	if (!store_name_valid(n))
		return -SIETCH_EINVAL;
	memcpy(name, n, strlen(n) + 1);
	return 0;
}

static struct nvme_vf *vf_claim(uint32_t pid)
{
	for (unsigned i = 0; i < nvme_vf_count(); i++) {
		uint32_t free_owner = 0;
		struct nvme_vf *vf = nvme_vf_at(i);
		if (__atomic_compare_exchange_n(&vf->owner, &free_owner, pid, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			return vf;
	}
	return NULL;
}

/* The VF's doorbell page (BAR0 + 1000h) into the caller, uncached, after a
 * guard page. With CAP.DSTRD 0 it holds the admin doorbells too: what a
 * process can do with those is in the README (storage section). */
static long map_doorbells(struct store_session *sess, struct proc *p, uint64_t *va)
{
	spin_lock(&p->lock);
	uint64_t start = p->mmap_next;
	p->mmap_next += 2 * PAGE_SIZE;
	spin_unlock(&p->lock);
	if (!user_range_ok(start, PAGE_SIZE))
		return -SIETCH_ENOMEM;
	sess->db_phys = sess->vf->bar0_phys + NVME_REG_DOORBELLS;
	long err = vm_map(&p->space, start, sess->db_phys, PAGE_SIZE, VM_USER | VM_WRITE | VM_NOCACHE | VM_SHARED);
	if (!err) {
		sess->db_space = &p->space;
		sess->db_va = start;
		*va = start;
	}
	return err;
}

/* The VF's MSI-X entry 0 (its one VI) to a vector of ours, masked until a
 * process binds it: in polling mode the device's messages stay pending in
 * the table and cost no interrupt. */
static long irq_setup(struct store_session *sess)
{
	struct pci_function *fn = sess->vf->ctrl.fn;
	long err = interrupt_msi_alloc(&sess->irq, lapic_id(), NULL, NULL);
	if (err)
		return err;
	sess->irq_allocated = true;
	interrupt_msi_set_requester(&sess->irq, fn->rid);
	struct msi_message msg = interrupt_msi_message(&sess->irq);
	err = pci_msix_mask(fn, 0, true);
	if (!err)
		err = pci_msix_set(fn, 0, msg.address, msg.data);
	if (!err)
		err = pci_msix_mask(fn, 0, true);
	return err;
}

/* Hardware-enforced open: a free VF, the area's namespace attached to it
 * alone, an I/O queue pair created through the VF's admin queue (kept by the
 * kernel) in the grant's DMA memory, and the doorbell page mapped. */
static long vf_open(struct store_session *sess, struct sietch_store_info *info)
{
	struct proc *self = proc_current();
	if (!(sess->vf = vf_claim(self->pid)))
		return -SIETCH_EBUSY; /* every virtual controller serves someone */
	/* the whole set-up under the VF's lock: power-off does not end a grant half made */
	long err = nvme_lock_take(&sess->vf->lock);
	if (err) {
		__atomic_store_n(&sess->vf->owner, 0, __ATOMIC_RELEASE);
		sess->vf = NULL;
		return err;
	}
	vf_grant[vf_index(sess->vf)] = sess;
	err = vf_setup(sess, self, info);
	nvme_lock_give(&sess->vf->lock);
	return err;
}

static long vf_setup(struct store_session *sess, struct proc *self, struct sietch_store_info *info)
{
	struct sietch_dma_region sq, cq;
	long err = nvme_vf_attach(sess->store->ctrl, sess->vf, sess->area.nsid);
	/* With an IOMMU the grant's memory gets IOVAs in a domain of its own; the VF moves
	 * there only once its queues are created through the kernel's admin queue. */
	if (!err)
		err = iommu_owner_prepare(&sess->dma, self);
	if (!err)
		err = dma_owner_alloc(&sess->dma, self, PAGE_SIZE, &sq);
	if (!err)
		err = dma_owner_alloc(&sess->dma, self, PAGE_SIZE, &cq);
	if (!err)
		err = irq_setup(sess);
	if (!err && !(err = nvme_io_pair_create(&sess->vf->ctrl, NVME_VF_IO_QID, VF_QUEUE_ENTRIES, sq.bus_address,
						 cq.bus_address, 0)))
		sess->queues_created = true;
	if (!err)
		err = iommu_owner_attach(&sess->dma, sess->vf->ctrl.fn, self);
	if (!err) {
		sess->on_fault.stop = session_stop;
		iommu_owner_on_fault(&sess->dma, &sess->on_fault);
		err = map_doorbells(sess, self, &info->doorbells);
	}
	if (err)
		return err;
	info->sq = sq.address;
	info->cq = cq.address;
	info->sq_bus = sq.bus_address;
	info->cq_bus = cq.bus_address;
	info->qid = NVME_VF_IO_QID;
	info->entries = VF_QUEUE_ENTRIES;
	info->doorbell_stride = sess->vf->ctrl.dstrd;
	/* the VF's own limit on a transfer, and its own namespace id for the area */
	if (sess->vf->ctrl.max_transfer)
		info->max_transfer = sess->vf->ctrl.max_transfer;
	return 0;
}

/* s->lock held: a new grant of entry index for the caller, or an error. */
static long session_open_locked(struct store *s, const char *name, uint32_t rights, struct store_session **out,
				struct sietch_store_info *info)
{
	const struct store_entry *e = store_catalog_lookup(&s->catalog, name);
	if (!e)
		return -SIETCH_ENOENT;
	unsigned index = (unsigned)(e - s->entries);
	if (rights & ~e->other_rights)
		return -SIETCH_EPERM;
	if (!store_rights_enforceable(e, rights))
		return -SIETCH_EINVAL;
	if (s->open_pid[index])
		return -SIETCH_EBUSY; /* one owner at a time */
	struct store_session *sess = kzalloc(sizeof(*sess));
	if (!sess)
		return -SIETCH_ENOMEM;
	object_init(&sess->object, SIETCH_TYPE_STORE, &session_ops);
	sess->store = s;
	sess->index = index;
	sess->pid = proc_current()->pid;
	store_area_of(s, e, &sess->area);
	sess->area.read_only = !(rights & SIETCH_RIGHT_WRITE);
	memcpy(sess->name, e->name, strnlen(e->name, STORE_NAME_MAX));
	dma_owner_init(&sess->dma);
	store_info_of(s, index, info);
	if (e->flags & STORE_ENTRY_NAMESPACE) {
		long err = vf_open(sess, info);
		if (err) {
			object_unref(&sess->object); /* releases what vf_open set up */
			return err;
		}
	}
	s->open_pid[index] = sess->pid;
	*out = sess;
	return 0;
}

/* (path, path_len, rights, info) -> handle */
long sys_store_open(const struct syscall_args *args)
{
	struct store *s = store_main();
	char name[STORE_NAME_MAX + 1];
	uint64_t rights = args->arg[2], user_info = args->arg[3];
	struct sietch_store_info info;
	struct store_session *sess;
	/* no DUP: the grant must not outlive its owner's address space in another process */
	if (rights & ~(uint64_t)(SIETCH_RIGHT_READ | SIETCH_RIGHT_WRITE))
		return -SIETCH_EINVAL;
	if (!user_range_ok(user_info, sizeof(info)))
		return -SIETCH_EFAULT;
	long err = path_name(name, args->arg[0], args->arg[1]);
	if (err)
		return err;
	if (!s)
		return -SIETCH_ENOENT;
	if ((err = nvme_lock_take(&s->lock)))
		return err;
	err = s->usable ? session_open_locked(s, name, (uint32_t)rights, &sess, &info) : -SIETCH_EIO;
	nvme_lock_give(&s->lock);
	if (err)
		return err;
	long handle = handle_install(proc_handles(), &sess->object, (uint32_t)rights);
	object_unref(&sess->object); /* the handle's reference is the grant's life */
	if (handle >= 0 && copy_to_user(user_info, &info, sizeof(info)))
		return -SIETCH_EFAULT; /* the handle stays: closing it is the caller's */
	return handle;
}

/* nvme_check_io's lookup: kernel memory for [bus, bus + len) inside one of
 * this grant's DMA regions. */
static const void *session_lookup(void *ctx, uint64_t bus, size_t len)
{
	struct store_session *sess = ctx;
	const void *found = NULL;
	spin_lock(&sess->dma.lock);
	for (const struct dma_region *r = sess->dma.regions; r && !found; r = r->next) {
		if (bus >= r->phys && bus - r->phys <= r->size && len <= r->size - (bus - r->phys))
			found = phys_to_virt(bus); /* bus address = physical address until there is an IOMMU */
	}
	spin_unlock(&sess->dma.lock);
	return found;
}

struct submit {
	struct nvme_sqe in[SIETCH_STORE_BATCH_MAX];
	struct nvme_sqe out[SIETCH_STORE_BATCH_MAX];
	struct sietch_store_result result[SIETCH_STORE_BATCH_MAX];
	uint16_t status[SIETCH_STORE_BATCH_MAX];
	uint32_t dw0[SIETCH_STORE_BATCH_MAX];
	int error[SIETCH_STORE_BATCH_MAX];
	unsigned run_index[SIETCH_STORE_BATCH_MAX];
};

/* Checks every command, then runs the ones that passed as one batch. */
static void submit_checked(struct store_session *sess, struct submit *b, unsigned count)
{
	struct kqueue *k = &sess->store->kq;
	unsigned run = 0;
	for (unsigned i = 0; i < count; i++) {
		int err = nvme_check_io(&b->out[run], &b->in[i], &sess->area, session_lookup, sess, &k->prp[run]);
		b->result[i] = (struct sietch_store_result){ .error = err };
		if (!err)
			b->run_index[run++] = i;
	}
	if (run)
		kqueue_run_batch(k, b->out, run, b->status, b->dw0, b->error);
	for (unsigned r = 0; r < run; r++) {
		struct sietch_store_result *res = &b->result[b->run_index[r]];
		res->error = b->error[r];
		res->status = b->error[r] ? 0 : b->status[r];
		res->dw0 = b->dw0[r];
	}
}

/* (store, cmds, count, results) -> commands handled */
long sys_store_submit(const struct syscall_args *args)
{
	uint64_t cmds = args->arg[1], count = args->arg[2], results = args->arg[3];
	struct store_session *sess;
	if (count == 0 || count > SIETCH_STORE_BATCH_MAX)
		return -SIETCH_EINVAL;
	if (!user_range_ok(cmds, count * sizeof(struct nvme_sqe)) ||
	    !user_range_ok(results, count * sizeof(struct sietch_store_result)))
		return -SIETCH_EFAULT;
	/* READ is enough: a grant without WRITE has its writes refused one by one (area.read_only) */
	long err = handle_get_as(proc_handles(), (long)args->arg[0], SIETCH_TYPE_STORE, SIETCH_RIGHT_READ, &sess);
	if (err)
		return err;
	struct submit *b = kmalloc(sizeof(*b));
	if (!b)
		err = -SIETCH_ENOMEM;
	else if (sess->pid != proc_current()->pid)
		err = -SIETCH_EACCES;
	else if (sess->vf)
		err = -SIETCH_EINVAL; /* hardware-enforced: the owner's own queue pair, no kernel path */
	else if (copy_from_user(b->in, cmds, count * sizeof(struct nvme_sqe)))
		err = -SIETCH_EFAULT;
	else if (!(err = nvme_lock_take(&sess->store->kq.lock))) {
		submit_checked(sess, b, (unsigned)count);
		nvme_lock_give(&sess->store->kq.lock);
		sess->batches++;
		sess->commands += count;
		if (copy_to_user(results, b->result, count * sizeof(struct sietch_store_result)))
			err = -SIETCH_EFAULT;
	}
	kfree(b);
	object_unref(&sess->object);
	return err ? err : (long)count;
}

static void store_irq_fire(struct interrupt *irq, void *context)
{
	struct store_session *sess = context;
	(void)irq;
	notify_post_object(sess->notify, sess->notify_bits);
}

/* (store, notify, bits) -> 0: the owner sleeps in notify_wait instead of polling. */
long sys_store_bind_interrupt(const struct syscall_args *args)
{
	uint64_t bits = args->arg[2];
	struct store_session *sess;
	struct object *notify;
	if (!bits)
		return -SIETCH_EINVAL;
	long err = handle_get_as(proc_handles(), (long)args->arg[0], SIETCH_TYPE_STORE, SIETCH_RIGHT_READ, &sess);
	if (err)
		return err;
	if ((err = handle_get_typed(proc_handles(), (long)args->arg[1], OBJECT_NOTIFY, SIETCH_RIGHT_RECEIVE, &notify))) {
		object_unref(&sess->object);
		return err;
	}
	if (sess->pid != proc_current()->pid)
		err = -SIETCH_EACCES;
	else if (!sess->vf || !sess->irq_allocated)
		err = -SIETCH_EINVAL; /* kernel-checked mode waits inside store_submit */
	else if (__atomic_load_n(&sess->stopped, __ATOMIC_ACQUIRE))
		err = -SIETCH_EIO;
	else if (!__atomic_compare_exchange_n(&sess->notify_bits, &(uint64_t){ 0 }, bits, false, __ATOMIC_ACQ_REL,
					      __ATOMIC_ACQUIRE))
		err = -SIETCH_EBUSY; /* bound once, for the grant's life */
	if (!err) {
		sess->notify = notify; /* the binding's reference, dropped at release */
		interrupt_set_handler(&sess->irq, store_irq_fire, sess);
		pci_msix_mask(sess->vf->ctrl.fn, 0, false);
	} else {
		object_unref(notify);
	}
	object_unref(&sess->object);
	return err;
}
