/*
 * The kernel's side of the shadow engine (see shadow_vcpu.h).
 */
#include "kernel/shadowpt/shadow_vcpu.h"

#include "kernel/console.h"
#include "kernel/mm/frame.h"
#include "kernel/mm/heap.h"
#include "kernel/mm/vm.h"
#include "lib/common/string.h"

static void *direct_map(void *ctx, uint64_t pa)
{
	(void)ctx;
	return phys_to_virt(pa);
}

static uint64_t table_alloc(void *ctx)
{
	(void)ctx;
	uint64_t pa = frame_alloc();
	return pa == FRAME_NONE ? 0 : pa;
}

/* The PAE root: CR3 holds 32 bits outside long mode (AMD APM vol.2 §5.2.1). */
static uint64_t table_alloc_low(void *ctx)
{
	(void)ctx;
	uint64_t pa = frame_alloc_contiguous(1, 1, 1ull << 32);
	return pa == FRAME_NONE ? 0 : pa;
}

static void table_free(void *ctx, uint64_t pa)
{
	(void)ctx;
	frame_free(pa);
}

static int gpa_to_hpa(void *ctx, uint64_t gpa, uint64_t *hpa, bool *writable)
{
	struct shadow_vcpu *sv = ctx;
	struct pt_walk_result r;
	if (pt_walk(sv->map_format, &sv->map_ops, sv->map_root, gpa, &r) != 0)
		return -1;
	*hpa = r.phys & ~(PAGE_SIZE - 1);
	*writable = (pt_entry_attrs(sv->map_format, r.pte) & PT_ATTR_WRITE) != 0;
	return 0;
}

/* Guest-physical memory a page at a time; no memory there is -1. */
static int guest_access(struct shadow_vcpu *sv, uint64_t addr, void *buf, const void *src, size_t len)
{
	while (len) {
		uint64_t hpa;
		bool writable;
		size_t chunk = PAGE_SIZE - (addr & (PAGE_SIZE - 1));
		if (chunk > len)
			chunk = len;
		if (gpa_to_hpa(sv, addr & ~(PAGE_SIZE - 1), &hpa, &writable) != 0 || (src && !writable))
			return -1;
		uint8_t *p = phys_to_virt(hpa + (addr & (PAGE_SIZE - 1)));
		if (!src)
			memcpy(buf, p, chunk);
		else if (chunk == 4 && ((uintptr_t)p & 3) == 0) {
			/* The walker's A/D update: an atomic OR, since the guest's other
			 * vCPUs may change the same entry meanwhile (x86_walk.h). */
			uint32_t bits;
			memcpy(&bits, src, 4);
			__atomic_or_fetch((uint32_t *)p, bits, __ATOMIC_SEQ_CST);
		} else
			memcpy(p, src, chunk);
		addr += chunk;
		len -= chunk;
		buf = (uint8_t *)buf + chunk;
		if (src)
			src = (const uint8_t *)src + chunk;
	}
	return 0;
}

static int guest_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	return guest_access(ctx, addr, buf, NULL, len);
}

static int guest_write(void *ctx, uint64_t addr, const void *buf, size_t len)
{
	uint8_t unused;
	return guest_access(ctx, addr, &unused, buf, len);
}

struct shadow_vcpu *shadow_vcpu_create(const struct pt_format *map_format, uint64_t map_root)
{
	struct shadow_vcpu *sv = kzalloc(sizeof(*sv));
	if (!sv)
		return NULL;
	sv->map_format = map_format;
	sv->map_root = map_root;
	sv->map_ops = (struct pt_ops){ .phys_to_ptr = direct_map };
	sv->guest_phys = (struct x86_mem){ .ctx = sv, .read = guest_read, .write = guest_write };
	sv->env = (struct shadow_env){
		.ctx = sv,
		.guest_phys = &sv->guest_phys,
		.gpa_to_hpa = gpa_to_hpa,
		.tables = { .phys_to_ptr = direct_map, .alloc_table = table_alloc, .free_table = table_free },
		.alloc_low = table_alloc_low,
	};
	shadow_init(&sv->engine, &sv->env, SHADOW_VCPU_MAX_FRAMES);
	return sv;
}

void shadow_vcpu_destroy(struct shadow_vcpu *sv)
{
	if (!sv)
		return;
	shadow_destroy(&sv->engine);
	kfree(sv);
}

int shadow_vcpu_enter(struct shadow_vcpu *sv, uint64_t map_generation, const struct x86_paging *guest,
		      struct x86_paging *hw)
{
	if (map_generation != sv->map_generation) { /* the VM's map lost pages: nothing shadowed may stay */
		shadow_flush_all(&sv->engine);
		sv->map_generation = map_generation;
	}
	if (shadow_sync(&sv->engine, guest) != 0)
		return -1;
	sv->saved = *guest;
	sv->flush |= shadow_take_tlb_flush(&sv->engine);
	*hw = *guest;
	hw->cr0 = shadow_hw_cr0(&sv->engine);
	hw->cr3 = shadow_hw_cr3(&sv->engine);
	hw->cr4 = shadow_hw_cr4(&sv->engine);
	hw->efer = shadow_hw_efer(&sv->engine);
	return 0;
}

void shadow_vcpu_cr_written(struct shadow_vcpu *sv, bool cr3_load, bool flush_all)
{
	if (cr3_load)
		shadow_guest_cr3_write(&sv->engine);
	if (flush_all)
		shadow_guest_flush_all(&sv->engine);
}

bool shadow_vcpu_take_flush(struct shadow_vcpu *sv)
{
	bool flush = sv->flush;
	sv->flush = false;
	return flush;
}

/* The exits are counted by reason already; this adds the work done in the
 * kernel without an exit. */
void shadow_vcpu_report(const struct shadow_vcpu *sv, uint32_t vm_id, uint32_t vcpu_index)
{
	const struct shadow_stats *st = &sv->engine.stats;
	if (!st->fills && !st->cr3_loads)
		return;
	kprintf("sietch: vm%u vcpu %u: shadow: %lu fills, %lu guest faults, %lu mmio, %lu cr3 loads, %lu invlpg, "
		"%lu entries revalidated, %lu zapped, %lu roots evicted, %lu mode changes\n",
		vm_id, vcpu_index, st->fills, st->guest_faults, st->mmio, st->cr3_loads, st->invlpgs,
		st->revalidated, st->zapped, st->evictions, st->mode_changes);
}
