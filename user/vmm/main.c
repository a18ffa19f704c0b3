/*
 * vmm [--cpus N] [--mem SIZE] [--npt|--shadow] [--mark PREFIX] KERNEL [MODULE...] [-- GUEST COMMAND LINE]
 *
 * Boots a Multiboot2 kernel (Sietch's own kernel.elf) in a hardware virtual
 * machine: loads it and its modules from the name tree into guest memory,
 * writes the ACPI tables and the boot information, and starts the first vCPU
 * where a Multiboot2 loader would leave it. The guest's console appears on
 * ours line by line, prefixed `[vmN] `; what is typed while vmm is in the
 * foreground goes to the guest's COM1. The guest's power-off ends vmm with
 * the guest's status (0 pass or clean power-off, 1 failure, 2 exception).
 * With --mark, the VM's exit counters follow every guest line that begins
 * with PREFIX, and the VM's end (marks.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/os/os.h"
#include "user/vmm/guest_boot.h"
#include "user/vmm/vmm.h"

#define DEFAULT_MEM (128ull << 20)
#define MAX_MODULES 8
#define CMDLINE_MAX 1024
#define TICK_NS 10000000ull /* the ticker's longest sleep: how late a timer can be at worst */
#define USAGE "usage: vmm [--cpus N] [--mem SIZE] [--npt|--shadow] [--mark PREFIX] KERNEL [MODULE...] [-- GUEST COMMAND LINE]\n"

static struct vm the_vm;

void vm_lock(struct vm *vm)
{
	while (__atomic_exchange_n(&vm->lock, 1, __ATOMIC_ACQUIRE))
		os_yield();
}

void vm_unlock(struct vm *vm) { __atomic_store_n(&vm->lock, 0, __ATOMIC_RELEASE); }

uint64_t vmm_now_ns(void) { return (uint64_t)os_clock_ns(SIETCH_CLOCK_MONOTONIC); }

_Noreturn void vm_end(struct vm *vm, int status)
{
	if (!__atomic_exchange_n(&vm->done, true, __ATOMIC_ACQ_REL))
		vm->status = status;
	uart_flush(&vm->uart);
	if (vm->mark_prefix)
		vm_exits_print(vm, "end");
	printf("vmm: vm%u ended with status %d\n", vm->number, vm->status);
	fflush(stdout);
	fflush(stderr);
	exit(vm->status);
}

/* The guest's console lines, whole, prefixed with the VM's name. */
static void console_line(void *ctx, const char *line, size_t len)
{
	struct vm *vm = ctx;
	char buf[UART_LINE_MAX + 16];
	int n = snprintf(buf, sizeof(buf), "[vm%u] %.*s\n", vm->number, (int)len, line);
	os_write(1, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
	vm_mark(vm, line, len);
}

/* The I/O APIC sends an interrupt to a local APIC. */
static void apic_deliver(void *ctx, uint32_t apic_id, uint8_t vector)
{
	struct vm *vm = ctx;
	for (unsigned i = 0; i < vm->cpus; i++) {
		if (vm->vcpu[i].lapic.id == apic_id) {
			lapic_set_irr(&vm->vcpu[i].lapic, vector);
			vcpu_kick(&vm->vcpu[i]);
		}
	}
}

/* Fires the local APIC timers of vCPUs that are in the guest or halted. */
static void ticker(void *arg)
{
	struct vm *vm = arg;
	while (!vm->done) {
		uint64_t now = vmm_now_ns(), next = now + TICK_NS;
		vm_lock(vm);
		for (unsigned i = 0; i < vm->cpus; i++) {
			struct lapic *l = &vm->vcpu[i].lapic;
			lapic_timer_poll(l, now);
			vcpu_kick(&vm->vcpu[i]);
			if (l->timer_deadline_ns < next)
				next = l->timer_deadline_ns;
		}
		vm_unlock(vm);
		os_sleep_ns(next > now ? next - now : 0);
	}
}

/* Typed lines go to the guest's COM1, Enter as the carriage return a terminal sends. */
static void keyboard(void *arg)
{
	struct vm *vm = arg;
	char buf[256];
	while (!vm->done) {
		long n = os_read(0, buf, sizeof(buf));
		if (n <= 0) { /* not the console's foreground now: try again later */
			os_sleep_ns(100000000);
			continue;
		}
		for (long i = 0; i < n; i++)
			if (buf[i] == '\n')
				buf[i] = '\r';
		vm_lock(vm);
		uart_receive(&vm->uart, buf, (size_t)n);
		vm_uart_irq_update(vm);
		vm_unlock(vm);
	}
}

static void vcpu_thread(void *arg) { vcpu_loop(arg); }

/* SIZE in bytes, or with a K, M or G suffix. */
static bool parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 0);
	switch (*end) {
	case 'k': case 'K': v <<= 10; end++; break;
	case 'm': case 'M': v <<= 20; end++; break;
	case 'g': case 'G': v <<= 30; end++; break;
	default: break;
	}
	*out = v;
	return end != s && *end == 0;
}

