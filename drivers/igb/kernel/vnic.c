/* VNIC devices and grants; the rules are in vnic.h. */
#include "drivers/igb/kernel/vnic.h"
#include "drivers/igb/kernel/pf.h"
#include "kernel/arch/percpu.h"
#include "kernel/console.h"
#include "kernel/ctl/namespace.h"
#include "kernel/ctl/notify.h"
#include "kernel/iommu/iommu.h"
#include "kernel/object/object.h"
#include "kernel/mm/dma.h"
#include "kernel/mm/heap.h"
#include "kernel/mm/uaccess.h"
#include "kernel/mm/vm.h"
#include "kernel/pci/pci.h"
#include "kernel/proc/proc.h"
#include "lib/common/format.h"
#include "lib/common/mmio.h"
#include "lib/common/string.h"

#define VNIC_RIGHTS (SIETCH_RIGHT_READ | SIETCH_RIGHT_WRITE) /* never DUP: the grant stays with its owner */
#define VNIC_MSIX_MAX 3 /* an 82576 VF's MSI-X table */

/* One a VF, in the name tree for ever. */
struct vnic_device {
	struct object object; /* OBJECT_VNIC; opening it makes a grant */
	struct igb_pf *pf;
	unsigned vf;
	struct pci_function *fn;
};

/* One an open: the VF's owner. */
struct vnic_grant {
	struct object object; /* OBJECT_VNIC */
	struct vnic_device *dev;
	struct proc *owner;   /* a reference */
	struct spinlock lock; /* regs_va */
	uint64_t regs_va;     /* 0 until vnic_map */
	bool binding;         /* a vnic_bind_irq is changing irq[] */
	struct dma_owner dma;
	struct interrupt irq[VNIC_MSIX_MAX];
	struct iommu_fault_hook on_fault; /* the VF's DMA was blocked: reset it */
	bool stopped;			  /* so reset: the owner's calls fail with EIO */
};

static struct vnic_device devices[IGB_MAX_VFS];

static struct vnic_grant *grant_of(struct object *object) { return container_of(object, struct vnic_grant, object); }

/* ---- teardown: unbind, unmap, reset, scrub, free ---- */

static void vnic_irq_release(struct vnic_grant *g, unsigned vector)
{
	struct interrupt *irq = &g->irq[vector];
	if (irq->kind == INTERRUPT_NONE)
		return;
	notify_unbind_interrupt(irq);
	pci_msix_mask(g->dev->fn, vector, true);
	interrupt_free(irq);
	*irq = (struct interrupt){ 0 };
}

/* Unmaps the register pages that still map the BAR (the owner may have replaced some). */
static void vnic_unmap_regs(struct vnic_grant *g)
{
	const struct pci_bar *bar = &g->dev->fn->bar[IGB_VF_BAR_REGS];
	struct addr_space *space = &g->owner->space;
	for (uint64_t off = 0; g->regs_va && off < bar->size; off += PAGE_SIZE) {
		uint64_t pa;
		spin_lock(&space->lock);
		bool ours = vm_translate(space, g->regs_va + off, &pa, NULL) && pa == bar->base + off;
		spin_unlock(&space->lock);
		if (ours)
			vm_unmap(space, g->regs_va + off, PAGE_SIZE, false);
	}
	g->regs_va = 0;
}

/*
 * The VF is quiet once this returns: Function Level Reset (PCIe §6.6.2),
 * which on the 82576 also clears its queue enables and VFRE/VFTE and reports
 * VFLRE to the PF (QEMU's igb_core_vf_reset); where FLR is refused, the VF's
 * own CTRL.RST. Then the pool's filters are scrubbed here too, not left to the
 * mailbox interrupt, so the next owner finds it clean whatever the order.
 */
static void vnic_reset_vf(struct vnic_device *dev)
{
	/* The pool goes off first, so that nothing reaches the rings between here and the reset. */
	spin_lock(&dev->pf->lock);
	dev->pf->vf[dev->vf].owned = false;
	igb_vf_scrub(dev->pf, dev->vf);
	spin_unlock(&dev->pf->lock);
	if (pci_function_reset(dev->fn)) {
		volatile void *regs = pci_bar_map(dev->fn, IGB_VF_BAR_REGS);
		if (regs)
			mmio_write32((volatile uint8_t *)regs + IGBVF_CTRL, IGBVF_CTRL_RST);
	}
	spin_lock(&dev->pf->lock);
	igb_vf_reset_done(dev->pf, dev->vf);
	dev->pf->vf[dev->vf].tx_rate_mbps = dev->pf->default_rate_mbps; /* the next grant's limit */
	spin_unlock(&dev->pf->lock);
}

