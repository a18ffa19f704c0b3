/*
 * PCI and PCI Express configuration space, as pure logic: the capability
 * walkers, BAR decoding and sizing, bridge windows, the SR-IOV arithmetic and
 * the MSI/MSI-X formats. Configuration space is reached through a callback,
 * so the kernel passes ECAM and host tests pass a fake device model.
 *
 * "PCIe" below is the PCI Express Base Specification 5.0; its chapter 9 is
 * the Single Root I/O Virtualization chapter (SR-IOV 1.1 §3.3 numbers its
 * sections the same way: §9.3.3.n there is §3.3.n here).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A routing ID (PCIe §2.2.4.2): bus in bits 15:8, device 7:3, function 2:0. */
#define PCI_RID(bus, dev, fn) ((uint16_t)(((bus) << 8) | ((dev) << 3) | (fn)))
#define PCI_RID_BUS(rid) ((uint8_t)((rid) >> 8))
#define PCI_RID_DEV(rid) ((uint8_t)(((rid) >> 3) & 0x1f))
#define PCI_RID_FN(rid) ((uint8_t)((rid) & 0x7))

/* ECAM: 4 KiB of configuration space per function (PCIe §7.2.2, table 7-1). */
#define PCI_CFG_SIZE 4096u
#define PCI_CFG_LEGACY_SIZE 256u
#define PCI_ECAM_OFFSET(rid) ((uint64_t)(rid) << 12)

/* The configuration header common to types 0 and 1 (PCIe §7.5.1.1). */
#define PCI_VENDOR_ID 0x00
#define PCI_DEVICE_ID 0x02
#define PCI_COMMAND 0x04
#define PCI_STATUS 0x06
#define PCI_REVISION 0x08
#define PCI_CLASS_PROG 0x09 /* then sub-class 0x0a, base class 0x0b */
#define PCI_HEADER_TYPE 0x0e
#define PCI_BAR0 0x10
#define PCI_CAP_PTR 0x34
#define PCI_INTERRUPT_LINE 0x3c

#define PCI_VENDOR_NONE 0xffff /* no function answers (PCIe §7.5.1.1.1) */

/* Command register (PCIe §7.5.1.1.3). */
#define PCI_COMMAND_IO (1u << 0)
#define PCI_COMMAND_MEMORY (1u << 1)
#define PCI_COMMAND_MASTER (1u << 2)
#define PCI_COMMAND_INTX_DISABLE (1u << 10)

/* Status register (PCIe §7.5.1.1.4): the capabilities list exists. */
#define PCI_STATUS_CAP_LIST (1u << 4)

/* Header Type (PCIe §7.5.1.1.9). */
#define PCI_HEADER_LAYOUT_MASK 0x7f
#define PCI_HEADER_MULTIFUNCTION 0x80
#define PCI_HEADER_TYPE_NORMAL 0
#define PCI_HEADER_TYPE_BRIDGE 1

/* Type 1 (bridge) header (PCIe §7.5.1.3). */
#define PCI_PRIMARY_BUS 0x18
#define PCI_SECONDARY_BUS 0x19
#define PCI_SUBORDINATE_BUS 0x1a
#define PCI_IO_BASE 0x1c
#define PCI_IO_LIMIT 0x1d
#define PCI_MEMORY_BASE 0x20
#define PCI_MEMORY_LIMIT 0x22
#define PCI_PREF_MEMORY_BASE 0x24
#define PCI_PREF_MEMORY_LIMIT 0x26
#define PCI_PREF_BASE_UPPER32 0x28
#define PCI_PREF_LIMIT_UPPER32 0x2c
#define PCI_BRIDGE_BARS 2 /* a type 1 header has BAR0 and BAR1 only */
#define PCI_NORMAL_BARS 6

/* Base Address Registers (PCIe §7.5.1.2.1). */
#define PCI_BAR_SPACE_IO 0x1u
#define PCI_BAR_MEM_TYPE_MASK 0x6u
#define PCI_BAR_MEM_TYPE_64 0x4u
#define PCI_BAR_MEM_PREFETCH 0x8u
#define PCI_BAR_MEM_MASK (~0xfull)
#define PCI_BAR_IO_MASK (~0x3ull)

