#include "kernel/test/ktest.h"
#include "kernel/console.h"
#include "lib/common/cmdline.h"
#include "lib/common/string.h"

extern const struct ktest __ktests_start[], __ktests_end[];

static bool ktest_exists(const char *name, size_t len)
{
	for (const struct ktest *t = __ktests_start; t < __ktests_end; t++)
		if (strlen(t->name) == len && !memcmp(t->name, name, len))
			return true;
	return false;
}

/* Names in the selection that are no test (nor "all" or "boot"), each a failure: a typo must not pass. */
static int ktest_unknown(const char *selection)
{
	int unknown = 0;
	for (const char *item = selection; *item;) {
		size_t len = 0;
		while (item[len] && item[len] != ',')
			len++;
		bool known = len == 0 || (len == 3 && !memcmp(item, "all", 3)) || (len == 4 && !memcmp(item, "boot", 4)) ||
			     ktest_exists(item, len);
		if (!known) {
			kprintf("ktest: %.*s: fail: no such test\n", (int)len, item);
			unknown++;
		}
		item += len + (item[len] == ',');
	}
	return unknown;
}

_Noreturn void ktest_run(const char *selection)
{
	int passed = 0, failed = ktest_unknown(selection);
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
