/*
 * Page tables for the kernel and for processes, over lib/common/pt.c.
 * The layout is in kernel/arch/layout.h; the bit meanings in SDM vol.3 §4.5.
 */
#include "kernel/mm/vm.h"
#include "kernel/arch/cpu.h"
#include "kernel/arch/percpu.h"
#include "kernel/arch/tlb.h"
#include "kernel/console.h"
#include "kernel/mm/frame.h"
#include "lib/common/multiboot2.h"
#include "lib/common/pt.h"

extern char __text_start[], __text_end[], __rodata_start[], __rodata_end[], __data_start[], __data_end[];
extern char __kernel_phys_start[], __kernel_end[];

#define PML4_KERNEL_FIRST 256
#define PML4_DIRECT_MAP 256 /* one slot: 512 GiB of physical address space */
#define PML4_KERNEL_IMAGE 511
#define DIRECT_MAP_LIMIT (512ull << 30)

static void cpu_space_invalidate(struct addr_space *as, uint64_t va, uint64_t size);

const struct vm_space_ops vm_cpu_space_ops = { .invalidate = cpu_space_invalidate };

struct addr_space kernel_space = {
	.format = &pt_format_x86_64,
	.ops = &vm_cpu_space_ops,
	.root_slots = PT_ENTRIES,
	.lock = SPINLOCK_INIT("kernel_space"),
};

/* What each CPU has in CR3, as vm_space_activate last loaded it. */
static struct addr_space *active_space[MAX_CPUS];

static void *pt_phys_to_ptr(void *ctx, uint64_t phys)
{
	(void)ctx;
	return phys_to_virt(phys);
}
static uint64_t pt_alloc_table(void *ctx)
{
	(void)ctx;
	uint64_t phys = frame_alloc();
	return phys == FRAME_NONE ? 0 : phys;
}
static void pt_free_table(void *ctx, uint64_t phys)
{
	(void)ctx;
	frame_free(phys);
}
static const struct pt_ops frame_pt_ops = { 0, pt_phys_to_ptr, pt_alloc_table, pt_free_table };

uint64_t virt_to_phys(const void *virt)
{
	uint64_t v = (uint64_t)virt;
	if (v >= KERNEL_VMA)
		return v - KERNEL_VMA;
	if (v >= DIRECT_MAP_BASE && v < DIRECT_MAP_BASE + DIRECT_MAP_LIMIT)
		return v - DIRECT_MAP_BASE;
	/* The boot information sits below 4 GiB and is reached by identity before vm_init. */
	return v;
}

/* vm_map flags spelled in as's entry format; kernel mappings are global. */
static uint64_t pte_flags(const struct addr_space *as, unsigned flags)
{
	unsigned attrs = PT_ATTR_READ | ((flags & VM_USER) ? PT_ATTR_USER : PT_ATTR_GLOBAL);
	if (flags & VM_WRITE)
		attrs |= PT_ATTR_WRITE;
	if (flags & VM_EXEC)
		attrs |= PT_ATTR_EXEC;
	if (flags & VM_NOCACHE)
		attrs |= PT_ATTR_UNCACHED;
	if (flags & VM_SHARED)
		attrs |= PT_ATTR_SHARED;
	return pt_attr_bits(as->format, attrs);
}

/* Past this many pages one full flush is cheaper than INVLPG each. */
#define INVLPG_MAX_PAGES 64

/*
 * The CPUs that may cache entries of `as` just cleared. The fence orders the
 * clearing stores before the read of the set (x86 lets a load pass earlier
 * stores, SDM vol.3 §8.2.3.4); vm_space_activate's half is a locked add.
 */
static uint64_t space_cpus(struct addr_space *as)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return __atomic_load_n(&as->cpus, __ATOMIC_RELAXED);
}