/* Capability IDs (PCI Code and ID Assignment 1.11 §2). */
#define PCI_CAP_ID_PM 0x01
#define PCI_CAP_ID_MSI 0x05
#define PCI_CAP_ID_VENDOR 0x09
#define PCI_CAP_ID_EXP 0x10
#define PCI_CAP_ID_MSIX 0x11

/* The PCI Express capability (PCIe §7.5.3). */
#define PCI_EXP_FLAGS 0x02   /* §7.5.3.2: Device/Port Type in bits 7:4 */
#define PCI_EXP_TYPE(flags) (((flags) >> 4) & 0xf)
#define PCI_EXP_TYPE_ROOT_PORT 0x4
#define PCI_EXP_TYPE_DOWNSTREAM 0x6
#define PCI_EXP_DEVCAP 0x04  /* §7.5.3.3 Device Capabilities */
#define PCI_EXP_DEVCTL 0x08  /* §7.5.3.4 Device Control */
#define PCI_EXP_DEVSTA 0x0a  /* §7.5.3.5 Device Status */
#define PCI_EXP_DEVCAP_FLR (1u << 28)       /* Function Level Reset Capability */
#define PCI_EXP_DEVCTL_FLR (1u << 15)       /* Initiate Function Level Reset */
#define PCI_EXP_DEVSTA_TRPND (1u << 5)      /* Transactions Pending */
#define PCI_FLR_WAIT_US 100000              /* §6.6.2: 100 ms before the function is touched again */
#define PCI_EXP_DEVCAP2 0x24 /* §7.5.3.15 Device Capabilities 2 */
#define PCI_EXP_DEVCTL2 0x28 /* §7.5.3.16 Device Control 2 */
#define PCI_EXP_DEVCAP2_ARI (1u << 5) /* ARI Forwarding Supported */
#define PCI_EXP_DEVCTL2_ARI (1u << 5) /* ARI Forwarding Enable */

/* Extended capability IDs (PCI Code and ID Assignment 1.11 §3). */
#define PCI_ECAP_ID_AER 0x0001
#define PCI_ECAP_ID_ARI 0x000e
#define PCI_ECAP_ID_SRIOV 0x0010

/* The extended capability header (PCIe §7.6.3): ID 15:0, version 19:16, next 31:20. */
#define PCI_ECAP_START 0x100
#define PCI_ECAP_ID(header) ((uint16_t)((header) & 0xffff))
#define PCI_ECAP_NEXT(header) ((uint16_t)(((header) >> 20) & 0xffc))

/* MSI capability (PCIe §7.7.1). */
#define PCI_MSI_CONTROL 0x02
#define PCI_MSI_ADDRESS_LO 0x04
#define PCI_MSI_ADDRESS_HI 0x08        /* 64-bit capable only */
#define PCI_MSI_DATA_32 0x08
#define PCI_MSI_DATA_64 0x0c
#define PCI_MSI_CONTROL_ENABLE (1u << 0)
#define PCI_MSI_CONTROL_MMC_SHIFT 1    /* Multiple Message Capable: log2 of vectors */
#define PCI_MSI_CONTROL_MME_MASK (7u << 4) /* Multiple Message Enable */
#define PCI_MSI_CONTROL_64BIT (1u << 7)
#define PCI_MSI_CONTROL_MASKABLE (1u << 8)

/* MSI-X capability (PCIe §7.7.2) and table entry (§7.7.2.5-§7.7.2.8). */
#define PCI_MSIX_CONTROL 0x02
#define PCI_MSIX_TABLE 0x04
#define PCI_MSIX_PBA 0x08
#define PCI_MSIX_CONTROL_SIZE_MASK 0x7ffu /* table size minus one */
#define PCI_MSIX_CONTROL_FUNCTION_MASK (1u << 14)
#define PCI_MSIX_CONTROL_ENABLE (1u << 15)
#define PCI_MSIX_BIR_MASK 0x7u
#define PCI_MSIX_ENTRY_SIZE 16
#define PCI_MSIX_ENTRY_ADDR_LO 0x0
#define PCI_MSIX_ENTRY_ADDR_HI 0x4
#define PCI_MSIX_ENTRY_DATA 0x8
#define PCI_MSIX_ENTRY_VECTOR_CONTROL 0xc
#define PCI_MSIX_ENTRY_MASKED (1u << 0)