/*
 * The IOMMU blocked a DMA of the VF (its owner pointed it outside its own memory): the VF
 * is reset (FLR), and its pool stays off at the PF until the owner goes (igb_vf_stop), so
 * no write of the owner to the VF's own registers starts it again; the grant answers EIO
 * and only waits to be closed. The register pages stay mapped: stores to them reach a VF
 * that no longer moves data.
 */
static void vnic_stop(struct iommu_fault_hook *hook)
{
	struct vnic_grant *g = container_of(hook, struct vnic_grant, on_fault);
	struct igb_pf *pf = g->dev->pf;
	/* Said before the owner can see EIO, so the log tells why before the owner does. */
	kprintf("igb: vnic%u of pid %u stopped: the IOMMU blocked its DMA; VF reset, its calls now fail (EIO)\n",
		g->dev->vf, g->owner->pid);
	__atomic_store_n(&g->stopped, true, __ATOMIC_RELEASE);
	vnic_reset_vf(g->dev);
	spin_lock(&pf->lock);
	igb_vf_stop(pf, g->dev->vf);
	spin_unlock(&pf->lock);
}

static bool vnic_stopped(struct vnic_grant *g) { return __atomic_load_n(&g->stopped, __ATOMIC_ACQUIRE); }

/* Only the owner uses a grant, and not after vnic_stop: its VF was reset. */
static long vnic_usable_by(struct vnic_grant *g, struct proc *caller)
{
	if (caller != g->owner)
		return -SIETCH_EPERM;
	return vnic_stopped(g) ? -SIETCH_EIO : 0;
}

static void vnic_grant_release(struct object *object)
{
	struct vnic_grant *g = grant_of(object);
	struct vnic_device *dev = g->dev;
	iommu_owner_fault_hook_clear(&g->dma); /* no vnic_stop runs from here on */
	for (unsigned v = 0; v < VNIC_MSIX_MAX; v++)
		vnic_irq_release(g, v);
	vnic_unmap_regs(g);
	vnic_reset_vf(dev);
	iommu_owner_detach(&g->dma, dev->fn); /* blocked from here on, whatever the VF still tries */
	dma_owner_release(&g->dma); /* only now: the device can no longer write there */
	kprintf("igb: vnic%u returned by pid %u, VF reset\n", dev->vf, g->owner->pid);
	pci_release(dev->fn, g->owner->pid);
	object_unref(&g->owner->object);
	kfree(g);
}

static long vnic_grant_dma_owner(struct object *object, struct proc *caller, struct dma_owner **out)
{
	struct vnic_grant *g = grant_of(object);
	long err = vnic_usable_by(g, caller);
	if (err)
		return err;
	*out = &g->dma;
	return 0;
}

static const struct object_ops grant_ops = {
	.release = vnic_grant_release,
	.dma_owner = vnic_grant_dma_owner,
};

/* ---- opening ---- */

/* The stricter of two transmit limits, 0 meaning none. */
static uint32_t tighter_rate(uint32_t a, uint32_t b)
{
	if (!a || !b)
		return a | b;
	return a < b ? a : b;
}

static long vnic_open(struct object *device, uint32_t *rights, struct object **out)
{
	struct vnic_device *dev = container_of(device, struct vnic_device, object);
	struct proc *self = proc_current();
	if (!self)
		return -SIETCH_EPERM;
	if ((*rights & VNIC_RIGHTS) != VNIC_RIGHTS)
		return -SIETCH_EPERM; /* a VNIC is driven, not looked at: READ and WRITE both */
	struct vnic_grant *g = kzalloc(sizeof(*g));
	if (!g)
		return -SIETCH_ENOMEM;
	if (!pci_claim(dev->fn, self->pid)) {
		kfree(g);
		return -SIETCH_EBUSY;
	}
	uint32_t rate = tighter_rate(dev->pf->default_rate_mbps, __atomic_load_n(&self->vnic_rate_mbps, __ATOMIC_RELAXED));
	spin_lock(&dev->pf->lock);
	dev->pf->vf[dev->vf].owned = true; /* the mailbox's RESET may now turn the pool on */
	dev->pf->vf[dev->vf].tx_rate_mbps = rate;
	spin_unlock(&dev->pf->lock);
	object_init(&g->object, OBJECT_VNIC, &grant_ops);
	g->dev = dev;
	g->owner = self;
	object_ref(&self->object);
	g->lock = (struct spinlock)SPINLOCK_INIT("vnic");
	dma_owner_init(&g->dma);
	/* The VF's requester ID goes into this grant's own domain: its DMA reaches only what dma_alloc gave. */
	long err = iommu_owner_attach(&g->dma, dev->fn, self);
	if (err) {
		spin_lock(&dev->pf->lock);
		dev->pf->vf[dev->vf].owned = false;
		spin_unlock(&dev->pf->lock);
		dma_owner_release(&g->dma); /* the domain, if one was made */
		pci_release(dev->fn, self->pid);
		object_unref(&self->object);
		kfree(g);
		return err;
	}
	g->on_fault.stop = vnic_stop;
	iommu_owner_on_fault(&g->dma, &g->on_fault);
	*rights &= VNIC_RIGHTS;
	*out = &g->object;
	return 0;
}

