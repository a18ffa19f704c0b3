/*
 * pci_list: what the kernel knows of each PCI function, for lspci. Read-only
 * facts about the machine, so any process may ask; owning a function is done
 * through the objects drivers hand out, never through this call.
 */
#include "kernel/ctl/syscall.h"
#include "kernel/mm/heap.h"
#include "kernel/mm/uaccess.h"
#include "kernel/pci/pci.h"

#define PCI_LIST_MAX 64 /* entries one call returns; more is a short count */

/* (size_t first, struct sietch_pci_info *buf, size_t count) -> entries written, 0 past the last */
long sys_pci_list(const struct syscall_args *args)
{
	uint64_t first = args->arg[0], user_buf = args->arg[1], count = args->arg[2];
	if (count > PCI_LIST_MAX)
		count = PCI_LIST_MAX;
	if (!user_range_ok(user_buf, count * sizeof(struct sietch_pci_info)))
		return -SIETCH_EFAULT;
	if (count == 0 || first >= pci_function_count())
		return 0;
	struct sietch_pci_info *info = kzalloc(count * sizeof(*info)); /* zeroed: no kernel bytes leak out */
	if (!info)
		return -SIETCH_ENOMEM;
	size_t n = pci_info_snapshot(first, info, count);
	long err = copy_to_user(user_buf, info, n * sizeof(*info));
	kfree(info);
	return err ? err : (long)n;
}
