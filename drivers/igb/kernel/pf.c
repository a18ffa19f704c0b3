/*
 * The kernel glue of the igb PF (pf.h): find the 82576, turn on its SR-IOV
 * VFs (igb.vfs=N, default 4), bring the PF up (pf_hw.c), take its MSI-X
 * "other causes" vector for link changes and the VFs' mailbox, and publish
 * the VFs as /dev/net/vnicN (vnic.c).
 *
 * Boot words: igb.vfs=N (0-8), igb.rate=MBPS (the transmit limit every VNIC
 * grant starts with, 0 for none; a grant may lower its own, vnic.h), igb.antispoof=0 (MAC anti-spoofing off; on by default). QEMU
 * enforces neither the rate nor anti-spoofing: they are programmed as the
 * datasheet says and untested here.
 */
#include "drivers/igb/kernel/pf.h"
#include "drivers/igb/kernel/vnic.h"
#include "drivers/igb/kernel/igb.h"
#include "kernel/arch/percpu.h"
#include "kernel/arch/timer.h"
#include "kernel/console.h"
#include "kernel/pci/pci.h"
#include "lib/common/cmdline.h"
#include "lib/common/mmio.h"

#define MISC_VECTOR 0 /* MSI-X entry 0: with 8 VFs the PF keeps only cause 0 (QEMU igb_msix_notify) */

static struct igb_pf the_pf;

static uint32_t mmio_reg_read(struct igb_hw *hw, uint32_t reg) { return mmio_read32(hw->regs + reg); }
static void mmio_reg_write(struct igb_hw *hw, uint32_t reg, uint32_t value) { mmio_write32(hw->regs + reg, value); }

static unsigned cmdline_number(const char *cmdline, const char *key, unsigned fallback, unsigned max)
{
	char text[16];
	if (!cmdline_get(cmdline, key, text, sizeof(text)))
		return fallback;
	unsigned value = 0;
	for (const char *c = text; *c; c++) {
		if (*c < '0' || *c > '9' || value > max) {
			kprintf("igb: %s=%s is not a number up to %u; using %u\n", key, text, max, fallback);
			return fallback;
		}
		value = value * 10 + (unsigned)(*c - '0');
	}
	return value <= max ? value : max;
}

/* Link changes and VF mailbox events, both ICR "other" causes on MSI-X entry 0. */
static void igb_irq(struct interrupt *irq, void *context)
{
	(void)irq;
	struct igb_pf *pf = context;
	spin_lock(&pf->lock);
	pf->interrupts++;
	uint32_t icr = igb_rd(&pf->hw, IGB_ICR);
	igb_wr(&pf->hw, IGB_ICR, icr); /* cleared before servicing: an event after this raises a new interrupt */
	if (icr & IGB_ICR_LSC)
		igb_pf_link_up(pf); /* refreshes the speed the rate limits are computed from */
	igb_mbx_service(pf);
	spin_unlock(&pf->lock);
}

/*
 * 82576 §7.3 "Interrupts" in MSI-X mode: GPIE.MSIX_MODE, the "other" causes
 * (ICR) routed by IVAR_MISC to entry 0, EICR bit 0 auto-cleared (EIAC) and
 * unmasked (EIMS), and in IMS the two causes the PF cares about.
 */
static bool igb_irq_setup(struct igb_pf *pf)
{
	if (interrupt_msi_alloc(&pf->irq, cpus[0].apic_id, igb_irq, pf))
		return false;
	interrupt_msi_set_requester(&pf->irq, pf->pci->rid);
	struct msi_message msg = interrupt_msi_message(&pf->irq);
	if (pci_msix_set(pf->pci, MISC_VECTOR, msg.address, msg.data)) {
		interrupt_free(&pf->irq);
		return false;
	}
	struct igb_hw *hw = &pf->hw;
	spin_lock(&pf->lock);
	igb_wr(hw, IGB_GPIE, IGB_GPIE_MSIX_MODE | IGB_GPIE_PBA);
	igb_wr(hw, IGB_IVAR_MISC, (MISC_VECTOR | IGB_IVAR_VALID) << IGB_IVAR_MISC_OTHER_SHIFT);
	igb_wr(hw, IGB_EIAC, 1u << MISC_VECTOR);
	igb_wr(hw, IGB_EIMS, 1u << MISC_VECTOR);
	igb_wr(hw, IGB_IMS, IGB_ICR_LSC | IGB_ICR_VMMB);
	igb_mbx_service(pf); /* anything that arrived before the vector was there */
	spin_unlock(&pf->lock);
	return true;
}

/* SR-IOV first, as Linux's igb does at probe: VF Enable resets every VF, which the PF then sets up. */
static unsigned igb_sriov(struct pci_function *f, unsigned want)
{
	if (!f->sriov.cap || want == 0)
		return 0;
	if (f->sriov.num_vfs)
		return f->sriov.num_vfs; /* pci.sriov= turned them on already */
	if (want > f->sriov.total_vfs)
		want = f->sriov.total_vfs;
	int err = pci_sriov_enable(f, (uint16_t)want);
	if (err) {
		kprintf("igb: SR-IOV with %u VFs failed (error %d); no VNICs\n", want, -err);
		return 0;
	}
	return f->sriov.num_vfs;
}

void igb_init(const char *cmdline)
{
	struct pci_function *f = pci_find(IGB_VENDOR_ID, IGB_PF_DEVICE_ID, 0);
	char tests[8];
	if (!f)
		return;
	if (cmdline_get(cmdline, "test", tests, sizeof(tests))) {
		/* kernel/test's PCI self-tests reset the PF and turn its VFs on themselves */
		kprintf("igb: kernel self-tests run (test=); the driver leaves the NIC to them\n");
		return;
	}
	struct igb_pf *pf = &the_pf;
	pf->pci = f;
	pf->lock = (struct spinlock)SPINLOCK_INIT("igb_pf");
	pci_enable_memory_and_master(f); /* receive for every pool needs the PF's bus mastering */
	pf->hw = (struct igb_hw){ .read = mmio_reg_read, .write = mmio_reg_write, .delay_us = timer_delay_us };
	pf->hw.regs = (volatile uint8_t *)pci_bar_map(f, IGB_PF_BAR_REGS);
	if (!pf->hw.regs) {
		kprintf("igb: BAR0 cannot be mapped; the NIC stays off\n");
		return;
	}
	unsigned vfs = igb_sriov(f, cmdline_number(cmdline, "igb.vfs", IGB_DEFAULT_VFS, IGB_MAX_VFS));
	pf->default_rate_mbps = cmdline_number(cmdline, "igb.rate", 0, IGB_LINK_MAX_MBPS);
	pf->anti_spoof = cmdline_number(cmdline, "igb.antispoof", 1, 1) != 0;
	int err = igb_pf_hw_init(pf, vfs);
	if (err) {
		kprintf("igb: bring-up failed (error %d); the NIC stays off\n", -err);
		return;
	}
	pf->irq_ready = igb_irq_setup(pf);
	const uint8_t *m = pf->mac;
	kprintf("igb: %02x:%02x.%u PF up, MAC %02x:%02x:%02x:%02x:%02x:%02x, %u VFs, mailbox %s\n",
		PCI_RID_BUS(f->rid), PCI_RID_DEV(f->rid), PCI_RID_FN(f->rid), m[0], m[1], m[2], m[3], m[4], m[5], vfs,
		pf->irq_ready ? "on MSI-X" : "NOT SERVICED (no MSI-X vector)");
	vnic_init(pf);
}