/* The whole file at path, from the name tree. */
static bool file_read(const char *path, struct guest_image *out)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return false;
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	fseek(f, 0, SEEK_SET);
	void *data = size > 0 ? malloc((size_t)size) : NULL;
	bool ok = data && fread(data, 1, (size_t)size, f) == (size_t)size;
	fclose(f);
	const char *base = strrchr(path, '/');
	*out = (struct guest_image){ data, (size_t)size, base ? base + 1 : path };
	return ok;
}

struct options {
	unsigned cpus;
	uint64_t mem;
	bool shadow; /* --shadow: shadow page tables instead of nested paging */
	const char *mark_prefix;
	const char *kernel;
	const char *modules[MAX_MODULES];
	unsigned module_count;
	char cmdline[CMDLINE_MAX];
};

static int parse_args(int argc, char **argv, struct options *o)
{
	int i = 1;
	for (; i < argc && argv[i][0] == '-' && strcmp(argv[i], "--") != 0; i++) {
		uint64_t v;
		if (strcmp(argv[i], "--cpus") == 0 && i + 1 < argc && parse_size(argv[i + 1], &v) && v >= 1 &&
		    v <= VMM_MAX_CPUS) {
			o->cpus = (unsigned)v;
			i++;
		} else if (strcmp(argv[i], "--mem") == 0 && i + 1 < argc && parse_size(argv[i + 1], &o->mem)) {
			i++;
		} else if (strcmp(argv[i], "--npt") == 0) {
			o->shadow = false; /* the default; the kernel uses shadow paging anyway without NPT */
		} else if (strcmp(argv[i], "--shadow") == 0) {
			o->shadow = true;
		} else if (strcmp(argv[i], "--mark") == 0 && i + 1 < argc) {
			o->mark_prefix = argv[++i];
		} else {
			fputs(USAGE, stderr);
			return -1;
		}
	}
	for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (!o->kernel)
			o->kernel = argv[i];
		else if (o->module_count < MAX_MODULES)
			o->modules[o->module_count++] = argv[i];
		else
			return fprintf(stderr, "vmm: at most %d modules\n", MAX_MODULES), -1;
	}
	for (i++; i < argc; i++) {
		size_t used = strlen(o->cmdline);
		snprintf(o->cmdline + used, sizeof(o->cmdline) - used, "%s%s", used ? " " : "", argv[i]);
	}
	if (!o->kernel) {
		fputs(USAGE, stderr);
		return -1;
	}
	return 0;
}

/* The N of "[vmN] ": one more than the VMMs that started before this one and still run. */
static unsigned vm_number(void)
{
	static struct sietch_proc_info procs[64];
	long n = os_proc_list(procs, 64), me = os_self();
	unsigned number = 1;
	for (long i = 0; i < n && i < 64; i++)
		if (procs[i].state == 0 && procs[i].pid < (uint32_t)me && strcmp(procs[i].name, "vmm") == 0)
			number++;
	return number;
}

static int fail(const char *what, long err)
{
	fprintf(stderr, "vmm: %s: %s\n", what, err < 0 ? os_strerror(err) : "failed");
	return 1;
}