/*
 * This CPU's entries go by INVLPG (SDM vol.3 §4.10.4.1); for a process's
 * space the other CPUs that may run it are shot down too. The kernel's own
 * space is flushed on this CPU only: after start-up it changes by gaining
 * pages (kmap_phys), which needs no flush since not-present entries are not
 * cached (§4.10.4.3); a page kmap_phys turns uncached, or the AP trampoline
 * unmapped, may stay in another CPU's TLB until it flushes.
 */
static void cpu_space_invalidate(struct addr_space *as, uint64_t va, uint64_t size)
{
	if (as == &kernel_space || read_cr3() == as->root) {
		if (size > INVLPG_MAX_PAGES * PAGE_SIZE)
			tlb_flush_all_local();
		else
			for (uint64_t off = 0; off < size; off += PAGE_SIZE)
				invlpg(va + off);
	}
	if (as != &kernel_space)
		tlb_shootdown(as->root, space_cpus(as));
}

int vm_map(struct addr_space *as, uint64_t va, uint64_t pa, uint64_t size, unsigned flags)
{
	uint64_t step = (flags & VM_LARGE) ? LARGE_PAGE_SIZE : PAGE_SIZE;
	if ((va | pa | size) & (step - 1))
		return -SIETCH_EINVAL;
	spin_lock(&as->lock);
	int err = 0;
	uint64_t done = 0, bits = pte_flags(as, flags);
	for (; done < size && !err; done += step)
		err = pt_map(as->format, &frame_pt_ops, as->root, va + done, pa + done, step, bits);
	if (err)
		for (uint64_t undo = 0; undo + step < done; undo += step)
			pt_unmap(as->format, &frame_pt_ops, as->root, va + undo, step, 0);
	spin_unlock(&as->lock);
	return err;
}

/*
 * Frames of a user address space are freed only after every CPU has dropped
 * its TLB entries for them (another thread of the process may be running
 * elsewhere): unmap a batch under the lock, shoot down, free, repeat.
 */
#define UNMAP_BATCH 64

struct unmap_batch {
	uint64_t frame[UNMAP_BATCH];
	uint64_t pages[UNMAP_BATCH];
	int count;
};

static void unmap_batch_release(struct unmap_batch *batch)
{
	for (int i = 0; i < batch->count; i++)
		frame_free_contiguous(batch->frame[i], batch->pages[i]);
	batch->count = 0;
}

/* With as->lock held: unmap the page or 2 MiB page at va; returns the bytes it covered, 0 if none. */
static uint64_t unmap_one(struct addr_space *as, uint64_t va, uint64_t remaining, uint64_t *pa, uint64_t *pte)
{
	struct pt_walk_result walk;
	if (pt_walk(as->format, &frame_pt_ops, as->root, va, &walk))
		return 0;
	*pte = walk.pte;
	/* A 2 MiB page goes whole when the range covers it, else it is split first. */
	uint64_t step = walk.page_size;
	if (step != PAGE_SIZE && ((va & (step - 1)) || remaining < step)) {
		if (pt_split_large(as->format, &frame_pt_ops, as->root, va))
			return 0; /* no memory for the split: the page stays mapped */
		step = PAGE_SIZE;
	}
	if (pt_unmap(as->format, &frame_pt_ops, as->root, va, step, pa))
		return 0;
	return step;
}

int vm_unmap(struct addr_space *as, uint64_t va, uint64_t size, bool free_frames)
{
	if ((va | size) & (PAGE_SIZE - 1))
		return -SIETCH_EINVAL;
	struct unmap_batch batch = { .count = 0 };
	int missing = 0;
	uint64_t off = 0;
	while (off < size) {
		uint64_t batch_start = off;
		spin_lock(&as->lock);
		while (off < size && batch.count < UNMAP_BATCH) {
			uint64_t pa, pte, step = unmap_one(as, va + off, size - off, &pa, &pte);
			if (!step) {
				missing = -SIETCH_ENOENT;
				off += PAGE_SIZE;
				continue;
			}
			if (free_frames && !(pte & as->format->shared)) { /* a memory object's frame: the object frees it */
				batch.frame[batch.count] = pa;
				batch.pages[batch.count++] = step / PAGE_SIZE;
			}
			off += step;
		}
		spin_unlock(&as->lock);
		as->ops->invalidate(as, va + batch_start, off - batch_start);
		unmap_batch_release(&batch);
	}
	return missing;
}