/* The device node itself is never in a handle (open gives a grant); stat and lookups see OBJECT_VNIC. */
static const struct object_ops device_ops = { .open = vnic_open };

/*
 * Physical page 0 is never handed out (frame_pool): the kernel fills it with
 * a pattern whose every 64-bit word, read as a descriptor's buffer address,
 * lies far outside memory. A queue enabled on a ring at bus address 0 (what
 * the 82576 leaves after its reset) would read its descriptors there and
 * write their status back over the pattern, which vnic_pool reports.
 */
#define LOW_PAGE_CANARY 0xa5a5a5a5a5a5a5a5ull

static void low_page_canary_fill(void)
{
	volatile uint64_t *page = phys_to_virt(0);
	for (unsigned i = 0; i < PAGE_SIZE / 8; i++)
		page[i] = LOW_PAGE_CANARY;
}

static bool low_page_canary_whole(void)
{
	volatile const uint64_t *page = phys_to_virt(0);
	for (unsigned i = 0; i < PAGE_SIZE / 8; i++)
		if (page[i] != LOW_PAGE_CANARY)
			return false;
	return true;
}

static struct igb_pf *vnic_pf;

void vnic_init(struct igb_pf *pf)
{
	vnic_pf = pf;
	low_page_canary_fill();
	for (unsigned vf = 0; vf < pf->num_vfs; vf++) {
		struct vnic_device *dev = &devices[vf];
		dev->pf = pf;
		dev->vf = vf;
		dev->fn = pci_vf(pf->pci, (uint16_t)vf);
		if (!dev->fn) {
			kprintf("igb: VF %u is not in the PCI table; no vnic%u\n", vf, vf);
			continue;
		}
		object_init(&dev->object, OBJECT_VNIC, &device_ops);
		char name[16];
		format(name, sizeof(name), "net/vnic%u", vf);
		if (!namespace_add_device(name, &dev->object))
			kprintf("igb: cannot add /dev/%s\n", name);
	}
}

/* ---- the system calls ---- */

/* The next size bytes at the owner's mmap_next, with a guard page, as mem_map places. */
static bool vnic_place(struct proc *proc, uint64_t size, uint64_t *va)
{
	spin_lock(&proc->lock);
	*va = proc->mmap_next;
	proc->mmap_next += size + PAGE_SIZE;
	spin_unlock(&proc->lock);
	return user_range_ok(*va, size);
}

static long vnic_map_regs(struct vnic_grant *g)
{
	const struct pci_bar *bar = &g->dev->fn->bar[IGB_VF_BAR_REGS];
	if (!bar->base || !bar->size || (bar->base | bar->size) & (PAGE_SIZE - 1))
		return -SIETCH_EIO;
	uint64_t va;
	if (!vnic_place(g->owner, bar->size, &va))
		return -SIETCH_ENOMEM;
	/* Uncached, and VM_SHARED so that unmap and exit never hand MMIO pages to the frame allocator. */
	long err = vm_map(&g->owner->space, va, bar->base, bar->size, VM_USER | VM_WRITE | VM_NOCACHE | VM_SHARED);
	if (!err)
		g->regs_va = va;
	return err;
}

long vnic_map(struct object *grant, struct proc *caller, struct sietch_vnic_info *out)
{
	struct vnic_grant *g = grant_of(grant);
	struct vnic_device *dev = g->dev;
	long err = vnic_usable_by(g, caller);
	if (err)
		return err;
	spin_lock(&g->lock);
	err = g->regs_va ? 0 : vnic_map_regs(g);
	uint64_t regs = g->regs_va;
	spin_unlock(&g->lock);
	if (err)
		return err;
	struct igb_vf_state *v = &dev->pf->vf[dev->vf];
	*out = (struct sietch_vnic_info){
		.vf = dev->vf,
		.flags = igb_pf_link_up(dev->pf) ? SIETCH_VNIC_LINK_UP : 0,
		.msix_vectors = dev->fn->has_msix ? dev->fn->msix.table_size : 0,
		.regs = regs,
		.regs_size = dev->fn->bar[IGB_VF_BAR_REGS].size,
		.rx_queues = 1,
		.tx_queues = 1,
		.pf_rx_queue = (uint16_t)dev->vf,
		.pf_tx_queue = (uint16_t)dev->vf,
		.tx_rate_mbps = v->tx_rate_mbps,
		.max_frame = IGB_RLPML_MAX - IGB_VLAN_HEADER,
		.segment = dev->fn->segment,
		.bus = (uint8_t)PCI_RID_BUS(dev->fn->rid),
		.devfn = (uint8_t)(dev->fn->rid & 0xff),
	};
	memcpy(out->mac, v->mac, sizeof(out->mac));
	return 0;
}

