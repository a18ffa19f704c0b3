#include "kernel/mm/uaccess.h"
#include "kernel/mm/vm.h"
#include "kernel/proc/proc.h"
#include "lib/common/string.h"
#include "lib/common/syscall.h"

bool user_range_ok(uint64_t start, size_t len)
{
	return start + len >= start && start + len <= USER_TOP;
}

/*
 * Page by page under the address space's lock, so another thread of the same
 * process cannot unmap (and free) a page between the check and the copy.
 */
static long copy_user(uint64_t user, void *kernel, size_t len, bool to_user)
{
	struct proc *p = proc_current();
	if (!p || !user_range_ok(user, len))
		return -SIETCH_EFAULT;
	uint64_t need = PTE_USER | (to_user ? PTE_WRITE : 0);
	spin_lock(&p->space.lock);
	while (len) {
		uint64_t pa, pte, chunk = PAGE_SIZE - (user & (PAGE_SIZE - 1));
		if (chunk > len)
			chunk = len;
		if (!vm_translate(&p->space, user, &pa, &pte) || (pte & need) != need) {
			spin_unlock(&p->space.lock);
			return -SIETCH_EFAULT;
		}
		if (to_user)
			memcpy(phys_to_virt(pa), kernel, chunk);
		else
			memcpy(kernel, phys_to_virt(pa), chunk);
		user += chunk;
		kernel = (uint8_t *)kernel + chunk;
		len -= chunk;
	}
	spin_unlock(&p->space.lock);
	return 0;
}

long copy_from_user(void *dst, uint64_t user_src, size_t len) { return copy_user(user_src, dst, len, false); }

long copy_to_user(uint64_t user_dst, const void *src, size_t len)
{
	return copy_user(user_dst, (void *)src, len, true);
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
