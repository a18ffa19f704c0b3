/*
 * Shadow page tables: paging for a guest on a processor that does not walk
 * the guest's tables itself (no nested paging, no EPT). The kernel composes
 * the guest's translation (guest linear -> guest physical, walked in software
 * by lib/common/x86_walk.c in whatever mode the guest is in) with the VM's
 * map (guest physical -> host physical) into tables the processor walks as
 * its own: x86-64 format (lib/common/pt_format.c), every leaf 4 KiB.
 *
 * This file is the engine, freestanding and host-tested
 * (tests/unit/shadowpt_ut.c); it knows no SVM or VMX type. A back end
 * (kernel/vmm/svm_shadow.c for SVM) keeps the guest's own CR0/CR3/CR4/EFER,
 * tells the engine about them before every entry, loads the hardware values
 * the engine derives, and hands it the exits that concern paging: #PF,
 * MOV to CR3, INVLPG.
 *
 * How the shadow is kept consistent (the choice the design asks for):
 * resynchronising on CR3 loads and INVLPG, not write-protecting the guest's
 * page-table pages. The shadow behaves exactly like the TLB the guest
 * already manages: an x86 OS must INVLPG or reload CR3 after it weakens or
 * removes a translation (Intel SDM vol.3A §4.10.4), and needs nothing after
 * it adds or strengthens one, because a missing or weaker shadow entry only
 * costs a #PF exit that fills it (as a real CPU re-walks on a #PF, §4.10.4.3).
 * Write-protecting would cost an exit for every write the guest makes to
 * its tables (a fork or an exec writes thousands) and an emulator for those
 * writes; resynchronising costs a sweep of one shadow root on each CR3 load,
 * done in the kernel without exits. Cached roots (one per guest CR3) are
 * revalidated entry by entry when loaded again, so a switch back to an
 * address space keeps what still matches and drops only what changed.
 *
 * Accessed and dirty bits: a fill walks with the access that faulted, so the
 * guest's A bits (and D for a write) are set as the CPU would; a page the
 * guest allows writing but has not dirtied is shadowed read-only, and the
 * first write faults, sets D and makes the shadow entry writable.
 *
 * The hardware mode: the shadow is 4-level when the guest is in long mode;
 * otherwise (paging off, 32-bit, PAE) the processor runs legacy PAE paging
 * (as KVM does on SVM) on a 4-entry PDPT whose entries are the page
 * directories under slot 0 of the same 4-level tree: every 32-bit linear
 * address lies there. With the guest's paging off the shadow maps linear =
 * guest physical; CR0.PG and CR0.WP are always on underneath.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "lib/common/pt.h"
#include "lib/common/x86_mem.h"
#include "lib/common/x86_walk.h"

/* CR4.PGE (Intel SDM vol.3A §2.5): global pages. */
#define SHADOW_CR4_PGE (1ull << 7)

#define SHADOW_ROOTS 8 /* cached roots (guest address spaces) per engine */

/* What the engine runs on. */
struct shadow_env {
	void *ctx;
	/* The guest's physical memory: its tables are read, and A/D set, here.
	 * A 4-byte write must be an atomic OR where other vCPUs run. */
	const struct x86_mem *guest_phys;
	/* The VM's map at the 4 KiB page gpa: 0 with the host frame and whether
	 * the guest may write it; -1 where there is no memory (an MMIO access). */
	int (*gpa_to_hpa)(void *ctx, uint64_t gpa, uint64_t *hpa, bool *writable);
	/* Frames of the shadow tables (ctx is the pt_ops' own). */
	struct pt_ops tables;
	/* A zeroed frame below 4 GiB: the PAE root, which a 32-bit CR3 must
	 * reach (AMD APM vol.2 §5.2.1). NULL: tables.alloc_table's frames are. */
	uint64_t (*alloc_low)(void *ctx);
};

struct shadow_root {
	uint64_t guest_cr3; /* the address space it shadows (0 with paging off) */
	uint64_t pml4;	    /* 0: the slot is free */
	uint64_t pae_pdpt;  /* the root in PAE hardware mode, else 0 */
	uint64_t last_use;
	uint64_t frames;     /* table frames, the roots included */
	bool revalidate_all; /* at the next load, the guest's global entries too */
};

