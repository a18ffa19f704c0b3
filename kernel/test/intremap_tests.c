/*
 * Interrupt remapping against a real requester (tools/run --iommu --net):
 * the igb PF's MSI-X entry 0 is programmed with the kernel's message, then
 * with forged ones, and raised each time through EICS (82576 §8.8.11). The
 * genuine one arrives; one naming an entry that is not present, one beyond
 * the table and one naming another requester's entry are refused by the
 * IOMMU (VT-d §5.1.4 reasons 0x22, 0x21, 0x26: the console shows each), and
 * the vector behind that entry is not raised.
 */
#include "drivers/igb/regs.h"
#include "kernel/arch/interrupt.h"
#include "kernel/arch/percpu.h"
#include "kernel/console.h"
#include "kernel/iommu/iommu.h"
#include "kernel/pci/pci.h"
#include "kernel/test/ktest.h"
#include "lib/common/mmio.h"
#include "lib/common/vtd_ir.h"

#define WAIT_US 2000000	     /* a fault or an MSI takes microseconds; TCG under load, far less than this */
#define OTHER_REQUESTER 0xf8 /* 00:1f.0, the q35 LPC bridge: a function that is not the PF */
#define HANDLE_BEYOND 0x7fff /* past the 256-entry table */

struct fault_wait {
	uint64_t before;
};

static int fault_seen(void *arg) { return iommu_fault_count() > ((struct fault_wait *)arg)->before; }
static void arrived(struct interrupt *irq, void *context)
{
	(void)irq;
	(void)context;
}

static int delivered(void *arg) { return ((struct interrupt *)arg)->count > 0; }

/* Entry 0 of the PF's MSI-X table sends (address, data) once. */
static void send_entry0(struct pci_function *pf, volatile void *regs, uint64_t address, uint32_t data)
{
	pci_msix_set(pf, 0, address, data);
	mmio_write32(mmio_at(regs, IGB_EICR), 1); /* write 1 to clear: the next EICS is a new cause */
	mmio_write32(mmio_at(regs, IGB_EICS), 1);
}

/* Sends a forged message: 0 if the IOMMU logged a fault and victim did not arrive. */
static int forged_refused(struct pci_function *pf, volatile void *regs, uint64_t address, uint32_t data,
			  struct interrupt *victim)
{
	struct fault_wait w = { iommu_fault_count() };
	send_entry0(pf, regs, address, data);
	if (mmio_poll(fault_seen, &w, WAIT_US))
		return -1;
	return victim->count == 0 ? 0 : -2;
}

/*
 * A compatibility-format message straight at victim's vector: hardware refuses it while
 * GCMD.CFI is clear (reason 0x25), QEMU 10 does not implement CFI and delivers it. Reported,
 * not checked, so the log shows which of the two this machine does.
 */
static void compat_report(struct pci_function *pf, volatile void *regs, struct interrupt *victim)
{
	struct fault_wait w = { iommu_fault_count() };
	uint64_t address = 0xfee00000ull | (uint64_t)(victim->apic_id & 0xff) << 12; /* SDM vol.3 §11.11.1 */
	send_entry0(pf, regs, address, victim->vector);
	bool refused = !mmio_poll(fault_seen, &w, WAIT_US / 4);
	kprintf("intremap-test: a compatibility-format message for vector 0x%x was %s\n", victim->vector,
		refused ? "refused" : victim->count ? "delivered (this IOMMU does not block compatibility format)" :
						      "neither refused nor delivered");
}

KTEST(intremap_forged_msi_refused)
{
	struct pci_function *pf = pci_find(IGB_VENDOR_ID, IGB_PF_DEVICE_ID, 0);
	if (!pf || !interrupt_remapping()) {
		kprintf("intremap-test: %s; nothing to check\n", pf ? "interrupts not remapped" : "no igb");
		return 0;
	}
	volatile void *regs = pci_bar_map(pf, 0);
	KTEST_EXPECT(regs, "cannot map the PF's registers");
	pci_write16(pf->cfg, pf->rid, PCI_COMMAND, pci_read16(pf->cfg, pf->rid, PCI_COMMAND) | PCI_COMMAND_MASTER);
	mmio_write32(mmio_at(regs, IGB_GPIE), IGB_GPIE_MSIX_MODE | IGB_GPIE_PBA);
	mmio_write32(mmio_at(regs, IGB_EIMS), 1);

	struct interrupt genuine, victim;
	/* A function to call: only deliveries that reach one are counted. */
	KTEST_EXPECT(!interrupt_msi_alloc(&genuine, cpus[0].apic_id, arrived, 0), "no vector");
	KTEST_EXPECT(!interrupt_msi_alloc(&victim, cpus[0].apic_id, arrived, 0), "no vector");
	interrupt_msi_set_requester(&genuine, pf->rid);
	interrupt_msi_set_requester(&victim, OTHER_REQUESTER);
	struct msi_message good = interrupt_msi_message(&genuine), other = interrupt_msi_message(&victim);
	KTEST_EXPECT(good.address == vtd_msi_remap_address(genuine.handle), "message 0x%lx not in remappable format",
		     good.address);

	send_entry0(pf, regs, good.address, good.data);
	int err = mmio_poll(delivered, &genuine, WAIT_US);
	KTEST_EXPECT(!err, "the genuine MSI (handle %u, vector 0x%x) never arrived", genuine.handle, genuine.vector);

	err = forged_refused(pf, regs, vtd_msi_remap_address(0), 0, &victim);
	KTEST_EXPECT(!err, "a message naming an empty entry was not refused (%d)", err);
	err = forged_refused(pf, regs, vtd_msi_remap_address(HANDLE_BEYOND), 0, &victim);
	KTEST_EXPECT(!err, "a message beyond the table was not refused (%d)", err);
	err = forged_refused(pf, regs, other.address, other.data, &victim);
	KTEST_EXPECT(!err, "a message naming another requester's entry (handle %u) was not refused (%d)",
		     victim.handle, err);
	KTEST_EXPECT(genuine.count == 1, "the genuine vector arrived %lu times", genuine.count);
	compat_report(pf, regs, &victim);

	pci_msix_mask(pf, 0, true);
	interrupt_free(&genuine);
	interrupt_free(&victim);
	return 0;
}
