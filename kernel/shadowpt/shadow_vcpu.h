/*
 * The shadow engine (shadowpt.h) set up in the kernel for one vCPU: shadow
 * tables in frames of the frame allocator, reached through the direct map,
 * and the guest's physical memory read through the VM's map — whatever
 * format that map has (AMD nested tables, Intel EPT), so SVM and VMX back
 * ends use it alike.
 *
 * One engine per vCPU: its shadow is that vCPU's TLB, so the guest's own
 * shootdowns (an IPI, then INVLPG or a CR3 load on each vCPU) keep every
 * vCPU's shadow consistent without any locking between vCPUs.
 */
#pragma once

#include <stdint.h>

#include "kernel/shadowpt/shadowpt.h"

/* Shadow-table frames per vCPU, all cached roots together: 8 MiB. */
#define SHADOW_VCPU_MAX_FRAMES 2048

struct shadow_vcpu {
	struct shadow engine;
	struct shadow_env env;
	struct x86_mem guest_phys;
	const struct pt_format *map_format; /* the VM's map: gpa -> hpa */
	uint64_t map_root;
	struct pt_ops map_ops;
	uint64_t map_generation; /* the VM map's generation the shadow was built from */
	struct x86_paging saved; /* the guest's registers while the hardware's are loaded */
	bool flush;		 /* the back end flushes the TLB at its next entry */
};

/* A shadow for a VM whose map is the table at map_root of map_format
 * (NULL out of memory). */
struct shadow_vcpu *shadow_vcpu_create(const struct pt_format *map_format, uint64_t map_root);
void shadow_vcpu_destroy(struct shadow_vcpu *sv);

/* Before an entry, with interrupts on (a CR3 load may build a root): the
 * shadow for the guest's registers now, after dropping every root if the
 * VM's map lost pages since (map_generation moved); *hw gets the registers
 * the processor runs with. 0, or -1 when no frame is left for a root. */
int shadow_vcpu_enter(struct shadow_vcpu *sv, uint64_t map_generation, const struct x86_paging *guest,
		      struct x86_paging *hw);
/* The guest loaded CR3 (cr3_load) and/or flushed its whole TLB, global
 * entries too (flush_all): the shadow rechecks at the next entry. */
void shadow_vcpu_cr_written(struct shadow_vcpu *sv, bool cr3_load, bool flush_all);
/* Whether the guest's TLB must be flushed at the next entry; clears the request. */
bool shadow_vcpu_take_flush(struct shadow_vcpu *sv);
/* A console line of what the shadow cost vm<vm_id>'s vCPU (nothing if it never ran paged). */
void shadow_vcpu_report(const struct shadow_vcpu *sv, uint32_t vm_id, uint32_t vcpu_index);