/* Why exits happened and what they cost: the counters the bench compares. */
struct shadow_stats {
	uint64_t fills;	       /* #PF exits the kernel resolved (a shadow entry made or widened) */
	uint64_t guest_faults; /* #PF reflected into the guest */
	uint64_t mmio;	       /* #PF on a guest-physical address with no memory */
	uint64_t cr3_loads;
	uint64_t invlpgs;
	uint64_t revalidated;  /* entries checked when a cached root was loaded again */
	uint64_t zapped;       /* entries dropped because the guest's tables changed */
	uint64_t evictions;    /* roots dropped for the memory bound */
	uint64_t mode_changes; /* all roots dropped: CR0/CR4/EFER paging bits changed */
};

struct shadow {
	const struct shadow_env *env;
	struct pt_ops ops;	 /* env->tables, counted */
	struct x86_paging guest; /* the guest's registers as it last set them */
	bool loaded;		 /* guest is valid and current is its root */
	bool resync;		 /* the guest loaded CR3: revalidate before the next entry */
	struct shadow_root roots[SHADOW_ROOTS];
	struct shadow_root *current;
	struct shadow_root *accounted; /* the root the table callbacks count against */
	uint64_t frames, max_frames, clock;
	bool tlb_flush; /* entries went away: flush the TLB before the next entry */
	struct shadow_stats stats;
};

/* max_frames bounds all roots' tables together (at least 16). */
void shadow_init(struct shadow *s, const struct shadow_env *env, uint64_t max_frames);
void shadow_destroy(struct shadow *s); /* frees every table */

/* Before each entry: the guest's CR0/CR3/CR4/EFER as it has them now. A
 * change of the bits that shape a walk drops every root; a new CR3 (or a
 * reload, shadow_guest_cr3_write) selects its cached root, revalidated, or
 * a fresh one. 0, or -1 when no frame is left for a root. */
int shadow_sync(struct shadow *s, const struct x86_paging *guest);

/* The guest executed MOV to CR3 (whatever the value): what a real TLB
 * forgets then, the shadow rechecks at the next shadow_sync. */
void shadow_guest_cr3_write(struct shadow *s);

/* The guest flushed its whole TLB, global entries included (it toggled
 * CR4.PGE, §4.10.4.1): every root is rechecked in full when next loaded. */
void shadow_guest_flush_all(struct shadow *s);

/* The guest executed INVLPG lin. */
void shadow_invlpg(struct shadow *s, uint64_t lin);

/* Drops every root: the VM's map changed (a range was unmapped). */
void shadow_flush_all(struct shadow *s);

/* What the processor runs with, for the guest's current state. */
uint64_t shadow_hw_cr0(const struct shadow *s);
uint64_t shadow_hw_cr3(const struct shadow *s);
uint64_t shadow_hw_cr4(const struct shadow *s);
uint64_t shadow_hw_efer(const struct shadow *s);

/* Whether the TLB must be flushed before the next entry; clears the request. */
bool shadow_take_tlb_flush(struct shadow *s);

enum shadow_fault_kind {
	SHADOW_FIXED,	    /* the shadow has the entry now: enter the guest again */
	SHADOW_GUEST_FAULT, /* the guest's own fault: inject fault (vector, error code, CR2) */
	SHADOW_MMIO,	    /* no memory at gpa (or a write to read-only memory): the VMM's */
	SHADOW_NO_MEMORY,   /* no frame for a shadow table even after evicting */
};

struct shadow_fault {
	struct x86_fault fault; /* SHADOW_GUEST_FAULT */
	uint64_t gpa;		/* SHADOW_MMIO */
	bool write, fetch;	/* SHADOW_MMIO */
};

/* A #PF exit at linear address lin with the hardware's error code
 * (X86_PF_*). extra_access: X86_ACCESS_SMAP_EXEMPT when the guest's
 * RFLAGS.AC lets a supervisor access through SMAP. */
enum shadow_fault_kind shadow_page_fault(struct shadow *s, uint64_t lin, uint32_t error_code,
					 unsigned extra_access, struct shadow_fault *out);
