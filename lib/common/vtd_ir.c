/* VT-d interrupt remapping encoders; the layouts are in vtd_ir.h. */
#include "lib/common/vtd_ir.h"

#define MSI_ADDRESS_BASE 0xfee00000u /* §5.1.5.2: bits 31:20 are 0xFEE as in every MSI */
#define MSI_REMAP_FORMAT (1u << 4)   /* bit 4: remappable format */
#define MSI_HANDLE_LOW_SHIFT 5	     /* handle 14:0 in address bits 19:5 */
#define MSI_HANDLE_15_SHIFT 2	     /* handle bit 15 in address bit 2 */
#define IOAPIC_HANDLE_LOW_SHIFT 49   /* §5.1.5.1: handle 14:0 in bits 63:49 */
#define IOAPIC_REMAP_FORMAT (1ull << 48)
#define IOAPIC_HANDLE_15_SHIFT 11

struct vtd_irte vtd_irte_remapped(uint8_t vector, uint32_t apic_id, bool x2apic, bool level, uint16_t sid)
{
	/* DM 0 physical, RH 0, DLM 000 fixed, IM 0: delivered exactly as written here. */
	uint64_t dest = x2apic ? (uint64_t)apic_id << VTD_IRTE_DEST_SHIFT : (uint64_t)(apic_id & 0xff) << VTD_IRTE_XAPIC_DEST_SHIFT;
	return (struct vtd_irte){
		.lo = VTD_IRTE_P | (level ? VTD_IRTE_TM_LEVEL : 0) | (uint64_t)vector << VTD_IRTE_VECTOR_SHIFT | dest,
		.hi = VTD_IRTE_SVT_SID | sid,
	};
}

uint64_t vtd_msi_remap_address(uint16_t handle)
{
	return MSI_ADDRESS_BASE | (uint32_t)(handle & 0x7fff) << MSI_HANDLE_LOW_SHIFT | MSI_REMAP_FORMAT |
	       (uint32_t)(handle >> 15) << MSI_HANDLE_15_SHIFT;
}

uint32_t vtd_msi_remap_data(void) { return 0; }

uint64_t vtd_ioapic_rte_remap(uint16_t handle, uint8_t vector, bool level, bool active_low, bool masked)
{
	/* The vector and trigger mode repeat the IRTE's: the I/O APIC uses them for its EOI (§5.1.5.1). */
	return (uint64_t)(handle & 0x7fff) << IOAPIC_HANDLE_LOW_SHIFT | IOAPIC_REMAP_FORMAT |
	       (masked ? VTD_IOAPIC_RTE_MASKED : 0) | (level ? VTD_IOAPIC_RTE_LEVEL : 0) |
	       (active_low ? VTD_IOAPIC_RTE_ACTIVE_LOW : 0) | (uint64_t)(handle >> 15) << IOAPIC_HANDLE_15_SHIFT |
	       vector;
}

uint64_t vtd_irta(uint64_t table_phys, bool x2apic)
{
	return (table_phys & ~0xfffull) | (x2apic ? VTD_IRTA_EIME : 0) | VTD_IR_SIZE_FIELD;
}

/* §6.5.2.7: G (bit 4) index-selective, interrupt index 47:32. */
struct vtd_inv_desc vtd_inv_iec_index(uint16_t handle)
{
	return (struct vtd_inv_desc){ .lo = VTD_INV_IEC | VTD_INV_IEC_INDEX | (uint64_t)handle << 32 };
}
