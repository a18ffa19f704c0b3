/*
 * NVMe controller bring-up in the kernel: find the function, reset and
 * enable it in the order of NVMe 1.4 §7.6.1 "Initialization", identify it
 * and its namespaces, and ask for I/O queues. Each step that fails says which
 * and why in the log; a missing or broken controller leaves the system
 * running without storage.
 */
#include "drivers/nvme/kernel/ctl.h"

#include "drivers/nvme/kernel/irq.h"
#include "drivers/nvme/kernel/sriov.h"
#include "drivers/nvme/kernel/store.h"
#include "kernel/arch/timer.h"
#include "kernel/console.h"
#include "kernel/mm/frame.h"
#include "kernel/mm/heap.h"
#include "kernel/mm/vm.h"
#include "lib/common/format.h"
#include "lib/common/mmio.h"
#include "lib/common/nvme_cmd.h"
#include "lib/common/string.h"

#define NVME_CLASS 0x010802u /* mass storage, non-volatile memory, NVM Express (PCI code and ID assignment §1.2) */

static struct nvme_ctrl main_ctrl;
static struct nvme_irq_wait admin_wait, io_wait;
static struct nvme_ctrl *found;

struct nvme_ctrl *nvme_ctrl_main(void) { return found; }

static uint64_t clock_us(void) { return timer_now_ns() / 1000; }

static uint32_t csts(const struct nvme_ctrl *c) { return mmio_read32(mmio_at(c->regs, NVME_REG_CSTS)); }

bool nvme_ctrl_answers(const struct nvme_ctrl *c)
{
	if (!c->regs)
		return false;
	uint64_t cap = mmio_read64(mmio_at(c->regs, NVME_REG_CAP));
	return cap != 0 && cap != ~0ull && csts(c) != 0xffffffffu;
}

/* §7.6.1 step 1 and §3.1.6: CSTS.RDY follows CC.EN within CAP.TO; a set
 * CFS means the controller has failed and RDY may never follow. */
static int wait_ready(struct nvme_ctrl *c, bool ready, const char *step)
{
	int err = mmio_wait32(mmio_at(c->regs, NVME_REG_CSTS), NVME_CSTS_RDY, ready ? NVME_CSTS_RDY : 0,
			      c->ready_timeout_us);
	if (err)
		kprintf("nvme: %s: CSTS.RDY did not become %d after %s within CAP.TO (%llu ms); CSTS %08x%s\n",
			c->where, ready, step, (unsigned long long)(c->ready_timeout_us / 1000), csts(c),
			csts(c) & NVME_CSTS_CFS ? " (controller fatal status)" : "");
	return err;
}

int nvme_ctrl_disable(struct nvme_ctrl *c)
{
	uint32_t cc = mmio_read32(mmio_at(c->regs, NVME_REG_CC));
	mmio_write32(mmio_at(c->regs, NVME_REG_CC), cc & ~NVME_CC_EN);
	return wait_ready(c, false, "CC.EN = 0");
}

/* Page-aligned, zeroed, physically contiguous: queue memory the device reads (CAP.CQR). */
static void *dma_page(uint64_t *bus)
{
	uint64_t phys = frame_alloc();
	if (phys == FRAME_NONE)
		return NULL;
	*bus = phys;
	return phys_to_virt(phys);
}

