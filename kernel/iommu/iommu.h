/*
 * DMA remapping with Intel VT-d: what keeps a device a process drives from
 * reading or writing memory that is not its owner's (docs/architecture.md,
 * "IOMMU").
 *
 * At boot iommu_init reads the DMAR table, gives every PCI function it found
 * the kernel domain (pass-through: the kernel's own devices, the igb PF and
 * the NVMe controller, DMA as before) and turns translation on. A function
 * that appears later (an SR-IOV VF) has no context entry, so its DMA is
 * blocked until a grant attaches it.
 *
 * A device grant (a VNIC, a storage area) calls iommu_owner_attach when it is
 * opened: its dma_owner gets a domain of its own, the function is moved into
 * it, and from then on dma_alloc maps each region there at an I/O virtual
 * address, which is the bus_address the owner programs. When the grant goes,
 * the device is reset, iommu_owner_detach moves it to the blocking domain
 * (empty tables), and dma_owner_release unmaps every IOVA, invalidates the
 * IOTLB and frees the domain before the frames go back to the allocator.
 *
 * Every DMA the IOMMU blocks is counted on the owning process (its
 * counters' dma_faults) and logged on the console (requester, address,
 * direction, reason): an owner's first 32, then every 1024th, so a device
 * told to fault in a loop cannot flood the console. The first one also has the
 * granting driver stop the function (iommu_owner_on_fault): reset by a kernel
 * thread, the grant refusing its owner's further calls, everything else going on.
 *
 * Interrupts are remapped too (intremap.c, unless intremap=off): every MSI
 * the kernel programs and every I/O APIC line name an entry of the kernel's
 * remapping table that only their own requester may use, so a device a
 * process drives cannot raise a vector the kernel did not give it.
 *
 * Without a DMAR table (the default machine) or with iommu=off on the
 * command line, every call here does nothing and returns success: devices
 * are programmed with physical addresses and user-driven DMA is not isolated,
 * which the boot log says once.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct acpi_sdt_header;
struct dma_owner;
struct pci_function;
struct proc;

/* Sets up every remapping unit the DMAR table lists (dmar may be NULL) unless cmdline says iommu=off. */
void iommu_init(const struct acpi_sdt_header *dmar, const char *cmdline);

/* Whether DMA is being remapped. */
bool iommu_enabled(void);
/* "vt-d" or "off (DMA not isolated)", for the boot log and ifconfig-like tools. */
const char *iommu_mode(void);

/*
 * f is driven by the kernel when no grant holds it (an NVMe VF whose admin
 * queue the kernel uses): its DMA passes untranslated now and again after
 * each owner; by default a function found after boot (a VF) is blocked.
 */
long iommu_device_kernel(struct pci_function *f);

/*
 * Gives owner a domain of its own without moving any function into it yet,
 * so dma_alloc already returns IOVAs: a driver that must still use the
 * function itself (creating a VF's I/O queues through its admin queue in
 * kernel memory) does that, then calls iommu_owner_attach.
 */
long iommu_owner_prepare(struct dma_owner *owner, struct proc *proc);

/*
 * Gives owner a domain of its own (if it has none) and moves f into it; the
 * process is who blocked DMA is counted on. 0 (also without an IOMMU, or for
 * a function no unit translates); -SIETCH_ENOMEM; -SIETCH_EBUSY for a
 * function an RMRR names (firmware keeps using memory through it).
 */
long iommu_owner_attach(struct dma_owner *owner, struct pci_function *f, struct proc *proc);

/* Moves f back home (the blocking domain, or the kernel's for iommu_device_kernel):
 * call after resetting it, before dma_owner_release. */
void iommu_owner_detach(struct dma_owner *owner, struct pci_function *f);

/*
 * What a driver does when the IOMMU blocks a DMA of a function it granted: stop
 * the function (reset it) and refuse the owner's further calls on the grant.
 */
struct iommu_fault_hook {
	/* Once per grant, from a kernel thread (not the fault interrupt): it may wait on the device
	 * by polling, but must not sleep (the grant's release polls until it has returned). */
	void (*stop)(struct iommu_fault_hook *hook);
};

/* After iommu_owner_attach: the first DMA of owner's domain the IOMMU blocks has hook->stop called. */
void iommu_owner_on_fault(struct dma_owner *owner, struct iommu_fault_hook *hook);

/* First thing when the grant goes: once this returns, no hook->stop runs or starts. */
void iommu_owner_fault_hook_clear(struct dma_owner *owner);

/* For lspci: 0 if f's DMA is not remapped (no IOMMU, or no unit covers it), else
 * SIETCH_PCI_DMA_KERNEL, SIETCH_PCI_DMA_BLOCKED or the ID of the owner's domain. */
uint16_t iommu_domain_of(const struct pci_function *f);

/* DMA the IOMMU blocked since boot, all devices. */
uint64_t iommu_fault_count(void);
