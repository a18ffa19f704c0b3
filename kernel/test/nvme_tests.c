/* Self-tests of the NVMe driver on tools/run --nvme: what happens when a controller stops answering. */
#include "drivers/nvme/kernel/ctl.h"
#include "kernel/arch/timer.h"
#include "kernel/console.h"
#include "kernel/ctl/shutdown.h"
#include "kernel/test/ktest.h"
#include "lib/common/pci.h"

#define DEAD_BOUND_NS 1000000000ull /* "at once": far below CAP.TO (7.5 s on QEMU) and the command timeouts */

/* The PF with its memory decode off (it reads zeros on q35; a function that is gone reads
 * all ones): the reset gives up at once instead of waiting out CAP.TO, power-off names
 * namespace 1 as not flushed without waiting, and once the controller answers again it
 * flushes as before. */
KTEST(nvme_dead_controller)
{
	struct nvme_ctrl *c = nvme_ctrl_main();
	if (!c) {
		kprintf("nvme-test: no NVMe controller attached; nothing to check\n");
		return 0;
	}
	uint16_t command = pci_read16(c->fn->cfg, c->fn->rid, PCI_COMMAND);
	pci_write16(c->fn->cfg, c->fn->rid, PCI_COMMAND, command & ~PCI_COMMAND_MEMORY);
	bool answers = nvme_ctrl_answers(c);
	uint64_t start = timer_now_ns();
	int err = nvme_ctrl_enable(c);
	shutdown_run_all();
	uint64_t took = timer_now_ns() - start;
	pci_write16(c->fn->cfg, c->fn->rid, PCI_COMMAND, command);
	KTEST_EXPECT(!answers, "the controller still answers with its memory decode off");
	KTEST_EXPECT(err == -SIETCH_EIO, "nvme_ctrl_enable on a dead controller returned %d", err);
	KTEST_EXPECT(took < DEAD_BOUND_NS, "giving up on a dead controller took %llu ms",
		     (unsigned long long)(took / 1000000));
	KTEST_EXPECT(nvme_ctrl_answers(c), "the controller does not answer after its decode is back");
	kprintf("nvme-test: a dead controller was given up in %llu ms\n", (unsigned long long)(took / 1000000));
	shutdown_run_all(); /* flushes namespace 1 again: the controller was left as it was */
	return 0;
}

/* An admin command the controller refuses (Identify Namespace of a namespace ID that cannot
 * exist, NVMe 1.4 §5.15.2) comes back as -SIETCH_EIO and is logged with the command's and the
 * status's names. */
KTEST(nvme_admin_error_named)
{
	struct nvme_ctrl *c = nvme_ctrl_main();
	if (!c) {
		kprintf("nvme-test: no NVMe controller attached; nothing to check\n");
		return 0;
	}
	static uint8_t page[4096];
	int err = nvme_identify(c, NVME_IDENTIFY_CNS_NAMESPACE, 0xfffffffeu, 0, page);
	KTEST_EXPECT(err == -SIETCH_EIO, "Identify of namespace fffffffeh returned %d", err);
	return 0;
}
