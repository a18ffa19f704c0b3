/*
 * The kernel's PCI: every function found over ECAM at boot, bridges and root
 * ports followed to their secondary buses, BARs sized and, where firmware
 * left a memory BAR unassigned, placed in the window of the bridge above.
 * SR-IOV virtual functions join the table when a driver (or the
 * pci.sriov= boot word) enables them.
 *
 * The table only grows, and an entry is complete before the count that makes
 * it visible is published, so readers (the pci_list system call) need no
 * lock. Drivers find their device here, map BARs with pci_bar_map, and
 * program MSI/MSI-X through lib/common/pci.h with the address/data pair the
 * interrupt code gives them.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/common/pci.h"
#include "lib/common/syscall.h"

#define PCI_MAX_FUNCTIONS 256
#define PCI_FN_CAPS 16 /* kept per function for lspci; the walkers see up to PCI_CAPS_MAX */
#define PCI_NO_INDEX 0xffff

struct pci_function {
	uint16_t segment, rid;
	uint16_t vendor, device;
	uint32_t class_code; /* base class 23:16, sub-class 15:8, programming interface 7:0 */
	uint8_t revision, header_type;
	uint16_t parent;     /* index of the bridge above, PCI_NO_INDEX on a root bus */
	const struct pci_cfg *cfg;
	unsigned bar_count;
	struct pci_bar bar[PCI_NORMAL_BARS];
	/* type 1 headers */
	uint8_t secondary, subordinate;
	struct pci_bridge_windows windows;
	/* capabilities */
	uint8_t cap_count, ecap_count;
	struct pci_cap cap[PCI_FN_CAPS], ecap[PCI_FN_CAPS];
	uint16_t msi_cap;
	bool has_msix;
	struct pci_msix msix;
	/* SR-IOV: a PF has sriov.cap != 0; a VF has is_vf, its PF and its index */
	struct pci_sriov sriov;
	bool is_vf;
	bool decodes; /* a VF whose MSI-X table read back as the spec says it must: its BARs decode */
	uint16_t pf, vf_index;
	volatile uint32_t sriov_busy;
	volatile uint32_t owner; /* pid of the process holding it, 0 for none */
};

/* Enumerates every ECAM segment, prints one line a function, and applies pci.sriov= from the command line. */
void pci_init(const char *cmdline);

size_t pci_function_count(void);
/* Entries 0 .. pci_function_count() - 1; stable pointers. */
struct pci_function *pci_function_at(size_t index);
/* The nth (0-based) function with this vendor and device ID, or NULL. */
struct pci_function *pci_find(uint16_t vendor, uint16_t device, unsigned nth);
size_t pci_index_of(const struct pci_function *f);
/* VF index (0-based) of PF pf, once enabled; NULL otherwise. */
struct pci_function *pci_vf(const struct pci_function *pf, uint16_t index);

/* Maps memory BAR bar uncached into the kernel; NULL if it is not an assigned memory BAR, or lies beyond the direct map. */
volatile void *pci_bar_map(const struct pci_function *f, unsigned bar);
/* The function's MSI-X table, mapped (lib/common/pci.h programs its entries); NULL without MSI-X or its BAR. */
volatile void *pci_msix_table(const struct pci_function *f);
/*
 * Message-signalled interrupts with an address/data pair the caller got from
 * the interrupt code (which owns vectors): pci_msix_set programs entry index
 * and enables MSI-X (MSI and INTx off); pci_msi_set does the same for one MSI
 * vector. -SIETCH_EINVAL when the function lacks the capability, its table
 * cannot be mapped, or index is outside the table.
 */
int pci_msix_set(struct pci_function *f, unsigned index, uint64_t address, uint32_t data);
int pci_msix_mask(struct pci_function *f, unsigned index, bool masked);
int pci_msi_set(struct pci_function *f, uint64_t address, uint32_t data);
/* Sets Memory Space and Bus Master in the function's own Command register (PCIe §7.5.1.1.3). */
void pci_enable_memory_and_master(const struct pci_function *f);

/*
 * Function Level Reset (PCIe §6.6.2) with the header saved and restored:
 * BARs and Command come back; device state, MSI and MSI-X do not. -SIETCH_EINVAL when
 * the function cannot do FLR, -SIETCH_EBUSY for a PF whose VFs are on.
 */
int pci_function_reset(struct pci_function *f);

/*
 * Ownership, for lspci and for the rule that one process holds a VF at a
 * time: true if the function was free and now belongs to pid (non-zero).
 */
bool pci_claim(struct pci_function *f, uint32_t pid);
/* Gives it back; only its owner's release counts. */
void pci_release(struct pci_function *f, uint32_t pid);

/*
 * Enables num_vfs virtual functions on PF pf (PCIe §9.2.1, §9.3.3): System
 * Page Size, NumVFs, VF BARs placed in the bridge window where firmware left
 * them unassigned, then VF Enable and VF MSE in one write, the 100 ms wait,
 * and each VF's own Memory Space and Bus Master. Returns 0, or -SIETCH_EINVAL
 * (no SR-IOV, bad count, VFs beyond the buses the bridge forwards),
 * -SIETCH_EBUSY (already enabled), -SIETCH_ENOSPC (a VF BAR does not fit; the
 * log says which window), -SIETCH_ENOMEM (the table is full).
 */
int pci_sriov_enable(struct pci_function *pf, uint16_t num_vfs);

/* Copies up to count entries from first into out (the pci_list system call); how many were copied. */
size_t pci_info_snapshot(size_t first, struct sietch_pci_info *out, size_t count);

/*
 * Gives each memory BAR of f that firmware left at 0 an address in the
 * windows of the bridge above (below 4 GiB first), and turns Memory Space on;
 * says in the log what it did or why it could not.
 */
void pci_assign_unassigned(struct pci_function *f);

/* Internal to kernel/pci: a free range of span bytes aligned to align for a BAR with these PCI_BAR_* flags
 * below f's bridge, while pci_place_lock is held (placing and programming are one step). */
void pci_place_lock(void);
void pci_place_unlock(void);
bool pci_place(const struct pci_function *f, uint32_t bar_flags, uint64_t span, uint64_t align, uint64_t *at);

/* Internal to kernel/pci: appends a filled entry and publishes it; NULL when the table is full. */
struct pci_function *pci_table_append(const struct pci_function *f);
void pci_function_print(const struct pci_function *f);
void pci_function_read_caps(struct pci_function *f);
