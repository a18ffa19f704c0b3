/*
 * vmm --mark PREFIX: after every guest console line that begins with PREFIX,
 * one line with the host's clock and the VM's counters so far, so a program
 * in the guest can bracket its work with lines of its own and a reader on
 * the host can tell what each part cost in exits (tools/vmbench does):
 *
 *   vmm: vm1 mark t=NS guest_ns=NS exit_ns=NS exits=N io=N mmio=N ...
 *
 * t is the host's monotonic clock; guest_ns and exit_ns the kernel's time in
 * the guest and handling its exits; exits every exit, then the nonzero ones
 * by reason (sietch_vm_exit_name), the kernel's own included.
 */
#include <stdio.h>
#include <string.h>

#include "lib/os/os.h"
#include "user/vmm/vmm.h"

#define MARK_MAX 1024

void vm_mark(struct vm *vm, const char *line, size_t len)
{
	size_t prefix = vm->mark_prefix ? strlen(vm->mark_prefix) : 0;
	if (!prefix || len < prefix || memcmp(line, vm->mark_prefix, prefix) != 0)
		return;
	vm_exits_print(vm, "mark");
}

void vm_exits_print(struct vm *vm, const char *what)
{
	struct sietch_counters c;
	if (os_counters(SIETCH_COUNTERS_VM, (uint64_t)vm->handle, &c) < 0)
		return;
	char buf[MARK_MAX];
	int n = snprintf(buf, sizeof(buf), "vmm: vm%u %s t=%llu guest_ns=%llu exit_ns=%llu exits=%llu", vm->number,
			 what, (unsigned long long)vmm_now_ns(), (unsigned long long)c.vm.guest_ns,
			 (unsigned long long)c.vm.kernel_ns, (unsigned long long)c.vm.exits);
	for (unsigned r = 0; r < SIETCH_VM_EXIT_COUNTED && n < (int)sizeof(buf) - 40; r++)
		if (c.vm.exit[r] && sietch_vm_exit_name(r))
			n += snprintf(buf + n, sizeof(buf) - (size_t)n, " %s=%llu", sietch_vm_exit_name(r),
				      (unsigned long long)c.vm.exit[r]);
	n += snprintf(buf + n, sizeof(buf) - (size_t)n, "\n");
	os_write(1, buf, (size_t)n);
}
