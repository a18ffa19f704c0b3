/* Self-test of the work queue (kernel/proc/work.h): what the IOMMU's fault interrupt hands its device resets to. */
#include "kernel/arch/cpu.h"
#include "kernel/arch/percpu.h"
#include "kernel/arch/regs.h"
#include "kernel/arch/timer.h"
#include "kernel/proc/thread.h"
#include "kernel/proc/work.h"
#include "kernel/test/ktest.h"
#include "lib/common/container_of.h"

#define WORK_WAIT_NS 2000000000ull /* the worker runs on another CPU within microseconds; 2 s is broken */

struct probe {
	struct work work;
	volatile unsigned runs;
	volatile unsigned order; /* when it ran, counted over both probes */
	volatile bool kernel_thread, interrupts_on;
};

static volatile unsigned ran_so_far;

static void probe_run(struct work *work)
{
	struct probe *p = container_of(work, struct probe, work);
	p->kernel_thread = thread_current() && thread_current()->kernel;
	p->interrupts_on = (read_rflags() & RFLAGS_IF) != 0;
	p->order = ++ran_so_far;
	__atomic_add_fetch(&p->runs, 1, __ATOMIC_RELEASE);
}

KTEST(work_runs_in_its_thread_in_order)
{
	if (cpus_online < 2)
		return 0; /* the boot thread never yields: the worker needs another CPU */
	static struct probe a = { .work = { .run = probe_run } }, b = { .work = { .run = probe_run } };
	KTEST_EXPECT(work_start() == 0, "no worker thread");
	KTEST_EXPECT(work_post(&a.work) && work_post(&b.work), "work_post refused with a worker running");
	uint64_t deadline = timer_now_ns() + WORK_WAIT_NS;
	while (!__atomic_load_n(&b.runs, __ATOMIC_ACQUIRE) && timer_now_ns() < deadline)
		cpu_relax();
	KTEST_EXPECT(b.runs == 1, "the second item ran %u times", b.runs);
	KTEST_EXPECT(a.runs == 1, "the first item ran %u times", a.runs);
	KTEST_EXPECT(a.order < b.order, "out of order: %u then %u", a.order, b.order);
	KTEST_EXPECT(a.kernel_thread && a.interrupts_on, "ran %s a kernel thread, interrupts %s",
		     a.kernel_thread ? "in" : "outside", a.interrupts_on ? "on" : "off");
	return 0;
}
