#include "kernel/mm/uaccess.h"
#include "kernel/arch/cpu.h"
#include "kernel/arch/percpu.h"
#include "kernel/mm/vm.h"
#include "lib/common/string.h"
#include "lib/common/syscall.h"

/* Each CPU counts its own holds (it holds a lock with interrupts off while it
 * writes them), on its own cache line, so the counting costs no sharing. */
#define CACHE_LINE 64 /* bytes on x86-64 CPUs to date; CPUID.01H:EBX[15:8] x 8 reports it (CLFLUSH line size) */

static struct {
	struct uaccess_holds h;
} __attribute__((aligned(CACHE_LINE))) holds[MAX_CPUS];

bool user_range_ok(uint64_t start, size_t len)
{
	return start + len >= start && start + len <= USER_TOP;
}

static void holds_record(uint64_t bytes, uint64_t cycles)
{
	struct uaccess_holds *h = &holds[this_cpu()->id].h;
	h->count++;
	if (bytes > h->max_bytes)
		h->max_bytes = bytes;
	if (cycles > h->max_cycles)
		h->max_cycles = cycles;
}

/*
 * One page under one hold of the address space's lock: the check and the
 * copy must sit under the same hold, or another thread of the process could
 * unmap (and free) the frame between them. The next page takes the lock
 * anew, so a long copy never keeps interrupts off for more than one page.
 */
static long copy_page(struct addr_space *as, uint64_t user, void *kernel, size_t chunk, bool to_user)
{
	unsigned need = PT_ATTR_USER | (to_user ? PT_ATTR_WRITE : PT_ATTR_READ);
	uint64_t pa, pte;

	spin_lock(&as->lock);
	uint64_t start = rdtsc();
	bool ok = vm_translate(as, user, &pa, &pte) && (pt_entry_attrs(as->format, pte) & need) == need;
	if (ok && to_user)
		memcpy(phys_to_virt(pa), kernel, chunk);
	else if (ok)
		memcpy(kernel, phys_to_virt(pa), chunk);
	holds_record(ok ? chunk : 0, rdtsc() - start);
	spin_unlock(&as->lock);
	return ok ? 0 : -SIETCH_EFAULT;
}

static long copy_user(struct addr_space *as, uint64_t user, void *kernel, size_t len, bool to_user)
{
	if (!as || !user_range_ok(user, len))
		return -SIETCH_EFAULT;
	while (len) {
		uint64_t chunk = PAGE_SIZE - (user & (PAGE_SIZE - 1));
		if (chunk > len)
			chunk = len;
		long err = copy_page(as, user, kernel, chunk, to_user);
		if (err)
			return err;
		user += chunk;
		kernel = (uint8_t *)kernel + chunk;
		len -= chunk;
	}
	return 0;
}

long uaccess_copy_from(struct addr_space *as, void *dst, uint64_t user_src, size_t len)
{
	return copy_user(as, user_src, dst, len, false);
}

long uaccess_copy_to(struct addr_space *as, uint64_t user_dst, const void *src, size_t len)
{
	return copy_user(as, user_dst, (void *)src, len, true);
}

/* The calling process's space; NULL in a kernel thread. */
static struct addr_space *caller_space(void)
{
	irq_save_push();
	struct addr_space *as = vm_space_current();
	irq_restore_pop();
	return as == &kernel_space ? NULL : as;
}

long copy_from_user(void *dst, uint64_t user_src, size_t len)
{
	return uaccess_copy_from(caller_space(), dst, user_src, len);
}

long copy_to_user(uint64_t user_dst, const void *src, size_t len)
{
	return uaccess_copy_to(caller_space(), user_dst, src, len);
}

long copy_string_from_user(char *dst, size_t size, uint64_t user_src, size_t len)
{
	if (len >= size)
		return -SIETCH_ENAMETOOLONG;
	long err = copy_from_user(dst, user_src, len);
	if (err)
		return err;
	dst[len] = 0;
	if (strlen(dst) != len)
		return -SIETCH_EINVAL; /* a NUL inside the string */
	return 0;
}

void uaccess_holds_read(struct uaccess_holds *out)
{
	*out = (struct uaccess_holds){ 0 };
	for (uint32_t cpu = 0; cpu < MAX_CPUS; cpu++) {
		const volatile struct uaccess_holds *h = &holds[cpu].h;
		out->count += h->count;
		if (h->max_bytes > out->max_bytes)
			out->max_bytes = h->max_bytes;
		if (h->max_cycles > out->max_cycles)
			out->max_cycles = h->max_cycles;
	}
}

void uaccess_holds_reset(void)
{
	for (uint32_t cpu = 0; cpu < MAX_CPUS; cpu++)
		holds[cpu].h = (struct uaccess_holds){ 0 };
}
