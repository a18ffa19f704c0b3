/*
 * Address spaces: the kernel's own and one per process, and later a guest's
 * nested tables or a device's IOMMU tables. Each carries the format of its
 * tables (lib/common/pt_format.c) and the operation that drops stale
 * translations of it. Every process's space shares the kernel half (PML4
 * slots 256-511) by pointing at the same lower-level tables, which vm_init
 * creates once and never frees.
 *
 * Errors are the ABI's negative SIETCH_E* codes, as lib/common/pt.c gives
 * them: -SIETCH_EEXIST (something is mapped there), -SIETCH_ENOMEM (no
 * frame for a table), -SIETCH_EINVAL (misaligned or out of range),
 * -SIETCH_ENOENT (nothing is mapped there).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kernel/arch/spinlock.h"
#include "kernel/arch/layout.h"
#include "lib/common/pt.h" /* PAGE_SIZE, LARGE_PAGE_SIZE, PTE_*, struct pt_format */
#include "lib/common/syscall.h" /* SIETCH_E* */


/* vm_map flags; readable is implied */
#define VM_WRITE (1u << 0)
#define VM_EXEC (1u << 1)
#define VM_USER (1u << 2)
#define VM_NOCACHE (1u << 3) /* MMIO: strong uncacheable (PCD|PWT, SDM vol.3 §11.12.3) */
#define VM_LARGE (1u << 4)   /* use 2 MiB pages */
#define VM_SHARED (1u << 5)  /* the frames belong to a memory object: unmap and destroy never free them */

struct addr_space;

struct vm_space_ops {
	/*
	 * The translations of [va, va+size) were removed or lost rights: every
	 * TLB that may cache them (the CPUs', an IOMMU's) drops them before this
	 * returns. Called without as->lock held (a shootdown waits for other
	 * CPUs) and before any frame they mapped is freed.
	 */
	void (*invalidate)(struct addr_space *as, uint64_t va, uint64_t size);
};

/* The CPU's own tables: INVLPG on this CPU, a shootdown to the others. */
extern const struct vm_space_ops vm_cpu_space_ops;

struct addr_space {
	uint64_t root; /* physical address of the top table */
	const struct pt_format *format;
	const struct vm_space_ops *ops;
	unsigned root_slots; /* root entries this space owns and frees: the lower half for a process */
	struct spinlock lock;
	volatile uint64_t cpus; /* bit per CPU index that has it loaded: the targets of a shootdown */
};

extern struct addr_space kernel_space;

static inline void *phys_to_virt(uint64_t phys) { return (void *)(DIRECT_MAP_BASE + phys); }
uint64_t virt_to_phys(const void *virt); /* direct-map or kernel-image addresses only */

void vm_init(const void *multiboot_info);
void *kmap_phys(uint64_t phys, size_t len, unsigned flags);
/* Whether kmap_phys can map [phys, phys + len): inside the direct map's reach (device BARs may lie beyond). */
bool kmap_phys_reachable(uint64_t phys, size_t len);
static inline void *kmap_mmio(uint64_t phys, size_t len) { return kmap_phys(phys, len, VM_WRITE | VM_NOCACHE); }

int vm_map(struct addr_space *as, uint64_t va, uint64_t pa, uint64_t size, unsigned flags);
int vm_unmap(struct addr_space *as, uint64_t va, uint64_t size, bool free_frames);
int vm_protect(struct addr_space *as, uint64_t va, uint64_t size, unsigned flags);
bool vm_translate(struct addr_space *as, uint64_t va, uint64_t *pa, uint64_t *pte);

int vm_space_create(struct addr_space *as); /* a process's: the CPU's format, the kernel half shared */
/* An empty space of any format that owns its whole root (a guest's nested
 * tables, a device's IOMMU tables); 0 or -SIETCH_ENOMEM. */
int vm_space_create_empty(struct addr_space *as, const struct pt_format *format, const struct vm_space_ops *ops);
void vm_space_destroy(struct addr_space *as); /* frees every user page and table */
void vm_space_activate(struct addr_space *as); /* load it into this CPU's CR3 */
/* The space this CPU last activated (NULL before the first): the calling
 * thread's process's while it runs in the kernel, the kernel's in a kernel
 * thread. Call with interrupts off, or the answer may be another CPU's. */
struct addr_space *vm_space_current(void);
void tlb_flush_all_local(void);