void tlb_flush_all_local(void)
{
	/* Toggling CR4.PGE flushes global entries too (SDM vol.3 §4.10.4.1). */
	uint64_t cr4 = read_cr4();
	write_cr4(cr4 & ~CR4_PGE);
	write_cr4(cr4);
}

int vm_protect(struct addr_space *as, uint64_t va, uint64_t size, unsigned flags)
{
	spin_lock(&as->lock);
	int err = 0;
	uint64_t bits = pte_flags(as, flags);
	for (uint64_t off = 0; off < size && !err; off += PAGE_SIZE) {
		struct pt_walk_result walk;
		err = pt_walk(as->format, &frame_pt_ops, as->root, va + off, &walk);
		if (!err && walk.page_size != PAGE_SIZE)
			err = pt_split_large(as->format, &frame_pt_ops, as->root, va + off);
		if (!err)
			err = pt_protect(as->format, &frame_pt_ops, as->root, va + off, bits);
	}
	spin_unlock(&as->lock);
	as->ops->invalidate(as, va, size);
	return err;
}

bool vm_translate(struct addr_space *as, uint64_t va, uint64_t *pa, uint64_t *pte)
{
	struct pt_walk_result walk;
	if (pt_walk(as->format, &frame_pt_ops, as->root, va, &walk))
		return false;
	if (pa)
		*pa = walk.phys;
	if (pte)
		*pte = walk.pte;
	return true;
}

bool kmap_phys_reachable(uint64_t phys, size_t len)
{
	return phys + len >= phys && phys + len <= DIRECT_MAP_LIMIT;
}

/*
 * Device registers and firmware tables go into the direct map too, on demand:
 * MMIO as uncached 4 KiB pages, firmware tables (VM_WRITE only) as ordinary ones.
 */