static int admin_queue_setup(struct nvme_ctrl *c, uint64_t *asq, uint64_t *acq)
{
	struct nvme_queue_config cfg = {
		.qid = 0,
		.sq_entries = NVME_ADMIN_ENTRIES,
		.cq_entries = NVME_ADMIN_ENTRIES,
		.sq_tail_doorbell = mmio_at(c->regs, nvme_sq_tail_doorbell(0, c->dstrd)),
		.cq_head_doorbell = mmio_at(c->regs, nvme_cq_head_doorbell(0, c->dstrd)),
		.slots = c->admin_slots,
		.clock_us = clock_us,
		.idle = nvme_irq_idle,
		.idle_arg = c->admin_wait,
	};
	/* A second enable (after a reset) reuses the pages: the device forgot them. */
	if (!c->asq_mem) {
		c->asq_mem = dma_page(&c->asq_bus);
		c->acq_mem = dma_page(&c->acq_bus);
	}
	cfg.sq = c->asq_mem;
	cfg.cq = c->acq_mem;
	*asq = c->asq_bus;
	*acq = c->acq_bus;
	if (cfg.sq)
		memset(cfg.sq, 0, NVME_PAGE_SIZE);
	/* a VF's admin queue shares its doorbell page with a process: entries it
	 * has fetched are zeroed, so a rogue tail write replays no command */
	cfg.zero_consumed = c->is_vf;
	if (!c->scratch)
		c->scratch = dma_page(&c->scratch_bus);
	if (!cfg.sq || !cfg.cq || !c->scratch)
		return -SIETCH_ENOMEM;
	return nvme_queue_init(&c->admin, &cfg);
}

/* The PF's completion queues interrupt (MSI-X, §7.5.2): the admin queue
 * on entry 0, the kernel's I/O queue on entry 1. The VFs' one interrupt each
 * belongs to the process they serve: the kernel's waits on a VF's admin
 * queue spin. */
static void interrupts_init(struct nvme_ctrl *c)
{
	int err = nvme_irq_wait_init(&admin_wait);
	if (!err && !(err = nvme_irq_wait_init(&io_wait))) {
		c->admin_wait = &admin_wait;
		c->io_wait = &io_wait;
	}
	if (err)
		kprintf("nvme: %s: no interrupt vector (error %d); the kernel polls its queues\n", c->where, -err);
}

/* Before each enable (irq.h: QEMU needs MSI-X on when a queue is created). */
static void interrupts_program(struct nvme_ctrl *c)
{
	if (!c->admin_wait)
		return;
	int err = nvme_irq_wait_program(c->admin_wait, c->fn, NVME_ADMIN_VECTOR);
	if (!err)
		err = nvme_irq_wait_program(c->io_wait, c->fn, NVME_IO_VECTOR);
	if (err) {
		kprintf("nvme: %s: MSI-X not set up (error %d); the kernel polls its queues\n", c->where, -err);
		c->admin_wait = c->io_wait = NULL;
	}
}

int nvme_ctrl_enable(struct nvme_ctrl *c)
{
	uint64_t asq = 0, acq = 0;
	if (!nvme_ctrl_answers(c)) { /* its CAP.TO would read as 127.5 s too */
		kprintf("nvme: %s: the controller does not answer (CAP %016llx, CSTS %08x)\n", c->where,
			(unsigned long long)mmio_read64(mmio_at(c->regs, NVME_REG_CAP)), csts(c));
		return -SIETCH_EIO;
	}
	c->cap = mmio_read64(mmio_at(c->regs, NVME_REG_CAP));
	c->dstrd = NVME_CAP_DSTRD(c->cap);
	c->ready_timeout_us = (uint64_t)NVME_CAP_TO_MS(c->cap) * 1000;
	if (!(c->cap & NVME_CAP_CSS_NVM) || NVME_CAP_MPSMIN(c->cap) != 0) {
		kprintf("nvme: %s: CAP %016llx: no NVM command set or no 4 KiB pages; not used\n", c->where,
			(unsigned long long)c->cap);
		return -SIETCH_EINVAL;
	}
	/* Step 1: disable, and wait for any earlier reset to end. */
	uint32_t cc = mmio_read32(mmio_at(c->regs, NVME_REG_CC));
	if (cc & NVME_CC_EN)
		mmio_write32(mmio_at(c->regs, NVME_REG_CC), cc & ~NVME_CC_EN);
	int err = wait_ready(c, false, "CC.EN = 0");
	if (err)
		return err;
	/* Step 2: the admin queue (AQA, ASQ, ACQ: §3.1.8-10), and its interrupt. */
	interrupts_program(c);
	if ((err = admin_queue_setup(c, &asq, &acq)))
		return err;
	mmio_write32(mmio_at(c->regs, NVME_REG_AQA), NVME_AQA(NVME_ADMIN_ENTRIES, NVME_ADMIN_ENTRIES));
	mmio_write64(mmio_at(c->regs, NVME_REG_ASQ), asq);
	mmio_write64(mmio_at(c->regs, NVME_REG_ACQ), acq);
	/* Steps 3-4: NVM command set, 4 KiB pages, round robin, the I/O entry
	 * sizes (needed before any I/O queue is created), then enable. */
	cc = NVME_CC_CSS_NVM | NVME_CC_MPS(12) | NVME_CC_AMS_RR | NVME_CC_IOSQES(NVME_SQES_LOG2) |
	     NVME_CC_IOCQES(NVME_CQES_LOG2);
	mmio_write32(mmio_at(c->regs, NVME_REG_CC), cc);
	mmio_write32(mmio_at(c->regs, NVME_REG_CC), cc | NVME_CC_EN);
	/* Step 5. */
	return wait_ready(c, true, "CC.EN = 1");
}

