/*
 * VT-d interrupt remapping (Intel VT-d spec rev 4.1 chapter 5 and §9.10):
 * the interrupt remapping table entry (IRTE), the remappable formats in
 * which an MSI address/data pair and an I/O APIC redirection entry name an
 * IRTE by its handle, and the registers that turn remapping on.
 *
 * Once remapping is on, an interrupt request names an entry the kernel
 * wrote, and the entry says which vector and CPU it goes to and which
 * requester may use it (source-ID verification): a device cannot pick its
 * own vector or borrow another device's entry. Compatibility-format
 * requests (the old address/data with the vector in it) are blocked while
 * GCMD.CFI is clear (§5.1.4).
 *
 * Freestanding, so host tests check every bit.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include "lib/common/vtd.h"

/* §11.4.3: Extended Capability bits for remapping. */
#define VTD_ECAP_EIM (1ull << 4) /* extended interrupt mode: 32-bit x2APIC destinations */
/* §11.4.4: Global Command / Status (the status bit sits at the same place). */
#define VTD_GCMD_CFI (1u << 23) /* compatibility-format interrupts pass untranslated */
/* §11.4.19: Interrupt Remapping Table Address register. */
#define VTD_IRTA 0xb8
#define VTD_IRTA_EIME (1ull << 11) /* x2APIC destinations in the IRTE */
#define VTD_IRTA_S_MASK 0xfull	   /* the table has 2^(S + 1) entries */

/* §9.10: one 128-bit interrupt remapping table entry. */
struct vtd_irte {
	uint64_t lo; /* P 0, FPD 1, DM 2, RH 3, TM 4, DLM 7:5, IM 15 (0: remapped), vector 23:16, destination 63:32 */
	uint64_t hi; /* SID 15:0, SQ 17:16, SVT 19:18 */
};
_Static_assert(sizeof(struct vtd_irte) == 16, "VT-d §9.10");
#define VTD_IRTE_P (1ull << 0)
#define VTD_IRTE_TM_LEVEL (1ull << 4)
#define VTD_IRTE_VECTOR_SHIFT 16
#define VTD_IRTE_DEST_SHIFT 32
#define VTD_IRTE_XAPIC_DEST_SHIFT 40  /* xAPIC mode: the 8-bit APIC ID in destination bits 15:8 */
#define VTD_IRTE_SVT_SID (1ull << 18) /* verify the requester ID against SID, all 16 bits (SQ 0) */

/* One table page: 256 entries; handle 0 is never given out, so a zeroed or guessed handle finds nothing. */
#define VTD_IR_ENTRIES 256
#define VTD_IR_SIZE_FIELD 7 /* 2^(7 + 1) = 256 */

/* An entry that delivers vector (fixed delivery, physical destination) to apic_id, for requester sid only. */
struct vtd_irte vtd_irte_remapped(uint8_t vector, uint32_t apic_id, bool x2apic, bool level, uint16_t sid);

/* §5.1.5.2: the MSI address naming handle (SHV 0: the data register carries no subhandle). */
uint64_t vtd_msi_remap_address(uint16_t handle);
/* The MSI data register that goes with it: 0 (§5.1.5.2, bits 15:0 only matter with SHV). */
uint32_t vtd_msi_remap_data(void);

/* §5.1.5.1: an I/O APIC redirection entry in remappable format. */
#define VTD_IOAPIC_RTE_MASKED (1ull << 16)
#define VTD_IOAPIC_RTE_LEVEL (1ull << 15)
#define VTD_IOAPIC_RTE_ACTIVE_LOW (1ull << 13)
uint64_t vtd_ioapic_rte_remap(uint16_t handle, uint8_t vector, bool level, bool active_low, bool masked);

/* §11.4.19: the IRTA value for a table at table_phys (4 KiB aligned) of VTD_IR_ENTRIES entries. */
uint64_t vtd_irta(uint64_t table_phys, bool x2apic);

/* §6.5.2.7: invalidate the interrupt entry cache for one handle (IM 0: exactly one entry). */
struct vtd_inv_desc vtd_inv_iec_index(uint16_t handle);

/* Interrupt-remapping fault reasons (appendix A) are 0x20 to 0x26. */
static inline bool vtd_fault_is_interrupt(uint8_t reason) { return reason >= 0x20 && reason <= 0x26; }
/* §11.4.14: for those, the record's fault info (low word, bits 63:48) is the handle. */
static inline uint16_t vtd_fault_interrupt_index(uint64_t lo) { return (uint16_t)(lo >> 48); }