void *kmap_phys(uint64_t phys, size_t len, unsigned flags)
{
	uint64_t first = phys & ~(PAGE_SIZE - 1), last = (phys + len + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	if (last > DIRECT_MAP_LIMIT || last < first)
		panic("kmap_phys: 0x%lx+0x%lx is beyond the direct map", phys, len);
	for (uint64_t p = first; p < last; p += PAGE_SIZE) {
		uint64_t va = (uint64_t)phys_to_virt(p);
		int err = 0;
		if (!vm_translate(&kernel_space, va, 0, 0))
			err = vm_map(&kernel_space, va, p, PAGE_SIZE, flags);
		else if (flags & VM_NOCACHE)
			err = vm_protect(&kernel_space, va, PAGE_SIZE, flags);
		if (err)
			panic("kmap_phys: cannot map 0x%lx (%d)", p, err);
	}
	return phys_to_virt(phys);
}

static void map_kernel_section(char *start, char *end, unsigned flags)
{
	uint64_t va = (uint64_t)start;
	if (vm_map(&kernel_space, va, va - KERNEL_VMA, (uint64_t)(end - start), flags))
		panic("vm_init: cannot map the kernel image");
}

/* All RAM (and ACPI tables) at DIRECT_MAP_BASE, in 2 MiB pages where the memory map allows. */
static void map_direct(const void *info)
{
	uint64_t base, len;
	uint32_t type;
	for (size_t i = 0; mb2_mmap_entry(info, i, &base, &len, &type); i++) {
		if (type != 1 && type != 3 && type != 4) /* available, ACPI reclaimable, ACPI NVS */
			continue;
		uint64_t p = base & ~(LARGE_PAGE_SIZE - 1), end = base + len;
		if (end > DIRECT_MAP_LIMIT)
			end = DIRECT_MAP_LIMIT;
		for (; p < end; p += LARGE_PAGE_SIZE)
			if (!vm_translate(&kernel_space, (uint64_t)phys_to_virt(p), 0, 0) &&
			    vm_map(&kernel_space, (uint64_t)phys_to_virt(p), p, LARGE_PAGE_SIZE, VM_WRITE | VM_LARGE))
				panic("vm_init: cannot map physical 0x%lx", p);
	}
}

void vm_init(const void *info)
{
	/* Below 4 GiB so an AP's 16-bit trampoline can load it into CR3. */
	kernel_space.root = frame_alloc_contiguous(1, 1, 1ull << 32);
	uint64_t *pml4 = phys_to_virt(kernel_space.root);
	for (int slot = PML4_KERNEL_FIRST; slot < 512; slot++) {
		if (slot != PML4_DIRECT_MAP && slot != PML4_KERNEL_IMAGE)
			continue;
		uint64_t table = frame_alloc();
		if (table == FRAME_NONE)
			panic("vm_init: out of memory");
		pml4[slot] = table | kernel_space.format->table_set;
	}
	map_kernel_section(__text_start, __text_end, VM_EXEC);
	map_kernel_section(__rodata_start, __rodata_end, 0);
	map_kernel_section(__data_start, __data_end, VM_WRITE);
	map_direct(info);
	write_cr3(kernel_space.root);
	/* W^X for the direct map too: the image's physical pages are not writable there. */
	uint64_t image = (uint64_t)__kernel_phys_start, image_end = (uint64_t)__kernel_end - KERNEL_VMA;
	vm_protect(&kernel_space, (uint64_t)phys_to_virt(image), image_end - image, 0);
}

int vm_space_create_empty(struct addr_space *as, const struct pt_format *format, const struct vm_space_ops *ops)
{
	uint64_t root = frame_alloc();
	if (root == FRAME_NONE)
		return -SIETCH_ENOMEM;
	*as = (struct addr_space){
		.root = root,
		.format = format,
		.ops = ops,
		.root_slots = PT_ENTRIES,
		.lock = SPINLOCK_INIT("addr_space"),
	};
	return 0;
}

int vm_space_create(struct addr_space *as)
{
	int err = vm_space_create_empty(as, &pt_format_x86_64, &vm_cpu_space_ops);
	if (err)
		return err;
	uint64_t *pml4 = phys_to_virt(as->root), *kernel_pml4 = phys_to_virt(kernel_space.root);
	for (int slot = PML4_KERNEL_FIRST; slot < PT_ENTRIES; slot++)
		pml4[slot] = kernel_pml4[slot];
	as->root_slots = PT_USER_SLOTS;
	return 0;
}

static void free_user_page(void *ctx, uint64_t pa)
{
	(void)ctx;
	frame_free(pa);
}

void vm_space_destroy(struct addr_space *as)
{
	pt_destroy(as->format, &frame_pt_ops, as->root, as->root_slots, free_user_page);
	frame_free(as->root);
	as->root = 0;
}

/*
 * The bit goes up before CR3 is loaded and comes down after another is: an
 * invalidation that clears an entry and then reads the set (space_cpus)
 * either sees this CPU or is seen by its CR3 load, which drops every
 * non-global entry (SDM vol.3 §4.10.4.1). The kernel's space keeps no set.
 */
void vm_space_activate(struct addr_space *as)
{
	irq_save_push(); /* the record and CR3 must be the same CPU's */
	uint32_t id = this_cpu()->id;
	uint64_t bit = 1ull << id;
	struct addr_space *old = active_space[id];
	if (as != &kernel_space)
		__atomic_or_fetch(&as->cpus, bit, __ATOMIC_SEQ_CST);
	active_space[id] = as;
	if (read_cr3() != as->root)
		write_cr3(as->root);
	if (old && old != as && old != &kernel_space)
		__atomic_and_fetch(&old->cpus, ~bit, __ATOMIC_SEQ_CST);
	irq_restore_pop();
}

struct addr_space *vm_space_current(void)
{
	return active_space[this_cpu()->id];
}