/* Guest memory: one memory object, mapped here (vm_setup maps it into the VM too). */
static int memory_setup(struct vm *vm)
{
	long mem = os_memory_create(vm->ram_size);
	if (mem < 0)
		return fail("guest memory", mem);
	long addr = os_memory_map(mem, NULL, SIETCH_PROT_READ | SIETCH_PROT_WRITE);
	if (addr < 0)
		return fail("mapping guest memory", addr);
	vm->ram = (uint8_t *)addr;
	vm->memory = mem;
	return 0;
}

/* The VM, with the guest's memory at guest-physical 0. */
static int vm_setup(struct vm *vm, bool shadow)
{
	vm->handle = os_vm_create(shadow ? SIETCH_VM_SHADOW : 0);
	if (vm->handle < 0)
		return fail("vm_create (does this machine have AMD SVM with nested paging?)", vm->handle);
	long err = os_vm_map(vm->handle, vm->memory, 0, 0, vm->ram_size,
			     SIETCH_PROT_READ | SIETCH_PROT_WRITE | SIETCH_PROT_EXEC);
	return err < 0 ? fail("vm_map", err) : 0;
}

static void devices_init(struct vm *vm)
{
	uart_init(&vm->uart, console_line, vm);
	pic_init(&vm->pic);
	pit_init(&vm->pit);
	cmos_init(&vm->cmos);
	power_init(&vm->power, GUEST_PM1A_CNT, GUEST_S5_SLP_TYP);
	ioapic_init(&vm->ioapic, vm->cpus, apic_deliver, vm);
}

static int vcpus_create(struct vm *vm)
{
	for (unsigned i = 0; i < vm->cpus; i++) {
		struct vcpu *v = &vm->vcpu[i];
		v->vm = vm;
		v->index = i;
		v->sipi_vector = -1;
		v->state = i == 0 ? VCPU_RUNNING : VCPU_WAIT_SIPI;
		lapic_init(&v->lapic, i);
		v->handle = os_vcpu_create(vm->handle, i);
		if (v->handle < 0)
			return fail("vcpu_create", v->handle);
		v->wake = os_notify_create();
		if (v->wake < 0)
			return fail("a notification", v->wake);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct options o = { .cpus = 1, .mem = DEFAULT_MEM };
	if (parse_args(argc, argv, &o))
		return 1;
	struct guest_image kernel, modules[MAX_MODULES];
	if (!file_read(o.kernel, &kernel))
		return fprintf(stderr, "vmm: cannot read %s\n", o.kernel), 1;
	for (unsigned i = 0; i < o.module_count; i++)
		if (!file_read(o.modules[i], &modules[i]))
			return fprintf(stderr, "vmm: cannot read %s\n", o.modules[i]), 1;

	struct vm *vm = &the_vm;
	vm->cpus = o.cpus;
	vm->ram_size = (o.mem + 4095) & ~4095ull;
	vm->number = vm_number();
	vm->mark_prefix = o.mark_prefix;
	if (vm->ram_size < GUEST_RAM_MIN || vm->ram_size > GUEST_RAM_MAX)
		return fprintf(stderr, "vmm: --mem must be between 4M and 3G\n"), 1;
	if (memory_setup(vm))
		return 1;
	struct guest_boot boot;
	const char *why;
	if (guest_boot_prepare(vm->ram, vm->ram_size, vm->cpus, &kernel, modules, o.module_count, o.cmdline, &boot,
			       &why))
		return fprintf(stderr, "vmm: %s: %s\n", o.kernel, why), 1;
	if (vm_setup(vm, o.shadow))
		return 1;
	devices_init(vm);
	if (vcpus_create(vm))
		return 1;
	long err = vcpu_boot_bsp(&vm->vcpu[0], boot.entry, boot.info_phys);
	if (err < 0)
		return fail("setting the boot registers", err);
	printf("vmm: vm%u: %s, %u cpus, %lu MiB, entry 0x%x%s\n", vm->number, o.kernel, vm->cpus,
	       (unsigned long)(vm->ram_size >> 20), boot.entry, o.shadow ? ", shadow paging" : "");
	fflush(stdout);
	os_thread_create(ticker, vm, 0);
	os_thread_create(keyboard, vm, 0);
	for (unsigned i = 1; i < vm->cpus; i++)
		os_thread_create(vcpu_thread, &vm->vcpu[i], 0);
	vcpu_loop(&vm->vcpu[0]);
	vm_end(vm, vm->status);
}
