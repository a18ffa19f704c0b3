/*
 * Bringing up VT-d from the DMAR table, and the policy: which domain each
 * PCI function is in (iommu.h has the rules).
 */
#include "kernel/iommu/iommu.h"
#include "kernel/console.h"
#include "kernel/iommu/iommu_internal.h"
#include "kernel/mm/dma.h"
#include "kernel/pci/pci.h"
#include "lib/common/cmdline.h"
#include "lib/common/string.h"

struct iommu_state iommu = { .lock = SPINLOCK_INIT("iommu") };

#define DID_KERNEL SIETCH_PCI_DMA_KERNEL
#define DID_BLOCKING SIETCH_PCI_DMA_BLOCKED

bool iommu_enabled(void)
{
	return iommu.enabled;
}

const char *iommu_mode(void) { return iommu.enabled ? "vt-d" : "off (DMA not isolated)"; }

/* dmar_bridge_fn over the kernel's PCI table. */
static bool iommu_pci_bridge(void *ctx, uint16_t segment, uint8_t bus, uint8_t devfn, uint8_t *secondary,
			     uint8_t *subordinate)
{
	(void)ctx;
	for (size_t i = 0; i < pci_function_count(); i++) {
		const struct pci_function *f = pci_function_at(i);
		if (f->segment == segment && f->rid == (uint16_t)(bus << 8 | devfn) && f->secondary) {
			*secondary = f->secondary;
			*subordinate = f->subordinate;
			return true;
		}
	}
	return false;
}

/* Whether a unit translates f's DMA (its DRHD scope covers it). */
static bool iommu_covers(const struct pci_function *f)
{
	return dmar_unit_for(&iommu.dmar, f->segment, f->rid, iommu_pci_bridge, NULL) >= 0;
}

/* Every unit must walk the same tables: the widest width all of them support. */
static unsigned iommu_common_width(void)
{
	unsigned sagaw = VTD_SAGAW_39 | VTD_SAGAW_48;
	for (unsigned i = 0; i < iommu.unit_count; i++)
		sagaw &= VTD_CAP_SAGAW(iommu.unit[i].cap);
	return vtd_pick_address_width((uint64_t)sagaw << 8);
}

static int iommu_start_units(void)
{
	int err = iommu_context_init();
	for (uint32_t i = 0; !err && i < iommu.dmar.unit_count; i++) {
		if (iommu.dmar.unit[i].segment != 0) {
			kprintf("iommu: unit at 0x%lx is for PCI segment %u, which Sietch does not use; ignored\n",
				iommu.dmar.unit[i].base, iommu.dmar.unit[i].segment);
			continue;
		}
		struct vtd_unit *unit = &iommu.unit[iommu.unit_count++];
		err = vtd_unit_start(unit, iommu.dmar.unit[i].base, iommu_root_phys());
		if (!err && !(unit->ecap & VTD_ECAP_PT))
			err = -SIETCH_EINVAL; /* the kernel domain is pass-through */
		if (err)
			kprintf("iommu: unit at 0x%lx: cannot start (%d)\n", iommu.dmar.unit[i].base, err);
	}
	return err;
}

/* Each function found at boot is the kernel's until a grant takes it; RMRR ranges need nothing more, pass-through covers them. */
static int iommu_adopt_boot_functions(void)
{
	spin_lock(&iommu.lock);
	int err = 0;
	for (size_t i = 0; i < pci_function_count() && !err; i++) {
		struct pci_function *f = pci_function_at(i);
		if (f->segment == 0 && iommu_covers(f))
			err = iommu_context_set_home(f->rid, true) ?: iommu_context_set(f->rid, &iommu.kernel_domain);
	}
	spin_unlock(&iommu.lock);
	return err;
}

static int iommu_bring_up(void)
{
	int err = iommu_start_units();
	if (err)
		return err;
	iommu.address_width = iommu_common_width();
	if (!iommu.address_width)
		return -SIETCH_EINVAL;
	iommu.coherent = true;
	iommu.domain_ids = 1u << 16;
	iommu.psi_max_order = 63;
	for (unsigned i = 0; i < iommu.unit_count; i++) {
		iommu.coherent &= (iommu.unit[i].ecap & VTD_ECAP_C) != 0;
		uint64_t cap = iommu.unit[i].cap;
		int mamv = (cap & VTD_CAP_PSI) ? (int)VTD_CAP_MAMV(cap) : -1;
		iommu.psi_max_order = mamv < iommu.psi_max_order ? mamv : iommu.psi_max_order;
		unsigned ids = 1u << (4 + 2 * VTD_CAP_ND(iommu.unit[i].cap)); /* §11.4.2 */
		iommu.domain_ids = ids < iommu.domain_ids ? ids : iommu.domain_ids;
	}
	err = iommu_domain_init(&iommu.blocking_domain, DID_BLOCKING);
	if (err)
		return err;
	iommu.kernel_domain = (struct iommu_domain){ .did = DID_KERNEL, .pass_through = true };
	err = iommu_adopt_boot_functions();
	for (unsigned i = 0; !err && i < iommu.unit_count; i++)
		err = vtd_unit_enable_translation(&iommu.unit[i]);
	return err;
}

