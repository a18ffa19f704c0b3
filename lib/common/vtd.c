/* VT-d entry and descriptor encoding, fault decoding; the layouts are in vtd.h. */
#include "lib/common/vtd.h"

struct vtd_inv_desc vtd_inv_context_global(void)
{
	return (struct vtd_inv_desc){ .lo = VTD_INV_CONTEXT | VTD_INV_G_GLOBAL };
}

/* §6.5.2.1: DID 31:16, SID 47:32, function mask 49:48 left 0 (exactly this function). */
struct vtd_inv_desc vtd_inv_context_device(uint16_t did, uint16_t sid)
{
	return (struct vtd_inv_desc){ .lo = VTD_INV_CONTEXT | VTD_INV_G_DEVICE | (uint64_t)did << 16 |
					    (uint64_t)sid << 32 };
}

struct vtd_inv_desc vtd_inv_iotlb_global(void)
{
	return (struct vtd_inv_desc){ .lo = VTD_INV_IOTLB | VTD_INV_G_GLOBAL | VTD_INV_IOTLB_DR | VTD_INV_IOTLB_DW };
}

/* §6.5.2.3: DID 31:16; drain reads and writes so no request translated before it is still in flight. */
struct vtd_inv_desc vtd_inv_iotlb_domain(uint16_t did)
{
	return (struct vtd_inv_desc){ .lo = VTD_INV_IOTLB | VTD_INV_G_DOMAIN | VTD_INV_IOTLB_DR |
					    VTD_INV_IOTLB_DW | (uint64_t)did << 16 };
}

/* §6.5.2.3: hi holds the address 63:12 and the address mask (log2 of the page count) 5:0. */
struct vtd_inv_desc vtd_inv_iotlb_pages(uint16_t did, uint64_t addr, unsigned order)
{
	return (struct vtd_inv_desc){
		.lo = VTD_INV_IOTLB | VTD_INV_G_DEVICE | VTD_INV_IOTLB_DR | VTD_INV_IOTLB_DW | (uint64_t)did << 16,
		.hi = (addr & ~0xfffull) | (order & 0x3f),
	};
}

/* The largest order (log2 of a page count) whose block starts at page and fits in pages. */
static unsigned range_block_order(uint64_t page, uint64_t pages, unsigned max_order)
{
	unsigned order = 0;
	while (order < max_order && !(page & (1ull << order)) && (2ull << order) <= pages)
		order++;
	return order;
}

unsigned vtd_inv_iotlb_range(uint16_t did, uint64_t addr, uint64_t size, unsigned max_order, struct vtd_inv_desc *out,
			     unsigned max)
{
	uint64_t page = addr >> 12, end = (addr + size + 0xfff) >> 12;
	unsigned n = 0;
	while (page < end) {
		if (n == max)
			return 0;
		unsigned order = range_block_order(page, end - page, max_order);
		out[n++] = vtd_inv_iotlb_pages(did, page << 12, order);
		page += 1ull << order;
	}
	return n;
}

struct vtd_inv_desc vtd_inv_iec_global(void) { return (struct vtd_inv_desc){ .lo = VTD_INV_IEC }; }

/* §6.5.2.8: status data 63:32, status address 63:2 in hi. */
struct vtd_inv_desc vtd_inv_wait(uint64_t status_phys, uint32_t data)
{
	return (struct vtd_inv_desc){ .lo = VTD_INV_WAIT | VTD_INV_WAIT_SW | (uint64_t)data << 32,
				      .hi = status_phys & ~3ull };
}

struct vtd_root_entry vtd_root_entry(uint64_t context_table_phys)
{
	return (struct vtd_root_entry){ .lo = (context_table_phys & VTD_PT_ADDR_MASK) | VTD_ROOT_P };
}

int vtd_context_aw(unsigned address_width)
{
	if (address_width == 39)
		return (int)VTD_CTX_AW_39;
	if (address_width == 48)
		return (int)VTD_CTX_AW_48;
	return -1;
}

struct vtd_context_entry vtd_context_translate(uint64_t root_phys, unsigned address_width, uint16_t did)
{
	int aw = vtd_context_aw(address_width);
	return (struct vtd_context_entry){
		.lo = (root_phys & VTD_PT_ADDR_MASK) | VTD_CTX_TT_TRANSLATE | VTD_CTX_P,
		.hi = (uint64_t)(aw < 0 ? 0 : aw) | (uint64_t)did << VTD_CTX_DID_SHIFT,
	};
}

/* §9.3: with TT = pass-through the pointer is ignored; AW still has to be one the unit supports. */
struct vtd_context_entry vtd_context_pass(unsigned address_width, uint16_t did)
{
	int aw = vtd_context_aw(address_width);
	return (struct vtd_context_entry){
		.lo = VTD_CTX_TT_PASS | VTD_CTX_P,
		.hi = (uint64_t)(aw < 0 ? 0 : aw) | (uint64_t)did << VTD_CTX_DID_SHIFT,
	};
}

struct vtd_fault vtd_fault_decode(uint64_t lo, uint64_t hi)
{
	return (struct vtd_fault){
		.valid = (hi & VTD_FRCD_F) != 0,
		.write = (hi & VTD_FRCD_T) == 0,
		.sid = (uint16_t)(hi & VTD_FRCD_SID_MASK),
		.reason = (uint8_t)(hi >> VTD_FRCD_FR_SHIFT),
		.address = lo & ~0xfffull,
	};
}

/* VT-d spec appendix A, "Non-Recoverable Fault Reason Encodings" (legacy mode). */
const char *vtd_fault_reason_name(uint8_t reason)
{
	static const char *const names[] = {
		[0x1] = "root entry not present",
		[0x2] = "context entry not present",
		[0x3] = "invalid context entry",
		[0x4] = "address beyond the domain's width",
		[0x5] = "write to a page not mapped writable",
		[0x6] = "read of a page not mapped readable",
		[0x7] = "page-table entry unreadable",
		[0x8] = "root table unreadable",
		[0x9] = "context table unreadable",
		[0xa] = "reserved bits in a root entry",
		[0xb] = "reserved bits in a context entry",
		[0xc] = "reserved bits in a page-table entry",
		[0xd] = "translation type not allowed",
		[0x20] = "reserved bits in an interrupt request",
		[0x21] = "interrupt handle beyond the remapping table",
		[0x22] = "interrupt remapping entry not present",
		[0x23] = "interrupt remapping table unreadable",
		[0x24] = "reserved bits in an interrupt remapping entry",
		[0x25] = "compatibility-format interrupt blocked",
		[0x26] = "interrupt from a requester the entry does not name",
	};
	if (reason < sizeof(names) / sizeof(names[0]) && names[reason])
		return names[reason];
	return "unknown";
}

unsigned vtd_pick_address_width(uint64_t cap)
{
	if (VTD_CAP_SAGAW(cap) & VTD_SAGAW_48)
		return 48;
	if (VTD_CAP_SAGAW(cap) & VTD_SAGAW_39)
		return 39;
	return 0;
}