static void text_trim(char *out, const char *in, size_t len)
{
	memcpy(out, in, len);
	out[len] = 0;
	while (len && (out[len - 1] == ' ' || out[len - 1] == 0))
		out[--len] = 0;
}

/* §7.6.1 step 6: Identify Controller. */
static int identify_controller(struct nvme_ctrl *c)
{
	struct nvme_identify_controller *id = kmalloc(sizeof(*id));
	if (!id)
		return -SIETCH_ENOMEM;
	int err = nvme_identify(c, NVME_IDENTIFY_CNS_CONTROLLER, 0, 0, id);
	if (err == 0) {
		char model[41], serial[21];
		text_trim(model, id->mn, sizeof(id->mn));
		text_trim(serial, id->sn, sizeof(id->sn));
		c->cntlid = id->cntlid;
		c->oacs = id->oacs;
		c->oncs = id->oncs;
		/* MDTS is in units of the minimum page size, 2^(12 + CAP.MPSMIN) (§5.15.2). */
		c->max_transfer = id->mdts ? (NVME_PAGE_SIZE << id->mdts) : 0;
		kprintf("nvme: %s: \"%s\" serial \"%s\" controller %u, NVMe %u.%u, %u namespaces, max transfer %u KiB%s%s\n",
			c->where, model, serial, c->cntlid, NVME_VS_MAJOR(id->ver), NVME_VS_MINOR(id->ver), id->nn,
			c->max_transfer / 1024, id->oacs & NVME_OACS_VIRTUALIZATION ? ", virtualization management" : "",
			id->oncs & NVME_ONCS_WRITE_ZEROES ? ", write zeroes" : "");
	}
	kfree(id);
	return err;
}

static void namespace_record(struct nvme_ctrl *c, uint32_t nsid, bool attached, const struct nvme_identify_namespace *id)
{
	if (c->namespace_count == NVME_MAX_NAMESPACES)
		return;
	struct nvme_namespace *ns = &c->ns[c->namespace_count++];
	uint8_t lbads = id->lbaf[NVME_FLBAS_INDEX(id->flbas)].lbads;
	ns->nsid = nsid;
	ns->attached = attached;
	ns->blocks = id->nsze;
	ns->block_size = lbads >= 9 && lbads <= 16 ? 1u << lbads : 0;
	kprintf("nvme: %s: namespace %u: %llu blocks of %u bytes (%llu MiB), %s%s\n", c->where, nsid,
		(unsigned long long)ns->blocks, ns->block_size,
		(unsigned long long)(ns->blocks * ns->block_size >> 20),
		attached ? "attached" : "not attached to this controller",
		id->nmic & NVME_NMIC_SHARED ? ", shared" : ", private");
}

static bool list_has(const struct nvme_ns_list *list, uint32_t nsid)
{
	for (unsigned i = 0; i < 1024 && list->nsid[i]; i++) {
		if (list->nsid[i] == nsid)
			return true;
	}
	return false;
}

/* §7.6.1 step 7: the namespaces. Active ones (CNS 02h) are usable here;
 * allocated ones (CNS 10h) exist in the subsystem, perhaps detached. */