static void iommu_dma_init(const struct acpi_sdt_header *dmar, const char *cmdline)
{
	char value[8];
	bool off = cmdline_get(cmdline, "iommu", value, sizeof(value)) && !strcmp(value, "off");
	if (dmar && !off && !dmar_parse(dmar, &iommu.dmar)) {
		kprintf("iommu: the DMAR table is malformed; not using it\n");
		dmar = NULL;
	}
	if (!dmar || off || iommu.dmar.unit_count == 0) {
		kprintf("iommu: %s: DMA of devices that processes drive is NOT isolated (they can reach any memory)\n",
			off ? "off (iommu=off)" : "no VT-d unit");
		return;
	}
	int err = iommu_bring_up();
	if (err) {
		kprintf("iommu: VT-d bring-up failed (%d): DMA of devices that processes drive is NOT isolated\n",
			err);
		return;
	}
	iommu.enabled = true;
	kprintf("iommu: vt-d, %u unit%s, %u-bit domains, %s, %u scopes, %u RMRR, IOTLB invalidated by %s: device DMA "
		"isolated\n",
		iommu.unit_count, iommu.unit_count == 1 ? "" : "s", iommu.address_width,
		iommu.coherent ? "coherent walks" : "table updates flushed from caches", iommu.dmar.scope_count,
		iommu.dmar.rmrr_count, iommu.psi_max_order >= 0 ? "page" : "domain");
}

void iommu_init(const struct acpi_sdt_header *dmar, const char *cmdline)
{
	iommu_dma_init(dmar, cmdline);
	iommu_interrupts_init(cmdline);
}

long iommu_device_kernel(struct pci_function *f)
{
	if (!iommu.enabled || f->segment != 0 || !iommu_covers(f))
		return 0;
	spin_lock(&iommu.lock);
	long err = iommu_context_set_home(f->rid, true);
	if (!err && iommu_context_domain(f->rid) != &iommu.kernel_domain)
		err = iommu_context_set(f->rid, &iommu.kernel_domain);
	spin_unlock(&iommu.lock);
	return err;
}

long iommu_owner_prepare(struct dma_owner *owner, struct proc *proc)
{
	if (!iommu.enabled || owner->bus)
		return 0;
	struct iommu_domain *domain = iommu_domain_create(proc);
	if (!domain)
		return -SIETCH_ENOMEM;
	dma_owner_set_bus(owner, &iommu_dma_bus_ops, domain);
	return 0;
}

/* Whether firmware keeps using memory through f (an RMRR names it, VT-d §8.4): such a device cannot be confined to an owner. */
static bool iommu_has_rmrr(const struct pci_function *f)
{
	for (uint32_t i = 0; i < iommu.dmar.rmrr_count; i++)
		if (iommu.dmar.rmrr[i].segment == f->segment &&
		    dmar_scopes_cover(&iommu.dmar, iommu.dmar.rmrr[i].scopes, f->segment, f->rid, iommu_pci_bridge,
				      NULL))
			return true;
	return false;
}

long iommu_owner_attach(struct dma_owner *owner, struct pci_function *f, struct proc *proc)
{
	if (!iommu.enabled || f->segment != 0 || !iommu_covers(f))
		return 0;
	if (iommu_has_rmrr(f)) {
		kprintf("iommu: %02x:%02x.%u has a firmware reserved memory region (RMRR): not handed to a process\n",
			f->rid >> 8, (f->rid >> 3) & 0x1f, f->rid & 7);
		return -SIETCH_EBUSY;
	}
	long err = iommu_owner_prepare(owner, proc);
	if (err)
		return err;
	spin_lock(&iommu.lock);
	err = iommu_context_set(f->rid, owner->bus);
	spin_unlock(&iommu.lock);
	if (!err)
		kprintf("iommu: %02x:%02x.%u in domain %u\n", f->rid >> 8, (f->rid >> 3) & 0x1f, f->rid & 7,
			((struct iommu_domain *)owner->bus)->did);
	return err;
}

void iommu_owner_detach(struct dma_owner *owner, struct pci_function *f)
{
	if (!iommu.enabled || !owner->bus || f->segment != 0 || !iommu_covers(f))
		return;
	spin_lock(&iommu.lock);
	iommu_context_set(f->rid, iommu_context_home(f->rid));
	spin_unlock(&iommu.lock);
}

uint16_t iommu_domain_of(const struct pci_function *f)
{
	if (!iommu.enabled || f->segment != 0 || !iommu_covers(f))
		return 0;
	spin_lock(&iommu.lock);
	struct iommu_domain *d = iommu_context_domain(f->rid);
	uint16_t did = d ? d->did : (uint16_t)SIETCH_PCI_DMA_BLOCKED; /* no context entry: blocked */
	spin_unlock(&iommu.lock);
	return did;
}
