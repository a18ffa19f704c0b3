#include "kernel/test/ktest.h"
#include "kernel/console.h"
#include "lib/common/cmdline.h"

extern const struct ktest __ktests_start[], __ktests_end[];

_Noreturn void ktest_run(const char *selection)
{
	int passed = 0, failed = 0;
	for (const struct ktest *t = __ktests_start; t < __ktests_end; t++) {
		if (!cmdline_list_has(selection, "all") && !cmdline_list_has(selection, t->name))
			continue;
		char why[160] = "";
		if (t->run(why, sizeof(why)) == 0) {
			kprintf("ktest: %s: pass\n", t->name);
			passed++;
		} else {
			kprintf("ktest: %s: fail: %s\n", t->name, why);
			failed++;
		}
	}
	kprintf("ktest: done: %d passed, %d failed\n", passed, failed);
	system_exit(failed ? EXIT_FAIL : EXIT_PASS);
}
