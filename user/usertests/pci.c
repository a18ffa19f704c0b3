/* pci_list: the table of PCI functions reads the same in pages as at once, and ends cleanly. */
#include <string.h>
#include "user/usertests/usertests.h"

#define MAX 64

void case_pci_list(void)
{
	static struct sietch_pci_info all[MAX], one;
	long n = ut_expect_ok(os_pci_list(0, all, MAX), "pci_list");
	if (n == 0)
		ut_skip("this machine has no PCI functions (a VM without an ECAM window)");
	/* q35: the host bridge at 00:00.0 and the two root ports tools/run adds */
	ut_check(n >= 3, "pci_list returned %ld functions", n);
	ut_check(all[0].bus == 0 && all[0].devfn == 0 && all[0].vendor != 0xffff, "entry 0 is not 00:00.0");
	for (long i = 0; i < n; i++) {
		ut_check(os_pci_list((size_t)i, &one, 1) == 1, "pci_list of entry %ld alone", i);
		ut_check(memcmp(&one, &all[i], sizeof(one)) == 0, "entry %ld differs when read alone", i);
		ut_check(all[i].vendor != 0xffff, "entry %ld has vendor 0xffff", i);
		ut_check(all[i].parent == SIETCH_PCI_NO_INDEX || all[i].parent < n, "entry %ld parent %u", i, all[i].parent);
		ut_check(all[i].cap_count <= 48 && all[i].ecap_count <= 48, "entry %ld capability counts", i);
	}
	ut_check(os_pci_list((size_t)n + 100, &one, 1) == 0, "pci_list past the end");
	ut_check(os_pci_list(~(size_t)0, &one, 1) == 0, "pci_list from ~0");
	ut_check(os_pci_list(0, &one, 0) == 0, "pci_list of no entries");
}