/* SR-IOV extended capability (PCIe §9.3.3). */
#define PCI_SRIOV_CAPABILITIES 0x04 /* §9.3.3.2 */
#define PCI_SRIOV_CONTROL 0x08      /* §9.3.3.3 */
#define PCI_SRIOV_STATUS 0x0a       /* §9.3.3.4 */
#define PCI_SRIOV_INITIAL_VFS 0x0c  /* §9.3.3.5 */
#define PCI_SRIOV_TOTAL_VFS 0x0e    /* §9.3.3.6 */
#define PCI_SRIOV_NUM_VFS 0x10      /* §9.3.3.7 */
#define PCI_SRIOV_VF_OFFSET 0x14    /* §9.3.3.9 */
#define PCI_SRIOV_VF_STRIDE 0x16    /* §9.3.3.10 */
#define PCI_SRIOV_VF_DEVICE 0x1a    /* §9.3.3.11 */
#define PCI_SRIOV_PAGE_SIZES 0x1c   /* §9.3.3.12: supported, bit n = 2^(n+12) bytes */
#define PCI_SRIOV_SYSTEM_PAGE 0x20  /* §9.3.3.13 */
#define PCI_SRIOV_VF_BAR0 0x24      /* §9.3.3.14: six VF BARs */
#define PCI_SRIOV_CONTROL_VFE (1u << 0)  /* §9.3.3.3.1 VF Enable */
#define PCI_SRIOV_CONTROL_MSE (1u << 3)  /* §9.3.3.3.4 VF Memory Space Enable */
#define PCI_SRIOV_CONTROL_ARI (1u << 4)  /* §9.3.3.3.5 ARI Capable Hierarchy */
#define PCI_SRIOV_PAGE_4K 0x1u
/* §9.3.3.3.1: after setting VF Enable, wait this long before the first configuration request to a VF. */
#define PCI_SRIOV_ENABLE_WAIT_US 100000

/*
 * Configuration access. width is 1, 2 or 4 and offset is aligned to it. A
 * read of a function that does not exist returns all ones, as ECAM does
 * (PCIe §7.2.2: an Unsupported Request completes a read with all ones).
 */
struct pci_cfg {
	void *ctx;
	uint32_t (*read)(void *ctx, uint16_t rid, uint16_t offset, unsigned width);
	void (*write)(void *ctx, uint16_t rid, uint16_t offset, unsigned width, uint32_t value);
};

static inline uint32_t pci_read32(const struct pci_cfg *cfg, uint16_t rid, uint16_t off)
{
	return cfg->read(cfg->ctx, rid, off, 4);
}
static inline uint16_t pci_read16(const struct pci_cfg *cfg, uint16_t rid, uint16_t off)
{
	return (uint16_t)cfg->read(cfg->ctx, rid, off, 2);
}
static inline uint8_t pci_read8(const struct pci_cfg *cfg, uint16_t rid, uint16_t off)
{
	return (uint8_t)cfg->read(cfg->ctx, rid, off, 1);
}
static inline void pci_write32(const struct pci_cfg *cfg, uint16_t rid, uint16_t off, uint32_t v)
{
	cfg->write(cfg->ctx, rid, off, 4, v);
}
static inline void pci_write16(const struct pci_cfg *cfg, uint16_t rid, uint16_t off, uint16_t v)
{
	cfg->write(cfg->ctx, rid, off, 2, v);
}

/* ---- capabilities ---- */

struct pci_cap {
	uint16_t id;     /* 8-bit ID for a capability, 16-bit for an extended one */
	uint16_t offset;
};

/* At most this many of either kind are walked: a looping list ends there. */
#define PCI_CAPS_MAX 48

/* The capability list (PCIe §7.5.1.1.11, §7.5.3): fills up to max entries, returns how many there are. */
size_t pci_caps_walk(const struct pci_cfg *cfg, uint16_t rid, struct pci_cap *out, size_t max);
/* The extended capability list from 0x100 (PCIe §7.6.3); same contract. */
size_t pci_ecaps_walk(const struct pci_cfg *cfg, uint16_t rid, struct pci_cap *out, size_t max);
/* The offset of the first capability with this ID, 0 if none. */
uint16_t pci_cap_find(const struct pci_cfg *cfg, uint16_t rid, uint8_t id);
uint16_t pci_ecap_find(const struct pci_cfg *cfg, uint16_t rid, uint16_t id);

