/*
 * Interrupt remapping (VT-d spec rev 4.1 chapter 5): one table of 256
 * entries that every unit points at, handed out to the interrupt code
 * (kernel/arch/interrupt.h, struct interrupt_remapper). Each MSI the kernel
 * programs and each I/O APIC line names its own entry, which holds the
 * vector, the CPU and the one requester ID allowed to use it; a device
 * owner who makes its function write another address/data pair can only
 * name an entry that is not its own (source-ID fault), not present, or
 * beyond the table, and compatibility-format requests are blocked
 * (GCMD.CFI clear, §5.1.4). Every such request is logged as a fault.
 */
#include "kernel/arch/lapic.h"
#include "kernel/arch/platform.h"
#include "kernel/console.h"
#include "kernel/iommu/iommu_internal.h"
#include "kernel/mm/frame.h"
#include "lib/common/cmdline.h"
#include "lib/common/mmio.h"
#include "lib/common/string.h"
#include "lib/common/syscall.h"
#include "lib/common/vtd_ir.h"

#define CFI_WAIT_US 1000 /* QEMU does not implement CFI and never reports it: do not wait longer */

static struct {
	struct vtd_irte *table;
	uint64_t table_phys;
	bool x2apic; /* 32-bit destinations (IRTA.EIME) */
	struct spinlock lock;
	uint64_t used[VTD_IR_ENTRIES / 64];
} ir = { .lock = SPINLOCK_INIT("intremap") };

static int ir_alloc(void)
{
	spin_lock(&ir.lock);
	int handle = -SIETCH_ENOSPC;
	for (int h = 1; h < VTD_IR_ENTRIES; h++) /* handle 0 stays empty: a zeroed or guessed handle finds nothing */
		if (!(ir.used[h / 64] & 1ull << (h % 64))) {
			ir.used[h / 64] |= 1ull << (h % 64);
			handle = h;
			break;
		}
	spin_unlock(&ir.lock);
	return handle;
}

/* §6.5.2.7: the unit may cache entries; a changed one is invalidated before it is relied on. */
static void ir_store(uint16_t handle, struct vtd_irte e)
{
	volatile struct vtd_irte *slot = &ir.table[handle];
	/* An entry the unit may be reading changes in one 64-bit store of the word with P, vector and
	 * destination; the source ID word only changes while P is clear (a freed entry reused). */
	if (!(slot->lo & VTD_IRTE_P) || !(e.lo & VTD_IRTE_P)) {
		slot->lo = 0;
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		slot->hi = e.hi;
	}
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	slot->lo = e.lo;
	iommu_flush_cache((const void *)slot, sizeof(*slot));
	struct vtd_inv_desc inv = vtd_inv_iec_index(handle);
	iommu_invalidate_all_units(&inv, 1);
}

static void ir_free(uint16_t handle)
{
	ir_store(handle, (struct vtd_irte){ 0 });
	spin_lock(&ir.lock);
	ir.used[handle / 64] &= ~(1ull << (handle % 64));
	spin_unlock(&ir.lock);
}

static void ir_set(uint16_t handle, uint8_t vector, uint32_t apic_id, bool level, int32_t sid)
{
	struct vtd_irte e = vtd_irte_remapped(vector, apic_id, ir.x2apic, level, (uint16_t)(sid < 0 ? 0 : sid));
	if (sid < 0)
		e.hi = 0; /* SVT 0: the firmware did not say who sends it */
	ir_store(handle, e);
}

/* The DMAR's I/O APIC scope with this id (§8.3.1.3): on the bus it names, the last step's devfn. */
static int32_t ir_ioapic_source(uint32_t ioapic_id)
{
	for (uint32_t i = 0; i < iommu.dmar.scope_count; i++) {
		const struct dmar_scope *s = &iommu.dmar.scope[i];
		if (s->type == DMAR_SCOPE_IOAPIC && s->enumeration_id == ioapic_id && s->path_len == 1)
			return (int32_t)(s->start_bus << 8 | s->path[0]);
	}
	return -1;
}

static const struct interrupt_remapper ir_ops = {
	.alloc = ir_alloc,
	.free = ir_free,
	.set = ir_set,
	.ioapic_source = ir_ioapic_source,
};

/* §11.4.4: one command bit at a time, keeping the persistent ones. */
static int ir_command(struct vtd_unit *unit, uint32_t bit, bool on, unsigned timeout_us)
{
	uint32_t status = mmio_read32(unit->regs + VTD_GSTS) & ~VTD_GSTS_ONE_SHOT;
	mmio_write32(unit->regs + VTD_GCMD, on ? status | bit : status & ~bit);
	return mmio_wait32(unit->regs + VTD_GSTS, bit, on ? bit : 0, timeout_us);
}