static int identify_namespaces(struct nvme_ctrl *c)
{
	struct nvme_ns_list *active = kmalloc(sizeof(*active)), *allocated = kmalloc(sizeof(*allocated));
	struct nvme_identify_namespace *id = kmalloc(sizeof(*id));
	int err = active && allocated && id ? 0 : -SIETCH_ENOMEM;
	if (!err)
		err = nvme_identify(c, NVME_IDENTIFY_CNS_ACTIVE_NS_LIST, 0, 0, active);
	if (!err && nvme_identify(c, NVME_IDENTIFY_CNS_ALLOCATED_NS_LIST, 0, 0, allocated))
		memcpy(allocated, active, sizeof(*active)); /* optional (OACS.NMS): fall back to the active list */
	for (unsigned i = 0; !err && i < 1024 && allocated->nsid[i]; i++) {
		uint32_t nsid = allocated->nsid[i];
		bool attached = list_has(active, nsid);
		/* CNS 00h describes active namespaces only (an inactive one reads as zeros); 11h any allocated one. */
		uint8_t cns = attached ? NVME_IDENTIFY_CNS_NAMESPACE : NVME_IDENTIFY_CNS_ALLOCATED_NS;
		if (nvme_identify(c, cns, nsid, 0, id) == 0)
			namespace_record(c, nsid, attached, id);
	}
	kfree(active);
	kfree(allocated);
	kfree(id);
	return err;
}

/* §7.6.1 step 8: Set Features, Number of Queues (§5.21.1.7). */
static int ask_queues(struct nvme_ctrl *c)
{
	struct nvme_sqe cmd;
	uint32_t dw0 = 0;
	int err = nvme_cmd_set_num_queues(&cmd, 16, 16);
	if (!err)
		err = nvme_admin_run(c, &cmd, &dw0, false);
	if (!err) {
		c->io_queues = NVME_NUM_QUEUES_SQ(dw0) < NVME_NUM_QUEUES_CQ(dw0) ? NVME_NUM_QUEUES_SQ(dw0)
										 : NVME_NUM_QUEUES_CQ(dw0);
		kprintf("nvme: %s: %u I/O queue pairs\n", c->where, c->io_queues);
	}
	return err;
}

static struct pci_function *find_function(void)
{
	for (size_t i = 0; i < pci_function_count(); i++) {
		struct pci_function *f = pci_function_at(i);
		if (f->class_code == NVME_CLASS && !f->is_vf)
			return f;
	}
	return NULL;
}

void nvme_init(void)
{
	struct nvme_ctrl *c = &main_ctrl;
	c->fn = find_function();
	if (!c->fn) {
		kprintf("nvme: no NVMe controller; no /store\n");
		return;
	}
	c->admin_lock = (struct nvme_lock){ .guard = SPINLOCK_INIT("nvme admin") };
	format(c->where, sizeof(c->where), "%02x:%02x.%u", PCI_RID_BUS(c->fn->rid), PCI_RID_DEV(c->fn->rid),
		 PCI_RID_FN(c->fn->rid));
	c->regs = pci_bar_map(c->fn, 0);
	if (!c->regs) {
		kprintf("nvme: %s: BAR0 is not mapped; not used\n", c->where);
		return;
	}
	pci_enable_memory_and_master(c->fn);
	interrupts_init(c);
	int err = nvme_ctrl_enable(c);
	if (!err)
		err = identify_controller(c);
	if (!err)
		nvme_sriov_init(c);
	if (!err)
		err = identify_namespaces(c);
	if (!err)
		err = ask_queues(c);
	if (err) {
		kprintf("nvme: %s: bring-up failed (error %d); no /store\n", c->where, -err);
		return;
	}
	c->ready = true;
	found = c;
	kprintf("nvme: %s: ready (CAP.TO %llu ms, doorbell stride %u)\n", c->where, (unsigned long long)(c->ready_timeout_us / 1000),
		4u << c->dstrd);
	store_init(c);
}