/* ---- BARs ---- */

#define PCI_BAR_IO (1u << 0)
#define PCI_BAR_64 (1u << 1)
#define PCI_BAR_PREFETCH (1u << 2)
#define PCI_BAR_UPPER (1u << 3) /* this register is the upper half of the BAR before it */

struct pci_bar {
	uint64_t base; /* 0: not assigned */
	uint64_t size; /* 0: not implemented */
	uint32_t flags;
};

/* The size a BAR decodes, from what it reads back after all ones were
 * written (PCIe §7.5.1.2.1). hi is the upper half's read-back for a 64-bit
 * BAR. 0 when nothing is writable (the BAR is not implemented). */
uint64_t pci_bar_size_from_mask(uint32_t lo, uint32_t hi);
/* Base and flags of a BAR from its register value(s). */
void pci_bar_decode(uint32_t lo, uint32_t hi, struct pci_bar *out);

/*
 * Sizes count consecutive BAR registers at first (PCIe §7.5.1.2.1: write all
 * ones, read back, restore). A 64-bit BAR fills two entries, the second
 * marked PCI_BAR_UPPER. The caller keeps decoding off while this runs
 * (Memory/IO Space in Command for a function's BARs, VF MSE for VF BARs):
 * for a moment the BAR claims addresses it does not own.
 */
void pci_bars_probe(const struct pci_cfg *cfg, uint16_t rid, uint16_t first, unsigned count, struct pci_bar *out);
/* Programs a probed memory BAR (both halves for a 64-bit one). */
void pci_bar_assign(const struct pci_cfg *cfg, uint16_t rid, uint16_t reg, const struct pci_bar *bar, uint64_t base);

/* ---- bridge windows ---- */

struct pci_window {
	uint64_t base, limit; /* inclusive; limit < base means the window is closed */
};

struct pci_bridge_windows {
	struct pci_window io, mem, pref;
	bool pref_64; /* the prefetchable window decodes 64-bit addresses */
};

/* Reads the I/O, memory and prefetchable windows of a type 1 header (PCIe §7.5.1.3.6-§7.5.1.3.9). */
void pci_bridge_windows_read(const struct pci_cfg *cfg, uint16_t rid, struct pci_bridge_windows *out);

/* ---- placing a range in a window ---- */

struct pci_range {
	uint64_t base, size;
};

/*
 * The lowest address in [window.base, window.limit] that is a multiple of
 * align (a power of two), leaves size bytes inside the window and overlaps
 * none of the used ranges. False if there is none.
 */
bool pci_range_place(struct pci_window window, const struct pci_range *used, size_t n_used, uint64_t size,
		     uint64_t align, uint64_t *out);

/* ---- SR-IOV ---- */

struct pci_sriov {
	uint16_t cap;    /* offset of the capability */
	uint16_t total_vfs, initial_vfs, num_vfs;
	uint16_t vf_offset, vf_stride; /* valid for the NumVFs they were read with (§9.3.3.9) */
	uint16_t vf_device;
	uint16_t control;
	uint32_t page_sizes;
	struct pci_bar vf_bar[PCI_NORMAL_BARS]; /* size per VF; base of VF 0 */
};

/*
 * The configuration writes of enabling VFs, in the order PCIe §9.2.1 and
 * §9.3.3 ask for, split around what the caller must do in between (check the
 * routing IDs, place the VF BARs). prepare: System Page Size 4 KiB where
 * supported (§9.3.3.13), ARI Capable Hierarchy if ari (§9.3.3.3.5; VF Enable
 * stays 0), NumVFs (§9.3.3.7), then a fresh read of the capability into s,
 * since First VF Offset and VF Stride may change with both (§9.3.3.9-10).
 * commit: VF Enable and VF MSE in one write with ari (§9.3.3.3.1, §9.3.3.3.4)
 * -- the only write of VF Enable, which QEMU acts on at every write. abort:
 * NumVFs back to 0. The 100 ms wait after commit is the caller's.
 */