static int ir_enable_error;

/* Called between writing the I/O APIC lines' entries and rewriting the lines themselves. */
static void ir_enable_units(void)
{
	for (unsigned i = 0; i < iommu.unit_count; i++) {
		struct vtd_unit *unit = &iommu.unit[i];
		/* Compatibility format passes until the lines are rewritten, so none is lost meanwhile. */
		(void)ir_command(unit, VTD_GCMD_CFI, true, CFI_WAIT_US);
		int err = ir_command(unit, VTD_GCMD_IRE, true, 100000);
		if (err)
			ir_enable_error = err;
	}
}

static bool ir_start_units(void)
{
	for (unsigned i = 0; i < iommu.unit_count; i++) {
		struct vtd_unit *unit = &iommu.unit[i];
		if (mmio_read32(unit->regs + VTD_GSTS) & VTD_GCMD_IRE)
			(void)ir_command(unit, VTD_GCMD_IRE, false, 100000); /* left on by firmware: start from a known state */
		/* §11.4.19, §6.5.2.7: the table pointer is latched by SIRTP; nothing cached before is kept. */
		mmio_write64(unit->regs + VTD_IRTA, vtd_irta(ir.table_phys, ir.x2apic));
		struct vtd_inv_desc inv = vtd_inv_iec_global();
		if (ir_command(unit, VTD_GCMD_SIRTP, true, 100000) || vtd_unit_invalidate(unit, &inv, 1))
			return false;
	}
	return true;
}

/* Why remapping cannot run, or NULL. */
static const char *ir_unusable(const char *cmdline)
{
	char value[8];
	if (cmdline_get(cmdline, "intremap", value, sizeof(value)) && !strcmp(value, "off"))
		return "intremap=off";
	uint32_t widest = 0;
	for (uint32_t i = 0; i < platform.madt.cpu_count && i < ACPI_MAX_CPUS; i++)
		widest = platform.madt.apic_id[i] > widest ? platform.madt.apic_id[i] : widest;
	for (unsigned i = 0; i < iommu.unit_count; i++) {
		if (!(iommu.unit[i].ecap & VTD_ECAP_IR))
			return "a VT-d unit cannot remap interrupts";
		/* §9.10: without EIM an entry's destination is 8 bits */
		if (widest > 0xff && !(iommu.unit[i].ecap & VTD_ECAP_EIM))
			return "APIC IDs above 255 need extended interrupt mode, which the unit lacks";
	}
	return 0;
}

static const char *ir_init(const char *cmdline)
{
	const char *why = ir_unusable(cmdline);
	if (why)
		return why;
	ir.table_phys = frame_alloc();
	if (ir.table_phys == FRAME_NONE)
		return "no memory for the table";
	ir.table = phys_to_virt(ir.table_phys);
	memset(ir.table, 0, PAGE_SIZE);
	iommu_flush_cache(ir.table, PAGE_SIZE);
	ir.x2apic = lapic_x2apic();
	for (unsigned i = 0; i < iommu.unit_count; i++)
		ir.x2apic &= (iommu.unit[i].ecap & VTD_ECAP_EIM) != 0;
	if (!ir_start_units())
		return "the unit did not take the table";
	if (interrupt_remap_install(&ir_ops, ir_enable_units) || ir_enable_error)
		return "remapping could not be turned on";
	/* Every source now sends remappable format: from here compatibility format is blocked. */
	for (unsigned i = 0; i < iommu.unit_count; i++)
		if (ir_command(&iommu.unit[i], VTD_GCMD_CFI, false, 100000))
			return "compatibility format could not be blocked";
	return 0;
}

void iommu_interrupts_init(const char *cmdline)
{
	const char *apic = lapic_x2apic() ? "x2APIC" : "xAPIC";
	char value[8];
	bool off = cmdline_get(cmdline, "iommu", value, sizeof(value)) && !strcmp(value, "off");
	const char *why = iommu.enabled ? ir_init(cmdline) : off ? "iommu=off" :
								   "no IOMMU";
	if (why)
		kprintf("interrupts: %s, not remapped (%s): a device a process drives can send any vector\n", apic, why);
	else
		kprintf("interrupts: %s, remapped by VT-d (%s destinations, compatibility format blocked)\n", apic,
			ir.x2apic ? "32-bit" : "8-bit");
}
