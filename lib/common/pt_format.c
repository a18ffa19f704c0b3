/*
 * The page-table formats lib/common/pt.c walks: what each family of tables
 * spells differently. Whether the CPU or IOMMU at hand has 1 GiB leaves (CPUID
 * 80000001h EDX.Page1GB, IA32_VMX_EPT_VPID_CAP bit 17, VT-d CAP.SLLPS) or
 * execute-only EPT pages (IA32_VMX_EPT_VPID_CAP bit 0) is its user's to check:
 * a format lists what the entry layout can express.
 */
#include "lib/common/pt.h"

#include <stddef.h>

#define LEAVES_4K_2M_1G ((1u << 1) | (1u << 2) | (1u << 3))

/* Intel SDM vol.3 §4.5 (4-level paging), the entry formats in tables 4-15
 * to 4-20. Intermediate entries are writable; a user leaf makes the tables
 * above it user too, since the effective rights are the AND of all levels
 * (§4.6). Shadow tables are this format too: the CPU walks them as its own. */
const struct pt_format pt_format_x86_64 = {
	.name = "x86-64",
	.levels = 4,
	.va_bits = 48,
	.va_sign_extended = true, /* SDM vol.1 §3.3.7.1, canonical addressing */
	.leaf_levels = LEAVES_4K_2M_1G,
	.addr_mask = PTE_ADDR_MASK,
	.present = PTE_PRESENT,
	.leaf_set = PTE_PRESENT,
	.table_set = PTE_PRESENT | PTE_WRITE,
	.table_inherit = PTE_USER,
	.large = PTE_LARGE,
	.pat_small = PTE_PAT,
	.pat_large = PTE_PAT_LARGE,
	.perm_mask = PTE_PERM_MASK,
	.shared = PTE_SHARED,
	.write = PTE_WRITE,
	.user = PTE_USER,
	.no_exec = PTE_NX,
	.global = PTE_GLOBAL,
	.uncached = PTE_PCD | PTE_PWT, /* PAT entry 3, UC in the power-on PAT (§11.12.3) */
};

/* AMD APM vol.2 §15.25.5: nested tables have the layout of long-mode tables
 * but the nested walk treats every access as a user access, so U must be 1
 * at every level, leaves included; inputs are guest-physical addresses, not
 * sign-extended. G means nothing in them. */
const struct pt_format pt_format_npt = {
	.name = "npt",
	.levels = 4,
	.va_bits = 48,
	.leaf_levels = LEAVES_4K_2M_1G,
	.addr_mask = PTE_ADDR_MASK,
	.present = PTE_PRESENT,
	.leaf_set = PTE_PRESENT | PTE_USER,
	.table_set = PTE_PRESENT | PTE_WRITE | PTE_USER,
	.large = PTE_LARGE,
	.pat_small = PTE_PAT,
	.pat_large = PTE_PAT_LARGE,
	.perm_mask = PTE_WRITE | PTE_NX, /* U is not a right here: it is always set */
	.shared = PTE_SHARED,
	.write = PTE_WRITE,
	.user = PTE_USER,
	.no_exec = PTE_NX,
	.uncached = PTE_PCD | PTE_PWT,
};

/* Intel SDM vol.3C §29.3.2 (§28.2.2 before 2023), tables 29-1 to 29-6: no
 * present bit, an entry is present when any of R, W, X (bits 2:0) is set;
 * write without read is an EPT misconfiguration (§29.3.3.1); leaves carry
 * the memory type in bits 5:3 and ignore-PAT in bit 6 ("EPT and Memory
 * Typing"), at the same
 * place whatever their size, so nothing moves on a split. Tables get R|W|X:
 * the rights are the AND of all levels, enforced at the leaf. */
const struct pt_format pt_format_ept = {
	.name = "ept",
	.levels = 4,
	.va_bits = 48,
	.leaf_levels = LEAVES_4K_2M_1G,
	.addr_mask = PTE_ADDR_MASK,
	.present = EPT_READ | EPT_WRITE | EPT_EXEC,
	.table_set = EPT_READ | EPT_WRITE | EPT_EXEC,
	.large = EPT_LARGE,
	.perm_mask = EPT_READ | EPT_WRITE | EPT_EXEC,
	.shared = EPT_SHARED,
	.write_needs_read = true,
	.read = EPT_READ,
	.write = EPT_WRITE,
	.exec = EPT_EXEC,
	.uncached = EPT_MEMTYPE_UC | EPT_IGNORE_PAT, /* the guest's PAT cannot make MMIO cacheable */
	.cached = EPT_MEMTYPE_WB,
};

/* Intel VT-d spec §9.8 (second-level paging entries) and §3.7: R is bit 0,
 * W bit 1, an entry is present when either is set; PS (bit 7) in an SL-PDPE
 * or SL-PDE makes a 1 GiB or 2 MiB page. The root is an SL-PDPT for a 39-bit
 * adjusted guest address width (3 levels) and an SL-PML4 for 48 bits (4),
 * as the context entry's AW field says (§9.3). */
#define VTD_SL_FORMAT(levels_, bits_)                                  \
	{                                                              \
		.name = "vtd-sl" #levels_,                             \
		.levels = (levels_),                                   \
		.va_bits = (bits_),                                    \
		.leaf_levels = LEAVES_4K_2M_1G,                        \
		.addr_mask = PTE_ADDR_MASK,                            \
		.present = VTD_SL_READ | VTD_SL_WRITE,                 \
		.table_set = VTD_SL_READ | VTD_SL_WRITE,               \
		.large = VTD_SL_LARGE,                                 \
		.perm_mask = VTD_SL_READ | VTD_SL_WRITE,               \
		.shared = VTD_SL_SHARED,                               \
		.read = VTD_SL_READ,                                   \
		.write = VTD_SL_WRITE,                                 \
	}

const struct pt_format pt_format_vtd3 = VTD_SL_FORMAT(3, 39);
const struct pt_format pt_format_vtd4 = VTD_SL_FORMAT(4, 48);

const struct pt_format *pt_format_vtd(unsigned address_width)
{
	if (address_width == pt_format_vtd3.va_bits)
		return &pt_format_vtd3;
	if (address_width == pt_format_vtd4.va_bits)
		return &pt_format_vtd4;
	return NULL;
}

uint64_t pt_attr_bits(const struct pt_format *fmt, unsigned attrs)
{
	uint64_t bits = (attrs & PT_ATTR_UNCACHED) ? fmt->uncached : fmt->cached;

	if (attrs & PT_ATTR_READ)
		bits |= fmt->read;
	if (attrs & PT_ATTR_WRITE)
		bits |= fmt->write;
	bits |= (attrs & PT_ATTR_EXEC) ? fmt->exec : fmt->no_exec;
	if (attrs & PT_ATTR_USER)
		bits |= fmt->user;
	if (attrs & PT_ATTR_GLOBAL)
		bits |= fmt->global;
	if (attrs & PT_ATTR_SHARED)
		bits |= fmt->shared;
	return bits;
}

unsigned pt_entry_attrs(const struct pt_format *fmt, uint64_t entry)
{
	if (!(entry & fmt->present))
		return 0;
	unsigned attrs = 0;
	if (!fmt->read || (entry & fmt->read)) /* x86: a present page is readable */
		attrs |= PT_ATTR_READ;
	if (entry & fmt->write)
		attrs |= PT_ATTR_WRITE;
	if ((fmt->exec && (entry & fmt->exec)) || (fmt->no_exec && !(entry & fmt->no_exec)))
		attrs |= PT_ATTR_EXEC;
	if (entry & fmt->user)
		attrs |= PT_ATTR_USER;
	return attrs;
}