void pci_sriov_prepare(const struct pci_cfg *cfg, uint16_t rid, struct pci_sriov *s, uint16_t num_vfs, uint16_t ari);
void pci_sriov_commit(const struct pci_cfg *cfg, uint16_t rid, struct pci_sriov *s, uint16_t ari);
void pci_sriov_abort(const struct pci_cfg *cfg, uint16_t rid, struct pci_sriov *s);

/* Reads the SR-IOV capability at cap (without sizing the VF BARs). */
void pci_sriov_read(const struct pci_cfg *cfg, uint16_t rid, uint16_t cap, struct pci_sriov *out);
/*
 * The routing ID of VF index (0-based): PF + First VF Offset + index × VF
 * Stride (PCIe §9.2.1.2). False when it would pass 0xffff, or when index is
 * not below num_vfs.
 */
bool pci_sriov_vf_rid(uint16_t pf_rid, uint16_t offset, uint16_t stride, uint16_t num_vfs, uint16_t index,
		      uint16_t *out);
/*
 * Whether a configuration request for rid reaches a function below a
 * bridge with these bus numbers: rid's bus must lie in [secondary,
 * subordinate], and below a Root or Downstream Port only device 0 of the
 * secondary bus answers unless ARI Forwarding is on (PCIe §7.3.1, §6.13).
 */
bool pci_rid_reachable(uint16_t rid, uint8_t secondary, uint8_t subordinate, bool below_port, bool ari_forwarding);
/* The bytes a VF BAR needs for n VFs: each VF's copy is size bytes,
 * contiguous (PCIe §9.3.3.14). 0 on overflow. */
uint64_t pci_sriov_vf_bar_span(uint64_t size, uint16_t num_vfs);
/* Where VF index's copy of a VF BAR sits. */
static inline uint64_t pci_sriov_vf_bar_addr(const struct pci_bar *vf_bar, uint16_t index)
{
	return vf_bar->base + (uint64_t)index * vf_bar->size;
}

/* ---- MSI and MSI-X ---- */

struct pci_msi {
	uint16_t cap;
	bool is_64, maskable;
	uint8_t vectors; /* what Multiple Message Capable offers */
};

struct pci_msix {
	uint16_t cap;
	uint16_t table_size; /* entries */
	uint8_t table_bar, pba_bar;
	uint32_t table_offset, pba_offset;
};

bool pci_msi_read(const struct pci_cfg *cfg, uint16_t rid, uint16_t cap, struct pci_msi *out);
/* One vector: writes the message address and data, Multiple Message Enable 0, then MSI Enable (PCIe §7.7.1). */
void pci_msi_program(const struct pci_cfg *cfg, uint16_t rid, const struct pci_msi *msi, uint64_t address,
		     uint32_t data);
void pci_msi_disable(const struct pci_cfg *cfg, uint16_t rid, const struct pci_msi *msi);

bool pci_msix_read(const struct pci_cfg *cfg, uint16_t rid, uint16_t cap, struct pci_msix *out);
/* MSI-X Enable, with Function Mask set (every vector masked) or cleared (PCIe §7.7.2.2). */
void pci_msix_enable(const struct pci_cfg *cfg, uint16_t rid, const struct pci_msix *msix, bool function_mask);
void pci_msix_disable(const struct pci_cfg *cfg, uint16_t rid, const struct pci_msix *msix);
/*
 * Entry index of a mapped MSI-X table: masks it, writes address and data,
 * unmasks it (PCIe §7.7.2: an entry's message is changed only while it is
 * masked). -1 when index is outside the table.
 */
int pci_msix_entry_program(volatile void *table, const struct pci_msix *msix, unsigned index, uint64_t address,
			   uint32_t data);
int pci_msix_entry_mask(volatile void *table, const struct pci_msix *msix, unsigned index, bool masked);

/* ---- the pci.sriov= boot word ---- */

/*
 * Reads one "VVVV:DDDD:N" item (vendor and device ID in hex, N VFs in
 * decimal) of a comma-separated list and moves *p past it and its comma.
 * False on a malformed item or at the end of the list.
 */
bool pci_sriov_word_next(const char **p, uint16_t *vendor, uint16_t *device, uint16_t *num_vfs);
