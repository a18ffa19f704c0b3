/*
 * Address spaces: the kernel's own and one per process. Every address space
 * shares the kernel half (PML4 slots 256-511) by pointing at the same
 * lower-level tables, which vm_init creates once and never frees.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kernel/arch/spinlock.h"
#include "kernel/mm/layout.h"
#include "lib/common/pt.h" /* PAGE_SIZE, LARGE_PAGE_SIZE, PTE_* */


/* vm_map flags; readable is implied */
#define VM_WRITE (1u << 0)
#define VM_EXEC (1u << 1)
#define VM_USER (1u << 2)
#define VM_NOCACHE (1u << 3) /* MMIO: strong uncacheable (PCD|PWT, SDM vol.3 §11.12.3) */
#define VM_LARGE (1u << 4)   /* use 2 MiB pages */
#define VM_SHARED (1u << 5)  /* the frames belong to a memory object: unmap and destroy never free them */

struct addr_space {
	uint64_t root; /* physical address of the PML4 */
	struct spinlock lock;
	volatile uint64_t cpus; /* bit per CPU index that has it loaded: the targets of a shootdown */
};

extern struct addr_space kernel_space;

static inline void *phys_to_virt(uint64_t phys) { return (void *)(DIRECT_MAP_BASE + phys); }
uint64_t virt_to_phys(const void *virt); /* direct-map or kernel-image addresses only */

void vm_init(const void *multiboot_info);
void *kmap_phys(uint64_t phys, size_t len, unsigned flags);
static inline void *kmap_mmio(uint64_t phys, size_t len) { return kmap_phys(phys, len, VM_WRITE | VM_NOCACHE); }

int vm_map(struct addr_space *as, uint64_t va, uint64_t pa, uint64_t size, unsigned flags);
int vm_unmap(struct addr_space *as, uint64_t va, uint64_t size, bool free_frames);
int vm_protect(struct addr_space *as, uint64_t va, uint64_t size, unsigned flags);
bool vm_translate(struct addr_space *as, uint64_t va, uint64_t *pa, uint64_t *pte);

int vm_space_create(struct addr_space *as);
void vm_space_destroy(struct addr_space *as); /* frees every user page and table */
void vm_space_activate(struct addr_space *as); /* load it on this CPU, and note that it is here */
void tlb_flush_all_local(void);

/* Errors */
#define VM_ERR_EXISTS (-1)
#define VM_ERR_NOMEM (-2)
#define VM_ERR_ALIGN (-3)
#define VM_ERR_RANGE (-4)