/* A fresh vector for the VF's MSI-X entry, raising notify's bits; on failure nothing stays. */
static long vnic_irq_bind(struct vnic_grant *g, unsigned vector, struct notify *notify, uint64_t bits)
{
	struct vnic_device *dev = g->dev;
	struct interrupt *irq = &g->irq[vector];
	long err = interrupt_msi_alloc(irq, cpus[0].apic_id, 0, 0);
	if (err)
		return err;
	interrupt_msi_set_requester(irq, dev->fn->rid);
	struct msi_message msg = interrupt_msi_message(irq);
	err = pci_msix_set(dev->fn, vector, msg.address, msg.data);
	if (!err)
		err = notify_bind_interrupt(notify, irq, bits);
	if (err) {
		interrupt_free(irq);
		*irq = (struct interrupt){ 0 };
	}
	return err;
}

long vnic_bind_irq(struct object *grant, struct proc *caller, unsigned vector, struct notify *notify, uint64_t bits)
{
	struct vnic_grant *g = grant_of(grant);
	struct vnic_device *dev = g->dev;
	long err = vnic_usable_by(g, caller);
	if (err)
		return err;
	unsigned vectors = dev->fn->has_msix ? dev->fn->msix.table_size : 0;
	if (vector >= vectors || vector >= VNIC_MSIX_MAX || (notify && !bits))
		return -SIETCH_EINVAL;
	/* One binding change at a time per grant; another thread of the owner gets EBUSY meanwhile. */
	if (__atomic_exchange_n(&g->binding, true, __ATOMIC_ACQUIRE))
		return -SIETCH_EBUSY;
	vnic_irq_release(g, vector); /* rebinding or unbinding: the old binding goes first */
	err = notify ? vnic_irq_bind(g, vector, notify, bits) : 0;
	__atomic_store_n(&g->binding, false, __ATOMIC_RELEASE);
	return err;
}

long vnic_pool(unsigned vf, struct sietch_vnic_pool *out)
{
	struct igb_pf *pf = vnic_pf;
	if (!pf || vf >= pf->num_vfs)
		return -SIETCH_ENOENT;
	spin_lock(&pf->lock);
	igb_vf_pool_state(pf, vf, out);
	spin_unlock(&pf->lock);
	if (low_page_canary_whole())
		out->flags |= SIETCH_VNIC_POOL_LOW_PAGE_OK;
	return 0;
}

long vnic_rate_limit(struct proc *proc, uint32_t mbps)
{
	if (mbps == 0 || mbps > IGB_LINK_MAX_MBPS)
		return -SIETCH_EINVAL;
	spin_lock(&proc->lock);
	long err = proc->vnic_rate_mbps && mbps > proc->vnic_rate_mbps ? -SIETCH_EPERM : 0;
	if (!err)
		__atomic_store_n(&proc->vnic_rate_mbps, mbps, __ATOMIC_RELAXED);
	spin_unlock(&proc->lock);
	return err;
}

long vnic_set_rate(struct object *grant, struct proc *caller, uint32_t mbps)
{
	struct vnic_grant *g = grant_of(grant);
	struct igb_pf *pf = g->dev->pf;
	if (caller != g->owner)
		return -SIETCH_EPERM;
	if (mbps == 0 || mbps > IGB_LINK_MAX_MBPS)
		return -SIETCH_EINVAL;
	spin_lock(&pf->lock);
	struct igb_vf_state *v = &pf->vf[g->dev->vf];
	long err = v->tx_rate_mbps && mbps > v->tx_rate_mbps ? -SIETCH_EPERM : 0; /* a limit only tightens */
	if (!err) {
		v->tx_rate_mbps = mbps;
		if (v->enabled)
			igb_vf_set_rate(pf, g->dev->vf, mbps); /* otherwise the RESET handshake programs it */
	}
	spin_unlock(&pf->lock);
	return err;
}
